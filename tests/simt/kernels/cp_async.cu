// cp.async staging for the emulator tests: the copy lands in shared memory
// only at the wait, so a kernel that forgets the wait reads stale data.
#include <gan/kernels/portable.h>

#include "simt_test_kernels.h"

namespace gan::simt_test {

template <bool WAIT>
__global__ void cp_async_exchange_kernel(const float* x, float* out, int n) {
  __shared__ __align__(16) float s[256];
  const int tid = static_cast<int>(threadIdx.x);
  const int base = static_cast<int>(blockIdx.x) * 256;
  s[tid] = -1.0f;
  __syncthreads();
  if (base + tid < n) gan::kernels::cp_async<4>(&s[tid], &x[base + tid]);
  gan::kernels::cp_async_commit();
  if constexpr (WAIT) gan::kernels::cp_async_wait<0>();
  __syncthreads();
  const int j = (tid + 1) % 256;
  if (base + tid < n) out[base + tid] = base + j < n ? s[j] : 0.0f;
}

void cp_async_exchange(const float* x, float* out, int n, bool wait) {
  if (wait)
    GAN_LAUNCH((n + 255) / 256, 256, 0, nullptr, cp_async_exchange_kernel<true>)(x, out, n);
  else
    GAN_LAUNCH((n + 255) / 256, 256, 0, nullptr, cp_async_exchange_kernel<false>)(x, out, n);
}

// Each thread moves 4 floats with one 16-byte copy; past n the copy zero-fills.
__global__ void cp_async_zfill_kernel(const float* x, float* y, int n) {
  __shared__ __align__(16) float s[4 * 256];
  const int tid = static_cast<int>(threadIdx.x);
  const int first = (static_cast<int>(blockIdx.x) * 256 + tid) * 4;
  const int valid = n - first < 0 ? 0 : (n - first > 4 ? 4 : n - first);
  // A predicated-off copy still needs a valid source address: use x itself.
  gan::kernels::cp_async<16>(&s[4 * tid], valid > 0 ? &x[first] : x, valid * 4);
  gan::kernels::cp_async_wait_all();
  __syncthreads();
  for (int e = 0; e < 4; ++e) y[first + e] = s[4 * tid + e];
}

void cp_async_zfill(const float* x, float* y, int n, int padded) {
  GAN_LAUNCH(padded / (4 * 256), 256, 0, nullptr, cp_async_zfill_kernel)(x, y, n);
}

}  // namespace gan::simt_test
