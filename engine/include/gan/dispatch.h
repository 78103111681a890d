// Device and dtype dispatch for engine ops (internal to engine/src, installed
// for extensions that add their own ops).
//
//   return dispatch_float("tanh", x, [&]<class T>() { kernels::cpu::unary<T>(...); });
//
// Chooses the kernel instantiation for the tensor's dtype, and (once the CUDA
// backend exists) the backend for its device. Until then a CUDA tensor reaching
// an op is a clear error naming the op.
#pragma once

#include "gan/tensor.h"

namespace gan {

[[noreturn]] void no_backend(const char* op, const Tensor& t);

template <class F>
decltype(auto) dispatch_float(const char* op, const Tensor& t, F&& f) {
  if (!t.device().is_cpu()) no_backend(op, t);
  switch (t.dtype()) {
    case DType::f32: return f.template operator()<float>();
    case DType::f64: return f.template operator()<double>();
    default: break;
  }
  throw Error(detail::concat(op, ": expected a floating-point tensor (f32 or f64), got ", dtype_name(t.dtype()),
                             " of shape ", shape_str(t.shape())));
}

// Output of the same dtype/device as `like`.
inline Tensor empty_like(const Tensor& like, const Shape& shape) {
  return Tensor::empty(shape, Options{like.dtype(), like.device()});
}
inline Tensor empty_like(const Tensor& like) { return empty_like(like, like.shape()); }

// Normalizes a possibly negative dim of a rank-`rank` tensor; the error names the op.
int64_t wrap_dim(const char* op, int64_t dim, int64_t rank);

}  // namespace gan
