// act_grad (kernels/act_grad.h) against naive loops: bit-identical to the
// engine's composite backward evaluated step by step in T (the kernel's
// contract), close to the derivative in double, on fresh random inputs with
// a NaN, zeros and odd sizes; outputs NaN-poisoned; dx aliasing g allowed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "gan/kernels/act_grad.h"

namespace gan::kernels {
namespace {

template <class T>
std::vector<T> random_vec(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& e : v) e = static_cast<T>(u(rng));
  return v;
}

// The composite: one rounding to T per op, as mul/step/add/rsub kernels do.
template <class T>
T composite(ActGrad act, double slope, T g, T s) {
  switch (act) {
    case ActGrad::relu: {
      const T step = s > T(0) ? T(1) : T(0);
      return g * step;
    }
    case ActGrad::leaky_relu: {
      const T step = s > T(0) ? T(1) : T(0);
      const T scaled = step * static_cast<T>(1.0 - slope);
      const T factor = scaled + static_cast<T>(slope);
      return g * factor;
    }
    case ActGrad::tanh: {  // mul(g, mul(rsub(1, y), add(y, 1)))
      const T one_minus = T(1) - s;
      const T one_plus = s + T(1);
      return g * (one_minus * one_plus);
    }
  }
  return std::numeric_limits<T>::quiet_NaN();
}

// The derivative from its definition, in double.
double definition(ActGrad act, double slope, double g, double s) {
  switch (act) {
    case ActGrad::relu: return s > 0 ? g : 0.0;
    case ActGrad::leaky_relu: return s > 0 ? g : slope * g;
    case ActGrad::tanh: return g * (1 - s * s);
  }
  return std::nan("");
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

template <class T>
class ActGradTest : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ActGradTest, Types);

TYPED_TEST(ActGradTest, MatchesCompositeBitForBitAndTheDerivative) {
  using T = TypeParam;
  std::mt19937 rng(15);
  const struct {
    ActGrad act;
    double slope;
  } cases[] = {{ActGrad::relu, 0}, {ActGrad::leaky_relu, 0.2}, {ActGrad::leaky_relu, 0.01}, {ActGrad::tanh, 0}};
  for (const auto& c : cases) {
    for (int64_t n : {1, 7, 1000, 16385, 40001}) {  // 16385: just past one parallel chunk
      auto g = random_vec<T>(n, rng);
      auto s = random_vec<T>(n, rng);
      if (c.act == ActGrad::tanh) for (auto& v : s) v = std::tanh(v);  // s is tanh's output
      if (n >= 7) {
        s[2] = T(0);
        s[3] = -T(0);
        s[4] = std::numeric_limits<T>::quiet_NaN();  // step(NaN) = 0
        g[5] = T(0);
      }
      std::vector<T> dx(static_cast<size_t>(n), std::numeric_limits<T>::quiet_NaN());
      ActGradParams p;
      p.n = n;
      p.act = c.act;
      p.slope = c.slope;
      cpu::act_grad<T>(p, g.data(), s.data(), dx.data());
      for (int64_t i = 0; i < n; ++i) {
        const T want = composite<T>(c.act, c.slope, g[i], s[i]);
        ASSERT_TRUE(same_bits(dx[i], want) || (std::isnan(dx[i]) && std::isnan(want)))
            << act_grad_name(c.act) << " n " << n << " index " << i << ": " << dx[i] << " vs " << want;
        if (std::isnan(double(s[i]))) continue;
        const double ref = definition(c.act, c.slope, double(g[i]), double(s[i]));
        const double tol = (std::is_same_v<T, float> ? 1e-6 : 1e-15) * (1 + std::abs(ref));
        ASSERT_NEAR(double(dx[i]), ref, tol) << act_grad_name(c.act) << " index " << i;
      }
      // In place: dx is g's buffer.
      std::vector<T> inplace = g;
      cpu::act_grad<T>(p, inplace.data(), s.data(), inplace.data());
      for (int64_t i = 0; i < n; ++i) ASSERT_TRUE(same_bits(inplace[i], dx[i]) || std::isnan(dx[i])) << i;
    }
  }
}

TEST(ActGradErrors, RejectsNegativeSize) {
  ActGradParams p;
  p.n = -1;
  float v = 0;
  EXPECT_THROW(cpu::act_grad<float>(p, &v, &v, &v), std::exception);
}

}  // namespace
}  // namespace gan::kernels
