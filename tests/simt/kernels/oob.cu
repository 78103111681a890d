// Out-of-bounds shared memory writes, for the AddressSanitizer tests: ASan
// sees dynamic shared memory (a heap buffer) always, static __shared__ only in
// the serial build (plain statics; thread_local storage is not instrumented).
#include <gan/kernels/portable.h>

#include "simt_test_kernels.h"

namespace gan::simt_test {

__global__ void static_shared_overflow_kernel(float* out) {
  __shared__ float s[32];
  float* volatile opaque = s;  // hides the array from UBSan's bounds/object-size checks,
  float* p = opaque;           // which would otherwise report first
  p[threadIdx.x + 1] = 1.0f;   // thread 31 writes s[32]
  __syncthreads();
  out[threadIdx.x] = s[threadIdx.x];
}

__global__ void dynamic_shared_overflow_kernel(float* out) {
  GAN_DYNAMIC_SHARED(float, s);  // [32]
  s[threadIdx.x + 1] = 1.0f;
  __syncthreads();
  out[threadIdx.x] = s[threadIdx.x];
}

void static_shared_overflow(float* out) { GAN_LAUNCH(1, 32, 0, nullptr, static_shared_overflow_kernel)(out); }
void dynamic_shared_overflow(float* out) {
  GAN_LAUNCH(1, 32, 32 * sizeof(float), nullptr, dynamic_shared_overflow_kernel)(out);
}

}  // namespace gan::simt_test
