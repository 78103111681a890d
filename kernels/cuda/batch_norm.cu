// CUDA batch norm (norm.h): training forward (batch statistics, running-stat
// update), eval forward (running statistics), and both backwards. Same
// launchers as the CPU reference (kernels/cpu/batch_norm.cpp), in namespace
// gan::kernels::cuda, with the same nullptr handling and KernelError cases
// (raised before anything is launched).
//
// Fused activation: both forwards apply p.act (NormActivation identity / relu
// / leaky_relu with p.slope, norm.h) in the output sweep, on the double value
// before the one rounding to T, so a DCGAN BN -> ReLU/LeakyReLU layer writes
// y once (no separate elementwise pass reading y back: saves 2 of the ~5
// elements moved per element of BN + activation). The backwards are unchanged.
//
// Layout: x, y, dy, dx viewed as [N, C, HW] row-major (NCHW images; [N, C]
// with hw = 1); gamma, beta, running_*, save_* are [C]. Channel c owns the
// M = N*HW elements (i*C + c)*HW + j: N runs of HW contiguous elements.
//
// Numerics (the reference's contract): every per-channel sum (sum x,
// sum (x - mean)^2, sum dy, sum dy*(x - mean)) accumulates in DOUBLE, per
// thread and through the block tree, and the elementwise outputs are computed
// in double with one rounding to T. The variance is two-pass (the mean first,
// then squared deviations from it), never E[x^2] - E[x]^2, so a large |mean|
// against a small spread does not cancel. running_var takes the unbiased
// variance sq / (M - 1). Results are deterministic: the combination order is
// fixed by the thread layout (no atomics).
//
// Algorithm:
//   train fprop: batch_norm_train_fprop_kernel, one 256-thread block per
//     channel (grid-stride over channels, <= 4096 blocks); three sweeps over
//     the channel (sum -> mean, squared deviations -> var, write y), each a
//     strided walk over the flattened M index (consecutive threads read
//     consecutive elements of a run: coalesced), each sum combined with warp
//     shuffles + one shared-memory step; thread 0 writes save_mean/invstd and
//     updates running_mean/var.
//   train bprop: batch_norm_bprop_kernel<TRAIN=true>, a block per channel: one
//     sweep for sum dy and sum dy*(x - mean), then the dx sweep
//     dx = gamma*invstd * (dy - mean(dy) - (x - mean) * invstd^2 * mean(dy*(x-mean))).
//   eval fprop: batch_norm_eval_fprop_kernel, elementwise grid-stride over
//     N*C*HW; each element recomputes its channel's scale/shift in double
//     (one FP64 sqrt per element: far below the memory time).
//   eval bprop: batch_norm_bprop_kernel<TRAIN=false>, a block per channel: one
//     sweep for the sums and dx = dy * gamma / sqrt(rv + eps).
//   Not done yet: splitting one channel across several blocks (+ a second
//   pass) for few channels with huge N*HW (C = 3 with N*HW = 10^7 runs on 3
//   blocks); GAN layers have C >= 64, which fills an H100 only partly at
//   C = 64 (64 of 132 SMs) and fully from C = 256.
//
// Napkin math: train forward reads x twice (sum, deviations; the third read
//   for y usually hits L2 only for small channels) and writes y: 3 elements
//   moved per element, ~6 FLOPs (double). A 64x128x32x32 float batch is 32 MB
//   read twice + 32 MB written: ~40 us at 2.5 TB/s. Train backward reads x, dy
//   twice and writes dx: 5 elements per element. Eval forward: 1 read + 1
//   write.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"
#include "gan/kernels/norm.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

// Offset of the k-th of the M = N*HW elements of channel c.
GAN_DEVICE_INLINE int64_t channel_offset(int64_t k, int64_t c, int64_t channels, int64_t hw) {
  const int64_t i = k / hw;
  return (i * channels + c) * hw + (k - i * hw);
}

