// Device intrinsics for the SIMT emulator: fast math, bit manipulation, type
// punning, atomics, fences. Included by gan/simt/simt.h.
//
// Fast-math intrinsics (__expf, __fdividef, ...) are computed at full
// precision: the GPU's approximations are within a few ulp of these, so tests
// against the CPU reference use a tolerance anyway. Atomics are GCC __atomic
// operations, relaxed like the GPU's, and truly atomic across worker threads.
#pragma once

#include <atomic>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <thread>

// ---- math ------------------------------------------------------------------

inline float __expf(float x) { return std::exp(x); }
inline float __exp10f(float x) { return std::pow(10.0f, x); }
inline float __logf(float x) { return std::log(x); }
inline float __log2f(float x) { return std::log2(x); }
inline float __log10f(float x) { return std::log10(x); }
inline float __sinf(float x) { return std::sin(x); }
inline float __cosf(float x) { return std::cos(x); }
inline float __tanf(float x) { return std::tan(x); }
inline void __sincosf(float x, float* s, float* c) {
  *s = std::sin(x);
  *c = std::cos(x);
}
inline float __powf(float x, float y) { return std::pow(x, y); }
inline float __fdividef(float x, float y) { return x / y; }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fsqrt_rn(float x) { return std::sqrt(x); }
inline float __frsqrt_rn(float x) { return 1.0f / std::sqrt(x); }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline double __fma_rn(double a, double b, double c) { return std::fma(a, b, c); }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline float __saturatef(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : (x == x ? x : 0.0f)); }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline float rcbrtf(float x) { return 1.0f / std::cbrt(x); }
inline float exp10f(float x) { return std::pow(10.0f, x); }
inline float normcdff(float x) { return 0.5f * std::erfc(-x * 0.70710678118654752f); }
inline double normcdf(double x) { return 0.5 * std::erfc(-x * 0.70710678118654752); }
inline void sincospif(float x, float* s, float* c) {
  *s = std::sin(x * 3.14159265358979323846f);
  *c = std::cos(x * 3.14159265358979323846f);
}

// CUDA's global min/max overloads (device code calls min(a, b) unqualified).
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline unsigned long long min(unsigned long long a, unsigned long long b) { return a < b ? a : b; }
inline unsigned long long max(unsigned long long a, unsigned long long b) { return a > b ? a : b; }
inline float min(float a, float b) { return std::fmin(a, b); }
inline float max(float a, float b) { return std::fmax(a, b); }
inline double min(double a, double b) { return std::fmin(a, b); }
inline double max(double a, double b) { return std::fmax(a, b); }

// ---- conversions and type punning -----------------------------------------

inline int __float_as_int(float x) { return std::bit_cast<int>(x); }
inline unsigned __float_as_uint(float x) { return std::bit_cast<unsigned>(x); }
inline float __int_as_float(int x) { return std::bit_cast<float>(x); }
inline float __uint_as_float(unsigned x) { return std::bit_cast<float>(x); }
inline long long __double_as_longlong(double x) { return std::bit_cast<long long>(x); }
inline double __longlong_as_double(long long x) { return std::bit_cast<double>(x); }
inline int __float2int_rn(float x) { return static_cast<int>(std::nearbyint(x)); }
inline int __float2int_rz(float x) { return static_cast<int>(x); }
inline int __float2int_rd(float x) { return static_cast<int>(std::floor(x)); }
inline int __float2int_ru(float x) { return static_cast<int>(std::ceil(x)); }
inline unsigned __float2uint_rn(float x) { return static_cast<unsigned>(std::nearbyint(x)); }
inline float __int2float_rn(int x) { return static_cast<float>(x); }
inline float __uint2float_rn(unsigned x) { return static_cast<float>(x); }

// ---- integer and bit intrinsics --------------------------------------------

