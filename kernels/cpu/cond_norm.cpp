// Per-sample affine of conditional batch norm, CPU reference (cond_norm.h).
//
// Computes y[n, c, :] = x[n, c, :] * gamma[n, c] + beta[n, c] over x [N, C, HW].
// Algorithm: one contiguous run of HW elements per (n, c) row, rows split
// across threads (parallel_for). Napkin math: 1 read + 1 write per element,
// 2 flops; memory-bound.
#include <algorithm>
#include <string>

#include "gan/kernels/cond_norm.h"
#include "gan/kernels/cpu_parallel.h"

namespace gan::kernels::cpu {

template <class T>
void per_sample_affine(const PerSampleAffineParams& p, const T* x, const T* gamma, const T* beta, T* y, Stream) {
  if (p.n < 0 || p.c < 0 || p.hw < 0)
    fail("per_sample_affine", "negative size (n=" + std::to_string(p.n) + ", c=" + std::to_string(p.c) +
                                  ", hw=" + std::to_string(p.hw) + ")");
  const int64_t rows = p.n * p.c;
  parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, p.hw)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T g = gamma[r];
      const T b = beta != nullptr ? beta[r] : T(0);
      const T* xr = x + r * p.hw;
      T* yr = y + r * p.hw;
      for (int64_t j = 0; j < p.hw; ++j) yr[j] = xr[j] * g + b;
    }
  });
}

template void per_sample_affine<float>(const PerSampleAffineParams&, const float*, const float*, const float*, float*,
                                       Stream);
template void per_sample_affine<double>(const PerSampleAffineParams&, const double*, const double*, const double*,
                                        double*, Stream);

}  // namespace gan::kernels::cpu
