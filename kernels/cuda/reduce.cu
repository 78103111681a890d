// CUDA reductions (reduce.h): sum, mean, max, min, var over the middle axis of
// x [outer, reduce, inner] -> y [outer, inner]. Same launcher as the CPU
// reference (kernels/cpu/reduce.cpp), in namespace gan::kernels::cuda.
//
// Layout: contiguous row-major; for fixed outer index o, x[o, :, :] is
// `reduce` rows of `inner` contiguous elements.
//
// Accumulation (float inputs too): sum, mean and var accumulate in DOUBLE, per
// thread and through the whole tree, with one rounding to T at the end, the
// same contract as the CPU reference; var is two-pass (mean, then the sum of
// squared deviations from it), never E[x^2] - E[x]^2. The reduction is memory
// bound, so the double adds are free on A100/H100 (FP64 at 1/2 the FP32 rate:
// 3 TB/s of floats is 0.8 G adds/ms against ~30 G FP64 ops/ms). max/min
// accumulate in T with NaN propagation (a NaN anywhere in a row gives NaN).
// Combination order is fixed by the thread layout, so results are
// deterministic run to run (no atomics).
//
// Algorithm, one runtime switch (reduce_launch):
//   inner == 1 (rows are contiguous): reduce_rows_kernel<T, OP, GROUP>; a group
//     of GROUP threads owns one row, strides through it (coalesced), then
//     combines with warp shuffles (xor butterfly) and, for GROUP > 32, one
//     shared-memory step across the group's warps.
//       reduce <= 512: GROUP = 32  (8 rows per 256-thread block, no barriers)
//       otherwise:     GROUP = 256 (one row per block)
//   inner > 1: reduce_cols_kernel<T, OP>; a 32 x 8 block owns 32 consecutive
//     columns of one outer index: threadIdx.x walks the columns (coalesced
//     128-byte rows), threadIdx.y splits the reduce axis 8 ways, and the 8
//     partials are combined through shared memory in a fixed order.
//   Both are grid-stride over their work items with at most 4096 blocks.
//   Not done yet: splitting one long row across blocks (a whole-tensor sum of
//   a few outputs runs on one block per output).
//
// Napkin math: reads outer*reduce*inner elements once (var: twice), writes
// outer*inner; ~1 FLOP per element. A 16M-element float sum moves 64 MB:
// ~25 us at 2.5 TB/s when enough rows/column tiles fill the GPU.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>
#include <type_traits>

#include "cuda_common.cuh"
#include "gan/kernels/reduce.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

template <ReduceOp OP>
inline constexpr bool kIsExtreme = OP == ReduceOp::max || OP == ReduceOp::min;

// Accumulator type: double for sum/mean/var, T for max/min.
template <class T, ReduceOp OP>
using Acc = std::conditional_t<kIsExtreme<OP>, T, double>;

template <class T, ReduceOp OP>
GAN_DEVICE_INLINE Acc<T, OP> identity() {
  if constexpr (OP == ReduceOp::max) return -d_inf<T>();
  else if constexpr (OP == ReduceOp::min) return d_inf<T>();
  else return 0.0;
}

template <class T, ReduceOp OP>
GAN_DEVICE_INLINE Acc<T, OP> combine(Acc<T, OP> a, Acc<T, OP> b) {
  if constexpr (OP == ReduceOp::max) return max_nan(a, b);
  else if constexpr (OP == ReduceOp::min) return min_nan(a, b);
  else return a + b;
}

// var's divisor; NaN when the degrees of freedom are exhausted (as PyTorch).
GAN_DEVICE_INLINE double var_from_m2(double m2, int64_t reduce, int64_t correction) {
  const int64_t dof = reduce - correction;
  return dof > 0 ? m2 / static_cast<double>(dof) : __longlong_as_double(0x7ff8000000000000ll);
}

// x [outer, reduce] (inner == 1) -> y [outer]; blockDim.x == kThreads.
template <class T, ReduceOp OP, int GROUP>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    reduce_rows_kernel(int64_t outer, int64_t reduce, int64_t correction, const T* __restrict__ x, T* __restrict__ y) {
  using A = Acc<T, OP>;
  constexpr int kRowsPerBlock = kThreads / GROUP;
  __shared__ A smem[kThreads / 32];
  const int group = static_cast<int>(threadIdx.x) / GROUP;
  const int lane = static_cast<int>(threadIdx.x) % GROUP;
  const auto c = [](A a, A b) { return combine<T, OP>(a, b); };
  // The loop bound is the same for every thread of the block (barriers inside).
  for (int64_t base = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock; base < outer;
       base += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const int64_t row = base + group;
    const bool valid = row < outer;
    const T* xr = x + (valid ? row : 0) * reduce;
    A acc = identity<T, OP>();
    if (valid) {
      for (int64_t j = lane; j < reduce; j += GROUP) acc = c(acc, static_cast<A>(xr[j]));
    }
    acc = group_allreduce<GROUP>(acc, c, smem);
    if constexpr (OP == ReduceOp::var) {
      const double mean = acc / static_cast<double>(reduce);
      double m2 = 0.0;
      if (valid) {
        for (int64_t j = lane; j < reduce; j += GROUP) {
          const double d = static_cast<double>(xr[j]) - mean;
          m2 += d * d;
        }
      }
      m2 = group_allreduce<GROUP>(m2, c, smem);
      if (valid && lane == 0) y[row] = static_cast<T>(var_from_m2(m2, reduce, correction));
    } else if constexpr (OP == ReduceOp::mean) {
      if (valid && lane == 0) y[row] = static_cast<T>(acc / static_cast<double>(reduce));
    } else {
      if (valid && lane == 0) y[row] = static_cast<T>(acc);
    }
  }
}

