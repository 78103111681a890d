// Entry points from the kernel-side headers into the emulator's block
// scheduler (src/block.cpp). Every one of them must be called from inside a
// kernel, i.e. from a thread fiber; they throw gan::simt::Error otherwise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <source_location>
#include <string>

namespace gan::simt::detail {

// __syncthreads and its reducing variants.
enum class BarrierOp : uint8_t { sync, count, all, any };

// Suspends the calling thread until every live thread of the block waits at
// the same barrier (same source site, same op); returns the reduced predicate.
int block_barrier(BarrierOp op, int predicate, const std::source_location& site);

// Warp collectives. The lanes named in `mask` meet in one group; the group
// completes when each of them has arrived or exited.
enum class WarpOp : uint8_t {
  sync,
  shfl_idx,
  shfl_up,
  shfl_down,
  shfl_xor,
  ballot,
  any,
  all,
  reduce_add,
  reduce_min_u,
  reduce_max_u,
  reduce_min_s,
  reduce_max_s,
  reduce_and,
  reduce_or,
  reduce_xor,
  match_any,
  match_all,
  wmma_mma,
};

// For whole-warp operations on per-lane objects (wmma::mma_sync): called once,
// by the last lane to arrive, with every lane's four pointers.
using WarpFinish = void (*)(void* const (*lane_ptrs)[4]);

struct WarpCall {
  WarpOp op = WarpOp::sync;
  unsigned mask = 0xffffffffu;
  uint64_t value = 0;  // the lane's operand, as raw bits
  int param = 0;       // srcLane / delta / laneMask
  int width = 32;      // shuffle segment width
  void* ptrs[4] = {nullptr, nullptr, nullptr, nullptr};
  WarpFinish finish = nullptr;
};

// Returns the calling lane's result as raw bits. Reading from a lane that did
// not take part (exited, not in the mask, absent in a partial warp) yields
// all-one bits ("undefined" on hardware; NaN for floats, -1 for integers).
uint64_t warp_collective(const WarpCall& call);

// Non-exited lanes of the calling thread's warp (the emulator has no
// convergence, so this is its best stand-in for __activemask()).
unsigned active_mask();

// cp.async emulation: the copy is recorded and performed at the wait that
// covers its group; copies still pending when the thread exits are dropped.
void cp_async(void* dst, const void* src, int bytes, int src_bytes);
void cp_async_commit();
void cp_async_wait(int pending_groups);

// Throws gan::simt::Error naming the kernel, block and thread.
[[noreturn]] void kernel_fail(const std::string& what);

}  // namespace gan::simt::detail
