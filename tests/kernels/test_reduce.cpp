// Reduce CPU kernel against naive loops written here: x [outer, reduce, inner]
// -> y [outer, inner], for every op, outer/inner of 1 and odd sizes, both the
// many-outputs and the split-reduce-axis paths, float and double. Outputs are
// poisoned with NaN first, so an unwritten element fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gan/kernels/reduce.h"

namespace {

using gan::kernels::KernelError;
using gan::kernels::ReduceOp;
using gan::kernels::ReduceParams;
namespace cpu = gan::kernels::cpu;

template <class T>
constexpr T kNaN = std::numeric_limits<T>::quiet_NaN();

const ReduceOp kAllOps[] = {ReduceOp::sum, ReduceOp::mean, ReduceOp::max, ReduceOp::min, ReduceOp::var};

// The textbook definition, element by element, in double (long double for the
// sums, so the reference is clearly the more accurate side).
template <class T>
double ref_reduce(const std::vector<T>& x, const ReduceParams& p, ReduceOp op, int64_t o, int64_t i) {
  auto at = [&](int64_t r) { return static_cast<long double>(x[(o * p.reduce + r) * p.inner + i]); };
  long double sum = 0;
  for (int64_t r = 0; r < p.reduce; ++r) sum += at(r);
  const long double mean = sum / p.reduce;
  switch (op) {
    case ReduceOp::sum: return static_cast<double>(sum);
    case ReduceOp::mean: return static_cast<double>(mean);
    case ReduceOp::max: {
      long double m = at(0);
      for (int64_t r = 1; r < p.reduce; ++r) m = std::max(m, at(r));
      return static_cast<double>(m);
    }
    case ReduceOp::min: {
      long double m = at(0);
      for (int64_t r = 1; r < p.reduce; ++r) m = std::min(m, at(r));
      return static_cast<double>(m);
    }
    case ReduceOp::var: {
      long double m2 = 0;
      for (int64_t r = 0; r < p.reduce; ++r) m2 += (at(r) - mean) * (at(r) - mean);
      const int64_t dof = p.reduce - p.correction;
      return dof > 0 ? static_cast<double>(m2 / dof) : std::nan("");
    }
  }
  return std::nan("");
}

template <class T>
std::vector<T> random_vector(int64_t n, std::mt19937& rng) {
  // Offset from zero so that var's two passes matter (a large mean).
  std::uniform_real_distribution<double> dist(-1.0, 3.0);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

template <class T>
class ReduceTest : public ::testing::Test {};
using ReduceTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ReduceTest, ReduceTypes);

TYPED_TEST(ReduceTest, MatchesNaiveLoop) {
  using T = TypeParam;
  // {outer, reduce, inner}
  const std::vector<std::array<int64_t, 3>> shapes = {
      {1, 1, 1},     {1, 7, 1},     {1, 1000, 1},  {7, 1, 1},   {1, 1, 7},
      {3, 5, 7},     {1, 13, 9},    {11, 17, 1},   {4, 1, 6},   {2, 2, 2},
      {100, 3, 300},    // many outputs: parallel over outputs, segments of inner
      {7, 1000, 13},    // chunks of outputs cut mid-row of inner
      {1, 65537, 1},    // one output, long row: reduce axis split across threads
      {1, 40000, 1},
      {1, 33001, 3},    // few outputs with inner > 1
  };
  std::mt19937 rng(2024);
  // Float sums accumulate in double, so they are off by little more than the
  // final rounding; double results by a few ulps of the running sum.
  const double rtol = std::is_same_v<T, float> ? 1e-6 : 1e-12;
  for (const auto& [outer, reduce, inner] : shapes) {
    const std::vector<T> x = random_vector<T>(outer * reduce * inner, rng);
    for (ReduceOp op : kAllOps) {
      for (int64_t correction : {0, 1}) {
        if (op != ReduceOp::var && correction == 1) continue;
        const ReduceParams p{outer, reduce, inner, correction};
        std::vector<T> y(outer * inner, kNaN<T>);
        cpu::reduce<T>(p, op, x.data(), y.data());
        int failures = 0;
        for (int64_t o = 0; o < outer && failures < 5; ++o) {
          for (int64_t i = 0; i < inner && failures < 5; ++i) {
            const double want = ref_reduce(x, p, op, o, i);
            const T got = y[o * inner + i];
            auto where = [&] {
              return std::string(gan::kernels::reduce_op_name(op)) + " [" + std::to_string(outer) + "," +
                     std::to_string(reduce) + "," + std::to_string(inner) + "] correction " +
                     std::to_string(correction) + " at (" + std::to_string(o) + "," + std::to_string(i) + ")";
            };
            if (std::isnan(want)) {  // var of one element with correction 1
              EXPECT_TRUE(std::isnan(got)) << where();
              continue;
            }
            const bool ok = !std::isnan(got) && std::abs(got - want) <= rtol * std::max(1.0, std::abs(want));
            if (ok) continue;
            ++failures;
            ADD_FAILURE() << where() << ": got " << got << ", want " << want;
          }
        }
      }
    }
  }
}

// Float inputs accumulate in double: 1e8 + 1000 ones is exact, where a float
// accumulator would stay at 1e8 (ulp(1e8) = 8 in float).
TYPED_TEST(ReduceTest, SumAccumulatesInDouble) {
  using T = TypeParam;
  for (int64_t n : {1001, 65537}) {
    std::vector<T> x(n, T(1));
    x[0] = T(1e8);
    T y = kNaN<T>;
    cpu::reduce<T>({1, n, 1, 0}, ReduceOp::sum, x.data(), &y);
    EXPECT_EQ(y, T(1e8 + (n - 1))) << n;
  }
}

// Two-pass var: a tiny spread around a large mean keeps its digits.
TYPED_TEST(ReduceTest, VarianceAroundLargeMean) {
  using T = TypeParam;
  const std::vector<T> x = {T(10000.5), T(10001.5), T(10002.5), T(10003.5)};  // exact in float
  T y = kNaN<T>;
  cpu::reduce<T>({1, 4, 1, 0}, ReduceOp::var, x.data(), &y);
  EXPECT_EQ(y, T(1.25));
  cpu::reduce<T>({1, 4, 1, 1}, ReduceOp::var, x.data(), &y);
  EXPECT_NEAR(y, 5.0 / 3.0, 1e-6);
}

TYPED_TEST(ReduceTest, NaNPropagatesToItsOutputOnly) {
  using T = TypeParam;
  // x [2, 3, 2]: NaN at (o=1, r=1, i=0) and (o=0, r=0, i=1).
  std::vector<T> x = {1, kNaN<T>, 2, 5, 3, 4, /**/ 6, 7, kNaN<T>, 0, 8, 9};
  for (ReduceOp op : kAllOps) {
    std::vector<T> y(4, T(123));
    cpu::reduce<T>({2, 3, 2, 0}, op, x.data(), y.data());
    EXPECT_FALSE(std::isnan(y[0])) << gan::kernels::reduce_op_name(op);
    EXPECT_TRUE(std::isnan(y[1])) << gan::kernels::reduce_op_name(op);
    EXPECT_TRUE(std::isnan(y[2])) << gan::kernels::reduce_op_name(op);
    EXPECT_FALSE(std::isnan(y[3])) << gan::kernels::reduce_op_name(op);
  }
  // NaN first, last, and in a long row (split path).
  for (int64_t n : {3, 65537}) {
    for (int64_t pos : {int64_t{0}, n / 2, n - 1}) {
      std::vector<T> v(n, T(1));
      v[pos] = kNaN<T>;
      for (ReduceOp op : {ReduceOp::max, ReduceOp::min, ReduceOp::sum}) {
        T y = 0;
        cpu::reduce<T>({1, n, 1, 0}, op, v.data(), &y);
        EXPECT_TRUE(std::isnan(y)) << gan::kernels::reduce_op_name(op) << " n=" << n << " NaN at " << pos;
      }
    }
  }
}

TYPED_TEST(ReduceTest, EmptyAndDegenerateAxes) {
  using T = TypeParam;
  const T* none = nullptr;
  std::vector<T> y(6, T(-7));
  // reduce == 0: sum 0, mean NaN, var NaN for every output.
  cpu::reduce<T>({2, 0, 3, 0}, ReduceOp::sum, none, y.data());
  for (T v : y) EXPECT_EQ(v, T(0));
  for (ReduceOp op : {ReduceOp::mean, ReduceOp::var}) {
    std::fill(y.begin(), y.end(), T(-7));
    cpu::reduce<T>({2, 0, 3, 0}, op, none, y.data());
    for (T v : y) EXPECT_TRUE(std::isnan(v)) << gan::kernels::reduce_op_name(op);
  }
  // Degrees of freedom exhausted: var of one element with correction 1 (and 2 of 2).
  const std::vector<T> x = {T(3), T(4)};
  T v = 0;
  cpu::reduce<T>({1, 1, 1, 1}, ReduceOp::var, x.data(), &v);
  EXPECT_TRUE(std::isnan(v));
  cpu::reduce<T>({1, 2, 1, 2}, ReduceOp::var, x.data(), &v);
  EXPECT_TRUE(std::isnan(v));
  cpu::reduce<T>({1, 2, 1, 1}, ReduceOp::var, x.data(), &v);
  EXPECT_EQ(v, T(0.5));
  // No outputs: nothing is read or written.
  cpu::reduce<T>({0, 5, 3, 0}, ReduceOp::max, none, y.data());
  cpu::reduce<T>({4, 5, 0, 0}, ReduceOp::sum, none, y.data());
}

TYPED_TEST(ReduceTest, InvalidParamsFailNamingTheKernel) {
  using T = TypeParam;
  T x[4] = {}, y[4] = {};
  auto expect_error = [&](const ReduceParams& p, ReduceOp op) {
    try {
      cpu::reduce<T>(p, op, x, y);
      ADD_FAILURE() << "expected KernelError for " << gan::kernels::reduce_op_name(op);
    } catch (const KernelError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("reduce:", 0), 0u) << e.what();
    }
  };
  expect_error({1, 0, 1, 0}, ReduceOp::max);  // no identity for an empty max/min
  expect_error({2, 0, 2, 0}, ReduceOp::min);
  expect_error({-1, 2, 1, 0}, ReduceOp::sum);
  expect_error({1, -2, 1, 0}, ReduceOp::mean);
  expect_error({1, 2, -1, 0}, ReduceOp::var);
}

}  // namespace
