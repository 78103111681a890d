// Branch-free select_bits() for the CPU elementwise loops.
//
// Why: GCC turns "x * (c ? 1 : a)" back into "c ? x : x * a" and, since
// -ftrapping-math forbids speculating the multiply, keeps it as a branch:
// mispredicted on every other element of a random-signed activation (~15
// cycles each) and never vectorised. Selecting the bit patterns with a mask
// is plain integer arithmetic, which the vectoriser handles (pand/pandn/por
// on SSE2, every x86-64), and returns exactly a or b.
#pragma once

#include <bit>
#include <cstdint>
#include <type_traits>

namespace gan::kernels::cpu {

template <class T>
inline T select_bits(bool c, T a, T b) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8, "select: float or double");
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  const U m = U(0) - static_cast<U>(c);  // all ones when c
  return std::bit_cast<T>(static_cast<U>((std::bit_cast<U>(a) & m) | (std::bit_cast<U>(b) & ~m)));
}

}  // namespace gan::kernels::cpu