inline constexpr int kColsX = 32, kColsY = 8;

// x [outer, reduce, inner] (inner > 1) -> y [outer, inner]; block (32, 8).
template <class T, ReduceOp OP>
__global__ void __launch_bounds__(kColsX* kColsY, kMinBlocks)
    reduce_cols_kernel(int64_t outer, int64_t reduce, int64_t inner, int64_t correction, const T* __restrict__ x,
                       T* __restrict__ y) {
  using A = Acc<T, OP>;
  __shared__ A part[kColsY][kColsX + 1];  // +1: no bank conflicts on the column read
  const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
  const int64_t col_tiles = (inner + kColsX - 1) / kColsX;
  const auto c = [](A a, A b) { return combine<T, OP>(a, b); };
  for (int64_t tile = blockIdx.x; tile < outer * col_tiles; tile += gridDim.x) {
    const int64_t o = tile / col_tiles;
    const int64_t col = (tile % col_tiles) * kColsX + tx;
    const bool valid = col < inner;
    const T* xs = x + o * reduce * inner + (valid ? col : 0);  // [reduce] with stride inner
    A acc = identity<T, OP>();
    if (valid) {
      for (int64_t r = ty; r < reduce; r += kColsY) acc = c(acc, static_cast<A>(xs[r * inner]));
    }
    part[ty][tx] = acc;
    __syncthreads();
    if (ty == 0) {
      for (int k = 1; k < kColsY; ++k) acc = c(acc, part[k][tx]);
    }
    if constexpr (OP == ReduceOp::var) {
      __shared__ double mean_s[kColsX];
      if (ty == 0) mean_s[tx] = acc / static_cast<double>(reduce);
      __syncthreads();
      const double mean = mean_s[tx];
      double m2 = 0.0;
      if (valid) {
        for (int64_t r = ty; r < reduce; r += kColsY) {
          const double d = static_cast<double>(xs[r * inner]) - mean;
          m2 += d * d;
        }
      }
      part[ty][tx] = m2;
      __syncthreads();
      if (ty == 0) {
        for (int k = 1; k < kColsY; ++k) m2 += part[k][tx];
        if (valid) y[o * inner + col] = static_cast<T>(var_from_m2(m2, reduce, correction));
      }
    } else if constexpr (OP == ReduceOp::mean) {
      if (ty == 0 && valid) y[o * inner + col] = static_cast<T>(acc / static_cast<double>(reduce));
    } else {
      if (ty == 0 && valid) y[o * inner + col] = static_cast<T>(acc);
    }
    __syncthreads();  // part/mean_s are reused by the next tile
  }
}

template <class T, ReduceOp OP>
void reduce_launch(const ReduceParams& p, const T* x, T* y, Stream s) {
  if (p.inner == 1) {
    if (p.reduce <= 512) {
      constexpr int kRows = kThreads / 32;
      GAN_LAUNCH(grid_for((p.outer + kRows - 1) / kRows, 1), kThreads, 0, stream_of(s),
                 reduce_rows_kernel<T, OP, 32>)(p.outer, p.reduce, p.correction, x, y);
    } else {
      GAN_LAUNCH(grid_for(p.outer, 1), kThreads, 0, stream_of(s), reduce_rows_kernel<T, OP, kThreads>)(
          p.outer, p.reduce, p.correction, x, y);
    }
  } else {
    const int64_t tiles = p.outer * ((p.inner + kColsX - 1) / kColsX);
    GAN_LAUNCH(grid_for(tiles, 1), dim3(kColsX, kColsY), 0, stream_of(s), reduce_cols_kernel<T, OP>)(
        p.outer, p.reduce, p.inner, p.correction, x, y);
  }
}

}  // namespace

template <class T>
void reduce(const ReduceParams& p, ReduceOp op, const T* x, T* y, Stream s) {
  if (p.outer < 0 || p.reduce < 0 || p.inner < 0) {
    fail("reduce", std::string(reduce_op_name(op)) + ": negative size [outer=" + std::to_string(p.outer) +
                       ", reduce=" + std::to_string(p.reduce) + ", inner=" + std::to_string(p.inner) + "]");
  }
  if (p.reduce == 0 && (op == ReduceOp::max || op == ReduceOp::min)) {
    fail("reduce", std::string(reduce_op_name(op)) + " of an empty axis (reduce=0) has no identity");
  }
  if (p.outer * p.inner == 0) return;
  switch (op) {
    case ReduceOp::sum: reduce_launch<T, ReduceOp::sum>(p, x, y, s); break;
    case ReduceOp::mean: reduce_launch<T, ReduceOp::mean>(p, x, y, s); break;
    case ReduceOp::max: reduce_launch<T, ReduceOp::max>(p, x, y, s); break;
    case ReduceOp::min: reduce_launch<T, ReduceOp::min>(p, x, y, s); break;
    case ReduceOp::var: reduce_launch<T, ReduceOp::var>(p, x, y, s); break;
    default: fail("reduce", "unknown op " + std::to_string(static_cast<int>(op)));
  }
  check_launch((std::string("reduce(") + reduce_op_name(op) + ")").c_str());
}

template void reduce<float>(const ReduceParams&, ReduceOp, const float*, float*, Stream);
template void reduce<double>(const ReduceParams&, ReduceOp, const double*, double*, Stream);

}  // namespace gan::kernels::cuda
