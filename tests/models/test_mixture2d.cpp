// 2-D mixture metrics (VEEGAN / PacGAN protocol): the true distribution scores
// perfectly, a generator on a few modes scores what it covers, and off-mode
// points are not high quality.
#include <gtest/gtest.h>

#include <cmath>

#include "gan/models/eval/mixture2d.h"
#include "gan/ops.h"

namespace gan::models::eval {
namespace {

TEST(Mixture2d, Definitions) {
  const auto ring = ring_of_gaussians();
  ASSERT_EQ(ring.means.size(), 8u);
  EXPECT_NEAR(ring.means[2][0], 0.0, 1e-12);
  EXPECT_NEAR(ring.means[2][1], 2.0, 1e-12);
  const auto grid = grid_of_gaussians();
  ASSERT_EQ(grid.means.size(), 25u);
  EXPECT_DOUBLE_EQ(grid.means.front()[0], -4);
  EXPECT_DOUBLE_EQ(grid.means.back()[1], 4);
  EXPECT_DOUBLE_EQ(grid.std, 0.05);
}

TEST(Mixture2d, TrueDistributionCoversEverything) {
  for (const auto& mix : {ring_of_gaussians(), grid_of_gaussians()}) {
    Generator g(1);
    const MixtureMetrics m = mixture_metrics(mix.sample(2500, g), mix);
    EXPECT_EQ(m.modes_covered, m.modes) << mix.name;
    EXPECT_NEAR(m.high_quality_fraction, 1 - std::exp(-4.5), 0.006) << mix.name;  // 3 std in 2-D: 98.9 %
    EXPECT_LT(m.js_to_uniform_bits, 0.01) << mix.name;
    EXPECT_EQ(m.n, 2500);
  }
}

TEST(Mixture2d, CollapsedGeneratorIsMeasured) {
  // Five of 25 grid modes, plus 500 points in between modes.
  auto grid = grid_of_gaussians();
  GaussianMixture2d five = grid;
  five.means.resize(5);
  Generator g(2);
  const Tensor on = five.sample(2000, g);
  const Tensor off = Tensor::rand({500, 2}, g, 0.9, 1.1);  // around (1, 1): 0.5 from every grid mean
  const MixtureMetrics m = mixture_metrics(ops::cat({on, off}, 0), grid);
  EXPECT_EQ(m.modes_covered, 5);
  EXPECT_NEAR(m.high_quality_fraction, 0.8, 0.01);
  // JS(uniform over 5 of 25, uniform over 25) = 1 - 0.5*(0.2*log2(... )) ~ 0.61 bits.
  const double p = 1.0 / 5, q = 1.0 / 25, mm = 0.5 * (p + q);
  const double want = 0.5 * 5 * p * std::log2(p / mm) + 0.5 * (5 * q * std::log2(q / mm) + 20 * q * std::log2(q / (0.5 * q)));
  EXPECT_NEAR(m.js_to_uniform_bits, want, 0.02);
}

TEST(Mixture2d, MinCountAndErrors) {
  const auto ring = ring_of_gaussians();
  const Tensor pts = Tensor::from_data({3, 2}, std::vector<float>{2.f, 0.f, 2.f, 0.01f, 0.f, 2.f});
  EXPECT_EQ(mixture_metrics(pts, ring, 1).modes_covered, 2);
  EXPECT_EQ(mixture_metrics(pts, ring, 2).modes_covered, 1);
  EXPECT_THROW(mixture_metrics(Tensor::zeros({4, 3}), ring), Error);
  EXPECT_THROW(mixture_metrics(Tensor::from_data({1, 2}, std::vector<float>{NAN, 0.f}), ring), Error);
  EXPECT_DOUBLE_EQ(js_divergence_bits({1, 0}, {0, 1}), 1.0);
  EXPECT_DOUBLE_EQ(js_divergence_bits({0, 0}, {0, 1}), 1.0);
  EXPECT_NEAR(js_divergence_bits({1, 1}, {2, 2}), 0.0, 1e-15);
}

}  // namespace
}  // namespace gan::models::eval
