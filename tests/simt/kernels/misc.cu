// Vector types, half/bfloat16 conversions and math intrinsics under the emulator.
#include <gan/kernels/portable.h>

#include "simt_test_kernels.h"

namespace gan::simt_test {

__global__ void misc_kernel(const float* __restrict__ x, float* __restrict__ y, int n) {
  const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (i >= n) return;
  const float v = x[i];
  const float4 q = reinterpret_cast<const float4*>(x)[i / 4];  // 16-byte vector load
  float* out = y + 8 * i;
  out[0] = __expf(v);
  out[1] = rsqrtf(fabsf(v) + 1.0f);
  out[2] = __half2float(__float2half(v));
  out[3] = __bfloat162float(__float2bfloat16(v));
  out[4] = q.x + q.y + q.z + q.w;
  out[5] = static_cast<float>(min(i, 7));
  out[6] = static_cast<float>(__popc(static_cast<unsigned>(i)));
  out[7] = __fdividef(v, 3.0f);
}

void misc(const float* x, float* y, int n) { GAN_LAUNCH((n + 63) / 64, 64, 0, nullptr, misc_kernel)(x, y, n); }

}  // namespace gan::simt_test
