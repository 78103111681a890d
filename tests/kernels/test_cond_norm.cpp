// Per-sample affine (conditional batch norm), CPU reference: against the
// formula written out per element, beta = nullptr as zero, empty tensors, and
// negative sizes (KernelError naming the kernel, nothing written).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gan/kernels/cond_norm.h"

namespace gan::kernels {
namespace {

TEST(PerSampleAffineCpu, MatchesFormula) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> d(-2, 2);
  const int64_t n = 3, c = 4, hw = 5;
  std::vector<double> x(n * c * hw), g(n * c), b(n * c);
  for (auto* v : {&x, &g, &b})
    for (auto& e : *v) e = d(rng);
  PerSampleAffineParams p{n, c, hw};
  std::vector<double> y(x.size(), std::numeric_limits<double>::quiet_NaN()), y0 = y;
  cpu::per_sample_affine<double>(p, x.data(), g.data(), b.data(), y.data());
  cpu::per_sample_affine<double>(p, x.data(), g.data(), nullptr, y0.data());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < c; ++k)
      for (int64_t j = 0; j < hw; ++j) {
        const size_t e = static_cast<size_t>((i * c + k) * hw + j), r = static_cast<size_t>(i * c + k);
        EXPECT_EQ(y[e], x[e] * g[r] + b[r]);
        EXPECT_EQ(y0[e], x[e] * g[r]);
      }
}

TEST(PerSampleAffineCpu, EmptyAndNegativeSizes) {
  float x = 1, g = 2, y = std::numeric_limits<float>::quiet_NaN();
  cpu::per_sample_affine<float>({0, 3, 4}, &x, &g, nullptr, &y);  // nothing to do
  EXPECT_TRUE(std::isnan(y));
  try {
    cpu::per_sample_affine<float>({1, 1, -1}, &x, &g, nullptr, &y);
    ADD_FAILURE() << "expected KernelError";
  } catch (const KernelError& e) {
    EXPECT_NE(std::string(e.what()).find("per_sample_affine"), std::string::npos);
  }
  EXPECT_TRUE(std::isnan(y));
}

}  // namespace
}  // namespace gan::kernels
