// Fake images for evaluation from a training checkpoint. The one place that
// knows how a checkpoint becomes a generator: today the DCGAN loader
// (load_generator, trainer.h, EMA G when present); the zoo's generic loader
// replaces the body of this function and nothing else.
#pragma once

#include <cstdint>
#include <string>

#include "gan/tensor.h"

namespace gan::models::eval {

// n images [n, C, S, S] in [-1, 1] on `device`, from z ~ N(0, I) drawn by a
// Generator seeded `seed` (batches of 500 under no_grad).
Tensor sample_from_checkpoint(const std::string& path, int64_t n, uint64_t seed, Device device = Device::cpu());

}  // namespace gan::models::eval
