// CUDA layer norm (norm.h): forward and backward over the rows of x [M, D]
// (also instance norm: rows of an [N*C, H*W] view, no affine). Same launchers
// as the CPU reference (kernels/cpu/layer_norm.cpp), in namespace
// gan::kernels::cuda, with the same nullptr handling and KernelError cases.
//
// Layout: x, y, dy, dx row-major [M, D]; gamma, beta, dgamma, dbeta [D];
// save_mean, save_invstd [M].
//
// Numerics (the reference's contract): row sums and column sums accumulate in
// DOUBLE (per thread and through the tree), outputs are computed in double
// and rounded once to T; the variance is two-pass (mean, then squared
// deviations), biased. Deterministic: combination orders are fixed by the
// thread layout, no atomics.
//
// Algorithm, one runtime switch on D (as the softmax rows of loss.cu):
//   layer_norm_fprop_kernel<T, GROUP> / layer_norm_bprop_dx_kernel<T, GROUP>:
//   a group of GROUP threads owns one row and strides through it (coalesced):
//     D <= 1024: GROUP = 32  (a warp per row, 8 rows per 256-thread block,
//                             warp shuffles only)
//     otherwise: GROUP = 256 (a block per row, plus one shared-memory step)
//   fprop: three sweeps over the row (sum -> mean, squared deviations ->
//   invstd, write y); dx: two sweeps (sum g and g*xhat with g = gamma*dy, then
//   dx = invstd * (g - mean(g) - xhat * mean(g*xhat))). Grid-stride over rows,
//   at most 4096 blocks.
//   dgamma/dbeta: layer_norm_param_grad_kernel<T>, a deterministic column
//   reduction: a 32 x 8 block owns 32 consecutive columns; threadIdx.x walks
//   the columns (128-byte coalesced rows), threadIdx.y splits the M rows 8
//   ways, and the 8 double partials are combined through shared memory in a
//   fixed order. Not done yet: splitting M across blocks (D = 32 with huge M
//   runs on one block).
//
// Napkin math: forward reads x twice from DRAM at most (the third sweep and
// the second usually hit L1/L2 for a warp's row), writes y: ~3*M*D elements,
// ~6 FLOPs (double) each. Backward: dx reads x, dy twice and writes dx; the
// column reduction reads x, dy once more: ~7*M*D elements. A [4096, 1024]
// float layer norm moves ~50 MB forward: ~20 us at 2.5 TB/s.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"
#include "gan/kernels/norm.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

template <class T, int GROUP>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    layer_norm_fprop_kernel(int64_t m, int64_t d, double eps, const T* __restrict__ x, const T* __restrict__ gamma,
                            const T* __restrict__ beta, T* __restrict__ y, T* __restrict__ save_mean,
                            T* __restrict__ save_invstd) {
  constexpr int kRowsPerBlock = kThreads / GROUP;
  __shared__ double smem[kThreads / 32];
  const int group = static_cast<int>(threadIdx.x) / GROUP;
  const int lane = static_cast<int>(threadIdx.x) % GROUP;
  // The loop bound is the same for every thread of the block (barriers inside).
  for (int64_t base = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock; base < m;
       base += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const int64_t row = base + group;
    const bool valid = row < m;
    const T* xr = x + (valid ? row : 0) * d;
    double sum = 0.0;
    if (valid) {
      for (int64_t j = lane; j < d; j += GROUP) sum += static_cast<double>(xr[j]);
    }
    sum = group_allreduce<GROUP>(sum, SumOp{}, smem);
    const double mean = sum / static_cast<double>(d);
    double sq = 0.0;
    if (valid) {
      for (int64_t j = lane; j < d; j += GROUP) {
        const double t = static_cast<double>(xr[j]) - mean;
        sq += t * t;
      }
    }
    sq = group_allreduce<GROUP>(sq, SumOp{}, smem);
    if (!valid) continue;
    const double invstd = 1.0 / sqrt(sq / static_cast<double>(d) + eps);
    T* yr = y + row * d;
    for (int64_t j = lane; j < d; j += GROUP) {
      const double g = gamma != nullptr ? static_cast<double>(gamma[j]) : 1.0;
      const double b = beta != nullptr ? static_cast<double>(beta[j]) : 0.0;
      yr[j] = static_cast<T>((static_cast<double>(xr[j]) - mean) * invstd * g + b);
    }
    if (lane == 0) {
      if (save_mean != nullptr) save_mean[row] = static_cast<T>(mean);
      if (save_invstd != nullptr) save_invstd[row] = static_cast<T>(invstd);
    }
  }
}

