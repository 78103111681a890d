// Reductions, atomics, votes and dynamic shared memory for the emulator tests.
#include <gan/kernels/portable.h>

#include "simt_test_kernels.h"

namespace gan::simt_test {

// ---- warp reductions: 32 consecutive elements per warp ----------------------

__global__ void warp_sum_shfl_down_kernel(const int* x, int* out, int n) {
  const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  int v = i < n ? x[i] : 0;
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
  if (i < n && (threadIdx.x & 31u) == 0) out[i] = v;  // lane 0 holds the warp's sum
}

__global__ void warp_sum_shfl_xor_kernel(const float* x, float* out, int n) {
  const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  float v = i < n ? x[i] : 0.0f;
  for (int mask = 16; mask > 0; mask /= 2) v += __shfl_xor_sync(0xffffffffu, v, mask);
  if (i < n) out[i] = v;  // butterfly: every lane holds the sum
}

void warp_sum_shfl_down(const int* x, int* out, int n) {
  GAN_LAUNCH((n + 127) / 128, 128, 0, nullptr, warp_sum_shfl_down_kernel)(x, out, n);
}
void warp_sum_shfl_xor(const float* x, float* out, int n) {
  GAN_LAUNCH((n + 127) / 128, 128, 0, nullptr, warp_sum_shfl_xor_kernel)(x, out, n);
}

// ---- block reduction through shared memory ------------------------------------

template <class T, int BLOCK>
__global__ void block_sum_kernel(const T* x, T* block_sums, T* total, int n) {
  __shared__ T partial[BLOCK];
  const int tid = static_cast<int>(threadIdx.x);
  const int i = static_cast<int>(blockIdx.x) * BLOCK + tid;
  partial[tid] = i < n ? x[i] : T(0);
  __syncthreads();
  for (int stride = BLOCK / 2; stride > 0; stride /= 2) {
    if (tid < stride) partial[tid] += partial[tid + stride];
    __syncthreads();
  }
  if (tid == 0) {
    block_sums[blockIdx.x] = partial[0];
    atomicAdd(total, partial[0]);
  }
}

void block_sum(const float* x, float* block_sums, float* total, int n) {
  constexpr int kBlock = 256;
  // Two template arguments: the comma passes through GAN_LAUNCH (kernel last).
  GAN_LAUNCH((n + kBlock - 1) / kBlock, kBlock, 0, nullptr, block_sum_kernel<float, kBlock>)(x, block_sums, total, n);
}

// ---- atomics across blocks ------------------------------------------------------

__global__ void atomic_counters_kernel(int* counters, float* fsum) {
  const int gid = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  atomicAdd(&counters[0], 1);
  int old = counters[1];
  for (;;) {  // increment through compare-and-swap
    const int seen = atomicCAS(&counters[1], old, old + 1);
    if (seen == old) break;
    old = seen;
  }
  atomicMax(&counters[2], gid);
  atomicMin(&counters[3], gid);
  atomicInc(reinterpret_cast<unsigned*>(&counters[4]), 999u);
  atomicAdd(fsum, 1.0f);
}

void atomic_counters(int* counters, float* fsum, int blocks) {
  GAN_LAUNCH(blocks, 256, 0, nullptr, atomic_counters_kernel)(counters, fsum);
}

// ---- votes ------------------------------------------------------------------------

__global__ void vote_kernel(const int* pred, unsigned* out, int n) {
  const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  const int p = i < n ? pred[i] : 0;
  const unsigned ballot = __ballot_sync(0xffffffffu, p);
  const int any = __any_sync(0xffffffffu, p);
  const int all = __all_sync(0xffffffffu, p);
  unsigned low = 0;
  if ((threadIdx.x & 31u) < 16) low = __ballot_sync(0x0000ffffu, p);  // inside a divergent branch
  if (i < n) {
    out[4 * i + 0] = ballot;
    out[4 * i + 1] = static_cast<unsigned>(any);
    out[4 * i + 2] = static_cast<unsigned>(all);
    out[4 * i + 3] = low;
  }
}

void vote(const int* pred, unsigned* out, int n) {
  GAN_LAUNCH((n + 63) / 64, 64, 0, nullptr, vote_kernel)(pred, out, n);
}

// ---- dynamic shared memory -----------------------------------------------------------

__global__ void reverse_kernel(const float* x, float* y, int n) {
  GAN_DYNAMIC_SHARED(float, chunk);  // [blockDim.x]
  const int base = static_cast<int>(blockIdx.x * blockDim.x);
  const int tid = static_cast<int>(threadIdx.x);
  const int len = n - base < static_cast<int>(blockDim.x) ? n - base : static_cast<int>(blockDim.x);
  if (tid < len) chunk[tid] = x[base + tid];
  __syncthreads();
  if (tid < len) y[base + tid] = chunk[len - 1 - tid];
}

void reverse_dynamic_shared(const float* x, float* y, int n, int block) {
  GAN_LAUNCH((n + block - 1) / block, block, static_cast<std::size_t>(block) * sizeof(float), nullptr,
             reverse_kernel)(x, y, n);
}

__global__ void big_shared_kernel(float* out, int floats) {
  GAN_DYNAMIC_SHARED(float, buf);
  for (int i = static_cast<int>(threadIdx.x); i < floats; i += static_cast<int>(blockDim.x)) buf[i] = 1.0f;
  __syncthreads();
  if (threadIdx.x == 0) {
    float s = 0.0f;
    for (int i = 0; i < floats; ++i) s += buf[i];
    *out = s;
  }
}

void big_dynamic_shared(std::size_t bytes, std::size_t opt_in, float* out) {
  if (opt_in > 0) GAN_SET_MAX_DYNAMIC_SHARED(opt_in, big_shared_kernel);
  GAN_LAUNCH(1, 128, bytes, nullptr, big_shared_kernel)(out, static_cast<int>(bytes / sizeof(float)));
}

}  // namespace gan::simt_test

namespace gan::simt_test {

// Threads past n return before the barrier: exited threads do not count.
__global__ void early_exit_rotate_kernel(const float* x, float* out, int n) {
  __shared__ float s[256];
  const int base = static_cast<int>(blockIdx.x) * 256;
  const int tid = static_cast<int>(threadIdx.x);
  if (base + tid >= n) return;
  const int active = n - base < 256 ? n - base : 256;
  s[tid] = x[base + tid];
  __syncthreads();
  out[base + tid] = s[(tid + 1) % active];
}

void early_exit_rotate(const float* x, float* out, int n) {
  GAN_LAUNCH((n + 255) / 256, 256, 0, nullptr, early_exit_rotate_kernel)(x, out, n);
}

}  // namespace gan::simt_test
