// cpu::gemm against a naive triple loop (double accumulation), float and
// double: every transpose combination, alpha/beta, batch strides including
// broadcast, sizes 1 and odd, a size large enough to take the parallel
// row/column-block path, and a NaN-poisoned C with beta == 0.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gan/kernels/gemm.h"

namespace gan::kernels {
namespace {

template <class T>
std::vector<T> random_vec(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& e : v) e = static_cast<T>(u(rng));
  return v;
}

// C[b] = alpha op(A[b]) op(B[b]) + beta C[b]; beta == 0 ignores C.
template <class T>
void gemm_naive(const GemmParams& p, const T* a, const T* b, T* c) {
  for (int64_t bi = 0; bi < p.batch; ++bi) {
    const T* ab = a + bi * p.stride_a;
    const T* bb = b + bi * p.stride_b;
    T* cb = c + bi * p.stride_c;
    for (int64_t i = 0; i < p.m; ++i) {
      for (int64_t j = 0; j < p.n; ++j) {
        double acc = 0;
        for (int64_t q = 0; q < p.k; ++q) {
          const double av = p.trans_a ? ab[q * p.m + i] : ab[i * p.k + q];
          const double bv = p.trans_b ? bb[j * p.k + q] : bb[q * p.n + j];
          acc += av * bv;
        }
        const double old = p.beta == 0 ? 0.0 : p.beta * double(cb[i * p.n + j]);
        cb[i * p.n + j] = static_cast<T>(p.alpha * acc + old);
      }
    }
  }
}

template <class T>
double tolerance() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

// Runs gemm and the naive loop on the same random inputs; C starts random
// (beta != 0) or NaN (beta == 0, must be overwritten).
template <class T>
void check_gemm(const GemmParams& p, uint32_t seed) {
  std::mt19937 rng(seed);
  const int64_t nb = std::max<int64_t>(p.batch, 1);
  const int64_t size_a = (p.stride_a ? p.stride_a * (nb - 1) : 0) + p.m * p.k;
  const int64_t size_b = (p.stride_b ? p.stride_b * (nb - 1) : 0) + p.k * p.n;
  const int64_t size_c = (p.stride_c ? p.stride_c * (nb - 1) : 0) + p.m * p.n;
  const auto a = random_vec<T>(size_a, rng);
  const auto b = random_vec<T>(size_b, rng);
  std::vector<T> c = random_vec<T>(size_c, rng);
  if (p.beta == 0) std::fill(c.begin(), c.end(), std::numeric_limits<T>::quiet_NaN());
  std::vector<T> ref = c;
  cpu::gemm<T>(p, a.data(), b.data(), c.data());
  gemm_naive<T>(p, a.data(), b.data(), ref.data());
  double scale = 1;
  for (T v : ref)
    if (std::isfinite(double(v))) scale = std::max(scale, std::abs(double(v)));
  for (size_t i = 0; i < c.size(); ++i) {
    if (std::isnan(double(ref[i]))) {  // gap between strided C matrices: must stay untouched
      ASSERT_TRUE(std::isnan(double(c[i]))) << "gap index " << i << " was written";
      continue;
    }
    ASSERT_TRUE(std::isfinite(double(c[i]))) << "index " << i;
    ASSERT_NEAR(double(c[i]), double(ref[i]), tolerance<T>() * scale * (1 + p.k))
        << "index " << i << " m " << p.m << " n " << p.n << " k " << p.k << " ta " << p.trans_a
        << " tb " << p.trans_b;
  }
}

template <class T>
class GemmTest : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(GemmTest, Types);

TYPED_TEST(GemmTest, AllTransposesOddSizesAlphaBeta) {
  const int64_t sizes[][3] = {{1, 1, 1}, {17, 33, 9}, {5, 1, 7}, {1, 9, 4}, {8, 8, 1}};
  const double ab[][2] = {{1, 0}, {0.5, -1.5}, {-2, 1}};
  uint32_t seed = 1;
  for (const auto& s : sizes)
    for (const auto& coef : ab)
      for (int t = 0; t < 4; ++t) {
        GemmParams p;
        p.m = s[0];
        p.n = s[1];
        p.k = s[2];
        p.trans_a = t & 1;
        p.trans_b = t & 2;
        p.alpha = coef[0];
        p.beta = coef[1];
        check_gemm<TypeParam>(p, seed++);
      }
}

TYPED_TEST(GemmTest, BatchedStridesAndBroadcast) {
  uint32_t seed = 100;
  for (int t = 0; t < 4; ++t) {
    GemmParams p;
    p.batch = 3;
    p.m = 17;
    p.n = 33;
    p.k = 9;
    p.trans_a = t & 1;
    p.trans_b = t & 2;
    p.beta = 0.25;
    // Strides with gaps between matrices, as a slice of a larger tensor would have.
    p.stride_a = p.m * p.k + 5;
    p.stride_b = p.k * p.n + 3;
    p.stride_c = p.m * p.n + 7;
    check_gemm<TypeParam>(p, seed++);
    GemmParams pa = p;  // one A (e.g. a weight) against a batch of B
    pa.stride_a = 0;
    check_gemm<TypeParam>(pa, seed++);
    GemmParams pb = p;  // a batch of A against one B
    pb.stride_b = 0;
    pb.beta = 0;
    check_gemm<TypeParam>(pb, seed++);
  }
}

TYPED_TEST(GemmTest, LargeTakesParallelBlocks) {
  uint32_t seed = 200;
  for (int t = 0; t < 4; ++t) {
    GemmParams rows;  // m >= n: row blocks
    rows.m = 203;
    rows.n = 150;
    rows.k = 64;
    rows.trans_a = t & 1;
    rows.trans_b = t & 2;
    check_gemm<TypeParam>(rows, seed++);
    GemmParams cols = rows;  // n > m: column blocks
    cols.m = 21;
    cols.n = 301;
    cols.beta = 1;
    check_gemm<TypeParam>(cols, seed++);
  }
}

TYPED_TEST(GemmTest, ZeroKOrAlphaOnlyScalesC) {
  GemmParams p;
  p.m = 4;
  p.n = 5;
  p.k = 0;
  p.beta = 0;  // C poisoned: must become 0
  check_gemm<TypeParam>(p, 300);
  p.beta = 2;
  check_gemm<TypeParam>(p, 301);
  p.k = 3;
  p.alpha = 0;
  p.beta = 0;
  check_gemm<TypeParam>(p, 302);
}

TEST(GemmErrors, RejectsBadParams) {
  std::vector<float> buf(64);
  GemmParams p;
  p.m = -1;
  p.n = 2;
  p.k = 2;
  EXPECT_THROW(cpu::gemm<float>(p, buf.data(), buf.data(), buf.data()), KernelError);
  p.m = 2;
  p.batch = 2;
  p.stride_a = 4;
  p.stride_b = 4;
  p.stride_c = 0;  // both batches would write the same C
  try {
    cpu::gemm<float>(p, buf.data(), buf.data(), buf.data());
    FAIL() << "expected KernelError";
  } catch (const KernelError& e) {
    EXPECT_NE(std::string(e.what()).find("gemm"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gan::kernels
