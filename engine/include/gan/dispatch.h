// Device and dtype dispatch for engine ops (internal to engine/src, installed
// for extensions that add their own ops).
//
//   return dispatch_float("tanh", x, [&]<class T>() { kernels::cpu::unary<T>(...); });
//
// dispatch_float chooses the kernel instantiation for the tensor's dtype and
// admits only CPU tensors: an op without CUDA kernels fails clearly on a CUDA
// tensor, naming the op. Ops whose kernel family exists for CUDA use
// dispatch_float_device and pick the launcher with GAN_KERNEL:
//
//   dispatch_float_device("tanh", x, [&]<class T>() {
//     GAN_KERNEL(x, unary<T>)(p, UnaryOp::tanh, x.data<T>(), y.data<T>(), stream_of(x));
//   });
//
// (kernels::cpu and kernels::cuda launchers have identical signatures, so the
// choice is between two function pointers of one type.)
#pragma once

#include "gan/kernels/common.h"
#include "gan/profiler.h"
#include "gan/tensor.h"

#if defined(GAN_HAS_CUDA_KERNELS)
#define GAN_KERNEL(tensor, fn) ((tensor).device().is_cuda() ? &::gan::kernels::cuda::fn : &::gan::kernels::cpu::fn)
#else
#define GAN_KERNEL(tensor, fn) (&::gan::kernels::cpu::fn)
#endif

namespace gan {

[[noreturn]] void no_backend(const char* op, const Tensor& t);

// The stream a tensor's kernels run on (the default stream for now).
inline kernels::Stream stream_of(const Tensor&) { return {}; }

namespace detail {
template <class F>
decltype(auto) dispatch_dtype(const char* op, const Tensor& t, F&& f) {
  switch (t.dtype()) {
    case DType::f32: return f.template operator()<float>();
    case DType::f64: return f.template operator()<double>();
    default: break;
  }
  throw Error(detail::concat(op, ": expected a floating-point tensor (f32 or f64), got ", dtype_name(t.dtype()),
                             " of shape ", shape_str(t.shape())));
}
}  // namespace detail

template <class F>
decltype(auto) dispatch_float(const char* op, const Tensor& t, F&& f) {
  if (!t.device().is_cpu()) no_backend(op, t);
  profiler::Scope scope(op);
  return detail::dispatch_dtype(op, t, std::forward<F>(f));
}

// For ops with kernels on every backend of this build.
template <class F>
decltype(auto) dispatch_float_device(const char* op, const Tensor& t, F&& f) {
#if !defined(GAN_HAS_CUDA_KERNELS)
  if (!t.device().is_cpu()) no_backend(op, t);
#endif
  profiler::Scope scope(op);
  return detail::dispatch_dtype(op, t, std::forward<F>(f));
}

// Output of the same dtype/device as `like`.
inline Tensor empty_like(const Tensor& like, const Shape& shape) {
  return Tensor::empty(shape, Options{like.dtype(), like.device()});
}
inline Tensor empty_like(const Tensor& like) { return empty_like(like, like.shape()); }

// Normalizes a possibly negative dim of a rank-`rank` tensor; the error names the op.
int64_t wrap_dim(const char* op, int64_t dim, int64_t rank);

}  // namespace gan
