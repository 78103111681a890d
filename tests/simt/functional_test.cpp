// Kernels that use the emulated surface correctly give exact (or tolerance-
// bounded, for tensor cores) results under every schedule order.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <vector>

#include "simt_test_kernels.h"
#include "simt_test_util.h"

namespace gan::simt_test {
namespace {

using FunctionalTest = ScheduledTest;

TEST_P(FunctionalTest, TiledMatmulIsExactOnAwkwardSizes) {
  for (auto [m, n, k] : {std::tuple{37, 53, 29}, std::tuple{16, 16, 16}, std::tuple{1, 17, 33}}) {
    const auto a = random_floats(static_cast<std::size_t>(m) * k, 1);
    const auto b = random_floats(static_cast<std::size_t>(k) * n, 2);
    std::vector<float> c(static_cast<std::size_t>(m) * n, -7.0f);
    tiled_matmul(a.data(), b.data(), c.data(), m, n, k);
    const auto ref = matmul_reference(a, b, m, n, k);
    for (std::size_t i = 0; i < c.size(); ++i)
      ASSERT_EQ(c[i], ref[i]) << "m=" << m << " n=" << n << " k=" << k << " at " << i;
  }
}

TEST_P(FunctionalTest, WarpShuffleDownSumIsExact) {
  const int n = 1000;  // not a multiple of 32 or of the block (128)
  std::vector<int> x(n);
  for (int i = 0; i < n; ++i) x[i] = (i * 7919) % 101 - 50;
  std::vector<int> out(n, 12345);
  warp_sum_shfl_down(x.data(), out.data(), n);
  for (int w = 0; w < n; w += 32) {
    int sum = 0;
    for (int i = w; i < std::min(n, w + 32); ++i) sum += x[i];
    EXPECT_EQ(out[w], sum) << "warp starting at " << w;
  }
}

TEST_P(FunctionalTest, WarpShuffleXorSumIsExact) {
  const int n = 999;
  const auto x = random_small_ints(n, 3);
  std::vector<float> out(n, -1.0f);
  warp_sum_shfl_xor(x.data(), out.data(), n);
  for (int i = 0; i < n; ++i) {
    const int w = i / 32 * 32;
    float sum = 0.0f;
    for (int j = w; j < std::min(n, w + 32); ++j) sum += x[j];
    ASSERT_EQ(out[i], sum) << "element " << i;
  }
}

TEST_P(FunctionalTest, BlockReductionThroughSharedMemory) {
  const int n = 256 * 37 + 11;
  const auto x = random_small_ints(n, 4);
  const int blocks = (n + 255) / 256;
  std::vector<float> sums(blocks, -1.0f);
  float total = 0.0f;
  block_sum(x.data(), sums.data(), &total, n);
  float expected_total = 0.0f;
  for (int b = 0; b < blocks; ++b) {
    float s = 0.0f;
    for (int i = b * 256; i < std::min(n, (b + 1) * 256); ++i) s += x[i];
    EXPECT_EQ(sums[b], s) << "block " << b;
    expected_total += s;
  }
  EXPECT_EQ(total, expected_total);
}

TEST_P(FunctionalTest, ExitedThreadsDoNotCountAtABarrier) {
  const int n = 256 + 100;
  const auto x = random_floats(n, 13);
  std::vector<float> out(n, 0.0f);
  early_exit_rotate(x.data(), out.data(), n);
  for (int i = 0; i < n; ++i) {
    const int base = i / 256 * 256, active = std::min(256, n - base);
    ASSERT_EQ(out[i], x[base + (i - base + 1) % active]) << i;
  }
}

TEST_P(FunctionalTest, AtomicsAcrossManyBlocks) {
  const int blocks = 300;
  const int threads = blocks * 256;
  int counters[5] = {0, 0, -1, 1 << 30, 0};
  float fsum = 0.0f;
  atomic_counters(counters, &fsum, blocks);
  EXPECT_EQ(counters[0], threads);
  EXPECT_EQ(counters[1], threads);
  EXPECT_EQ(counters[2], threads - 1);
  EXPECT_EQ(counters[3], 0);
  EXPECT_EQ(counters[4], threads % 1000);
  EXPECT_EQ(fsum, static_cast<float>(threads));  // exact below 2^24
}

TEST_P(FunctionalTest, BallotAnyAllIncludingDivergentBranch) {
  const int n = 200;  // the last warp is partial: lanes past n vote 0
  std::vector<int> pred(n);
  for (int i = 0; i < n; ++i) pred[i] = (i % 3 == 0) || (i >= 64 && i < 96);  // warp 2: all true
  std::vector<unsigned> out(4 * n, 0xdeadu);
  vote(pred.data(), out.data(), n);
  for (int i = 0; i < n; ++i) {
    const int w = i / 32 * 32;
    unsigned ballot = 0;
    for (int l = 0; l < 32; ++l)
      if (w + l < n && pred[w + l]) ballot |= 1u << l;
    const bool in_low_half = (i % 32) < 16;
    // Threads past n exist in the block (blocks of 64) and vote 0.
    ASSERT_EQ(out[4 * i + 0], ballot) << i;
    ASSERT_EQ(out[4 * i + 1], ballot != 0u) << i;
    ASSERT_EQ(out[4 * i + 2], ballot == 0xffffffffu) << i;
    ASSERT_EQ(out[4 * i + 3], in_low_half ? (ballot & 0xffffu) : 0u) << i;
  }
}

TEST_P(FunctionalTest, DynamicSharedMemoryPerBlock) {
  for (int block : {300, 64, 1024}) {
    const int n = 2 * block + 77;
    const auto x = random_floats(n, 5);
    std::vector<float> y(n, 0.0f);
    reverse_dynamic_shared(x.data(), y.data(), n, block);
    for (int base = 0; base < n; base += block) {
      const int len = std::min(block, n - base);
      for (int t = 0; t < len; ++t) ASSERT_EQ(y[base + t], x[base + len - 1 - t]) << block << " " << base + t;
    }
  }
}

TEST_P(FunctionalTest, CpAsyncWithWaitIsCorrect) {
  const int n = 256 * 3 + 5;
  const auto x = random_floats(n, 6);
  std::vector<float> out(n, 0.0f);
  cp_async_exchange(x.data(), out.data(), n, /*wait=*/true);
  for (int i = 0; i < n; ++i) {
    const int base = i / 256 * 256, j = base + (i - base + 1) % 256;
    ASSERT_EQ(out[i], j < n ? x[j] : 0.0f) << i;
  }
  const int m = 4 * 256 + 6, padded = 2 * 4 * 256;
  const auto z = random_floats(m, 7);
  std::vector<float> y(padded, -3.0f);
  cp_async_zfill(z.data(), y.data(), m, padded);
  for (int i = 0; i < padded; ++i) ASSERT_EQ(y[i], i < m ? z[i] : 0.0f) << i;
}

float tf32_round(float v) {  // cvt.rna.tf32.f32
  uint32_t u;
  std::memcpy(&u, &v, 4);
  u = (u + 0x1000u) & 0xffffe000u;
  std::memcpy(&v, &u, 4);
  return v;
}

TEST_P(FunctionalTest, WmmaTf32MatchesCpuWithTf32Inputs) {
  const int m = 32, n = 48, k = 24;
  const auto a = random_floats(m * k, 8), b = random_floats(k * n, 9);
  std::vector<float> c(m * n, 0.0f);
  wmma_tf32_matmul(a.data(), b.data(), c.data(), m, n, k);
  double max_err = 0.0, max_err_unrounded = 0.0;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double ref = 0.0, ref_full = 0.0, mag = 0.0;
      for (int kk = 0; kk < k; ++kk) {
        ref += static_cast<double>(tf32_round(a[i * k + kk])) * tf32_round(b[kk * n + j]);
        ref_full += static_cast<double>(a[i * k + kk]) * b[kk * n + j];
        mag += std::fabs(static_cast<double>(a[i * k + kk]) * b[kk * n + j]);
      }
      const double err = std::fabs(c[i * n + j] - ref);
      ASSERT_LE(err, 4e-7 * mag + 1e-7) << i << "," << j;  // f32 rounding of the accumulator only
      max_err = std::max(max_err, err);
      max_err_unrounded = std::max(max_err_unrounded, std::fabs(c[i * n + j] - ref_full));
    }
  // The tf32 rounding of the inputs is visible: fp32 inputs would differ by far more.
  EXPECT_GT(max_err_unrounded, 10 * max_err);
}

TEST_P(FunctionalTest, WmmaBf16AndF16MatchCpu) {
  const int m = 16, n = 32, k = 48;
  const auto af = random_floats(m * k, 10), bf = random_floats(k * n, 11);
  std::vector<__nv_bfloat16> ab(m * k), bb(k * n);
  std::vector<__half> ah(m * k), bh(k * n);
  for (int i = 0; i < m * k; ++i) {
    ab[i] = __float2bfloat16(af[i]);
    ah[i] = __float2half(af[i]);
  }
  for (int i = 0; i < k * n; ++i) {
    bb[i] = __float2bfloat16(bf[i]);
    bh[i] = __float2half(bf[i]);
  }
  std::vector<float> cb(m * n), ch(m * n);
  wmma_bf16_matmul(ab.data(), bb.data(), cb.data(), m, n, k);
  wmma_f16_matmul(ah.data(), bh.data(), ch.data(), m, n, k);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      double rb = 0.0, rh = 0.0, mag = 0.0;
      for (int kk = 0; kk < k; ++kk) {
        rb += static_cast<double>(__bfloat162float(ab[i * k + kk])) * __bfloat162float(bb[kk * n + j]);
        rh += static_cast<double>(__half2float(ah[i * k + kk])) * __half2float(bh[kk * n + j]);
        mag += std::fabs(static_cast<double>(af[i * k + kk]) * bf[kk * n + j]);
      }
      ASSERT_NEAR(cb[i * n + j], rb, 4e-7 * mag + 1e-7) << i << "," << j;
      ASSERT_NEAR(ch[i * n + j], rh, 4e-7 * mag + 1e-7) << i << "," << j;
    }
}

