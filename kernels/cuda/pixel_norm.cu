// CUDA pixel norm (ProGAN; style.h): forward and backward. Same launchers as the
// CPU reference (kernels/cpu/pixel_norm.cpp), in namespace gan::kernels::cuda.
//
// Computes y[n, c, hw] = x[n, c, hw] * r[n, hw], r = rsqrt(mean_c x^2 + eps);
// backward dx = r * (dy - y * mean_c(dy * y)).
// Layout: x, y, dy, dx [N, C, HW]; save_rnorm [N, HW].
// Numerics: the channel sums accumulate in double, outputs computed in double
// with one rounding to T (the reference's contract); sums run over c in order,
// exactly as the reference, so results agree to the last rounding.
// Algorithm: one thread per pixel (n, hw), grid-stride, walking the C channels
// with stride HW: consecutive threads read consecutive hw, so every channel
// step is one coalesced row read. Two sweeps over the channels (sum of squares,
// then the write); the second usually hits L2. No shared memory, no barriers.
// Not done: splitting C across a warp for tiny HW (4x4 with C = 512 gives only
// 16*N threads: fine at N >= 64, latency-bound below).
// Napkin math: forward minimum = read x + write y (2*N*C*HW elements); this
// kernel reads x twice from L2 at worst: ~3*N*C*HW. Backward reads x, dy twice
// and writes dx (~5*N*C*HW).
#include <gan/kernels/portable.h>

#include <cstdint>

#include "cuda_common.cuh"
#include "gan/kernels/style.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    pixel_norm_fprop_kernel(int64_t n, int64_t c, int64_t hw, double eps, const T* __restrict__ x,
                            T* __restrict__ y, T* __restrict__ save_rnorm) {
  const int64_t pixels = n * hw;
  for (int64_t pix = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; pix < pixels;
       pix += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t img = pix / hw, j = pix % hw;
    const T* xp = x + img * c * hw + j;
    double sq = 0.0;
    for (int64_t ci = 0; ci < c; ++ci) {
      const double v = static_cast<double>(xp[ci * hw]);
      sq += v * v;
    }
    const double r = 1.0 / sqrt(sq / static_cast<double>(c) + eps);
    T* yp = y + img * c * hw + j;
    for (int64_t ci = 0; ci < c; ++ci) yp[ci * hw] = static_cast<T>(static_cast<double>(xp[ci * hw]) * r);
    if (save_rnorm != nullptr) save_rnorm[pix] = static_cast<T>(r);
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    pixel_norm_bprop_kernel(int64_t n, int64_t c, int64_t hw, const T* __restrict__ x, const T* __restrict__ dy,
                            const T* __restrict__ save_rnorm, T* __restrict__ dx) {
  const int64_t pixels = n * hw;
  for (int64_t pix = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; pix < pixels;
       pix += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t img = pix / hw, j = pix % hw;
    const int64_t off = img * c * hw + j;
    double dot = 0.0;  // sum_c dy * x
    for (int64_t ci = 0; ci < c; ++ci) dot += static_cast<double>(dy[off + ci * hw]) * static_cast<double>(x[off + ci * hw]);
    const double r = static_cast<double>(save_rnorm[pix]);
    const double m = dot * r / static_cast<double>(c);  // mean_c(dy * y)
    for (int64_t ci = 0; ci < c; ++ci) {
      const double yv = static_cast<double>(x[off + ci * hw]) * r;
      dx[off + ci * hw] = static_cast<T>(r * (static_cast<double>(dy[off + ci * hw]) - yv * m));
    }
  }
}

}  // namespace

template <class T>
void pixel_norm_fprop(const PixelNormParams& p, const T* x, T* y, T* save_rnorm, Stream s) {
  constexpr const char* kernel = "pixel_norm_fprop";
  style_check::check_pixel_norm(kernel, p);
  if (p.n * p.hw == 0) return;
  GAN_LAUNCH(grid_for(p.n * p.hw), kThreads, 0, stream_of(s), pixel_norm_fprop_kernel<T>)(p.n, p.c, p.hw, p.eps, x,
                                                                                          y, save_rnorm);
  check_launch(kernel);
}

template <class T>
void pixel_norm_bprop(const PixelNormParams& p, const T* x, const T* dy, const T* save_rnorm, T* dx, Stream s) {
  constexpr const char* kernel = "pixel_norm_bprop";
  style_check::check_pixel_norm(kernel, p);
  if (p.n * p.hw == 0) return;
  GAN_LAUNCH(grid_for(p.n * p.hw), kThreads, 0, stream_of(s), pixel_norm_bprop_kernel<T>)(p.n, p.c, p.hw, x, dy,
                                                                                          save_rnorm, dx);
  check_launch(kernel);
}

template void pixel_norm_fprop<float>(const PixelNormParams&, const float*, float*, float*, Stream);
template void pixel_norm_fprop<double>(const PixelNormParams&, const double*, double*, double*, Stream);
template void pixel_norm_bprop<float>(const PixelNormParams&, const float*, const float*, const float*, float*,
                                      Stream);
template void pixel_norm_bprop<double>(const PixelNormParams&, const double*, const double*, const double*, double*,
                                       Stream);

}  // namespace gan::kernels::cuda
