// Standing statistics (standing_stats.h): every batch norm's running mean and
// variance become the plain average of K batches' statistics, drawn as the
// samples are (truncation included); weights, spectral norm's u / v and the
// eval mode are untouched; bad arguments and a G without batch norm are
// clear errors.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "gan/autograd.h"
#include "gan/models/registry.h"
#include "gan/models/standing_stats.h"
#include "gan/models/truncation.h"
#include "gan/nn/conditional_batch_norm.h"
#include "gan/nn/layers.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

using testing::error_of;

// A freshly built G of `system` as load_trained_generator would give it.
TrainedGenerator fresh(const std::string& system, int64_t image_size, int64_t num_classes) {
  TrainedGenerator t;
  t.config.system = system;
  t.num_classes = num_classes;
  SystemSetup s;
  s.image_size = image_size;
  s.num_classes = num_classes;
  s.loss = system == "biggan" ? LossKind::hinge : LossKind::non_saturating;
  s.options = default_options(system);
  if (s.options.has("z_dim")) s.options.set("z_dim", system == "biggan" ? "12" : "8");
  if (system == "biggan") s.options.set("shared_dim", "6");
  if (s.options.has("features_g")) {
    s.options.set("features_g", "8");  // BigGAN's attention needs multiples of 8
    s.options.set("features_d", "8");
  }
  t.system = make_system(system, s);
  Generator init(21);
  t.G = t.system->make_generator(init);
  t.G->eval();
  return t;
}

// Each batch norm of G: its running mean, variance and momentum.
struct NormState {
  std::vector<double> mean, var;
  double momentum;
};
std::map<std::string, NormState> norm_states(nn::Module& G) {
  std::map<std::string, NormState> out;
  for (auto& [name, m] : G.named_modules()) {
    if (auto* bn = dynamic_cast<nn::BatchNorm2d*>(m.get()))
      out[name] = {bn->running_mean.to_double_vector(), bn->running_var.to_double_vector(), bn->momentum};
    else if (auto* c = dynamic_cast<nn::ConditionalBatchNorm2d*>(m.get()))
      out[name] = {c->running_mean.to_double_vector(), c->running_var.to_double_vector(), c->momentum};
  }
  return out;
}

// The reference: batch by batch, each norm alone in training mode with
// momentum 1 (so its running buffers are that batch's statistics), averaged
// by hand. Latents drawn exactly as standing_stats draws them.
std::map<std::string, NormState> by_hand(const TrainedGenerator& t, int64_t batches, int64_t b, uint64_t seed,
                                         double trunc) {
  std::map<std::string, NormState> sum;
  Generator gen(seed);
  NoGradGuard ng;
  for (int64_t k = 0; k < batches; ++k) {
    for (auto& [name, m] : t.G->named_modules()) {
      if (auto* bn = dynamic_cast<nn::BatchNorm2d*>(m.get())) {
        bn->momentum = 1.0;
        bn->train(true);
      } else if (auto* c = dynamic_cast<nn::ConditionalBatchNorm2d*>(m.get())) {
        c->momentum = 1.0;
        c->train(true);
        for (auto& [child_name, child] : c->named_modules())  // BigGAN's SN gain / bias: no power iteration
          if (child.get() != c) child->eval();
      }
    }
    Latent l = t.sample_latent(b, gen);
    truncate_noise(l.z, trunc, gen);
    (void)t.system->generate(*t.G, l);
    for (auto& [name, st] : norm_states(*t.G)) {
      NormState& acc = sum[name];
      acc.mean.resize(st.mean.size());
      acc.var.resize(st.var.size());
      for (size_t i = 0; i < st.mean.size(); ++i) {
        acc.mean[i] += st.mean[i] / static_cast<double>(batches);
        acc.var[i] += st.var[i] / static_cast<double>(batches);
      }
    }
  }
  return sum;
}

TEST(StandingStats, EveryNormGetsTheAverageOfItsBatchStatistics) {
  for (const char* sys : {"dcgan", "biggan"}) {
    SCOPED_TRACE(sys);
    const bool big = std::string(sys) == "biggan";
    const TrainedGenerator t = fresh(sys, big ? 32 : 28, big ? 10 : 0);
    const TrainedGenerator ref = fresh(sys, big ? 32 : 28, big ? 10 : 0);
    std::map<std::string, std::vector<double>> before;  // copies: state_dict() shares storage
    for (const auto& [name, x] : t.G->state_dict()) before[name] = x.to_double_vector();
    const int64_t n = standing_stats(t, 3, 6, 5, 0.5, Device::cpu());
    EXPECT_EQ(n, big ? 3 : 2);  // BigGAN-lite: a CBN per stage at 32; DCGAN-28: two BNs
    EXPECT_FALSE(t.G->is_training());
    const std::map<std::string, NormState> got = norm_states(*t.G), want = by_hand(ref, 3, 6, 5, 0.5);
    ASSERT_EQ(got.size(), static_cast<size_t>(n));
    ASSERT_EQ(want.size(), got.size());
    for (const auto& [name, g] : got) {
      const NormState& w = want.at(name);
      EXPECT_EQ(g.momentum, 0.1) << name << ": momentum not restored";
      for (size_t i = 0; i < g.mean.size(); ++i) {
        EXPECT_NEAR(g.mean[i], w.mean[i], 1e-5 * (1 + std::abs(w.mean[i]))) << name << " mean " << i;
        EXPECT_NEAR(g.var[i], w.var[i], 1e-5 * (1 + std::abs(w.var[i]))) << name << " var " << i;
      }
    }
    // Everything but the norms' running buffers (and their batch counters)
    // is untouched: weights, and spectral norm's u and v (its power
    // iteration did not run).
    int64_t changed_elsewhere = 0, compared = 0;
    for (const auto& [name, x] : t.G->state_dict()) {
      if (name.find("running_") != std::string::npos || name.find("num_batches_tracked") != std::string::npos)
        continue;
      ++compared;
      if (x.to_double_vector() != before.at(name)) ++changed_elsewhere;
    }
    EXPECT_GT(compared, 0);
    EXPECT_EQ(changed_elsewhere, 0);
  }
}

TEST(StandingStats, ErrorsNameWhatWasWrong) {
  const TrainedGenerator t = fresh("dcgan", 28, 0);
  EXPECT_NE(error_of([&] { standing_stats(t, 0, 8, 1, 0, Device::cpu()); }).find("batches must be >= 1, got 0"),
            std::string::npos);
  EXPECT_NE(error_of([&] { standing_stats(t, 2, 1, 1, 0, Device::cpu()); }).find("batch size must be >= 2"),
            std::string::npos);
  EXPECT_NE(error_of([&] { standing_stats(t, 2, 8, 1, -1, Device::cpu()); }).find("--truncation"), std::string::npos);
  TrainedGenerator m;
  m.config.system = "mlp2d";
  SystemSetup s;
  s.image_size = 1;
  s.channels = 2;
  s.options = default_options("mlp2d");
  m.system = make_system("mlp2d", s);
  Generator init(1);
  m.G = m.system->make_generator(init);
  EXPECT_NE(error_of([&] { standing_stats(m, 2, 8, 1, 0, Device::cpu()); })
                .find("the generator of system 'mlp2d' has no batch norm"),
            std::string::npos);
}

}  // namespace
}  // namespace gan::models
