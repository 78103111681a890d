// G's gradient far from the data (far_gradient2d.h), against a hand computation
// on a linear D, l(x, y) = x - 1, and one mode at the origin. side = 3 puts the
// probe points at {-3, 0, 3}^2: the origin is the mode, the other 8 are far
// (farther than 1 from it). D judges real the 3 with x = 3 (l = 2 > 0, and
// > 1/2 for least squares). Per point, |dl/dx| = 1, so the G loss's gradient
// norm is its slope in l:
//   non-saturating softplus(-l): sigmoid(-l)     least squares (l - 1)^2 / 2: |l - 1|
// (The ring system's g_loss does not read GLossInput::G, so D stands in for it.)
#include <gtest/gtest.h>

#include <cmath>

#include "gan/autograd.h"
#include "gan/models/far_gradient2d.h"
#include "gan/models/registry.h"
#include "gan/nn/layers.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

std::unique_ptr<GanSystem> ring_system(LossKind loss, int64_t pack = 1) {
  SystemSetup s;
  s.loss = loss;
  s.image_size = 1;
  s.channels = 2;
  s.pack = pack;
  s.options = default_options("mlp2d");
  s.options.set("hidden", "8");
  s.options.set("eval_samples", "64");
  return make_system("mlp2d", std::move(s));
}

std::shared_ptr<nn::Linear> linear_d() {
  Generator gen(1);
  auto d = std::make_shared<nn::Linear>(2, 1, gen);
  NoGradGuard ng;
  d->weight.copy_(Tensor::from_data({1, 2}, std::vector<float>{1.0f, 0.0f}));
  d->bias.copy_(Tensor::from_data({1}, std::vector<float>{-1.0f}));
  return d;
}

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

const eval::GaussianMixture2d one_mode{"origin", {{0.0, 0.0}}, 0.05};

TEST(FarGradient, NonSaturatingMatchesItsSlopeAtEachProbePoint) {
  auto sys = ring_system(LossKind::non_saturating);
  const auto d = linear_d();
  const Tensor samples = Tensor::from_data({1, 2}, std::vector<float>{0.0f, 0.0f});  // l = -1
  const FarGradient f = far_gradient(*sys, *d, *d, samples, samples, one_mode, 3);
  EXPECT_EQ(f.far_points, 8);
  EXPECT_DOUBLE_EQ(f.fooling_fraction, 3.0 / 8);
  EXPECT_NEAR(f.fooling_grad_median, sigmoid(-2), 1e-6);  // small: the fooling points hardly move
  // Far points' slopes: sigmoid(-2) x 3 (x = 3), sigmoid(1) x 2 (x = 0), sigmoid(4) x 3 (x = -3); the 5th of 8.
  EXPECT_NEAR(f.far_grad_median, sigmoid(1), 1e-6);
  EXPECT_NEAR(f.sample_grad_median, sigmoid(1), 1e-6);
}

TEST(FarGradient, LeastSquaresKeepsAGradientBeyondTheRealLabel) {
  auto sys = ring_system(LossKind::least_squares);
  const auto d = linear_d();
  const Tensor samples = Tensor::from_data({1, 2}, std::vector<float>{0.0f, 0.0f});
  const FarGradient f = far_gradient(*sys, *d, *d, samples, samples, one_mode, 3);
  EXPECT_EQ(f.far_points, 8);
  EXPECT_DOUBLE_EQ(f.fooling_fraction, 3.0 / 8);  // D(x) = 2 > 1/2
  EXPECT_NEAR(f.fooling_grad_median, 1.0, 1e-6);  // |2 - 1|
  EXPECT_NEAR(f.far_grad_median, 2.0, 1e-6);      // 1 x 3, 2 x 2, 5 x 3: the 5th of 8
  EXPECT_NEAR(f.sample_grad_median, 2.0, 1e-6);   // |-1 - 1|
}

TEST(FarGradient, TheRingSystemLogsItOnlyWhereDJudgesSinglePoints) {
  for (int64_t pack : {1, 2}) {
    auto sys = ring_system(LossKind::non_saturating, pack);
    Generator init(3);
    nn::ModulePtr g = sys->make_generator(init), d = sys->make_discriminator(init);
    bool logged = false;
    for (const auto& [name, value] : sys->evaluate(*g, *d)) {
      if (name == "far_fooling_fraction") {
        logged = true;
        EXPECT_GE(value, 0.0);
        EXPECT_LE(value, 1.0);
      }
      if (name.rfind("far_", 0) == 0 || name == "sample_grad_median") {
        EXPECT_TRUE(std::isfinite(value)) << name;
      }
    }
    EXPECT_EQ(logged, pack == 1) << "pack " << pack;
  }
}

TEST(FarGradient, RejectsPointsThatAreNotTwoDimensional) {
  auto sys = ring_system(LossKind::non_saturating);
  const auto d = linear_d();
  const Tensor bad = Tensor::zeros({4, 3});
  const std::string e = testing::error_of([&] { far_gradient(*sys, *d, *d, bad, bad, one_mode, 3); });
  EXPECT_NE(e.find("expected samples [M, 2]"), std::string::npos) << e;
}

}  // namespace
}  // namespace gan::models
