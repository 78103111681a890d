// CUDA per-sample affine of conditional batch norm (cond_norm.h):
//   y[n, c, j] = x[n, c, j] * gamma[n, c] + beta[n, c],  x, y [N, C, HW], gamma, beta [N, C].
// Same launcher and KernelError cases as the CPU reference (kernels/cpu/cond_norm.cpp).
//
// Algorithm: per_sample_affine_kernel, elementwise grid-stride over the
// N*C*HW elements (consecutive threads, consecutive elements: coalesced);
// each element finds its (n, c) row as k / HW, in 32-bit unsigned arithmetic
// when the tensor has fewer than 2^32 elements (every activation in practice;
// a 64-bit division is several times the instructions) and 64-bit otherwise.
// gamma/beta reads hit L1/L2 (N*C values, reused HW times).
// Numerics: x * gamma + beta in T with the reference's two roundings
// (mul_rn / add_rn: nvcc would contract it into an FMA, which g++ does not on
// x86-64), so the result is the reference's bit for bit.
// Napkin math: 1 read + 1 write per element, 2 flops: a 64x256x32x32 float
// activation (64 MB) moves 128 MB, ~40 us at 3.35 TB/s (H100). Composed from
// mul + add instead, it would move twice that.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"
#include "gan/kernels/cond_norm.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

template <class T, class I>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    per_sample_affine_kernel(I total, I hw, const T* __restrict__ x, const T* __restrict__ gamma,
                             const T* __restrict__ beta, T* __restrict__ y) {
  const I stride = static_cast<I>(gridDim.x) * static_cast<I>(blockDim.x);
  for (I k = static_cast<I>(blockIdx.x) * static_cast<I>(blockDim.x) + static_cast<I>(threadIdx.x); k < total;
       k += stride) {
    const I row = k / hw;
    const T b = beta != nullptr ? beta[row] : T(0);
    y[k] = add_rn(mul_rn(x[k], gamma[row]), b);  // no FMA: the reference's two roundings
  }
}

}  // namespace

template <class T>
void per_sample_affine(const PerSampleAffineParams& p, const T* x, const T* gamma, const T* beta, T* y, Stream s) {
  if (p.n < 0 || p.c < 0 || p.hw < 0)
    fail("per_sample_affine", "negative size (n=" + std::to_string(p.n) + ", c=" + std::to_string(p.c) +
                                  ", hw=" + std::to_string(p.hw) + ")");
  const int64_t total = p.n * p.c * p.hw;
  if (total == 0) return;
  const unsigned grid = grid_for(total);
  // Below 2^32 - 2^24 the grid-stride index k + stride cannot wrap (stride <= 4096 * 256).
  if (total < (int64_t{1} << 32) - (int64_t{1} << 24)) {
    GAN_LAUNCH(grid, kThreads, 0, stream_of(s), per_sample_affine_kernel<T, uint32_t>)(
        static_cast<uint32_t>(total), static_cast<uint32_t>(p.hw), x, gamma, beta, y);
  } else {
    GAN_LAUNCH(grid, kThreads, 0, stream_of(s), per_sample_affine_kernel<T, uint64_t>)(
        static_cast<uint64_t>(total), static_cast<uint64_t>(p.hw), x, gamma, beta, y);
  }
  check_launch("per_sample_affine_kernel");
}

template void per_sample_affine<float>(const PerSampleAffineParams&, const float*, const float*, const float*, float*,
                                       Stream);
template void per_sample_affine<double>(const PerSampleAffineParams&, const double*, const double*, const double*,
                                        double*, Stream);

}  // namespace gan::kernels::cuda
