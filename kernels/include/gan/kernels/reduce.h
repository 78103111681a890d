// Reductions over one (merged) axis: x viewed as [outer, reduce, inner] -> y [outer, inner].
//
// Reducing several adjacent dims is one call with their product as `reduce`;
// e.g. a per-channel sum of [C, N*H*W] is outer=C, reduce=N*H*W, inner=1, and a
// sum over the batch of [N, D] is outer=1, reduce=N, inner=D.
//
// Numerics: float inputs accumulate sum/mean/var in double; var is two-pass
// (mean first, then squared deviations), so it does not cancel catastrophically.
// NaN propagates (max/min of a row holding NaN is NaN).
// Empty rows (reduce == 0): sum 0, mean NaN, var NaN; max/min fail.
#pragma once

#include <cstdint>

#include "gan/kernels/common.h"

namespace gan::kernels {

enum class ReduceOp {
  sum,
  mean,
  max,
  min,
  var,  // sum((x - mean)^2) / (reduce - correction); NaN when reduce - correction <= 0
};

struct ReduceParams {
  int64_t outer = 1, reduce = 1, inner = 1;  // x [outer, reduce, inner], y [outer, inner]
  int64_t correction = 0;                    // var only: 0 = population, 1 = Bessel (unbiased)
};

const char* reduce_op_name(ReduceOp op);

namespace cpu {

template <class T>
void reduce(const ReduceParams& p, ReduceOp op, const T* x, T* y, Stream s = {});

}  // namespace cpu
}  // namespace gan::kernels

// CUDA kernels (kernels/cuda/reduce.cu): the same launcher, device pointers.
// Defined in the cuda and sim flavours (GAN_HAS_CUDA_KERNELS).
namespace gan::kernels::cuda {
template <class T>
void reduce(const ReduceParams& p, ReduceOp op, const T* x, T* y, Stream s = {});
}  // namespace gan::kernels::cuda