inline int __popc(unsigned x) { return std::popcount(x); }
inline int __popcll(unsigned long long x) { return std::popcount(x); }
inline int __clz(int x) { return std::countl_zero(static_cast<unsigned>(x)); }
inline int __clzll(long long x) { return std::countl_zero(static_cast<unsigned long long>(x)); }
inline int __ffs(int x) { return x == 0 ? 0 : std::countr_zero(static_cast<unsigned>(x)) + 1; }
inline int __ffsll(long long x) {
  return x == 0 ? 0 : std::countr_zero(static_cast<unsigned long long>(x)) + 1;
}
inline unsigned __brev(unsigned x) {
  unsigned r = 0;
  for (int i = 0; i < 32; ++i) r |= ((x >> i) & 1u) << (31 - i);
  return r;
}
inline unsigned __byte_perm(unsigned x, unsigned y, unsigned s) {
  const uint64_t v = (static_cast<uint64_t>(y) << 32) | x;
  unsigned r = 0;
  for (int i = 0; i < 4; ++i) r |= static_cast<unsigned>((v >> (8 * ((s >> (4 * i)) & 7u))) & 0xffu) << (8 * i);
  return r;
}
inline unsigned __funnelshift_l(unsigned lo, unsigned hi, unsigned shift) {
  const uint64_t v = (static_cast<uint64_t>(hi) << 32) | lo;
  return static_cast<unsigned>((v << (shift & 31u)) >> 32);
}
inline unsigned __funnelshift_r(unsigned lo, unsigned hi, unsigned shift) {
  const uint64_t v = (static_cast<uint64_t>(hi) << 32) | lo;
  return static_cast<unsigned>(v >> (shift & 31u));
}
inline int __mul24(int a, int b) { return (a << 8 >> 8) * (b << 8 >> 8); }
inline unsigned __umul24(unsigned a, unsigned b) { return (a & 0xffffffu) * (b & 0xffffffu); }
inline int __mulhi(int a, int b) { return static_cast<int>((static_cast<int64_t>(a) * b) >> 32); }
inline unsigned __umulhi(unsigned a, unsigned b) {
  return static_cast<unsigned>((static_cast<uint64_t>(a) * b) >> 32);
}
inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
  return static_cast<unsigned long long>((static_cast<unsigned __int128>(a) * b) >> 64);
}
inline int __sad(int a, int b, int c) { return (a > b ? a - b : b - a) + c; }

// ---- loads and stores with cache hints (plain accesses here) --------------

template <class T>
inline T __ldg(const T* p) { return *p; }
template <class T>
inline T __ldcg(const T* p) { return *p; }
template <class T>
inline T __ldca(const T* p) { return *p; }
template <class T>
inline T __ldcs(const T* p) { return *p; }
template <class T>
inline T __ldlu(const T* p) { return *p; }
template <class T>
inline void __stcg(T* p, T v) { *p = v; }
template <class T>
inline void __stcs(T* p, T v) { *p = v; }
template <class T>
inline void __stwb(T* p, T v) { *p = v; }

// ---- fences, clocks, traps --------------------------------------------------

inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_block() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_system() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline long long clock64() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
inline void __nanosleep(unsigned /*ns*/) {}
[[noreturn]] inline void __trap() { gan::simt::detail::kernel_fail("__trap() called"); }

// ---- atomics ---------------------------------------------------------------
// Overloads for exactly the types CUDA has, so argument conversions behave alike.
// GCC's __atomic builtins, relaxed like the GPU's and truly atomic across
// worker threads, in functions the racecheck instrumentation leaves out
// (GAN_SIMT_ATOMIC): atomics are never hazards. (std::atomic_ref would be an
// out-of-line, instrumented libstdc++ call here.)

#define GAN_SIMT_ATOMIC __attribute__((no_sanitize_address))

