// General strided copy: for every multi-index idx over shape,
//   dst[idx . dst_stride] = src[idx . src_stride]
// with strides in elements (may be zero or negative) and pointers already offset.
//
// The building block of the view ops: permute/transpose (src strides permuted),
// slice (src pointer offset, strides * step), concat (copy each input into a
// slice of the output), slice backward (copy into a zeroed buffer), and, with
// the accumulate variant, scatter-add / broadcast backward where dst strides
// do not alias.
#pragma once

#include <cstdint>

#include "gan/kernels/common.h"

namespace gan::kernels {

struct StridedCopyParams {
  int ndim = 0;  // 0 copies one element
  int64_t shape[kMaxDims] = {};
  int64_t src_stride[kMaxDims] = {};
  int64_t dst_stride[kMaxDims] = {};
};

namespace cpu {

// Instantiated for float, double and int64_t (labels, indices).
template <class T>
void strided_copy(const StridedCopyParams& p, const T* src, T* dst, Stream s = {});

// dst += src (float, double). Distinct indices must map to distinct dst elements (no zero or
// overlapping dst strides), since elements are processed in parallel.
template <class T>
void strided_accumulate(const StridedCopyParams& p, const T* src, T* dst, Stream s = {});

// dst = To(src): dtype conversion with the same addressing as strided_copy.
// Instantiated for float <-> double (and same-type pairs).
template <class From, class To>
void strided_cast_copy(const StridedCopyParams& p, const From* src, To* dst, Stream s = {});

}  // namespace cpu
}  // namespace gan::kernels

// CUDA kernels (kernels/cuda/copy.cu): the same launchers, device pointers.
// Defined in the cuda and sim flavours (GAN_HAS_CUDA_KERNELS).
namespace gan::kernels::cuda {
template <class T>
void strided_copy(const StridedCopyParams& p, const T* src, T* dst, Stream s = {});
template <class T>
void strided_accumulate(const StridedCopyParams& p, const T* src, T* dst, Stream s = {});
template <class From, class To>
void strided_cast_copy(const StridedCopyParams& p, const From* src, To* dst, Stream s = {});
}  // namespace gan::kernels::cuda
