// The SIMT emulator: what a CUDA kernel source sees when g++ compiles it as C++.
//
// Kernel sources include <gan/kernels/portable.h>, which includes this header
// when the compiler is not nvcc (or pass `-include gan/simt/simt.h`). The
// unchanged .cu then compiles with g++ and its launches run on the CPU:
//
// * every block's threads are fibers (Boost.Context `fiber`, ~5 ns a switch);
//   a thread runs until it reaches __syncthreads, a warp collective, or its
//   end, then the block's scheduler runs the next thread in the schedule order
//   (forward, reverse or random; gan/simt/runtime.h);
// * blocks run in parallel on worker threads; each block runs to completion on
//   one worker and its fibers never migrate, so static __shared__ arrays are
//   `static thread_local` (one copy per worker, reused block after block), and
//   dynamic shared memory is a heap buffer per block;
// * errors are exceptions naming the kernel, not hangs: a barrier that the live
//   threads reach at different sites, a warp collective whose mask does not
//   match the lanes that arrive, a deadlock between the two, a launch beyond
//   the limits of an H100.
//
// Semantics worth knowing:
// * threads that have exited do not count at a barrier (as on the hardware),
//   so `if (i >= n) return;` before a __syncthreads works; threads waiting at
//   different __syncthreads sites are an error;
// * lanes named in a warp mask that have exited (or do not exist in a partial
//   last warp) are skipped; a shuffle reading from such a lane returns all-one
//   bits (NaN / -1), the hardware's "undefined";
// * a kernel-side spin-wait on another thread of the same block never yields
//   and hangs (there is no preemption); atomics between blocks work;
// * a launch is synchronous; the stream argument is ignored.
//
// Environment: GAN_SIMT_ORDER=forward|reverse|random[:seed][+eager] or eager
// (schedule order; +eager runs a warp on after each collective),
// GAN_SIMT_RACECHECK=1 (shared-memory hazard checker, see runtime.h),
// GAN_SIMT_WORKERS=n (worker threads), GAN_SIMT_STACK_KB=n (fiber stack size,
// default 256 KiB, 1 MiB under ASan; overflow hits a guard page).
//
// What it cannot show: timing, occupancy, bank conflicts, the memory model
// between blocks, wgmma/TMA. Static __shared__ sizes are not known here; nvcc
// rejects more than 48 KiB at compile time in the cuda flavour.
//
// Serial build (GAN_SIMT_SERIAL=1, CMake option GAN_SIMT_SERIAL): one worker,
// and static __shared__ is plain `static`, so AddressSanitizer sees overflows
// (it does not instrument thread_local storage).
#pragma once

#define GAN_SIMT 1
#ifndef GAN_SIMT_SERIAL
#define GAN_SIMT_SERIAL 0
#endif

// The toolkit's own headers work under g++; host_defines.h (included by them)
// defines __global__, __device__, __host__, __forceinline__, __launch_bounds__
// as empty or as GCC attributes.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <vector_functions.h>
#include <vector_types.h>

#include <cstdint>
#include <cstring>
#include <source_location>
#include <type_traits>

#include <gan/simt/detail.h>
#include <gan/simt/device_memory.h>
#include <gan/simt/runtime.h>

// host_defines.h makes __shared__ an empty annotation; a block's shared arrays
// must be one object per block instead of one per thread.
#undef __shared__
#if GAN_SIMT_SERIAL
#define __shared__ static
#else
#define __shared__ static thread_local
#endif
#ifndef __global__
#define __global__
#endif
#ifndef __device__
#define __device__
#endif
#ifndef __host__
#define __host__
#endif
#ifndef __forceinline__
#define __forceinline__ inline __attribute__((always_inline))
#endif
#ifndef __noinline__
#define __noinline__ __attribute__((noinline))
#endif
#ifndef __launch_bounds__
#define __launch_bounds__(...)
#endif
// __restrict__ is a g++ keyword already.

// Built-in indices of the running thread. The block scheduler sets them in the
// worker's thread-local storage before it resumes a thread's fiber.
extern constinit thread_local uint3 threadIdx;
extern constinit thread_local uint3 blockIdx;
extern constinit thread_local dim3 blockDim;
extern constinit thread_local dim3 gridDim;
inline constexpr int warpSize = 32;

// ---- block barriers -------------------------------------------------------

inline void __syncthreads(std::source_location site = std::source_location::current()) {
  gan::simt::detail::block_barrier(gan::simt::detail::BarrierOp::sync, 0, site);
}
inline int __syncthreads_count(int predicate,
                               std::source_location site = std::source_location::current()) {
  return gan::simt::detail::block_barrier(gan::simt::detail::BarrierOp::count, predicate, site);
}
inline int __syncthreads_and(int predicate,
                             std::source_location site = std::source_location::current()) {
  return gan::simt::detail::block_barrier(gan::simt::detail::BarrierOp::all, predicate, site);
}
inline int __syncthreads_or(int predicate,
                            std::source_location site = std::source_location::current()) {
  return gan::simt::detail::block_barrier(gan::simt::detail::BarrierOp::any, predicate, site);
}

#include <gan/simt/intrinsics.h>
#include <gan/simt/warp.h>
#include <gan/simt/wmma.h>