namespace gan::simt::detail {
template <class T, class F>
GAN_SIMT_ATOMIC inline T atomic_update(T* p, F f) {  // CAS loop for what the builtins lack
  T old;
  __atomic_load(p, &old, __ATOMIC_RELAXED);
  T desired = f(old);
  while (!__atomic_compare_exchange(p, &old, &desired, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) desired = f(old);
  return old;
}
}  // namespace gan::simt::detail

#define GAN_SIMT_ATOMIC_FETCH(name, T, expr)                          \
  GAN_SIMT_ATOMIC inline T name(T* address, T val) { return expr; }
GAN_SIMT_ATOMIC_FETCH(atomicAdd, int, __atomic_fetch_add(address, val, __ATOMIC_RELAXED))
GAN_SIMT_ATOMIC_FETCH(atomicAdd, unsigned, __atomic_fetch_add(address, val, __ATOMIC_RELAXED))
GAN_SIMT_ATOMIC_FETCH(atomicAdd, unsigned long long, __atomic_fetch_add(address, val, __ATOMIC_RELAXED))
GAN_SIMT_ATOMIC_FETCH(atomicAdd, float,
                      gan::simt::detail::atomic_update(address, [val](float old) { return old + val; }))
GAN_SIMT_ATOMIC_FETCH(atomicAdd, double,
                      gan::simt::detail::atomic_update(address, [val](double old) { return old + val; }))
GAN_SIMT_ATOMIC_FETCH(atomicSub, int, __atomic_fetch_sub(address, val, __ATOMIC_RELAXED))
GAN_SIMT_ATOMIC_FETCH(atomicSub, unsigned, __atomic_fetch_sub(address, val, __ATOMIC_RELAXED))
GAN_SIMT_ATOMIC_FETCH(atomicAnd, int, __atomic_fetch_and(address, val, __ATOMIC_RELAXED))
GAN_SIMT_ATOMIC_FETCH(atomicAnd, unsigned, __atomic_fetch_and(address, val, __ATOMIC_RELAXED))
GAN_SIMT_ATOMIC_FETCH(atomicAnd, unsigned long long, __atomic_fetch_and(address, val, __ATOMIC_RELAXED))
GAN_SIMT_ATOMIC_FETCH(atomicOr, int, __atomic_fetch_or(address, val, __ATOMIC_RELAXED))
GAN_SIMT_ATOMIC_FETCH(atomicOr, unsigned, __atomic_fetch_or(address, val, __ATOMIC_RELAXED))
GAN_SIMT_ATOMIC_FETCH(atomicOr, unsigned long long, __atomic_fetch_or(address, val, __ATOMIC_RELAXED))
GAN_SIMT_ATOMIC_FETCH(atomicXor, int, __atomic_fetch_xor(address, val, __ATOMIC_RELAXED))
GAN_SIMT_ATOMIC_FETCH(atomicXor, unsigned, __atomic_fetch_xor(address, val, __ATOMIC_RELAXED))
GAN_SIMT_ATOMIC_FETCH(atomicXor, unsigned long long, __atomic_fetch_xor(address, val, __ATOMIC_RELAXED))
#undef GAN_SIMT_ATOMIC_FETCH

#define GAN_SIMT_ATOMIC_EXCH(T)                                      \
  GAN_SIMT_ATOMIC inline T atomicExch(T* address, T val) {           \
    T old;                                                           \
    __atomic_exchange(address, &val, &old, __ATOMIC_RELAXED);        \
    return old;                                                      \
  }
GAN_SIMT_ATOMIC_EXCH(int)
GAN_SIMT_ATOMIC_EXCH(unsigned)
GAN_SIMT_ATOMIC_EXCH(unsigned long long)
GAN_SIMT_ATOMIC_EXCH(float)
#undef GAN_SIMT_ATOMIC_EXCH

#define GAN_SIMT_ATOMIC_MINMAX(T)                                                                  \
  GAN_SIMT_ATOMIC inline T atomicMax(T* address, T val) {                                          \
    return gan::simt::detail::atomic_update(address, [val](T old) { return old < val ? val : old; }); \
  }                                                                                                \
  GAN_SIMT_ATOMIC inline T atomicMin(T* address, T val) {                                          \
    return gan::simt::detail::atomic_update(address, [val](T old) { return val < old ? val : old; }); \
  }
GAN_SIMT_ATOMIC_MINMAX(int)
GAN_SIMT_ATOMIC_MINMAX(unsigned)
GAN_SIMT_ATOMIC_MINMAX(long long)
GAN_SIMT_ATOMIC_MINMAX(unsigned long long)
#undef GAN_SIMT_ATOMIC_MINMAX

#define GAN_SIMT_ATOMIC_CAS(T)                                                                       \
  GAN_SIMT_ATOMIC inline T atomicCAS(T* address, T compare, T val) {                                 \
    __atomic_compare_exchange(address, &compare, &val, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);   \
    return compare; /* the old value either way */                                                   \
  }
GAN_SIMT_ATOMIC_CAS(int)
GAN_SIMT_ATOMIC_CAS(unsigned)
GAN_SIMT_ATOMIC_CAS(unsigned long long)
GAN_SIMT_ATOMIC_CAS(unsigned short)
#undef GAN_SIMT_ATOMIC_CAS

// ((old >= val) ? 0 : (old + 1)) and (((old == 0) | (old > val)) ? val : (old - 1)).
GAN_SIMT_ATOMIC inline unsigned atomicInc(unsigned* address, unsigned val) {
  return gan::simt::detail::atomic_update(address, [val](unsigned old) { return old >= val ? 0u : old + 1; });
}
GAN_SIMT_ATOMIC inline unsigned atomicDec(unsigned* address, unsigned val) {
  return gan::simt::detail::atomic_update(
      address, [val](unsigned old) { return (old == 0 || old > val) ? val : old - 1; });
}

// Block- and system-scope variants: the same operations on the CPU.
template <class T, class U>
inline T atomicAdd_block(T* address, U val) { return atomicAdd(address, static_cast<T>(val)); }
template <class T, class U>
inline T atomicAdd_system(T* address, U val) { return atomicAdd(address, static_cast<T>(val)); }
