// Spectral norm power iteration, CPU reference (spectral_norm.h).
//
// Computes: n_iter steps of v = normalize(W^T u), u = normalize(W v), then
// sigma = u^T W v, over W [rows, cols] viewed from w [lead, rows, inner]
// (dim 0: lead = 1; dim 1 of a ConvTranspose2d weight: lead = in channels).
// Algorithm: W^T u walks w in memory order (row r of each lead block adds
// u[r] * w[l, r, :] into the column accumulators), parallel over column
// ranges; W v is a dot product per row (four interleaved partial sums),
// parallel over rows. All sums in
// double; u, v rounded to T once per step; sigma from the rounded u.
// Napkin math: each step reads W twice (2 * rows * cols elements) and does
// 4 * rows * cols flops; a 512 x 4608 float weight is 9.4 MB read per step.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gan/kernels/cpu_parallel.h"
#include "gan/kernels/spectral_norm.h"

namespace gan::kernels::cpu {
namespace {

constexpr int64_t kGrainElems = 16384;

void check_params(const char* kernel, const SpectralNormParams& p) {
  if (p.rows < 1 || p.lead < 1 || p.inner < 1)
    fail(kernel, "matrix view must be non-empty (rows=" + std::to_string(p.rows) + ", lead=" +
                     std::to_string(p.lead) + ", inner=" + std::to_string(p.inner) + ")");
  if (p.n_iter < 0) fail(kernel, "n_iter must be >= 0 (got " + std::to_string(p.n_iter) + ")");
  if (!(p.eps >= 0)) fail(kernel, "eps must be >= 0 (got " + std::to_string(p.eps) + ")");
}

// acc[c] = sum_r W[r, c] * u[r] for c in [c0, c1).
template <class T>
void wt_u(const SpectralNormParams& p, const T* w, const T* u, double* acc, int64_t c0, int64_t c1) {
  std::fill(acc + c0, acc + c1, 0.0);
  for (int64_t l = c0 / p.inner; l * p.inner < c1; ++l) {
    const int64_t k0 = std::max(c0 - l * p.inner, int64_t{0});
    const int64_t k1 = std::min(c1 - l * p.inner, p.inner);
    double* a = acc + l * p.inner;
    for (int64_t r = 0; r < p.rows; ++r) {
      const double ur = static_cast<double>(u[r]);
      const T* row = w + (l * p.rows + r) * p.inner;
      for (int64_t k = k0; k < k1; ++k) a[k] += static_cast<double>(row[k]) * ur;
    }
  }
}

// out[r] = sum_c W[r, c] * v[c] for every row.
template <class T>
void w_v(const SpectralNormParams& p, const T* w, const T* v, double* out) {
  const int64_t cols = p.cols();
  parallel_for(p.rows, std::max<int64_t>(1, kGrainElems / cols), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      // Four independent partial sums: one chain of dependent double adds would
      // be latency-bound (~4 cycles per element) instead of bandwidth-bound.
      double s[4] = {0, 0, 0, 0};
      for (int64_t l = 0; l < p.lead; ++l) {
        const T* row = w + (l * p.rows + r) * p.inner;
        const T* vl = v + l * p.inner;
        int64_t k = 0;
        for (; k + 4 <= p.inner; k += 4)
          for (int j = 0; j < 4; ++j) s[j] += static_cast<double>(row[k + j]) * static_cast<double>(vl[k + j]);
        for (; k < p.inner; ++k) s[0] += static_cast<double>(row[k]) * static_cast<double>(vl[k]);
      }
      out[r] = (s[0] + s[1]) + (s[2] + s[3]);
    }
  });
}

// dst = src / max(||src||, eps), rounded to T.
template <class T>
void normalize_into(const std::vector<double>& src, double eps, T* dst) {
  double sq = 0;
  for (double x : src) sq += x * x;
  const double inv = 1.0 / std::max(std::sqrt(sq), eps);
  for (size_t i = 0; i < src.size(); ++i) dst[i] = static_cast<T>(src[i] * inv);
}

}  // namespace

template <class T>
void spectral_norm_power_iteration(const SpectralNormParams& p, const T* w, T* u, T* v, T* sigma, double*,
                                   Stream) {
  constexpr const char* kernel = "spectral_norm_power_iteration";
  check_params(kernel, p);
  const int64_t cols = p.cols();
  std::vector<double> vraw(static_cast<size_t>(cols)), wv(static_cast<size_t>(p.rows));
  for (int it = 0; it < p.n_iter; ++it) {
    parallel_for(cols, std::max<int64_t>(1, kGrainElems / p.rows),
                 [&](int64_t c0, int64_t c1) { wt_u(p, w, u, vraw.data(), c0, c1); });
    normalize_into(vraw, p.eps, v);
    w_v(p, w, v, wv.data());
    normalize_into(wv, p.eps, u);
  }
  if (p.n_iter == 0) w_v(p, w, v, wv.data());
  double s = 0;
  for (int64_t r = 0; r < p.rows; ++r) s += static_cast<double>(u[r]) * wv[static_cast<size_t>(r)];
  sigma[0] = static_cast<T>(s);
}

template void spectral_norm_power_iteration<float>(const SpectralNormParams&, const float*, float*, float*, float*,
                                                   double*, Stream);
template void spectral_norm_power_iteration<double>(const SpectralNormParams&, const double*, double*, double*,
                                                    double*, double*, Stream);

}  // namespace gan::kernels::cpu
