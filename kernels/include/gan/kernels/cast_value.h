// One element of kernels::{cpu,cuda}::cast (elementwise.h), shared by both so
// that every From -> To pair of float, double and int64 converts identically
// on every backend.
//
// Floating -> floating and int64 -> floating: static_cast (round to nearest).
// Floating -> int64 truncates toward zero, as static_cast does; C++ leaves NaN
// and values outside int64's range undefined (x86 gives INT64_MIN, a GPU
// saturates), so they are defined here: NaN and anything below -2^63 give
// INT64_MIN (an index no table accepts: gan/kernels/index_fault.h raises it),
// anything at or above 2^63 gives INT64_MAX.
#pragma once

#include <cstdint>
#include <type_traits>

#if defined(__CUDACC__)
#define GAN_CAST_HD __host__ __device__ __forceinline__
#else
#define GAN_CAST_HD inline
#endif

namespace gan::kernels {

template <class To, class From>
GAN_CAST_HD To cast_value(From v) {
  if constexpr (std::is_same_v<To, int64_t> && !std::is_same_v<From, int64_t>) {
    constexpr From kTwo63 = From(9223372036854775808.0);  // exact in float and double
    if (!(v == v) || v < -kTwo63) return INT64_MIN;
    if (v >= kTwo63) return INT64_MAX;
    return static_cast<int64_t>(v);
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace gan::kernels
