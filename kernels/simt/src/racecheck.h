// The shared-memory hazard checker of the SIMT emulator (racecheck), internal
// interface between the block scheduler (block.cpp) and racecheck.cpp.
//
// How accesses are seen: the kernel sources (kernels/cuda/*.cu and the
// emulator's test kernels) are compiled by g++ with the compiler's
// address-sanitizer instrumentation in its "kernel" (outline) mode,
//   -fsanitize=kernel-address --param asan-instrumentation-with-call-threshold=0
//   --param asan-stack=0 --param asan-globals=0
// which turns every load and store into a call __asan_loadN_noabort(addr) /
// __asan_storeN_noabort(addr) placed before it, and links no sanitizer
// runtime: racecheck.cpp defines those functions. The .cu files stay as they
// are, and every path to shared memory is seen (raw pointers, helpers taking
// `float* smem`, wmma loads/stores); the return address is the access's site.
// Atomics are compiled without the instrumentation (intrinsics.h), so they are
// never hazards. cp.async copies are recorded by the emulator when the wait
// performs them, as writes of the issuing thread at the cp_async site.
//
// What is shared memory: the block's dynamic buffer (GAN_DYNAMIC_SHARED, with
// 256-byte red zones on both sides while checking, for out-of-bounds reports)
// and the worker thread's static TLS block of the module that holds the
// kernels (static __shared__ arrays are `static thread_local`; the ELF symbol
// table names them and shows the gaps between them). threadIdx & co. (also
// TLS) are ignored.
//
// The check, per byte (shadow cell: last writer, two readers of different
// warps, each with thread and site, tagged with the barrier interval): a write
// after a read or write, or a read after a write, by threads of different
// warps within one barrier interval is a hazard. Threads of one warp are
// never reported (their order is the warp's business: collectives order them).
// Out of bounds: an access in the dynamic buffer's red zones; an access to
// static shared memory outside every array (alignment gaps), or straddling two
// arrays; and when one access site (instruction) reached two arrays in a
// block, its accesses to the one it reached less often: an instruction indexes
// one array, so `s[i]` with i one past the end is caught even when the next
// array follows without a gap. (A device function that is not inlined and is called with two
// different arrays in one block would be a false report; none in our kernels.)
//
// The first hazard of a block is reported when the block ends, as a
// gan::simt::Error; when disabled, an instrumented access costs a call and a
// thread-local load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <gan/simt/runtime.h>

namespace gan::simt::detail::race {

// True when the kernels of this build carry the instrumentation.
bool available();

// Begins checking one block on the calling worker: `shared`/`bytes` is the
// dynamic shared buffer (with kRedZone bytes readable on both sides).
inline constexpr std::size_t kRedZone = 256;
void begin_block(const LaunchConfig& config, uint3 block, int threads, const void* shared, std::size_t bytes);
// The thread that runs next (linear index in the block).
void set_thread(int tid);
// Every live thread passed a barrier: a new interval.
void barrier();
// A write of `bytes` at `addr` performed on behalf of thread `tid` (cp.async).
void record_write(int tid, const void* addr, std::size_t bytes, uintptr_t pc);
// Ends the block; returns the report of its first hazard, or "" if none.
std::string end_block();
// Stops checking without a report (the block failed otherwise).
void abandon_block();

}  // namespace gan::simt::detail::race