struct BnDims {
  int64_t n, c, hw;
  double eps, momentum;
  NormActivation act;
  double slope;
};

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    batch_norm_train_fprop_kernel(BnDims p, const T* __restrict__ x, const T* __restrict__ gamma,
                                  const T* __restrict__ beta, T* __restrict__ y, T* __restrict__ save_mean,
                                  T* __restrict__ save_invstd, T* __restrict__ running_mean,
                                  T* __restrict__ running_var) {
  __shared__ double smem[kThreads / 32];
  const int64_t count = p.n * p.hw;
  const int tid = static_cast<int>(threadIdx.x);
  for (int64_t c = blockIdx.x; c < p.c; c += gridDim.x) {
    double sum = 0.0;
    for (int64_t k = tid; k < count; k += kThreads) sum += static_cast<double>(x[channel_offset(k, c, p.c, p.hw)]);
    sum = group_allreduce<kThreads>(sum, SumOp{}, smem);
    const double mean = sum / static_cast<double>(count);
    double sq = 0.0;
    for (int64_t k = tid; k < count; k += kThreads) {
      const double d = static_cast<double>(x[channel_offset(k, c, p.c, p.hw)]) - mean;
      sq += d * d;
    }
    sq = group_allreduce<kThreads>(sq, SumOp{}, smem);
    const double invstd = 1.0 / sqrt(sq / static_cast<double>(count) + p.eps);  // biased variance
    const double g = gamma != nullptr ? static_cast<double>(gamma[c]) : 1.0;
    const double b = beta != nullptr ? static_cast<double>(beta[c]) : 0.0;
    const double scale = g * invstd;
    for (int64_t k = tid; k < count; k += kThreads) {
      const int64_t off = channel_offset(k, c, p.c, p.hw);
      y[off] = static_cast<T>(norm_activate(p.act, p.slope, (static_cast<double>(x[off]) - mean) * scale + b));
    }
    if (tid == 0) {
      if (save_mean != nullptr) save_mean[c] = static_cast<T>(mean);
      if (save_invstd != nullptr) save_invstd[c] = static_cast<T>(invstd);
      const double mom = p.momentum;
      if (running_mean != nullptr)
        running_mean[c] = static_cast<T>((1.0 - mom) * static_cast<double>(running_mean[c]) + mom * mean);
      if (running_var != nullptr) {
        const double unbiased = sq / static_cast<double>(count - 1);  // count >= 2: checked by the launcher
        running_var[c] = static_cast<T>((1.0 - mom) * static_cast<double>(running_var[c]) + mom * unbiased);
      }
    }
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    batch_norm_eval_fprop_kernel(BnDims p, const T* __restrict__ x, const T* __restrict__ gamma,
                                 const T* __restrict__ beta, const T* __restrict__ running_mean,
                                 const T* __restrict__ running_var, T* __restrict__ y) {
  const int64_t total = p.n * p.c * p.hw;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t k = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < total; k += stride) {
    const int64_t c = (k / p.hw) % p.c;
    const double g = gamma != nullptr ? static_cast<double>(gamma[c]) : 1.0;
    const double b = beta != nullptr ? static_cast<double>(beta[c]) : 0.0;
    const double s = g / sqrt(static_cast<double>(running_var[c]) + p.eps);
    const double shift = b - static_cast<double>(running_mean[c]) * s;
    y[k] = static_cast<T>(norm_activate(p.act, p.slope, static_cast<double>(x[k]) * s + shift));
  }
}

// TRAIN: mean/invstd are save_mean/save_invstd (batch statistics, dx has the
// statistic terms). !TRAIN: mean/var are running_mean/running_var (constants).
template <class T, bool TRAIN>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    batch_norm_bprop_kernel(BnDims p, const T* __restrict__ x, const T* __restrict__ dy,
                            const T* __restrict__ gamma, const T* __restrict__ stat_mean,
                            const T* __restrict__ stat_second, T* __restrict__ dx, T* __restrict__ dgamma,
                            T* __restrict__ dbeta) {
  __shared__ double smem[kThreads / 32];
  const int64_t count = p.n * p.hw;
  const int tid = static_cast<int>(threadIdx.x);
  for (int64_t c = blockIdx.x; c < p.c; c += gridDim.x) {
    const double mean = static_cast<double>(stat_mean[c]);
    const double invstd = TRAIN ? static_cast<double>(stat_second[c])
                                : 1.0 / sqrt(static_cast<double>(stat_second[c]) + p.eps);
    const double scale = (gamma != nullptr ? static_cast<double>(gamma[c]) : 1.0) * invstd;
    double sum_dy = 0.0, sum_dy_xmu = 0.0;
    for (int64_t k = tid; k < count; k += kThreads) {
      const int64_t off = channel_offset(k, c, p.c, p.hw);
      const double g = static_cast<double>(dy[off]);
      sum_dy += g;
      sum_dy_xmu += g * (static_cast<double>(x[off]) - mean);
      if constexpr (!TRAIN) {
        if (dx != nullptr) dx[off] = static_cast<T>(g * scale);
      }
    }
    sum_dy = group_allreduce<kThreads>(sum_dy, SumOp{}, smem);
    sum_dy_xmu = group_allreduce<kThreads>(sum_dy_xmu, SumOp{}, smem);
    const double sum_dy_xhat = sum_dy_xmu * invstd;
    if (tid == 0) {
      if (dgamma != nullptr) dgamma[c] = static_cast<T>(sum_dy_xhat);
      if (dbeta != nullptr) dbeta[c] = static_cast<T>(sum_dy);
    }
    if constexpr (TRAIN) {
      if (dx != nullptr) {
        const double inv_m = 1.0 / static_cast<double>(count);
        const double mean_dy = sum_dy * inv_m;
        // xhat * mean(dy * xhat) == (x - mean) * invstd^2 * mean(dy * (x - mean))
        const double kk = sum_dy_xhat * inv_m * invstd;
        for (int64_t k = tid; k < count; k += kThreads) {
          const int64_t off = channel_offset(k, c, p.c, p.hw);
          const double xmu = static_cast<double>(x[off]) - mean;
          dx[off] = static_cast<T>(scale * (static_cast<double>(dy[off]) - mean_dy - xmu * kk));
        }
      }
    }
  }
}

void check_params(const char* kernel, const BatchNormParams& p) {
  if (p.n < 0 || p.c < 0 || p.hw < 0)
    fail(kernel, "negative size (n=" + std::to_string(p.n) + ", c=" + std::to_string(p.c) +
                     ", hw=" + std::to_string(p.hw) + ")");
  if (!(p.eps >= 0)) fail(kernel, "eps must be >= 0 (got " + std::to_string(p.eps) + ")");
  if (p.act != NormActivation::identity && p.act != NormActivation::relu && p.act != NormActivation::leaky_relu)
    fail(kernel, "unknown activation " + std::to_string(static_cast<int>(p.act)));
}

BnDims dims_of(const BatchNormParams& p) { return {p.n, p.c, p.hw, p.eps, p.momentum, p.act, p.slope}; }

}  // namespace

