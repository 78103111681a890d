// Kernels with deliberate bugs, for the emulator's error detection tests.
#include <gan/kernels/portable.h>

#include "simt_test_kernels.h"

namespace gan::simt_test {

// Every thread stores its element, then reads its neighbour's. Without the
// barrier the neighbour may not have stored yet (a race the schedule exposes).
template <bool WITH_BARRIER>
__global__ void neighbour_exchange_kernel(const float* x, float* out, int n) {
  __shared__ float s[256];
  const int tid = static_cast<int>(threadIdx.x);
  const int i = static_cast<int>(blockIdx.x) * 256 + tid;
  s[tid] = i < n ? x[i] : 0.0f;
  if constexpr (WITH_BARRIER) __syncthreads();
  const int j = static_cast<int>(blockIdx.x) * 256 + (tid + 1) % 256;
  if (i < n) out[i] = j < n ? s[(tid + 1) % 256] : 0.0f;
}

void neighbour_exchange(const float* x, float* out, int n, bool with_barrier) {
  if (with_barrier)
    GAN_LAUNCH((n + 255) / 256, 256, 0, nullptr, neighbour_exchange_kernel<true>)(x, out, n);
  else
    GAN_LAUNCH((n + 255) / 256, 256, 0, nullptr, neighbour_exchange_kernel<false>)(x, out, n);
}

__global__ void divergent_barrier_kernel(float* out, int variant) {
  const unsigned tid = threadIdx.x;
  if (variant == 0) {
    if (tid % 2 == 0) {
      __syncthreads();  // even threads wait here ...
    } else {
      __syncthreads();  // ... odd threads here: two different barriers
    }
  } else {
    if (tid < 64) __syncthreads();  // only part of the block
    __syncthreads();
  }
  out[tid] = 1.0f;
}

void divergent_barrier(float* out, int variant) {
  GAN_LAUNCH(1, 128, 0, nullptr, divergent_barrier_kernel)(out, variant);
}

__global__ void empty_kernel() {}

void empty_launch(unsigned grid_x, unsigned grid_y, unsigned grid_z, unsigned block_x, unsigned block_y,
                  unsigned block_z, std::size_t smem) {
  GAN_LAUNCH(dim3(grid_x, grid_y, grid_z), dim3(block_x, block_y, block_z), smem, nullptr, empty_kernel)();
}

__global__ void bad_mask_kernel(int* out, int variant) {
  const int lane = static_cast<int>(threadIdx.x % 32);
  int v = lane;
  if (variant == 0) {
    v = __shfl_sync(0x1u, v, 0);  // lanes 1..31 call with a mask that does not name them
  } else if (variant == 1) {
    const unsigned mask = lane < 16 ? 0x0000ffffu : 0xffffffffu;
    v = __shfl_sync(mask, v, 0);
    __syncwarp();
  } else {
    if (lane < 16) v = __shfl_sync(0xffffffffu, v, 0);  // waits for lanes 16..31 ...
    __syncthreads();                                     // ... which wait here
  }
  out[threadIdx.x] = v;
}

void bad_mask(int* out, int variant) { GAN_LAUNCH(1, 32, 0, nullptr, bad_mask_kernel)(out, variant); }

}  // namespace gan::simt_test
