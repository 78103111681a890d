// The truncation trick (Brock et al. 2019, BigGAN §3.1): sample z from a
// normal truncated to [-t, t] — every entry with |z| > t is redrawn until it
// falls inside — trading variety for fidelity as t falls. An evaluation-time
// choice for any system with normal noise (`gan sample --truncation t`, `gan
// eval --truncation t`); training draws from the full normal.
#pragma once

#include "gan/random.h"
#include "gan/tensor.h"

namespace gan::models {

// The smallest threshold accepted: below it a redraw succeeds with
// probability < 4 % (P(|z| < 0.05) = 0.040), and the loop gets slow.
constexpr double kMinTruncation = 0.05;

// z [...] f32 on the CPU, in place: each entry with |z| > t replaced by fresh
// N(0, 1) draws from `gen` (one scalar draw at a time, in order) until one
// lands in [-t, t]; entries already inside are untouched. t = 0: no
// truncation (z unchanged, nothing drawn). t < 0, not finite, or in
// (0, kMinTruncation): gan::Error naming `what` (the option the user set).
void truncate_noise(Tensor& z, double t, Generator& gen, const char* what = "truncation");

}  // namespace gan::models
