// Per-sample affine of conditional batch norm (BigGAN, projection cGAN):
//   y[n, c, j] = x[n, c, j] * gamma[n, c] + beta[n, c]
// over x, y [N, C, HW] (NCHW) with gamma, beta [N, C] (one scale and shift per
// sample and channel, gathered from class embeddings or projected from a
// conditioning vector). beta may be nullptr (= 0): the backward's
// dx = dy * gamma is the same kernel. One rounding: computed in the element
// type as x * gamma + beta (an FMA where the compiler contracts it).
#pragma once

#include <cstdint>

#include "gan/kernels/common.h"

namespace gan::kernels {

struct PerSampleAffineParams {
  int64_t n = 0, c = 0, hw = 1;  // x, y [n, c, hw]; gamma, beta [n, c]
};

namespace cpu {
// KernelError before any write for negative sizes.
template <class T>
void per_sample_affine(const PerSampleAffineParams& p, const T* x, const T* gamma, const T* beta, T* y,
                       Stream s = {});
}  // namespace cpu

}  // namespace gan::kernels

// CUDA launcher (kernels/cuda/cond_norm.cu): same signature and semantics.
namespace gan::kernels::cuda {
template <class T>
void per_sample_affine(const PerSampleAffineParams& p, const T* x, const T* gamma, const T* beta, T* y,
                       Stream s = {});
}  // namespace gan::kernels::cuda