TEST_P(FunctionalTest, VectorTypesHalfAndMathIntrinsics) {
  const int n = 100;
  const auto x = random_floats(n, 12, -3.0f, 3.0f);
  std::vector<float> y(8 * n);
  misc(x.data(), y.data(), n);
  for (int i = 0; i < n; ++i) {
    const float v = x[i];
    const float* o = &y[8 * i];
    EXPECT_NEAR(o[0], std::exp(v), 1e-6f * std::exp(v));
    EXPECT_NEAR(o[1], 1.0f / std::sqrt(std::fabs(v) + 1.0f), 1e-6f);
    EXPECT_NEAR(o[2], v, std::fabs(v) * 1e-3f);  // f16: 11 significant bits
    EXPECT_NEAR(o[3], v, std::fabs(v) * 8e-3f);  // bf16: 8 significant bits
    const int q = i / 4 * 4;
    EXPECT_FLOAT_EQ(o[4], x[q] + x[q + 1] + x[q + 2] + x[q + 3]);
    EXPECT_EQ(o[5], static_cast<float>(std::min(i, 7)));
    EXPECT_EQ(o[6], static_cast<float>(__builtin_popcount(static_cast<unsigned>(i))));
    EXPECT_NEAR(o[7], v / 3.0f, 1e-6f);
  }
}

INSTANTIATE_TEST_SUITE_P(Schedules, FunctionalTest, ::testing::Values("forward", "reverse", "random:7"),
                         schedule_name);

}  // namespace
}  // namespace gan::simt_test
