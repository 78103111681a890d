// CUDA minibatch standard deviation (ProGAN, StyleGAN2 grouping; style.h):
// forward and backward. Same launchers as the CPU reference
// (kernels/cpu/minibatch_stddev.cpp), in namespace gan::kernels::cuda.
//
// x [N, C, HW] -> y [N, C + 1, HW]; G = group size, M = N / G, sample n in
// group m = n % M, F = C*HW features:
//   sigma[m, f] = sqrt(biased var over the G samples + eps), s[m] = mean_f sigma
//   y[n, :C] = x[n], y[n, C, :] = s[n % M]
// backward: dx[n, f] = dy[n, f] + ds[m] / F * (x[n, f] - mu[m, f]) / (G * sigma[m, f]),
//   ds[m] = sum of dy[n, C, :] over the group's samples.
// Numerics: per-feature mean/variance two-pass over the G members in double,
// the feature sum in double through the block tree, outputs rounded once.
// Algorithm:
//   fprop: minibatch_stddev_fprop_kernel, one 256-thread block per group
//     (grid-stride over M): each thread walks features f (coalesced), computes
//     sigma from its G members and copies their x[f] into y; block all-reduce
//     of sum sigma; then the block writes channel C of its G samples. One pass
//     over x, y written once: the minimum traffic. Parallelism is only M
//     blocks (N = 32, G = 4: 8 blocks) — enough for the 4x4 / 8x8 maps this
//     layer sees at the end of a discriminator, not for large maps.
//   bprop: minibatch_stddev_bprop_kernel, grid (feature chunks, M): every block
//     first reduces ds[m] over the G*HW values of dy's channel C (cheap,
//     recomputed per block instead of a second launch), then a thread per
//     feature recomputes mu, sigma and writes dx for the G members.
// Napkin math: forward reads N*C*HW, writes N*(C+1)*HW; backward reads x and dy
// once (+ G*HW per block) and writes dx: ~3*N*C*HW elements.
#include <gan/kernels/portable.h>

#include <cstdint>

#include "cuda_common.cuh"
#include "gan/kernels/style.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

// mu and sigma of feature f over the G members of group m (x [N, F]).
template <class T>
GAN_DEVICE_INLINE void mbstd_stats(const T* x, int64_t groups, int64_t group, int64_t feat, int64_t m, int64_t f,
                                   double eps, double& mu, double& sigma) {
  double sum = 0.0;
  for (int64_t g = 0; g < group; ++g) sum += static_cast<double>(x[(g * groups + m) * feat + f]);
  mu = sum / static_cast<double>(group);
  double sq = 0.0;
  for (int64_t g = 0; g < group; ++g) {
    const double t = static_cast<double>(x[(g * groups + m) * feat + f]) - mu;
    sq += t * t;
  }
  sigma = sqrt(sq / static_cast<double>(group) + eps);
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    minibatch_stddev_fprop_kernel(int64_t groups, int64_t group, int64_t c, int64_t hw, double eps,
                                  const T* __restrict__ x, T* __restrict__ y, T* __restrict__ save_s) {
  __shared__ double smem[kThreads / 32];
  const int64_t feat = c * hw;
  for (int64_t m = blockIdx.x; m < groups; m += gridDim.x) {
    double acc = 0.0;
    for (int64_t f = threadIdx.x; f < feat; f += kThreads) {
      double mu = 0.0, sigma = 0.0;
      mbstd_stats(x, groups, group, feat, m, f, eps, mu, sigma);
      acc += sigma;
      for (int64_t g = 0; g < group; ++g) {
        const int64_t n = g * groups + m;
        y[n * (feat + hw) + f] = x[n * feat + f];
      }
    }
    acc = group_allreduce<kThreads>(acc, SumOp{}, smem);
    const T s = static_cast<T>(acc / static_cast<double>(feat));
    if (threadIdx.x == 0 && save_s != nullptr) save_s[m] = s;
    for (int64_t e = threadIdx.x; e < group * hw; e += kThreads) {
      const int64_t n = (e / hw) * groups + m;
      y[n * (feat + hw) + feat + e % hw] = s;
    }
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    minibatch_stddev_bprop_kernel(int64_t groups, int64_t group, int64_t c, int64_t hw, double eps,
                                  const T* __restrict__ x, const T* __restrict__ dy, T* __restrict__ dx) {
  __shared__ double smem[kThreads / 32];
  const int64_t feat = c * hw;
  for (int64_t m = blockIdx.y; m < groups; m += gridDim.y) {
    double ds = 0.0;
    for (int64_t e = threadIdx.x; e < group * hw; e += kThreads) {
      const int64_t n = (e / hw) * groups + m;
      ds += static_cast<double>(dy[n * (feat + hw) + feat + e % hw]);
    }
    ds = group_allreduce<kThreads>(ds, SumOp{}, smem);
    const double coef = ds / static_cast<double>(feat) / static_cast<double>(group);
    for (int64_t f = static_cast<int64_t>(blockIdx.x) * kThreads + threadIdx.x; f < feat;
         f += static_cast<int64_t>(gridDim.x) * kThreads) {
      double mu = 0.0, sigma = 0.0;
      mbstd_stats(x, groups, group, feat, m, f, eps, mu, sigma);
      for (int64_t g = 0; g < group; ++g) {
        const int64_t n = g * groups + m;
        const double xv = static_cast<double>(x[n * feat + f]);
        dx[n * feat + f] = static_cast<T>(static_cast<double>(dy[n * (feat + hw) + f]) + coef * (xv - mu) / sigma);
      }
    }
  }
}

}  // namespace

template <class T>
void minibatch_stddev_fprop(const MinibatchStdParams& p, const T* x, T* y, T* save_s, Stream s) {
  constexpr const char* kernel = "minibatch_stddev_fprop";
  style_check::check_minibatch_std(kernel, p);
  if (p.n == 0) return;
  const int64_t groups = p.n / p.group;
  GAN_LAUNCH(grid_for(groups, 1), kThreads, 0, stream_of(s), minibatch_stddev_fprop_kernel<T>)(
      groups, p.group, p.c, p.hw, p.eps, x, y, save_s);
  check_launch(kernel);
}

template <class T>
void minibatch_stddev_bprop(const MinibatchStdParams& p, const T* x, const T* dy, T* dx, Stream s) {
  constexpr const char* kernel = "minibatch_stddev_bprop";
  style_check::check_minibatch_std(kernel, p);
  if (p.n == 0) return;
  const int64_t groups = p.n / p.group;
  const unsigned gx = grid_for(p.c * p.hw);
  const unsigned gy = static_cast<unsigned>(groups < 65535 ? groups : 65535);
  GAN_LAUNCH(dim3(gx > 64 ? 64 : gx, gy), kThreads, 0, stream_of(s), minibatch_stddev_bprop_kernel<T>)(
      groups, p.group, p.c, p.hw, p.eps, x, dy, dx);
  check_launch(kernel);
}

template void minibatch_stddev_fprop<float>(const MinibatchStdParams&, const float*, float*, float*, Stream);
template void minibatch_stddev_fprop<double>(const MinibatchStdParams&, const double*, double*, double*, Stream);
template void minibatch_stddev_bprop<float>(const MinibatchStdParams&, const float*, const float*, float*, Stream);
template void minibatch_stddev_bprop<double>(const MinibatchStdParams&, const double*, const double*, double*,
                                             Stream);

}  // namespace gan::kernels::cuda