template <class T, int GROUP>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    layer_norm_bprop_dx_kernel(int64_t m, int64_t d, const T* __restrict__ x, const T* __restrict__ dy,
                               const T* __restrict__ gamma, const T* __restrict__ save_mean,
                               const T* __restrict__ save_invstd, T* __restrict__ dx) {
  constexpr int kRowsPerBlock = kThreads / GROUP;
  __shared__ double smem[kThreads / 32];
  const int group = static_cast<int>(threadIdx.x) / GROUP;
  const int lane = static_cast<int>(threadIdx.x) % GROUP;
  for (int64_t base = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock; base < m;
       base += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const int64_t row = base + group;
    const bool valid = row < m;
    const int64_t off = (valid ? row : 0) * d;
    const double mean = valid ? static_cast<double>(save_mean[row]) : 0.0;
    const double invstd = valid ? static_cast<double>(save_invstd[row]) : 0.0;
    double sum_g = 0.0, sum_g_xhat = 0.0;
    if (valid) {
      for (int64_t j = lane; j < d; j += GROUP) {
        const double g = static_cast<double>(dy[off + j]) * (gamma != nullptr ? static_cast<double>(gamma[j]) : 1.0);
        sum_g += g;
        sum_g_xhat += g * (static_cast<double>(x[off + j]) - mean) * invstd;
      }
    }
    sum_g = group_allreduce<GROUP>(sum_g, SumOp{}, smem);
    sum_g_xhat = group_allreduce<GROUP>(sum_g_xhat, SumOp{}, smem);
    if (!valid) continue;
    const double a = sum_g / static_cast<double>(d);
    const double b = sum_g_xhat / static_cast<double>(d);
    for (int64_t j = lane; j < d; j += GROUP) {
      const double g = static_cast<double>(dy[off + j]) * (gamma != nullptr ? static_cast<double>(gamma[j]) : 1.0);
      const double xhat = (static_cast<double>(x[off + j]) - mean) * invstd;
      dx[off + j] = static_cast<T>(invstd * (g - a - xhat * b));
    }
  }
}

inline constexpr int kColsX = 32, kColsY = 8;

// dgamma[j] = sum_i dy[i, j] * xhat[i, j], dbeta[j] = sum_i dy[i, j]; block (32, 8).
template <class T>
__global__ void __launch_bounds__(kColsX* kColsY, kMinBlocks)
    layer_norm_param_grad_kernel(int64_t m, int64_t d, const T* __restrict__ x, const T* __restrict__ dy,
                                 const T* __restrict__ save_mean, const T* __restrict__ save_invstd,
                                 T* __restrict__ dgamma, T* __restrict__ dbeta) {
  __shared__ double part_g[kColsY][kColsX + 1];  // +1: no bank conflicts on the column read
  __shared__ double part_b[kColsY][kColsX + 1];
  const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
  const int64_t tiles = (d + kColsX - 1) / kColsX;
  for (int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const int64_t col = tile * kColsX + tx;
    const bool valid = col < d;
    double acc_g = 0.0, acc_b = 0.0;
    if (valid) {
      for (int64_t i = ty; i < m; i += kColsY) {
        const double g = static_cast<double>(dy[i * d + col]);
        acc_g += g * (static_cast<double>(x[i * d + col]) - static_cast<double>(save_mean[i])) *
                 static_cast<double>(save_invstd[i]);
        acc_b += g;
      }
    }
    part_g[ty][tx] = acc_g;
    part_b[ty][tx] = acc_b;
    __syncthreads();
    if (ty == 0 && valid) {
      for (int k = 1; k < kColsY; ++k) {
        acc_g += part_g[k][tx];
        acc_b += part_b[k][tx];
      }
      if (dgamma != nullptr) dgamma[col] = static_cast<T>(acc_g);
      if (dbeta != nullptr) dbeta[col] = static_cast<T>(acc_b);
    }
    __syncthreads();  // part_* are reused by the next tile
  }
}

