// Host-side planning of a strided copy, shared by the CPU reference and the CUDA
// launcher: validates StridedCopyParams and simplifies the iteration space by
// dropping size-1 dims and merging neighbours that both sides walk as one
// (a contiguous copy becomes a single run), so kernels loop over fewer dims.
#pragma once

#include <string>

#include "gan/kernels/copy.h"

namespace gan::kernels {

struct StridedCopyPlan {
  int ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t ss[kMaxDims] = {};  // src strides
  int64_t ds[kMaxDims] = {};  // dst strides
  int64_t total = 1;          // elements; 0 = nothing to do
};

// Throws KernelError naming `kernel` for ndim outside [0, kMaxDims] or a negative extent.
inline StridedCopyPlan plan_strided_copy(const char* kernel, const StridedCopyParams& p) {

  if (p.ndim < 0 || p.ndim > kMaxDims)
    fail(kernel, "ndim " + std::to_string(p.ndim) + " is outside [0, " + std::to_string(kMaxDims) + "]");
  StridedCopyPlan q;
  for (int d = 0; d < p.ndim; ++d) {
    if (p.shape[d] < 0) fail(kernel, "negative extent " + std::to_string(p.shape[d]) + " in dim " + std::to_string(d));
    q.total *= p.shape[d];
  }
  if (q.total == 0) return q;
  // Drop size-1 dims, merging mergeable neighbours (outer to inner).
  for (int d = 0; d < p.ndim; ++d) {
    if (p.shape[d] == 1) continue;
    if (q.ndim > 0) {
      const int k = q.ndim - 1;  // previous kept (outer) dim
      if (q.ss[k] == p.shape[d] * p.src_stride[d] && q.ds[k] == p.shape[d] * p.dst_stride[d]) {
        q.shape[k] *= p.shape[d];
        q.ss[k] = p.src_stride[d];
        q.ds[k] = p.dst_stride[d];
        continue;
      }
    }
    q.shape[q.ndim] = p.shape[d];
    q.ss[q.ndim] = p.src_stride[d];
    q.ds[q.ndim] = p.dst_stride[d];
    ++q.ndim;
  }
  if (q.ndim == 0) {  // a single element
    q.ndim = 1;
    q.shape[0] = 1;
  }
  return q;
}

}  // namespace gan::kernels
