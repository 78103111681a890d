// Fake images for evaluation from a training checkpoint of any GAN system
// (load_trained_generator, trained.h; EMA G when present).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "gan/tensor.h"

namespace gan::models {
struct TrainerConfig;  // trainer.h
}  // namespace gan::models

namespace gan::models::eval {

struct CheckpointSamples {
  Tensor images;     // [n, C, S, S] in [-1, 1] on the device asked for
  Tensor requested;  // [n] i64: the class each sample was generated for (conditional systems), else undefined
};

// How the samples are drawn, beyond their number and seed.
struct SampleOptions {
  Device device = Device::cpu();
  int64_t klass = -1;            // >= 0: every sample of that class
  double truncation = 0;         // > 0: the truncation trick on z (truncation.h); 0: the full normal
  int64_t standing_batches = 0;  // > 0: G's batch norms get standing statistics over this many
                                 // training-size batches of the full normal (standing_stats.h)
  std::function<void(TrainerConfig&)> edit;  // changes the saved config before the system is built
                                             // (trained.h: ConfigEdit; StyleGAN's truncation_psi)
};

// n samples from latents drawn by a Generator seeded `seed` (batches of 500
// under no_grad). A conditional system's samples are balanced over its
// classes (sample i requests class i mod K), or all of class o.klass.
// Truncation redraws from the same Generator; standing statistics use their
// own stream (seed + 1'000'003) so the samples' latents do not depend on it.
CheckpointSamples sample_from_checkpoint(const std::string& path, int64_t n, uint64_t seed,
                                         const SampleOptions& o = {});

}  // namespace gan::models::eval
