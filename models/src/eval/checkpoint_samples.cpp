// sample_from_checkpoint (checkpoint_samples.h): DCGAN checkpoints via load_generator.
#include "gan/models/eval/checkpoint_samples.h"

#include <vector>

#include "gan/autograd.h"
#include "gan/models/trainer.h"
#include "gan/ops.h"

namespace gan::models::eval {

Tensor sample_from_checkpoint(const std::string& path, int64_t n, uint64_t seed, Device device) {
  GAN_CHECK(n >= 1, "sample_from_checkpoint: n must be >= 1, got ", n);
  TrainerConfig cfg;
  auto G = load_generator(path, /*ema=*/true, &cfg);
  G->to(device);
  NoGradGuard ng;
  Generator gen(seed);
  std::vector<Tensor> parts;
  for (int64_t i = 0; i < n; i += 500) {
    const int64_t b = std::min<int64_t>(500, n - i);
    parts.push_back((*G)(Tensor::randn({b, cfg.z_dim}, gen).to(device)));
  }
  return parts.size() == 1 ? parts[0] : ops::cat(parts, 0);
}

}  // namespace gan::models::eval
