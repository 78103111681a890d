// CUDA strided copy (copy.h): dst[idx . dst_stride] = src[idx . src_stride]
// for every multi-index idx over shape; the accumulate variant does +=, the
// cast variant converts dtype. Same launchers as the CPU reference
// (kernels/cpu/copy.cpp), in namespace gan::kernels::cuda. These are the
// building block of permute/transpose, slice, concat (one copy per input into
// a slice of the output) and their backward passes.
//
// Layout: any; strides in elements, may be 0 (broadcast source) or negative
// (flip); pointers arrive offset to element idx = 0.
//
// Algorithm: the iteration space is simplified on the host exactly as the CPU
// reference does (size-1 dims dropped, neighbours merged when both src and dst
// step through them as one), so a contiguous copy becomes one run and a
// permute keeps only the dims that change order. Then:
//   strided_copy_contiguous_vec4_kernel  one unit-stride run, both pointers
//       16-byte aligned: 4 elements per thread-iteration with 16-byte loads and
//       stores (float4; two double2 / longlong2 for 8-byte types);
//   strided_copy_kernel<Index>          anything else: grid-stride over the
//       flat index, unravelled over the (innermost-first, fully unrolled) dims
//       into a src and a dst offset; Index = int32_t when all offsets fit.
// Accumulate relies on DISJOINTNESS, not atomics: the contract (copy.h) is
// that distinct indices map to distinct dst elements, so each dst element has
// exactly one writer and a plain read-modify-write is race free.
// Consecutive threads take consecutive flat indices, so the innermost dim is
// coalesced on whichever side has unit stride; a transpose reads or writes
// with a stride (no shared-memory tile transpose yet).
//
// Napkin math: pure data movement, 2 elements per element (accumulate 3);
// 64 MB of float at ~3 TB/s is ~21 us when contiguous, up to 8x more when
// one side strides by >= 32 B (one 32-B sector per element).
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"
#include "gan/kernels/copy.h"
#include "gan/kernels/copy_plan.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

using Plan = StridedCopyPlan;  // kernels/include/gan/kernels/copy_plan.h, shared with the CPU reference

// Innermost dim first, so the unrolled unravel loop indexes with constants.
template <class Index>
struct CopyGeom {
  int ndim;
  Index shape[kMaxDims];
  Index ss[kMaxDims];
  Index ds[kMaxDims];
};

template <bool ACCUMULATE, class From, class To>
GAN_DEVICE_INLINE void put(To& d, From s) {
  if constexpr (ACCUMULATE) d += static_cast<To>(s);
  else d = static_cast<To>(s);
}

template <class From, class To, bool ACCUMULATE>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    strided_copy_contiguous_vec4_kernel(int64_t n, const From* __restrict__ src, To* __restrict__ dst) {
  const int64_t tid = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t packs = n / kVec;
  for (int64_t i = tid; i < packs; i += stride) {
    const Vec4<From> v = load4(src + i * kVec);
    Vec4<To> r;
    if constexpr (ACCUMULATE) r = load4(dst + i * kVec);
#pragma unroll
    for (int e = 0; e < kVec; ++e) put<ACCUMULATE>(r.v[e], v.v[e]);
    store4(dst + i * kVec, r);
  }
  const int64_t t = packs * kVec + tid;
  if (t < n) put<ACCUMULATE>(dst[t], src[t]);
}

template <class From, class To, bool ACCUMULATE, class Index>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    strided_copy_kernel(int64_t total, CopyGeom<Index> g, const From* __restrict__ src, To* __restrict__ dst) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
    Index rem = static_cast<Index>(i);
    Index so = 0, doff = 0;
#pragma unroll
    for (int k = 0; k < kMaxDims; ++k) {
      if (k < g.ndim) {
        const Index q = rem / g.shape[k];
        const Index r = rem - q * g.shape[k];
        rem = q;
        so += r * g.ss[k];
        doff += r * g.ds[k];
      }
    }
    put<ACCUMULATE>(dst[doff], src[so]);
  }
}

template <class Index>
CopyGeom<Index> make_geom(const Plan& q) {
  CopyGeom<Index> g{};
  g.ndim = q.ndim;
  for (int k = 0; k < kMaxDims; ++k) {
    const int d = q.ndim - 1 - k;
    g.shape[k] = d >= 0 ? static_cast<Index>(q.shape[d]) : Index(1);
    g.ss[k] = d >= 0 ? static_cast<Index>(q.ss[d]) : Index(0);
    g.ds[k] = d >= 0 ? static_cast<Index>(q.ds[d]) : Index(0);
  }
  return g;
}

bool fits_int32(const Plan& q) {
  constexpr int64_t kMax = 2147483647;
  if (q.total > kMax) return false;
  int64_t rs = 0, rd = 0;
  for (int d = 0; d < q.ndim; ++d) {
    rs += (q.shape[d] - 1) * (q.ss[d] < 0 ? -q.ss[d] : q.ss[d]);
    rd += (q.shape[d] - 1) * (q.ds[d] < 0 ? -q.ds[d] : q.ds[d]);
  }
  return rs <= kMax && rd <= kMax;
}

template <class From, class To, bool ACCUMULATE>
void strided_launch(const char* kernel, const StridedCopyParams& p, const From* src, To* dst, Stream s) {
  const Plan q = plan_strided_copy(kernel, p);
  if (q.total == 0) return;
  const bool contiguous = q.ndim == 1 && ((q.ss[0] == 1 && q.ds[0] == 1) || q.shape[0] == 1);
  if (contiguous && aligned16(src) && aligned16(dst)) {
    GAN_LAUNCH(grid_for((q.total + kVec - 1) / kVec), kThreads, 0, stream_of(s),
               strided_copy_contiguous_vec4_kernel<From, To, ACCUMULATE>)(q.total, src, dst);
  } else if (fits_int32(q)) {
    GAN_LAUNCH(grid_for(q.total), kThreads, 0, stream_of(s), strided_copy_kernel<From, To, ACCUMULATE, int32_t>)(
        q.total, make_geom<int32_t>(q), src, dst);
  } else {
    GAN_LAUNCH(grid_for(q.total), kThreads, 0, stream_of(s), strided_copy_kernel<From, To, ACCUMULATE, int64_t>)(
        q.total, make_geom<int64_t>(q), src, dst);
  }
  check_launch(kernel);
}

}  // namespace

template <class T>
void strided_copy(const StridedCopyParams& p, const T* src, T* dst, Stream s) {
  strided_launch<T, T, false>("strided_copy", p, src, dst, s);
}

template <class T>
void strided_accumulate(const StridedCopyParams& p, const T* src, T* dst, Stream s) {
  strided_launch<T, T, true>("strided_accumulate", p, src, dst, s);
}

template <class From, class To>
void strided_cast_copy(const StridedCopyParams& p, const From* src, To* dst, Stream s) {
  strided_launch<From, To, false>("strided_cast_copy", p, src, dst, s);
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

}  // namespace gan::kernels::cuda
