// standing_stats (standing_stats.h): every batch norm of G in training mode
// with momentum 1/k on the k-th batch, i.e. a cumulative average.
#include "gan/models/standing_stats.h"

#include <algorithm>
#include <vector>

#include "gan/autograd.h"
#include "gan/models/truncation.h"
#include "gan/nn/conditional_batch_norm.h"
#include "gan/nn/layers.h"

namespace gan::models {

namespace {
// One batch norm of G: its module (to switch to training mode) and its momentum.
struct Norm {
  nn::Module* m;
  double* momentum;
};
}  // namespace

int64_t standing_stats(const TrainedGenerator& t, int64_t batches, int64_t batch_size, uint64_t seed,
                       double truncation, Device device) {
  GAN_CHECK(batches >= 1, "standing statistics: batches must be >= 1, got ", batches);
  GAN_CHECK(batch_size >= 2, "standing statistics: batch size must be >= 2 (one sample has no variance), got ",
            batch_size);
  std::vector<Norm> norms;
  for (auto& [name, m] : t.G->named_modules()) {
    if (auto* bn = dynamic_cast<nn::BatchNorm2d*>(m.get()); bn && bn->track_running_stats) {
      norms.push_back({bn, &bn->momentum});
    } else if (auto* cbn = dynamic_cast<nn::ConditionalBatchNorm2d*>(m.get())) {
      norms.push_back({cbn, &cbn->momentum});
    }
  }
  GAN_CHECK(!norms.empty(), "standing statistics: the generator of system '", t.config.system,
            "' has no batch norm with running statistics");
  std::vector<double> saved;
  for (const Norm& n : norms) saved.push_back(*n.momentum);

  t.G->to(device);
  t.G->eval();
  for (const Norm& n : norms) {
    n.m->train(true);
    // A norm's own children (BigGAN's spectrally normalized gain / bias Linears) stay in eval mode, so their
    // power iteration does not run: only the running statistics change.
    for (auto& [name, child] : n.m->named_modules())
      if (child.get() != n.m) child->eval();
  }
  NoGradGuard ng;
  Generator gen(seed);
  for (int64_t k = 1; k <= batches; ++k) {
    // new = (1 - 1/k) * old + (1/k) * batch: the first batch replaces what
    // training left, the k-th gets weight 1/k, so the result is the mean.
    for (const Norm& n : norms) *n.momentum = 1.0 / static_cast<double>(k);
    Latent l = t.sample_latent(batch_size, gen);
    truncate_noise(l.z, truncation, gen, "--truncation");
    l.z = l.z.to(device);
    if (l.y.defined()) l.y = l.y.to(device);
    if (l.c.defined()) l.c = l.c.to(device);
    (void)t.system->generate(*t.G, l);
  }
  for (size_t i = 0; i < norms.size(); ++i) *norms[i].momentum = saved[i];
  t.G->eval();
  return static_cast<int64_t>(norms.size());
}

int64_t standing_stats_for_sampling(const TrainedGenerator& t, int64_t batches, uint64_t sample_seed, Device device) {
  return standing_stats(t, batches, std::max<int64_t>(2, t.config.batch), sample_seed + 1'000'003, /*truncation=*/0,
                        device);
}

}  // namespace gan::models
