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
// (parallel over n). du = d * (dwm - wm * row_dot) is never formed: its two
// terms are summed apart (see modulate_bprop), so every pass streams dwm.
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
  // du = d (g - wm row_dot) with wm = w s d splits into a g - b w s per (n, o)
  // row, a = d and b = d^2 row_dot (a = 1, b = 0 without demodulation), so that
  // each sum below streams g (dwm) row by row and keeps the rest in cache:
  //   row_dot[n, o] = d sum_{i,k} g w s
  //   dw[o, i, k]   = sum_n a s g  -  w sum_n b s^2
  //   dstyle[n, i]  = sum_o a sum_k w g  -  s sum_o b sum_k w^2
  // All sums in double, in a fixed order (deterministic).
  std::vector<double> a(static_cast<size_t>(p.n * p.o), 1.0), b(static_cast<size_t>(p.n * p.o), 0.0);
  if (p.demodulate) {
    parallel_for(p.n * p.o, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, ik)), [&](int64_t r0, int64_t r1) {
      for (int64_t row = r0; row < r1; ++row) {
        const int64_t n = row / p.o, o = row % p.o;
        const T* g = dwm + row * ik;
        const T* wo = w + o * ik;
        double acc = 0;
        for (int64_t i = 0; i < p.i; ++i) {
          double part = 0;
          for (int64_t k = 0; k < p.k; ++k)
            part += static_cast<double>(g[i * p.k + k]) * static_cast<double>(wo[i * p.k + k]);
          acc += part * static_cast<double>(style[n * p.i + i]);
        }
        const double d = static_cast<double>(save_d[row]);
        row_dot[row] = static_cast<T>(d * acc);
        a[static_cast<size_t>(row)] = d;
        b[static_cast<size_t>(row)] = d * d * static_cast<double>(row_dot[row]);
      }
    });
  }
  if (dw != nullptr) {
    parallel_for(p.o, 1, [&](int64_t o0, int64_t o1) {
      std::vector<double> acc(static_cast<size_t>(ik));
      for (int64_t o = o0; o < o1; ++o) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t n = 0; n < p.n; ++n) {
          const T* g = dwm + (n * p.o + o) * ik;
          const double an = a[static_cast<size_t>(n * p.o + o)];
          for (int64_t i = 0; i < p.i; ++i) {
            const double as = an * static_cast<double>(style[n * p.i + i]);
            double* ai = acc.data() + i * p.k;
            for (int64_t k = 0; k < p.k; ++k) ai[k] += as * static_cast<double>(g[i * p.k + k]);
          }
        }
        const T* wo = w + o * ik;
        for (int64_t i = 0; i < p.i; ++i) {
          double c = 0;  // sum_n b s^2
          if (p.demodulate)
            for (int64_t n = 0; n < p.n; ++n) {
              const double sn = static_cast<double>(style[n * p.i + i]);
              c += b[static_cast<size_t>(n * p.o + o)] * sn * sn;
            }
          const double* ai = acc.data() + i * p.k;
          for (int64_t k = 0; k < p.k; ++k)
            dw[o * ik + i * p.k + k] = static_cast<T>(ai[k] - static_cast<double>(wo[i * p.k + k]) * c);
        }
      }
    });
  }
  if (dstyle != nullptr) {
    std::vector<double> w2(static_cast<size_t>(p.demodulate ? p.o * p.i : 0));  // sum_k w^2 [O, I]
    for (int64_t oi = 0; oi < static_cast<int64_t>(w2.size()); ++oi) {
      double q = 0;
      for (int64_t k = 0; k < p.k; ++k) q += static_cast<double>(w[oi * p.k + k]) * w[oi * p.k + k];
      w2[static_cast<size_t>(oi)] = q;
    }
    parallel_for(p.n, 1, [&](int64_t n0, int64_t n1) {
      std::vector<double> acc(static_cast<size_t>(p.i)), c(static_cast<size_t>(p.i));
      for (int64_t n = n0; n < n1; ++n) {
        std::fill(acc.begin(), acc.end(), 0.0);
        std::fill(c.begin(), c.end(), 0.0);
        for (int64_t o = 0; o < p.o; ++o) {
          const size_t row = static_cast<size_t>(n * p.o + o);
          const T* g = dwm + static_cast<int64_t>(row) * ik;
          const T* wo = w + o * ik;
          for (int64_t i = 0; i < p.i; ++i) {
            double part = 0;
            for (int64_t k = 0; k < p.k; ++k)
              part += static_cast<double>(wo[i * p.k + k]) * static_cast<double>(g[i * p.k + k]);
            acc[static_cast<size_t>(i)] += a[row] * part;
            if (p.demodulate) c[static_cast<size_t>(i)] += b[row] * w2[static_cast<size_t>(o * p.i + i)];
          }
        }
        for (int64_t i = 0; i < p.i; ++i)
          dstyle[n * p.i + i] = static_cast<T>(acc[static_cast<size_t>(i)] -
                                               static_cast<double>(style[n * p.i + i]) * c[static_cast<size_t>(i)]);
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
