// Pixel norm (ProGAN), CPU reference (style.h).
//
// Computes y[n, c, hw] = x[n, c, hw] * r[n, hw], r = rsqrt(mean_c x^2 + eps),
// x [N, C, HW]: a normalization across channels at every pixel.
// Algorithm: per image n (parallel_for over N), the channel sums run along
// contiguous HW rows (a double accumulator per pixel), so x is read in memory
// order. Backward: dx = r * (dy - y * mean_c(dy * y)).
// Napkin math: forward reads x twice, writes y (3*N*C*HW elements); backward
// reads x, dy twice and writes dx (5*N*C*HW).
#include <algorithm>
#include <cmath>
#include <vector>

#include "gan/kernels/cpu_parallel.h"
#include "gan/kernels/style.h"

namespace gan::kernels::cpu {

template <class T>
void pixel_norm_fprop(const PixelNormParams& p, const T* x, T* y, T* save_rnorm, Stream) {
  style_check::check_pixel_norm("pixel_norm_fprop", p);
  const int64_t c = p.c, hw = p.hw;
  parallel_for(p.n, 1, [&](int64_t n0, int64_t n1) {
    std::vector<double> acc(static_cast<size_t>(hw));
    for (int64_t n = n0; n < n1; ++n) {
      const T* xn = x + n * c * hw;
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t ci = 0; ci < c; ++ci)
        for (int64_t j = 0; j < hw; ++j) {
          const double v = static_cast<double>(xn[ci * hw + j]);
          acc[j] += v * v;
        }
      for (int64_t j = 0; j < hw; ++j) acc[j] = 1.0 / std::sqrt(acc[j] / static_cast<double>(c) + p.eps);
      for (int64_t ci = 0; ci < c; ++ci)
        for (int64_t j = 0; j < hw; ++j)
          y[n * c * hw + ci * hw + j] = static_cast<T>(static_cast<double>(xn[ci * hw + j]) * acc[j]);
      if (save_rnorm != nullptr)
        for (int64_t j = 0; j < hw; ++j) save_rnorm[n * hw + j] = static_cast<T>(acc[j]);
    }
  });
}

template <class T>
void pixel_norm_bprop(const PixelNormParams& p, const T* x, const T* dy, const T* save_rnorm, T* dx, Stream) {
  style_check::check_pixel_norm("pixel_norm_bprop", p);
  const int64_t c = p.c, hw = p.hw;
  parallel_for(p.n, 1, [&](int64_t n0, int64_t n1) {
    std::vector<double> dot(static_cast<size_t>(hw));
    for (int64_t n = n0; n < n1; ++n) {
      const T* xn = x + n * c * hw;
      const T* dyn = dy + n * c * hw;
      const T* rn = save_rnorm + n * hw;
      std::fill(dot.begin(), dot.end(), 0.0);
      // dot[j] = sum_c dy * y = r * sum_c dy * x
      for (int64_t ci = 0; ci < c; ++ci)
        for (int64_t j = 0; j < hw; ++j)
          dot[j] += static_cast<double>(dyn[ci * hw + j]) * static_cast<double>(xn[ci * hw + j]);
      for (int64_t ci = 0; ci < c; ++ci)
        for (int64_t j = 0; j < hw; ++j) {
          const double r = static_cast<double>(rn[j]);
          const double yv = static_cast<double>(xn[ci * hw + j]) * r;
          const double m = dot[j] * r / static_cast<double>(c);
          dx[n * c * hw + ci * hw + j] = static_cast<T>(r * (static_cast<double>(dyn[ci * hw + j]) - yv * m));
        }
    }
  });
}

template void pixel_norm_fprop<float>(const PixelNormParams&, const float*, float*, float*, Stream);
template void pixel_norm_fprop<double>(const PixelNormParams&, const double*, double*, double*, Stream);
template void pixel_norm_bprop<float>(const PixelNormParams&, const float*, const float*, const float*, float*,
                                      Stream);
template void pixel_norm_bprop<double>(const PixelNormParams&, const double*, const double*, const double*, double*,
                                       Stream);

}  // namespace gan::kernels::cpu
