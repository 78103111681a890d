// Shared pieces of the CUDA kernel files (internal to kernels/cuda/, not installed):
// launch geometry, the launch check, 16-byte vector loads, device math overloads
// for float/double, and warp/block reductions.
//
// Every kernel file includes this after <gan/kernels/portable.h>, so the same
// code compiles with nvcc (GPU) and with g++ (the SIMT emulator).
#pragma once

#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "gan/kernels/common.h"

namespace gan::kernels::cuda::detail {

// Threads per block for the 1-D elementwise kernels: 8 warps, enough to hide
// latency with several blocks per SM, small enough for the emulator.
inline constexpr int kThreads = 256;
// __launch_bounds__(kThreads, kMinBlocks): ask ptxas for 4 resident blocks per
// SM (1024 threads, <= 64 registers). With __launch_bounds__(256) alone ptxas
// picked 40 registers for double exp on sm_90 and spilled; with this bound no
// kernel spills (scripts/ptxas-table.sh).
inline constexpr int kMinBlocks = 4;
// Grid-stride loops: at most this many blocks (an H100 holds 132 SMs x 8 blocks
// of 256 threads); beyond it each thread loops.
inline constexpr int64_t kMaxBlocks = 4096;
// Elements a vectorised thread moves per iteration (one 16-byte load for float).
inline constexpr int kVec = 4;

inline unsigned grid_for(int64_t work_items, int threads = kThreads) {
  int64_t blocks = (work_items + threads - 1) / threads;
  if (blocks < 1) blocks = 1;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  return static_cast<unsigned>(blocks);
}

#if defined(__CUDACC__)
inline cudaStream_t stream_of(Stream s) { return static_cast<cudaStream_t>(s.handle); }
#else
inline void* stream_of(Stream s) { return s.handle; }
#endif

// After every launch: under nvcc a failed launch (bad configuration, no
// device, ...) becomes a KernelError naming the kernel. The emulator throws
// from the launch itself.
inline void check_launch(const char* kernel) {
#if defined(__CUDACC__)
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) fail(kernel, std::string("launch failed: ") + cudaGetErrorString(e));
#else
  (void)kernel;
#endif
}

__host__ __device__ __forceinline__ bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

// ---- 16-byte vector access: 4 consecutive elements ---------------------------
// float: one float4 (ld.global.v4.f32); double / int64: two double2 / longlong2
// (ld.global.v2.f64 / .v2.u64).
// The pointer must be 16-byte aligned.
template <class T>
struct Vec4 {
  T v[4];
};

GAN_DEVICE_INLINE Vec4<float> load4(const float* p) {
  const float4 q = *reinterpret_cast<const float4*>(p);
  return {{q.x, q.y, q.z, q.w}};
}
GAN_DEVICE_INLINE Vec4<double> load4(const double* p) {
  const double2 a = reinterpret_cast<const double2*>(p)[0];
  const double2 b = reinterpret_cast<const double2*>(p)[1];
  return {{a.x, a.y, b.x, b.y}};
}
GAN_DEVICE_INLINE Vec4<int64_t> load4(const int64_t* p) {
  const longlong2 a = reinterpret_cast<const longlong2*>(p)[0];
  const longlong2 b = reinterpret_cast<const longlong2*>(p)[1];
  return {{a.x, a.y, b.x, b.y}};
}
GAN_DEVICE_INLINE void store4(float* p, const Vec4<float>& v) {
  *reinterpret_cast<float4*>(p) = make_float4(v.v[0], v.v[1], v.v[2], v.v[3]);
}
GAN_DEVICE_INLINE void store4(double* p, const Vec4<double>& v) {
  reinterpret_cast<double2*>(p)[0] = make_double2(v.v[0], v.v[1]);
  reinterpret_cast<double2*>(p)[1] = make_double2(v.v[2], v.v[3]);
}

GAN_DEVICE_INLINE void store4(int64_t* p, const Vec4<int64_t>& v) {
  reinterpret_cast<longlong2*>(p)[0] = make_longlong2(v.v[0], v.v[1]);
  reinterpret_cast<longlong2*>(p)[1] = make_longlong2(v.v[2], v.v[3]);
}

