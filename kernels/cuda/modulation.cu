// CUDA StyleGAN2 weight modulation / demodulation (style.h): forward and
// backward. Same launchers as the CPU reference (kernels/cpu/modulation.cpp).
//
// Computes wm[n, o, i, k] = w[o, i, k] * style[n, i] * d[n, o],
// d = rsqrt(sum_{i,k} (w * style)^2 + eps) with demodulation, else 1.
// Layout: w [O, I, K] (K = KH*KW), style [N, I], wm / dwm [N, O, I, K],
// save_d / row_dot [N, O], dw [O, I, K], dstyle [N, I].
// Numerics: sums in double, outputs computed in double and rounded once.
// Algorithm:
//   fprop: modulate_fprop_kernel, a warp per (n, o) row of I*K elements (8 rows
//     per 256-thread block, grid-stride): sweep 1 sums u^2 (u = w * style),
//     warp all-reduce, sweep 2 writes wm. w is re-read for every n (it is
//     O*I*K, e.g. 512*512*9 floats = 9.4 MB: L2-resident on A100/H100).
//   bprop: three kernels, all deterministic (no atomics):
//     modulate_row_dot_kernel  (demodulation only) a warp per (n, o):
//       row_dot = sum dwm * wm, wm recomputed from w, style, d;
//     modulate_dw_kernel       a thread per (o, i, k) (coalesced over k, i),
//       summing du * style[n, i] over n in order;
//     modulate_dstyle_kernel   a warp per (n, i): lanes stride over the O*K
//       pairs (o, k) and sum du * w; reads are strided by I*K (uncoalesced
//       for large K: the dstyle pass is ~1/3 of the backward's traffic).
//   with du = d * (dwm - wm * row_dot) (demodulate) or dwm.
// Napkin math: forward writes N*O*I*K elements (the minimum) and reads w N
// times (L2) plus style; backward reads dwm three times (row_dot, dw, dstyle)
// where the minimum is once: ~3x the minimum DRAM traffic at large N*O*I*K.
#include <gan/kernels/portable.h>

#include <cstdint>

#include "cuda_common.cuh"
#include "gan/kernels/style.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

inline constexpr int kWarpRows = kThreads / 32;

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    modulate_fprop_kernel(int64_t n, int64_t o, int64_t ni, int64_t k, bool demodulate, double eps,
                          const T* __restrict__ w, const T* __restrict__ style, T* __restrict__ wm,
                          T* __restrict__ save_d) {
  const int warp = static_cast<int>(threadIdx.x) / 32, lane = static_cast<int>(threadIdx.x) % 32;
  const int64_t rows = n * o, ik = ni * k;
  // No barriers: each warp leaves the loop on its own.
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kWarpRows + warp; row < rows;
       row += static_cast<int64_t>(gridDim.x) * kWarpRows) {
    const int64_t nn = row / o, oo = row % o;
    const T* wo = w + oo * ik;
    const T* sn = style + nn * ni;
    double d = 1.0;
    if (demodulate) {
      double sq = 0.0;
      for (int64_t j = lane; j < ik; j += 32) {
        const double u = static_cast<double>(wo[j]) * static_cast<double>(sn[j / k]);
        sq += u * u;
      }
      sq = warp_allreduce(sq, SumOp{});
      d = 1.0 / sqrt(sq + eps);
      if (lane == 0 && save_d != nullptr) save_d[row] = static_cast<T>(d);
    }
    T* out = wm + row * ik;
    for (int64_t j = lane; j < ik; j += 32)
      out[j] = static_cast<T>(static_cast<double>(wo[j]) * static_cast<double>(sn[j / k]) * d);
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    modulate_row_dot_kernel(int64_t n, int64_t o, int64_t ni, int64_t k, const T* __restrict__ w,
                            const T* __restrict__ style, const T* __restrict__ save_d, const T* __restrict__ dwm,
                            T* __restrict__ row_dot) {
  const int warp = static_cast<int>(threadIdx.x) / 32, lane = static_cast<int>(threadIdx.x) % 32;
  const int64_t rows = n * o, ik = ni * k;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kWarpRows + warp; row < rows;
       row += static_cast<int64_t>(gridDim.x) * kWarpRows) {
    const int64_t nn = row / o, oo = row % o;
    const double d = static_cast<double>(save_d[row]);
    double acc = 0.0;
    for (int64_t j = lane; j < ik; j += 32) {
      const double wmv = static_cast<double>(w[oo * ik + j]) * static_cast<double>(style[nn * ni + j / k]) * d;
      acc += static_cast<double>(dwm[row * ik + j]) * wmv;
    }
    acc = warp_allreduce(acc, SumOp{});
    if (lane == 0) row_dot[row] = static_cast<T>(acc);
  }
}

