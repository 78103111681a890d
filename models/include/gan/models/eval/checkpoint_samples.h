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

// n samples from latents drawn by a Generator seeded `seed` (batches of 500
// under no_grad). A conditional system's samples are balanced over its
// classes (sample i requests class i mod K), or all of class `klass` >= 0.
// truncation > 0: the truncation trick on each batch's z (truncate_noise,
// truncation.h, redraws from the same Generator); 0: the full normal.
// `edit` changes the saved config before the system is built (trained.h: ConfigEdit).
CheckpointSamples sample_from_checkpoint(const std::string& path, int64_t n, uint64_t seed,
                                         Device device = Device::cpu(), int64_t klass = -1, double truncation = 0,
                                         const std::function<void(TrainerConfig&)>& edit = {});

}  // namespace gan::models::eval
