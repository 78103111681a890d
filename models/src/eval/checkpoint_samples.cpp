// sample_from_checkpoint (checkpoint_samples.h): any system's checkpoint via
// load_trained_generator.
#include "gan/models/eval/checkpoint_samples.h"

#include <algorithm>
#include <vector>

#include "gan/autograd.h"
#include "gan/models/standing_stats.h"
#include "gan/models/trained.h"
#include "gan/models/truncation.h"
#include "gan/ops.h"

namespace gan::models::eval {

CheckpointSamples sample_from_checkpoint(const std::string& path, int64_t n, uint64_t seed,
                                         const SampleOptions& o) {
  GAN_CHECK(n >= 1, "sample_from_checkpoint: n must be >= 1, got ", n);
  const TrainedGenerator t = load_trained_generator(path, /*ema=*/true, o.edit);
  const Device device = o.device;
  const int64_t klass = o.klass;
  if (o.standing_batches > 0)
    standing_stats_for_sampling(t, o.standing_batches, seed, device);
  t.G->to(device);
  NoGradGuard ng;
  Generator gen(seed);
  std::vector<Tensor> parts, labels;
  for (int64_t i = 0; i < n; i += 500) {
    const int64_t b = std::min<int64_t>(500, n - i);
    Latent l = t.sample_latent(b, gen, klass);
    if (t.conditional() && klass < 0) {
      std::vector<int64_t> y(static_cast<size_t>(b));
      for (int64_t j = 0; j < b; ++j) y[static_cast<size_t>(j)] = (i + j) % t.num_classes;
      l.y = Tensor::from_data({b}, y);
    }
    if (l.y.defined()) labels.push_back(l.y);
    truncate_noise(l.z, o.truncation, gen, "--truncation");
    l.z = l.z.to(device);
    if (l.y.defined()) l.y = l.y.to(device);
    if (l.c.defined()) l.c = l.c.to(device);
    parts.push_back(t.system->generate(*t.G, l));
  }
  CheckpointSamples s;
  s.images = parts.size() == 1 ? parts[0] : ops::cat(parts, 0);
  if (!labels.empty()) s.requested = labels.size() == 1 ? labels[0] : ops::cat(labels, 0);
  return s;
}

}  // namespace gan::models::eval