// du[n, o, i, k] (the gradient of the modulated, undemodulated u).
template <class T>
GAN_DEVICE_INLINE double modulate_du(int64_t nn, int64_t oo, int64_t ii, int64_t kk, int64_t o, int64_t ni,
                                     int64_t k, bool demodulate, const T* w, const T* style, const T* save_d,
                                     const T* dwm, const T* row_dot) {
  const int64_t row = nn * o + oo;
  const double g = static_cast<double>(dwm[(row * ni + ii) * k + kk]);
  if (!demodulate) return g;
  const double d = static_cast<double>(save_d[row]);
  const double wmv = static_cast<double>(w[(oo * ni + ii) * k + kk]) * static_cast<double>(style[nn * ni + ii]) * d;
  return d * (g - wmv * static_cast<double>(row_dot[row]));
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    modulate_dw_kernel(int64_t n, int64_t o, int64_t ni, int64_t k, bool demodulate, const T* __restrict__ w,
                       const T* __restrict__ style, const T* __restrict__ save_d, const T* __restrict__ dwm,
                       const T* __restrict__ row_dot, T* __restrict__ dw) {
  const int64_t total = o * ni * k;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t kk = e % k, ii = (e / k) % ni, oo = e / (k * ni);
    double acc = 0.0;
    for (int64_t nn = 0; nn < n; ++nn)
      acc += modulate_du(nn, oo, ii, kk, o, ni, k, demodulate, w, style, save_d, dwm, row_dot) *
             static_cast<double>(style[nn * ni + ii]);
    dw[e] = static_cast<T>(acc);
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    modulate_dstyle_kernel(int64_t n, int64_t o, int64_t ni, int64_t k, bool demodulate, const T* __restrict__ w,
                           const T* __restrict__ style, const T* __restrict__ save_d, const T* __restrict__ dwm,
                           const T* __restrict__ row_dot, T* __restrict__ dstyle) {
  const int warp = static_cast<int>(threadIdx.x) / 32, lane = static_cast<int>(threadIdx.x) % 32;
  const int64_t rows = n * ni, ok = o * k;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kWarpRows + warp; row < rows;
       row += static_cast<int64_t>(gridDim.x) * kWarpRows) {
    const int64_t nn = row / ni, ii = row % ni;
    double acc = 0.0;
    for (int64_t j = lane; j < ok; j += 32) {
      const int64_t oo = j / k, kk = j % k;
      acc += modulate_du(nn, oo, ii, kk, o, ni, k, demodulate, w, style, save_d, dwm, row_dot) *
             static_cast<double>(w[(oo * ni + ii) * k + kk]);
    }
    acc = warp_allreduce(acc, SumOp{});
    if (lane == 0) dstyle[row] = static_cast<T>(acc);
  }
}

}  // namespace

template <class T>
void modulate_fprop(const ModulationParams& p, const T* w, const T* style, T* wm, T* save_d, Stream s) {
  constexpr const char* kernel = "modulate_fprop";
  style_check::check_modulation(kernel, p);
  const int64_t rows = p.n * p.o;
  if (rows == 0) return;
  GAN_LAUNCH(grid_for((rows + kWarpRows - 1) / kWarpRows, 1), kThreads, 0, stream_of(s), modulate_fprop_kernel<T>)(
      p.n, p.o, p.i, p.k, p.demodulate, p.eps, w, style, wm, save_d);
  check_launch(kernel);
}

template <class T>
void modulate_bprop(const ModulationParams& p, const T* w, const T* style, const T* save_d, const T* dwm,
                    T* row_dot, T* dw, T* dstyle, Stream s) {
  constexpr const char* kernel = "modulate_bprop";
  style_check::check_modulation(kernel, p);
  if (p.demodulate && (save_d == nullptr || row_dot == nullptr))
    fail(kernel, "demodulation needs save_d and the row_dot scratch [N, O]");
  if (p.demodulate && p.n * p.o > 0) {
    GAN_LAUNCH(grid_for((p.n * p.o + kWarpRows - 1) / kWarpRows, 1), kThreads, 0, stream_of(s),
               modulate_row_dot_kernel<T>)(p.n, p.o, p.i, p.k, w, style, save_d, dwm, row_dot);
    check_launch(kernel);
  }
  if (dw != nullptr && p.o * p.i * p.k > 0) {
    GAN_LAUNCH(grid_for(p.o * p.i * p.k), kThreads, 0, stream_of(s), modulate_dw_kernel<T>)(
        p.n, p.o, p.i, p.k, p.demodulate, w, style, save_d, dwm, row_dot, dw);
    check_launch(kernel);
  }
  if (dstyle != nullptr && p.n * p.i > 0) {
    GAN_LAUNCH(grid_for((p.n * p.i + kWarpRows - 1) / kWarpRows, 1), kThreads, 0, stream_of(s),
               modulate_dstyle_kernel<T>)(p.n, p.o, p.i, p.k, p.demodulate, w, style, save_d, dwm, row_dot, dstyle);
    check_launch(kernel);
  }
}

template void modulate_fprop<float>(const ModulationParams&, const float*, const float*, float*, float*, Stream);
template void modulate_fprop<double>(const ModulationParams&, const double*, const double*, double*, double*,
                                     Stream);
template void modulate_bprop<float>(const ModulationParams&, const float*, const float*, const float*,
                                    const float*, float*, float*, float*, Stream);
template void modulate_bprop<double>(const ModulationParams&, const double*, const double*, const double*,
                                     const double*, double*, double*, double*, Stream);

}  // namespace gan::kernels::cuda
