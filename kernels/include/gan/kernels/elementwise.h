// Elementwise kernels: unary maps, broadcasting binary ops, where, fill, cast.
//
// Unary and fill/cast work on flat, contiguous buffers of n elements.
// Binary and where broadcast: BroadcastParams describes the OUTPUT's index
// space (contiguous, row-major) and, for each input, its element stride along
// each output dim (0 where the input is broadcast along that dim). Inputs may
// therefore also be arbitrary strided views (transposes, slices).
//
// NaN semantics follow PyTorch: NaN propagates through arithmetic, relu,
// clamp, maximum and minimum; comparisons (gt, ge, lt, le, eq, gt_scalar,
// step) involving NaN give 0.
#pragma once

#include <cstdint>

#include "gan/kernels/common.h"

namespace gan::kernels {

enum class UnaryOp {
  neg,
  exp,
  log,
  sqrt,
  rsqrt,
  abs,
  sign,        // -1, 0 or +1; NaN stays NaN
  square,
  reciprocal,
  relu,
  leaky_relu,  // x > 0 ? x : alpha * x   (alpha = negative slope)
  tanh,
  sigmoid,     // evaluated without overflow for large |x|
  softplus,    // stable: max(x, 0) + log1p(exp(-|x|))
  clamp,       // to [alpha, beta]
  pow_scalar,  // x^alpha
  add_scalar,  // x + alpha
  mul_scalar,  // x * alpha
  rsub_scalar, // alpha - x
  step,        // x > 0 ? 1 : 0   (relu's derivative mask)
  gt_scalar,   // x > alpha ? 1 : 0
};

struct UnaryParams {
  int64_t n = 0;      // elements in x and y, both [n]
  double alpha = 0;   // scalar operand (see UnaryOp)
  double beta = 0;    // second scalar operand (clamp's upper bound)
};

// Comparisons give 1 or 0 in the element type.
enum class BinaryOp { add, sub, mul, div, pow, maximum, minimum, gt, ge, lt, le, eq };

// Broadcast description in the OUTPUT's index space, for up to 3 inputs.
// stride[i][d] is input i's element stride along output dim d (0 where input i
// is broadcast along d). The output is contiguous. numel must equal the
// product of shape[0..ndim) (1 for ndim == 0, a scalar).
// Input order: binary uses stride[0] for a, stride[1] for b;
//              where uses stride[0] for cond, stride[1] for a, stride[2] for b.
struct BroadcastParams {
  int ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t stride[3][kMaxDims] = {};
  int64_t numel = 0;
};

const char* unary_op_name(UnaryOp op);
const char* binary_op_name(BinaryOp op);

namespace cpu {

// y[i] = op(x[i]) for i < p.n. x and y may be the same buffer.
template <class T>
void unary(const UnaryParams& p, UnaryOp op, const T* x, T* y, Stream s = {});

// out[idx] = op(a[idx . stride[0]], b[idx . stride[1]]) over the output's shape.
// out must not overlap a or b unless it is the same contiguous buffer.
template <class T>
void binary(const BroadcastParams& p, BinaryOp op, const T* a, const T* b, T* out, Stream s = {});

// out[idx] = cond[...] != 0 ? a[...] : b[...]   (a NaN condition counts as true)
template <class T>
void where(const BroadcastParams& p, const T* cond, const T* a, const T* b, T* out, Stream s = {});

// out[i] = value for i < n. Instantiated for float, double and int64_t.
template <class T>
void fill(int64_t n, T value, T* out, Stream s = {});

// out[i] = T(start + i * step) for i < n, the sum in double, converted as
// cast_value.h does: Tensor::arange, made where it is used (a device tensor
// without an upload). Instantiated for float, double and int64_t.
template <class T>
void arange(int64_t n, double start, double step, T* out, Stream s = {});

// y[i] = To(x[i]) for i < n (gan/kernels/cast_value.h: round to nearest;
// floating -> int64 truncates, NaN and out-of-range values saturate).
// Instantiated for every pair of float, double and int64_t.
template <class From, class To>
void cast(int64_t n, const From* x, To* y, Stream s = {});

}  // namespace cpu
}  // namespace gan::kernels

// CUDA kernels (kernels/cuda/elementwise.cu): the same launchers, device
// pointers, enqueued on the stream. Defined in the cuda and sim flavours
// (GAN_HAS_CUDA_KERNELS).
namespace gan::kernels::cuda {
template <class T>
void unary(const UnaryParams& p, UnaryOp op, const T* x, T* y, Stream s = {});
template <class T>
void binary(const BroadcastParams& p, BinaryOp op, const T* a, const T* b, T* out, Stream s = {});
template <class T>
void where(const BroadcastParams& p, const T* cond, const T* a, const T* b, T* out, Stream s = {});
template <class T>
void fill(int64_t n, T value, T* out, Stream s = {});
template <class T>
void arange(int64_t n, double start, double step, T* out, Stream s = {});
template <class From, class To>
void cast(int64_t n, const From* x, To* y, Stream s = {});
}  // namespace gan::kernels::cuda
