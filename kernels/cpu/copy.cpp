// Strided copy, CPU reference: dst[idx . dst_stride] = src[idx . src_stride]
// (or +=, or with a dtype conversion) for every multi-index idx over shape.
//
// Layout: any; strides are in elements and may be 0 (broadcast source) or
// negative (flip); pointers arrive already offset to element idx = 0.
// Algorithm: first simplify the iteration space: drop size-1 dims and merge
// neighbours d, d+1 whenever both src and dst stride as one dim
// (stride[d] == shape[d+1] * stride[d+1]), so a contiguous copy becomes one
// run and a permute keeps only the dims that really change order. Then split
// the flat index range [0, prod(shape)) into contiguous chunks (parallel_for):
// each chunk decodes its first multi-index once, then walks runs along the
// innermost dim with an odometer carry. Splitting the flat range rather than
// the outer dim keeps all threads busy when the outer dim is 1 or 2.
// Napkin math: pure data movement, 2 elements per element (3 for accumulate);
// a strided source costs a cache line per element when the inner stride is large.
#include <algorithm>
#include <string>

#include "gan/kernels/copy.h"
#include "gan/kernels/copy_plan.h"
#include "gan/kernels/cpu_parallel.h"

namespace gan::kernels::cpu {
namespace {

constexpr int64_t kGrainElems = 32768;

using Plan = StridedCopyPlan;

// Calls op(dst_elem, src_elem) for every index; op must be safe for distinct dst elements in parallel.
template <class From, class To, class Op>
void strided_apply(const char* kernel, const StridedCopyParams& p, const From* src, To* dst, Op op) {
  const Plan q = plan_strided_copy(kernel, p);
  if (q.total == 0) return;
  const int last = q.ndim - 1;
  const int64_t inner = q.shape[last];
  const int64_t s_inner = q.ss[last], d_inner = q.ds[last];
  parallel_for(q.total, kGrainElems, [&](int64_t begin, int64_t end) {
    int64_t idx[kMaxDims];
    int64_t so = 0, doff = 0;
    int64_t rem = begin;
    for (int d = last; d >= 0; --d) {
      idx[d] = rem % q.shape[d];
      rem /= q.shape[d];
      so += idx[d] * q.ss[d];
      doff += idx[d] * q.ds[d];
    }
    int64_t pos = begin;
    while (pos < end) {
      const int64_t run = std::min(inner - idx[last], end - pos);
      const From* s = src + so;
      To* t = dst + doff;
      if (s_inner == 1 && d_inner == 1) {
        for (int64_t k = 0; k < run; ++k) op(t[k], s[k]);
      } else {
        for (int64_t k = 0; k < run; ++k) op(t[k * d_inner], s[k * s_inner]);
      }
      pos += run;
      if (pos == end) break;
      // Odometer: the run ended at the end of the innermost dim; carry outward.
      so -= idx[last] * s_inner;
      doff -= idx[last] * d_inner;
      idx[last] = 0;
      for (int d = last - 1; d >= 0; --d) {
        ++idx[d];
        so += q.ss[d];
        doff += q.ds[d];
        if (idx[d] < q.shape[d]) break;
        so -= q.shape[d] * q.ss[d];
        doff -= q.shape[d] * q.ds[d];
        idx[d] = 0;
      }
    }
  });
}

}  // namespace

template <class T>
void strided_copy(const StridedCopyParams& p, const T* src, T* dst, Stream) {
  strided_apply("strided_copy", p, src, dst, [](T& d, const T& s) { d = s; });
}

template <class T>
void strided_accumulate(const StridedCopyParams& p, const T* src, T* dst, Stream) {
  strided_apply("strided_accumulate", p, src, dst, [](T& d, const T& s) { d += s; });
}

template <class From, class To>
void strided_cast_copy(const StridedCopyParams& p, const From* src, To* dst, Stream) {
  strided_apply("strided_cast_copy", p, src, dst, [](To& d, const From& s) { d = static_cast<To>(s); });
}

template void strided_copy<float>(const StridedCopyParams&, const float*, float*, Stream);
template void strided_copy<double>(const StridedCopyParams&, const double*, double*, Stream);
template void strided_copy<int64_t>(const StridedCopyParams&, const int64_t*, int64_t*, Stream);
template void strided_accumulate<float>(const StridedCopyParams&, const float*, float*, Stream);
template void strided_accumulate<double>(const StridedCopyParams&, const double*, double*, Stream);
template void strided_cast_copy<float, double>(const StridedCopyParams&, const float*, double*, Stream);
template void strided_cast_copy<double, float>(const StridedCopyParams&, const double*, float*, Stream);
template void strided_cast_copy<float, float>(const StridedCopyParams&, const float*, float*, Stream);
template void strided_cast_copy<double, double>(const StridedCopyParams&, const double*, double*, Stream);

}  // namespace gan::kernels::cpu
