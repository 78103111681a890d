// Internal to kernels/cuda/: the contiguous elementwise map used by
// elementwise.cu and loss.cu. out[i] = f(in_0[i], ..., in_{N-1}[i]) for
// i < n, N = 1..3, every buffer flat and contiguous.
//   elementwise_contiguous_vec4_kernel  every pointer 16-byte aligned: 4
//       elements per thread-iteration with 16-byte loads/stores (float4, or
//       two double2), the n % 4 tail by the first threads of the grid;
//   elementwise_contiguous_kernel       otherwise, one element per iteration.
// Grid-stride loops, 256-thread blocks, at most 4096 blocks. Inputs may alias
// the output element for element (in-place unary), so no __restrict__.
#pragma once

#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"

namespace gan::kernels::cuda::detail {

template <class T, int N>
struct Inputs {
  const T* p[N];
};

template <class T, class F, int N>
GAN_DEVICE_INLINE T apply(const F& f, const T (&v)[N]) {
  if constexpr (N == 1) return f(v[0]);
  else if constexpr (N == 2) return f(v[0], v[1]);
  else return f(v[0], v[1], v[2]);
}

template <class T, class F, int N>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    elementwise_contiguous_vec4_kernel(int64_t n, F f, Inputs<T, N> in, T* out) {
  const int64_t tid = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t packs = n / kVec;
  for (int64_t i = tid; i < packs; i += stride) {
    Vec4<T> v[N];
#pragma unroll
    for (int k = 0; k < N; ++k) v[k] = load4(in.p[k] + i * kVec);
    Vec4<T> r;
#pragma unroll
    for (int e = 0; e < kVec; ++e) {
      T args[N];
#pragma unroll
      for (int k = 0; k < N; ++k) args[k] = v[k].v[e];
      r.v[e] = apply(f, args);
    }
    store4(out + i * kVec, r);
  }
  const int64_t t = packs * kVec + tid;  // the n % 4 tail
  if (t < n) {
    T args[N];
#pragma unroll
    for (int k = 0; k < N; ++k) args[k] = in.p[k][t];
    out[t] = apply(f, args);
  }
}

template <class T, class F, int N>
__global__ void __launch_bounds__(kThreads, kMinBlocks) elementwise_contiguous_kernel(int64_t n, F f, Inputs<T, N> in, T* out) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    T args[N];
#pragma unroll
    for (int k = 0; k < N; ++k) args[k] = in.p[k][i];
    out[i] = apply(f, args);
  }
}

inline bool all_aligned(const void* out, const void* const* in, int n) {
  bool ok = aligned16(out);
  for (int i = 0; i < n; ++i) ok = ok && aligned16(in[i]);
  return ok;
}

// Contiguous operands: the vec4 kernel when every pointer is 16-byte aligned.
template <class T, class F, int N>
inline void launch_contiguous(const std::string& name, int64_t n, const F& f, const Inputs<T, N>& in, T* out, Stream s) {
  if (n == 0) return;
  if (all_aligned(out, reinterpret_cast<const void* const*>(in.p), N)) {
    GAN_LAUNCH(grid_for((n + kVec - 1) / kVec), kThreads, 0, stream_of(s),
               elementwise_contiguous_vec4_kernel<T, F, N>)(n, f, in, out);
  } else {
    GAN_LAUNCH(grid_for(n), kThreads, 0, stream_of(s), elementwise_contiguous_kernel<T, F, N>)(n, f, in, out);
  }
  check_launch(name.c_str());
}

}  // namespace gan::kernels::cuda::detail
