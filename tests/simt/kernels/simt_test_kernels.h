// Launchers of the kernels written to test the SIMT emulator (tests/simt/kernels/*.cu).
// Pointers are host memory: under the emulator "device" memory is host memory.
#pragma once

#include <cstddef>

namespace gan::simt_test {

// matmul.cu: C[m, n] = A[m, k] * B[k, n], row-major, 16x16 shared-memory tiles.
void tiled_matmul(const float* a, const float* b, float* c, int m, int n, int k);

// reduce.cu
// Per warp of 32 consecutive elements: sum by __shfl_down_sync (out[i] = lane 0's
// sum at the warp's first element) or by __shfl_xor_sync (every lane's sum in out[i]).
void warp_sum_shfl_down(const int* x, int* out, int n);
void warp_sum_shfl_xor(const float* x, float* out, int n);
// Per block of 256 threads: sum of its elements through shared memory and
// __syncthreads; the per-block sums also go into *total with atomicAdd.
void block_sum(const float* x, float* block_sums, float* total, int n);
// Counters updated by every thread of `blocks` blocks of 256 threads:
// [0] atomicAdd int, [1] atomicCAS loop, [2] atomicMax of the global id,
// [3] atomicMin of the global id, [4] atomicInc wrapping at 1000; *fsum gets 1.0f per thread.
void atomic_counters(int* counters, float* fsum, int blocks);
// Per thread: out[4*i + 0..3] = ballot, any, all over its warp of pred[i] != 0,
// and a ballot among lanes 0..15 only (0 for the other lanes).
void vote(const int* pred, unsigned* out, int n);
// Threads past n return before a __syncthreads; out[i] = x[base + (i - base + 1) % active]
// within each block of 256 (active: its threads below n).
void early_exit_rotate(const float* x, float* out, int n);
// Reverses each block's chunk of x (block size `block`) through dynamic shared memory.
void reverse_dynamic_shared(const float* x, float* y, int n, int block);
// Launches a kernel that touches `bytes` of dynamic shared memory; opt_in > 0
// first raises the kernel's limit to opt_in bytes.
void big_dynamic_shared(std::size_t bytes, std::size_t opt_in, float* out);

// faults.cu
// out[i] = shared[(i + 1) % 256] after every thread stored x[i]: correct only with the barrier.
void neighbour_exchange(const float* x, float* out, int n, bool with_barrier);
// Threads take different __syncthreads depending on parity (variant 0) or only
// the first 64 threads reach the first barrier (variant 1).
void divergent_barrier(float* out, int variant);
// Launches an empty kernel with the given configuration.
void empty_launch(unsigned grid_x, unsigned grid_y, unsigned grid_z, unsigned block_x, unsigned block_y,
                  unsigned block_z, std::size_t smem);
// Warp collectives with bad masks: variant 0: mask without the calling lane;
// 1: lanes 0..15 and 16..31 use different, overlapping masks;
// 2: half the warp waits in a shuffle while the other half waits at __syncthreads.
void bad_mask(int* out, int variant);

// wmma.cu: C[m, n] = A[m, k] * B[k, n], row-major, one warp per 16x16 tile of C.
void wmma_tf32_matmul(const float* a, const float* b, float* c, int m, int n, int k);  // k % 8 == 0
void wmma_bf16_matmul(const void* a, const void* b, float* c, int m, int n, int k);   // __nv_bfloat16, k % 16 == 0
void wmma_f16_matmul(const void* a, const void* b, float* c, int m, int n, int k);    // __half, k % 16 == 0

// cp_async.cu: out[i] = x[block + (i + 1) % 256] staged through shared memory by
// cp_async<4>, with or without the wait; shared memory is set to -1 first.
void cp_async_exchange(const float* x, float* out, int n, bool wait);
// 16-byte cp_async with zero fill: y = x for i < n, 0 up to the next multiple of 4*256.
void cp_async_zfill(const float* x, float* y, int n, int padded);

// switch.cu: one block of `threads` threads passes `rounds` __syncthreads.
void barrier_rounds(int threads, int rounds);

// misc.cu: vector types, half/bfloat16 conversions and math intrinsics.
// y[i] = { __expf(x), rsqrtf(|x|+1), __half2float(__float2half(x)), __bfloat162float(__float2bfloat16(x)),
//          float4 load of x[4*(i/4) .. +3] summed, min(i, 7), __popc(i), __fdividef(x, 3) }
void misc(const float* x, float* y, int n);  // n % 4 == 0

// oob.cu (AddressSanitizer tests): writes one element past a shared array.
void static_shared_overflow(float* out);
void dynamic_shared_overflow(float* out);

// race.cu (racecheck tests), blocks of 64 threads (two warps).
// out[i] = x[(i + 32) % 64] through shared memory; without the barrier a race between the warps.
void cross_warp_exchange(const float* x, float* out, bool with_barrier);
// Exchanges within each warp ordered by __syncwarp / __ballot_sync / a
// shuffle, shared atomics from both warps: no hazard. With w = i / 32 * 32 and
// lane = i % 32: out[i] = 2 x[i] + x[w + ((lane ^ 1) + 1) % 32]; counts = {64, 63}.
void ordered_exchange(const float* x, float* out, int* counts);
// out = {sum(x), sum(2x)} by two block all-reductions through the same two
// slots; protect = false drops the barrier between them (a write-after-read race).
void double_allreduce(const float* x, float* out, bool protect);
// Thread 40 writes one float past 64 floats of dynamic shared memory.
void dynamic_shared_oob(float* out);
// One block of 32 threads: thread 31 writes one float past a static __shared__ float[32].
void static_shared_oob(float* out);

}  // namespace gan::simt_test