// ---- device math, overloaded on float/double ----------------------------------
// float maps to the single-precision CUDA functions (expf, ...), which are the
// C library's float functions under the emulator.
// Products and sums nvcc may not contract into FMAs (__fmul_rn, __fadd_rn and
// the double __d*_rn): for kernels that must round as their CPU reference,
// which g++ compiles without FMAs (x86-64 without -mfma). On the H200 a
// contracted x * g + b differed from the reference by 6e-6 relative where the
// sum cancels.
GAN_DEVICE_INLINE float mul_rn(float a, float b) { return __fmul_rn(a, b); }
GAN_DEVICE_INLINE double mul_rn(double a, double b) { return __dmul_rn(a, b); }
GAN_DEVICE_INLINE float add_rn(float a, float b) { return __fadd_rn(a, b); }
GAN_DEVICE_INLINE double add_rn(double a, double b) { return __dadd_rn(a, b); }
// a - b is a + (-b) exactly in IEEE arithmetic.
template <class T>
GAN_DEVICE_INLINE T sub_rn(T a, T b) {
  return add_rn(a, -b);
}

GAN_DEVICE_INLINE float d_exp(float x) { return expf(x); }
GAN_DEVICE_INLINE double d_exp(double x) { return exp(x); }
GAN_DEVICE_INLINE float d_log(float x) { return logf(x); }
GAN_DEVICE_INLINE double d_log(double x) { return log(x); }
GAN_DEVICE_INLINE float d_log1p(float x) { return log1pf(x); }
GAN_DEVICE_INLINE double d_log1p(double x) { return log1p(x); }
GAN_DEVICE_INLINE float d_sqrt(float x) { return sqrtf(x); }
GAN_DEVICE_INLINE double d_sqrt(double x) { return sqrt(x); }
GAN_DEVICE_INLINE float d_abs(float x) { return fabsf(x); }
GAN_DEVICE_INLINE double d_abs(double x) { return fabs(x); }
GAN_DEVICE_INLINE float d_tanh(float x) { return tanhf(x); }
GAN_DEVICE_INLINE double d_tanh(double x) { return tanh(x); }
GAN_DEVICE_INLINE float d_pow(float x, float y) { return powf(x, y); }
GAN_DEVICE_INLINE double d_pow(double x, double y) { return pow(x, y); }
template <class T>
GAN_DEVICE_INLINE bool d_isnan(T x) {
  return x != x;
}
template <class T>
GAN_DEVICE_INLINE T d_inf();
template <>
GAN_DEVICE_INLINE float d_inf<float>() {
  return __int_as_float(0x7f800000);
}
template <>
GAN_DEVICE_INLINE double d_inf<double>() {
  return __longlong_as_double(0x7ff0000000000000ll);
}

// NaN-propagating max/min (as the CPU reference's max_nan/min_nan): once the
// accumulator is NaN it stays NaN, and a NaN v replaces it.
template <class T>
GAN_DEVICE_INLINE T max_nan(T acc, T v) {
  return (acc >= v || d_isnan(acc)) ? acc : v;
}
template <class T>
GAN_DEVICE_INLINE T min_nan(T acc, T v) {
  return (acc <= v || d_isnan(acc)) ? acc : v;
}

struct SumOp {
  template <class A>
  GAN_DEVICE_INLINE A operator()(A a, A b) const {
    return a + b;
  }
};
struct MaxOp {
  template <class A>
  GAN_DEVICE_INLINE A operator()(A a, A b) const {
    return max_nan(a, b);
  }
};
struct MinOp {
  template <class A>
  GAN_DEVICE_INLINE A operator()(A a, A b) const {
    return min_nan(a, b);
  }
};

// Butterfly reduction over the 32 lanes of a full warp: every lane ends with
// the result (all lanes must call it).
template <class A, class Combine>
GAN_DEVICE_INLINE A warp_allreduce(A v, Combine combine) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v = combine(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

// All-reduce over a group of GROUP consecutive threads (a warp, or several
// warps up to the whole kThreads block): every thread of the group ends with
// the result. Every thread of the block must call it (it may contain barriers);
// smem holds one slot per warp of the block. Warp results combine in warp order,
// so the result is deterministic.
template <int GROUP, class A, class C>
GAN_DEVICE_INLINE A group_allreduce(A v, C c, A* smem) {
  v = warp_allreduce(v, c);
  if constexpr (GROUP > 32) {
    constexpr int kWarps = GROUP / 32;
    const int warp = static_cast<int>(threadIdx.x) / 32;
    if (threadIdx.x % 32 == 0) smem[warp] = v;
    __syncthreads();
    const int first = warp / kWarps * kWarps;
    v = smem[first];
#pragma unroll
    for (int k = 1; k < kWarps; ++k) v = c(v, smem[first + k]);
    __syncthreads();  // smem is reused by the next call
  }
  return v;
}

}  // namespace gan::kernels::cuda::detail