template <class T>
void batch_norm_train_fprop(const BatchNormParams& p, const T* x, const T* gamma, const T* beta, T* y,
                            T* save_mean, T* save_invstd, T* running_mean, T* running_var, Stream s) {
  constexpr const char* kernel = "batch_norm_train_fprop";
  check_params(kernel, p);
  const int64_t count = p.n * p.hw;
  if (p.c == 0) return;
  if (count == 0) fail(kernel, "no values per channel (n*hw = 0)");
  if (running_var != nullptr && count < 2)
    fail(kernel, "expected more than 1 value per channel to update running_var (n*hw = " +
                     std::to_string(count) + ")");
  GAN_LAUNCH(grid_for(p.c, 1), kThreads, 0, stream_of(s), batch_norm_train_fprop_kernel<T>)(
      dims_of(p), x, gamma, beta, y, save_mean, save_invstd, running_mean, running_var);
  check_launch(kernel);
}

template <class T>
void batch_norm_eval_fprop(const BatchNormParams& p, const T* x, const T* gamma, const T* beta,
                           const T* running_mean, const T* running_var, T* y, Stream s) {
  constexpr const char* kernel = "batch_norm_eval_fprop";
  check_params(kernel, p);
  const int64_t total = p.n * p.c * p.hw;
  if (total == 0) return;
  GAN_LAUNCH(grid_for(total), kThreads, 0, stream_of(s), batch_norm_eval_fprop_kernel<T>)(
      dims_of(p), x, gamma, beta, running_mean, running_var, y);
  check_launch(kernel);
}

template <class T>
void batch_norm_train_bprop(const BatchNormParams& p, const T* x, const T* dy, const T* gamma,
                            const T* save_mean, const T* save_invstd, T* dx, T* dgamma, T* dbeta, Stream s) {
  constexpr const char* kernel = "batch_norm_train_bprop";
  check_params(kernel, p);
  const int64_t count = p.n * p.hw;
  if (p.c == 0) return;
  if (count == 0) fail(kernel, "no values per channel (n*hw = 0)");
  GAN_LAUNCH(grid_for(p.c, 1), kThreads, 0, stream_of(s), batch_norm_bprop_kernel<T, true>)(
      dims_of(p), x, dy, gamma, save_mean, save_invstd, dx, dgamma, dbeta);
  check_launch(kernel);
}

template <class T>
void batch_norm_eval_bprop(const BatchNormParams& p, const T* x, const T* dy, const T* gamma,
                           const T* running_mean, const T* running_var, T* dx, T* dgamma, T* dbeta, Stream s) {
  constexpr const char* kernel = "batch_norm_eval_bprop";
  check_params(kernel, p);
  if (p.c == 0) return;
  // count == 0 still launches: dgamma/dbeta become 0 as in the reference.
  GAN_LAUNCH(grid_for(p.c, 1), kThreads, 0, stream_of(s), batch_norm_bprop_kernel<T, false>)(
      dims_of(p), x, dy, gamma, running_mean, running_var, dx, dgamma, dbeta);
  check_launch(kernel);
}

#define GAN_INSTANTIATE_BATCH_NORM(T)                                                                       \
  template void batch_norm_train_fprop<T>(const BatchNormParams&, const T*, const T*, const T*, T*, T*, T*, \
                                          T*, T*, Stream);                                                  \
  template void batch_norm_eval_fprop<T>(const BatchNormParams&, const T*, const T*, const T*, const T*,    \
                                         const T*, T*, Stream);                                             \
  template void batch_norm_train_bprop<T>(const BatchNormParams&, const T*, const T*, const T*, const T*,   \
                                          const T*, T*, T*, T*, Stream);                                    \
  template void batch_norm_eval_bprop<T>(const BatchNormParams&, const T*, const T*, const T*, const T*,    \
                                         const T*, T*, T*, T*, Stream);
GAN_INSTANTIATE_BATCH_NORM(float)
GAN_INSTANTIATE_BATCH_NORM(double)
#undef GAN_INSTANTIATE_BATCH_NORM

}  // namespace gan::kernels::cuda
