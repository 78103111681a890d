// Warp-level primitives for the SIMT emulator (included by gan/simt/simt.h).
//
// Every *_sync intrinsic is a meeting of the lanes named in its mask: a lane
// suspends until all of them have arrived (or exited), so they work inside
// divergent branches. Checked: the calling lane is in its own mask; lanes that
// meet with the same mask call the same intrinsic; a lane does not arrive with
// another mask while lanes wait for it under this one; and any hang (lanes
// waiting for a lane that waits at __syncthreads, say) is reported. Each is a
// gan::simt::Error naming the kernel.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace gan::simt::detail {

template <class T>
inline uint64_t to_bits(const T& v) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8,
                "warp shuffles move trivially copyable values of at most 8 bytes");
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  return bits;
}
template <class T>
inline T from_bits(uint64_t bits) {
  T v;
  std::memcpy(static_cast<void*>(&v), &bits, sizeof(T));
  return v;
}
inline uint64_t warp_call(WarpOp op, unsigned mask, uint64_t value, int param = 0, int width = 32) {
  WarpCall c;
  c.op = op;
  c.mask = mask;
  c.value = value;
  c.param = param;
  c.width = width;
  return warp_collective(c);
}
template <class T>
inline T shuffle(WarpOp op, unsigned mask, const T& var, int param, int width) {
  return from_bits<T>(warp_call(op, mask, to_bits(var), param, width));
}

}  // namespace gan::simt::detail

inline void __syncwarp(unsigned mask = 0xffffffffu) {
  gan::simt::detail::warp_call(gan::simt::detail::WarpOp::sync, mask, 0);
}

template <class T>
inline T __shfl_sync(unsigned mask, T var, int srcLane, int width = warpSize) {
  return gan::simt::detail::shuffle(gan::simt::detail::WarpOp::shfl_idx, mask, var, srcLane, width);
}
template <class T>
inline T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
  return gan::simt::detail::shuffle(gan::simt::detail::WarpOp::shfl_up, mask, var,
                                    static_cast<int>(delta), width);
}
template <class T>
inline T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
  return gan::simt::detail::shuffle(gan::simt::detail::WarpOp::shfl_down, mask, var,
                                    static_cast<int>(delta), width);
}
template <class T>
inline T __shfl_xor_sync(unsigned mask, T var, int laneMask, int width = warpSize) {
  return gan::simt::detail::shuffle(gan::simt::detail::WarpOp::shfl_xor, mask, var, laneMask, width);
}

inline unsigned __ballot_sync(unsigned mask, int predicate) {
  return static_cast<unsigned>(
      gan::simt::detail::warp_call(gan::simt::detail::WarpOp::ballot, mask, predicate != 0));
}
inline int __any_sync(unsigned mask, int predicate) {
  return static_cast<int>(gan::simt::detail::warp_call(gan::simt::detail::WarpOp::any, mask, predicate != 0));
}
inline int __all_sync(unsigned mask, int predicate) {
  return static_cast<int>(gan::simt::detail::warp_call(gan::simt::detail::WarpOp::all, mask, predicate != 0));
}
inline unsigned __activemask() { return gan::simt::detail::active_mask(); }

// sm_80 warp reductions.
inline unsigned __reduce_add_sync(unsigned mask, unsigned value) {
  return static_cast<unsigned>(gan::simt::detail::warp_call(gan::simt::detail::WarpOp::reduce_add, mask, value));
}
inline int __reduce_add_sync(unsigned mask, int value) {
  return static_cast<int>(__reduce_add_sync(mask, static_cast<unsigned>(value)));
}
inline unsigned __reduce_min_sync(unsigned mask, unsigned value) {
  return static_cast<unsigned>(gan::simt::detail::warp_call(gan::simt::detail::WarpOp::reduce_min_u, mask, value));
}
inline unsigned __reduce_max_sync(unsigned mask, unsigned value) {
  return static_cast<unsigned>(gan::simt::detail::warp_call(gan::simt::detail::WarpOp::reduce_max_u, mask, value));
}
inline int __reduce_min_sync(unsigned mask, int value) {
  return static_cast<int>(gan::simt::detail::warp_call(gan::simt::detail::WarpOp::reduce_min_s, mask,
                                                       static_cast<uint32_t>(value)));
}
inline int __reduce_max_sync(unsigned mask, int value) {
  return static_cast<int>(gan::simt::detail::warp_call(gan::simt::detail::WarpOp::reduce_max_s, mask,
                                                       static_cast<uint32_t>(value)));
}
inline unsigned __reduce_and_sync(unsigned mask, unsigned value) {
  return static_cast<unsigned>(gan::simt::detail::warp_call(gan::simt::detail::WarpOp::reduce_and, mask, value));
}
inline unsigned __reduce_or_sync(unsigned mask, unsigned value) {
  return static_cast<unsigned>(gan::simt::detail::warp_call(gan::simt::detail::WarpOp::reduce_or, mask, value));
}
inline unsigned __reduce_xor_sync(unsigned mask, unsigned value) {
  return static_cast<unsigned>(gan::simt::detail::warp_call(gan::simt::detail::WarpOp::reduce_xor, mask, value));
}

template <class T>
inline unsigned __match_any_sync(unsigned mask, T value) {
  return static_cast<unsigned>(gan::simt::detail::warp_call(gan::simt::detail::WarpOp::match_any, mask,
                                                            gan::simt::detail::to_bits(value)));
}
template <class T>
inline unsigned __match_all_sync(unsigned mask, T value, int* pred) {
  const auto r = static_cast<unsigned>(gan::simt::detail::warp_call(
      gan::simt::detail::WarpOp::match_all, mask, gan::simt::detail::to_bits(value)));
  *pred = r != 0;
  return r;
}
