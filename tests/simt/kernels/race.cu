// Kernels for the shared-memory hazard checker (racecheck) tests: true races
// between warps, accesses that are ordered (barrier, warp collectives within
// one warp) or atomic, the planted group_allreduce bug, and out-of-bounds
// shared accesses. Blocks of 64 threads: two warps.
#include <gan/kernels/portable.h>

#include "simt_test_kernels.h"

namespace gan::simt_test {

// out[i] = s[(i + 32) % 64] after every thread stored x[i] in s[i]: the value
// comes from the other warp, so without the barrier it is a read-after-write race.
template <bool WITH_BARRIER>
__global__ void cross_warp_exchange_kernel(const float* x, float* out) {
  __shared__ float s[64];
  const int tid = static_cast<int>(threadIdx.x);
  s[tid] = x[tid];
  if constexpr (WITH_BARRIER) __syncthreads();
  out[tid] = s[(tid + 32) % 64];
}

void cross_warp_exchange(const float* x, float* out, bool with_barrier) {
  if (with_barrier)
    GAN_LAUNCH(1, 64, 0, nullptr, cross_warp_exchange_kernel<true>)(x, out);
  else
    GAN_LAUNCH(1, 64, 0, nullptr, cross_warp_exchange_kernel<false>)(x, out);
}

// Within each warp: s[i] = x[i], __syncwarp, out[i] = s[warp's next lane]
// (ordered by the collective); a ballot-ordered second exchange; every thread
// of both warps bumps a shared counter with atomicAdd and atomicMax (no
// barrier between them); after the barrier thread 0 reads the counters.
// Nothing here is a hazard.
__global__ void ordered_exchange_kernel(const float* x, float* out, int* counts) {
  __shared__ float s[64];
  __shared__ int counter[2];
  const int tid = static_cast<int>(threadIdx.x);
  const int base = tid / 32 * 32;
  if (tid == 0) {
    counter[0] = 0;
    counter[1] = 0;
  }
  __syncthreads();
  s[tid] = x[tid];
  __syncwarp();
  float v = s[base + (tid + 1) % 32];
  (void)__ballot_sync(0xffffffffu, v > 0.0f);  // orders the reads above before the writes below
  s[tid] = v * 2.0f;
  v = __shfl_xor_sync(0xffffffffu, v, 1);
  __syncwarp();
  out[tid] = s[base + (tid + 31) % 32] + v;
  atomicAdd(&counter[0], 1);
  atomicMax(&counter[1], tid);
  __syncthreads();
  if (tid == 0) {
    counts[0] = counter[0];
    counts[1] = counter[1];
  }
}

void ordered_exchange(const float* x, float* out, int* counts) {
  GAN_LAUNCH(1, 64, 0, nullptr, ordered_exchange_kernel)(x, out, counts);
}

// The planted bug of issue 16: two block all-reductions back to back through
// the same per-warp slots (kernels/cuda/cuda_common.cuh's group_allreduce);
// without the second barrier one warp may overwrite smem[warp] for the next
// reduction before the other warp has read it (write-after-read).
// out[0] = sum(x), out[1] = sum(2 x), as seen by thread 63.
template <bool PROTECTED>
__device__ float allreduce64(float v, float* smem) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  if (threadIdx.x % 32 == 0) smem[threadIdx.x / 32] = v;
  __syncthreads();
  v = smem[0] + smem[1];
  if constexpr (PROTECTED) __syncthreads();
  return v;
}

template <bool PROTECTED>
__global__ void double_allreduce_kernel(const float* x, float* out) {
  __shared__ float smem[2];
  const float a = allreduce64<PROTECTED>(x[threadIdx.x], smem);
  const float b = allreduce64<PROTECTED>(2.0f * x[threadIdx.x], smem);
  if (threadIdx.x == 63) {
    out[0] = a;
    out[1] = b;
  }
}

void double_allreduce(const float* x, float* out, bool protect) {
  if (protect)
    GAN_LAUNCH(1, 64, 0, nullptr, double_allreduce_kernel<true>)(x, out);
  else
    GAN_LAUNCH(1, 64, 0, nullptr, double_allreduce_kernel<false>)(x, out);
}

// Thread 40 (warp 1) writes s[64], one float past the end of 64 floats of
// dynamic shared memory.
__global__ void dynamic_shared_oob_kernel(float* out) {
  GAN_DYNAMIC_SHARED(float, s);  // [64]
  const int tid = static_cast<int>(threadIdx.x);
  s[tid] = 1.0f;
  if (tid == 40) s[64] = 2.0f;
  __syncthreads();
  out[tid] = s[tid];
}

void dynamic_shared_oob(float* out) { GAN_LAUNCH(1, 64, 64 * sizeof(float), nullptr, dynamic_shared_oob_kernel)(out); }

// Every thread writes a[i + 1] through an opaque pointer: thread 31 writes
// a[32], one float past the end of the static array (into whatever the linker
// put next). b is used so that something follows.
__global__ void static_shared_oob_kernel(float* out) {
  __shared__ float a[32];
  __shared__ float b[32];
  const int tid = static_cast<int>(threadIdx.x);
  b[tid] = 0.0f;
  float* volatile opaque = a;
  float* p = opaque;
  p[tid + 1] = 1.0f;
  __syncthreads();
  out[tid] = a[tid] + b[tid];
}

void static_shared_oob(float* out) { GAN_LAUNCH(1, 32, 0, nullptr, static_shared_oob_kernel)(out); }

}  // namespace gan::simt_test
