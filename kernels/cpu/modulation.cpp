// StyleGAN2 weight modulation / demodulation, CPU reference (style.h).
//
// Computes wm[n, o, i, k] = w[o, i, k] * style[n, i] * d[n, o] with
// d = rsqrt(sum_{i,k} (w * style)^2 + eps) (demodulate) or 1, for w [O, I, K]
// (K = KH*KW), style [N, I]. wm, reshaped to [N*O, I, KH, KW], is the weight of
// a grouped conv (groups = N) over x reshaped to [1, N*I, H, W].
// Algorithm: forward one task per (n, o) row of I*K elements (sum of squares in
// double, then the scaled write). Backward: row_dot[n, o] = sum dwm * wm per
// row; dw is a reduction over n for each (o, i, k) (parallel over o, n summed
// in order: deterministic); dstyle a reduction over (o, k) for each (n, i)
// (parallel over n). du = d * (dwm - wm * row_dot) is recomputed where needed.
// Napkin math: forward reads w once per n (N*O*I*K reads, mostly cache hits
// for small O*I*K) and writes wm (N*O*I*K); backward reads dwm three times.
#include <algorithm>
#include <cmath>
#include <vector>

#include "gan/kernels/cpu_parallel.h"
#include "gan/kernels/style.h"

namespace gan::kernels::cpu {

template <class T>
void modulate_fprop(const ModulationParams& p, const T* w, const T* style, T* wm, T* save_d, Stream) {
  style_check::check_modulation("modulate_fprop", p);
  const int64_t ik = p.i * p.k;
  parallel_for(p.n * p.o, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, ik)), [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row) {
      const int64_t n = row / p.o, o = row % p.o;
      const T* wo = w + o * ik;
      const T* sn = style + n * p.i;
      double d = 1.0;
      if (p.demodulate) {
        double sq = 0;
        for (int64_t i = 0; i < p.i; ++i)
          for (int64_t k = 0; k < p.k; ++k) {
            const double u = static_cast<double>(wo[i * p.k + k]) * static_cast<double>(sn[i]);
            sq += u * u;
          }
        d = 1.0 / std::sqrt(sq + p.eps);
        if (save_d != nullptr) save_d[row] = static_cast<T>(d);
      }
      T* out = wm + row * ik;
      for (int64_t i = 0; i < p.i; ++i)
        for (int64_t k = 0; k < p.k; ++k)
          out[i * p.k + k] =
              static_cast<T>(static_cast<double>(wo[i * p.k + k]) * static_cast<double>(sn[i]) * d);
    }
  });
}

template <class T>
void modulate_bprop(const ModulationParams& p, const T* w, const T* style, const T* save_d, const T* dwm,
                    T* row_dot, T* dw, T* dstyle, Stream) {
  constexpr const char* kernel = "modulate_bprop";
  style_check::check_modulation(kernel, p);
  if (p.demodulate && (save_d == nullptr || row_dot == nullptr))
    fail(kernel, "demodulation needs save_d and the row_dot scratch [N, O]");
  const int64_t ik = p.i * p.k;
  // wm recomputed from w, style, d (the forward's own formula).
  auto wm_at = [&](int64_t n, int64_t o, int64_t i, int64_t k) {
    const double d = p.demodulate ? static_cast<double>(save_d[n * p.o + o]) : 1.0;
    return static_cast<double>(w[(o * p.i + i) * p.k + k]) * static_cast<double>(style[n * p.i + i]) * d;
  };
  if (p.demodulate) {
    parallel_for(p.n * p.o, 1, [&](int64_t r0, int64_t r1) {
      for (int64_t row = r0; row < r1; ++row) {
        const int64_t n = row / p.o, o = row % p.o;
        double acc = 0;
        for (int64_t i = 0; i < p.i; ++i)
          for (int64_t k = 0; k < p.k; ++k) acc += static_cast<double>(dwm[row * ik + i * p.k + k]) * wm_at(n, o, i, k);
        row_dot[row] = static_cast<T>(acc);
      }
    });
  }
  auto du_at = [&](int64_t n, int64_t o, int64_t i, int64_t k) {
    const double g = static_cast<double>(dwm[(n * p.o + o) * ik + i * p.k + k]);
    if (!p.demodulate) return g;
    const int64_t row = n * p.o + o;
    return static_cast<double>(save_d[row]) * (g - wm_at(n, o, i, k) * static_cast<double>(row_dot[row]));
  };
  if (dw != nullptr) {
    parallel_for(p.o, 1, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o)
        for (int64_t i = 0; i < p.i; ++i)
          for (int64_t k = 0; k < p.k; ++k) {
            double acc = 0;
            for (int64_t n = 0; n < p.n; ++n) acc += du_at(n, o, i, k) * static_cast<double>(style[n * p.i + i]);
            dw[(o * p.i + i) * p.k + k] = static_cast<T>(acc);
          }
    });
  }
  if (dstyle != nullptr) {
    parallel_for(p.n, 1, [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n)
        for (int64_t i = 0; i < p.i; ++i) {
          double acc = 0;
          for (int64_t o = 0; o < p.o; ++o)
            for (int64_t k = 0; k < p.k; ++k)
              acc += du_at(n, o, i, k) * static_cast<double>(w[(o * p.i + i) * p.k + k]);
          dstyle[n * p.i + i] = static_cast<T>(acc);
        }
    });
  }
}

template void modulate_fprop<float>(const ModulationParams&, const float*, const float*, float*, float*, Stream);
template void modulate_fprop<double>(const ModulationParams&, const double*, const double*, double*, double*,
                                     Stream);
template void modulate_bprop<float>(const ModulationParams&, const float*, const float*, const float*,
                                    const float*, float*, float*, float*, Stream);
template void modulate_bprop<double>(const ModulationParams&, const double*, const double*, const double*,
                                     const double*, double*, double*, double*, Stream);

}  // namespace gan::kernels::cpu
