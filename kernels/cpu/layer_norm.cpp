// Layer norm, CPU reference (also instance norm: rows of an [N*C, H*W] view).
//
// Computes: y[i, j] = gamma[j] * (x[i, j] - mean_i) * invstd_i + beta[j], x [M, D]
// row-major, statistics per row i over its D elements (biased variance).
// Algorithm: forward and dx are one task per row (parallel_for over M), two
// passes per row (mean, then sum (x - mean)^2) accumulated in double so large
// offsets do not cancel. dgamma/dbeta are column sums over rows: they are split
// by column blocks (each block sums all rows in order into a double buffer), so
// the result is deterministic and race-free without atomics.
// Napkin math: forward reads x twice, writes y (3*M*D elements, ~5 flops each);
// backward reads x, dy twice and writes dx, plus one more read of x, dy for the
// parameter gradients (~7*M*D elements).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gan/kernels/cpu_parallel.h"
#include "gan/kernels/norm.h"

namespace gan::kernels::cpu {
namespace {

constexpr int64_t kGrainElems = 16384;

int64_t row_grain(int64_t per_row) { return std::max<int64_t>(1, kGrainElems / std::max<int64_t>(1, per_row)); }

void check_params(const char* kernel, const LayerNormParams& p) {
  if (p.m < 0 || p.d < 0) fail(kernel, "negative size (m=" + std::to_string(p.m) + ", d=" + std::to_string(p.d) + ")");
  if (p.m > 0 && p.d == 0) fail(kernel, "rows are empty (m=" + std::to_string(p.m) + ", d=0)");
  if (!(p.eps >= 0)) fail(kernel, "eps must be >= 0 (got " + std::to_string(p.eps) + ")");
}

}  // namespace

template <class T>
void layer_norm_fprop(const LayerNormParams& p, const T* x, const T* gamma, const T* beta, T* y, T* save_mean,
                      T* save_invstd, Stream) {
  check_params("layer_norm_fprop", p);
  const int64_t d = p.d;
  parallel_for(p.m, row_grain(d), [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      const T* xi = x + i * d;
      T* yi = y + i * d;
      double sum = 0;
      for (int64_t j = 0; j < d; ++j) sum += static_cast<double>(xi[j]);
      const double mean = sum / static_cast<double>(d);
      double sq = 0;
      for (int64_t j = 0; j < d; ++j) {
        const double t = static_cast<double>(xi[j]) - mean;
        sq += t * t;
      }
      const double invstd = 1.0 / std::sqrt(sq / static_cast<double>(d) + p.eps);
      for (int64_t j = 0; j < d; ++j) {
        const double g = gamma != nullptr ? static_cast<double>(gamma[j]) : 1.0;
        const double b = beta != nullptr ? static_cast<double>(beta[j]) : 0.0;
        yi[j] = static_cast<T>((static_cast<double>(xi[j]) - mean) * invstd * g + b);
      }
      if (save_mean != nullptr) save_mean[i] = static_cast<T>(mean);
      if (save_invstd != nullptr) save_invstd[i] = static_cast<T>(invstd);
    }
  });
}

template <class T>
void layer_norm_bprop(const LayerNormParams& p, const T* x, const T* dy, const T* gamma, const T* save_mean,
                      const T* save_invstd, T* dx, T* dgamma, T* dbeta, Stream) {
  check_params("layer_norm_bprop", p);
  const int64_t m = p.m, d = p.d;
  if (dx != nullptr) {
    parallel_for(m, row_grain(d), [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0; i < r1; ++i) {
        const T* xi = x + i * d;
        const T* dyi = dy + i * d;
        const double mean = static_cast<double>(save_mean[i]);
        const double invstd = static_cast<double>(save_invstd[i]);
        // g = gamma * dy; a = mean(g), b = mean(g * xhat).
        double sum_g = 0, sum_g_xhat = 0;
        for (int64_t j = 0; j < d; ++j) {
          const double g = static_cast<double>(dyi[j]) * (gamma != nullptr ? static_cast<double>(gamma[j]) : 1.0);
          sum_g += g;
          sum_g_xhat += g * (static_cast<double>(xi[j]) - mean) * invstd;
        }
        const double a = sum_g / static_cast<double>(d);
        const double b = sum_g_xhat / static_cast<double>(d);
        for (int64_t j = 0; j < d; ++j) {
          const double g = static_cast<double>(dyi[j]) * (gamma != nullptr ? static_cast<double>(gamma[j]) : 1.0);
          const double xhat = (static_cast<double>(xi[j]) - mean) * invstd;
          dx[i * d + j] = static_cast<T>(invstd * (g - a - xhat * b));
        }
      }
    });
  }
  if (dgamma == nullptr && dbeta == nullptr) return;
  // Column blocks: each sums every row, in row order, for its columns.
  parallel_for(d, std::max<int64_t>(16, row_grain(m)), [&](int64_t j0, int64_t j1) {
    const int64_t w = j1 - j0;
    std::vector<double> acc_g(static_cast<size_t>(w), 0.0), acc_b(static_cast<size_t>(w), 0.0);
    for (int64_t i = 0; i < m; ++i) {
      const double mean = static_cast<double>(save_mean[i]);
      const double invstd = static_cast<double>(save_invstd[i]);
      const T* xi = x + i * d + j0;
      const T* dyi = dy + i * d + j0;
      for (int64_t j = 0; j < w; ++j) {
        const double g = static_cast<double>(dyi[j]);
        acc_g[j] += g * (static_cast<double>(xi[j]) - mean) * invstd;
        acc_b[j] += g;
      }
    }
    for (int64_t j = 0; j < w; ++j) {
      if (dgamma != nullptr) dgamma[j0 + j] = static_cast<T>(acc_g[j]);
      if (dbeta != nullptr) dbeta[j0 + j] = static_cast<T>(acc_b[j]);
    }
  });
}

#define GAN_INSTANTIATE_LAYER_NORM(T)                                                                   \
  template void layer_norm_fprop<T>(const LayerNormParams&, const T*, const T*, const T*, T*, T*, T*,    \
                                    Stream);                                                             \
  template void layer_norm_bprop<T>(const LayerNormParams&, const T*, const T*, const T*, const T*,      \
                                    const T*, T*, T*, T*, Stream);
GAN_INSTANTIATE_LAYER_NORM(float)
GAN_INSTANTIATE_LAYER_NORM(double)
#undef GAN_INSTANTIATE_LAYER_NORM

}  // namespace gan::kernels::cpu