void check_params(const char* kernel, const LayerNormParams& p) {
  if (p.m < 0 || p.d < 0) fail(kernel, "negative size (m=" + std::to_string(p.m) + ", d=" + std::to_string(p.d) + ")");
  if (p.m > 0 && p.d == 0) fail(kernel, "rows are empty (m=" + std::to_string(p.m) + ", d=0)");
  if (!(p.eps >= 0)) fail(kernel, "eps must be >= 0 (got " + std::to_string(p.eps) + ")");
}

}  // namespace

template <class T>
void layer_norm_fprop(const LayerNormParams& p, const T* x, const T* gamma, const T* beta, T* y, T* save_mean,
                      T* save_invstd, Stream s) {
  constexpr const char* kernel = "layer_norm_fprop";
  check_params(kernel, p);
  if (p.m == 0) return;
  if (p.d <= 1024) {
    constexpr int kRows = kThreads / 32;
    GAN_LAUNCH(grid_for((p.m + kRows - 1) / kRows, 1), kThreads, 0, stream_of(s), layer_norm_fprop_kernel<T, 32>)(
        p.m, p.d, p.eps, x, gamma, beta, y, save_mean, save_invstd);
  } else {
    GAN_LAUNCH(grid_for(p.m, 1), kThreads, 0, stream_of(s), layer_norm_fprop_kernel<T, kThreads>)(
        p.m, p.d, p.eps, x, gamma, beta, y, save_mean, save_invstd);
  }
  check_launch(kernel);
}

template <class T>
void layer_norm_bprop(const LayerNormParams& p, const T* x, const T* dy, const T* gamma, const T* save_mean,
                      const T* save_invstd, T* dx, T* dgamma, T* dbeta, Stream s) {
  constexpr const char* kernel = "layer_norm_bprop";
  check_params(kernel, p);
  if (dx != nullptr && p.m > 0) {
    if (p.d <= 1024) {
      constexpr int kRows = kThreads / 32;
      GAN_LAUNCH(grid_for((p.m + kRows - 1) / kRows, 1), kThreads, 0, stream_of(s),
                 layer_norm_bprop_dx_kernel<T, 32>)(p.m, p.d, x, dy, gamma, save_mean, save_invstd, dx);
    } else {
      GAN_LAUNCH(grid_for(p.m, 1), kThreads, 0, stream_of(s), layer_norm_bprop_dx_kernel<T, kThreads>)(
          p.m, p.d, x, dy, gamma, save_mean, save_invstd, dx);
    }
    check_launch(kernel);
  }
  if ((dgamma == nullptr && dbeta == nullptr) || p.d == 0) return;
  // m == 0 still launches: dgamma/dbeta become 0 as in the reference.
  GAN_LAUNCH(grid_for((p.d + kColsX - 1) / kColsX, 1), dim3(kColsX, kColsY), 0, stream_of(s),
             layer_norm_param_grad_kernel<T>)(p.m, p.d, x, dy, save_mean, save_invstd, dgamma, dbeta);
  check_launch(kernel);
}

#define GAN_INSTANTIATE_LAYER_NORM(T)                                                                   \
  template void layer_norm_fprop<T>(const LayerNormParams&, const T*, const T*, const T*, T*, T*, T*,    \
                                    Stream);                                                             \
  template void layer_norm_bprop<T>(const LayerNormParams&, const T*, const T*, const T*, const T*,      \
                                    const T*, T*, T*, T*, Stream);
GAN_INSTANTIATE_LAYER_NORM(float)
GAN_INSTANTIATE_LAYER_NORM(double)
#undef GAN_INSTANTIATE_LAYER_NORM

}  // namespace gan::kernels::cuda
