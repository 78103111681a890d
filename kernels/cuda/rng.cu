// CUDA Philox random fills (rng.h): uniform [a, b) and normal (mean a, std b),
// float and double. Same launchers as the CPU reference (kernels/cpu/rng.cpp),
// in namespace gan::kernels::cuda, and the SAME numbers: element i is a pure
// function of (seed, offset, i) through philox.h's host/device functions, with
// the stream layout documented there.
//
// Layout: out is a flat contiguous [n] buffer.
//
// Algorithm: one thread per Philox4x32-10 block (grid-stride). The block's
// 128 bits feed 4 uniform floats, 2 uniform doubles, 2 normal floats or 1
// normal double, written to consecutive elements (uniform float: one 16-byte
// store when aligned and complete). Bit identity with the CPU:
//   * the integer Philox rounds and the integer -> (0, 1] conversions are
//     exact on every backend;
//   * the affine maps a + (b - a) * u and a + b * z are evaluated in double
//     with __dmul_rn / __dadd_rn, so nvcc cannot contract them into an FMA
//     (the CPU build, ISO C++ mode, does not contract either);
//   * Box-Muller is evaluated in double (log, sqrt, cos) as philox.h does.
//     Under the emulator these are the same libm calls, so every draw is
//     bit-identical. On a GPU, CUDA's double log/cos are within 1-2 ulp of
//     glibc's: float normals then round to the same float except in rare
//     ties, and double normals may differ in the last bit (tests on a real
//     GPU report the count of differing elements).
//
// Napkin math: ~10 rounds x (2 IMAD.HI + 2 IMAD + 4 XOR/ADD) = ~100 integer
// ops per block, for 16 bytes written: compute bound only below ~6 Tops/s per
// TB/s, so uniform fills run at memory speed; normal adds a double log, sqrt
// and cos per 2 floats (FP64 throughput: fast on A100/H100, slow on consumer
// parts, where normal fills are compute bound).
#include "gan/kernels/rng.h"
// philox.h defines its own GAN_HOST_DEVICE; portable.h defines the project one.
#undef GAN_HOST_DEVICE

#include <gan/kernels/portable.h>

#include <cstdint>

#include "cuda_common.cuh"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

GAN_DEVICE_INLINE double affine(double a, double scale, double u) { return __dadd_rn(a, __dmul_rn(scale, u)); }

// One Philox block -> 4 uniform floats, elements 4j .. 4j+3.
template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    rng_uniform_f32_philox_kernel(uint64_t seed, uint64_t offset, int64_t n, double a, double scale, T* out) {
  const int64_t blocks = (n + 3) / 4;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < blocks; j += stride) {
    const philox::Block b = philox::philox4x32_10(offset + static_cast<uint64_t>(j), seed);
    T r[4];
#pragma unroll
    for (int w = 0; w < 4; ++w) {
      const float u = 1.0f - philox::u32_to_unit_f32(b.v[w]);  // (0, 1] -> [0, 1)
      r[w] = static_cast<T>(affine(a, scale, static_cast<double>(u)));
    }
    T* o = out + 4 * j;
    if constexpr (sizeof(T) == 4) {
      if (4 * j + 3 < n && aligned16(o)) {
        store4(o, Vec4<T>{{r[0], r[1], r[2], r[3]}});
        continue;
      }
    }
#pragma unroll
    for (int w = 0; w < 4; ++w) {
      if (4 * j + w < n) o[w] = r[w];
    }
  }
}

// One Philox block -> 2 uniform doubles (53 bits each), elements 2j, 2j+1.
template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    rng_uniform_f64_philox_kernel(uint64_t seed, uint64_t offset, int64_t n, double a, double scale, T* out) {
  const int64_t blocks = (n + 1) / 2;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < blocks; j += stride) {
    const philox::Block b = philox::philox4x32_10(offset + static_cast<uint64_t>(j), seed);
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      if (2 * j + h < n) {
        const double u = 1.0 - philox::u64_to_unit_f64(b.v[2 * h], b.v[2 * h + 1]);
        out[2 * j + h] = static_cast<T>(affine(a, scale, u));
      }
    }
  }
}

// One Philox block -> 2 normal floats (Box-Muller cos branch on word pairs
// (0,1) and (2,3)), elements 2j, 2j+1; the expression is philox::normal_f32's.
template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    rng_normal_f32_philox_kernel(uint64_t seed, uint64_t offset, int64_t n, double mean, double sdev, T* out) {
  const int64_t blocks = (n + 1) / 2;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < blocks; j += stride) {
    const philox::Block b = philox::philox4x32_10(offset + static_cast<uint64_t>(j), seed);
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      if (2 * j + h < n) {
        const float u1 = philox::u32_to_unit_f32(b.v[2 * h]), u2 = philox::u32_to_unit_f32(b.v[2 * h + 1]);
        const float z = static_cast<float>(__dmul_rn(sqrt(-2.0 * log(static_cast<double>(u1))),
                                                     cos(6.283185307179586 * static_cast<double>(u2))));
        out[2 * j + h] = static_cast<T>(affine(mean, sdev, static_cast<double>(z)));
      }
    }
  }
}

// One Philox block -> 1 normal double, element j; philox::normal_f64's expression.
template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    rng_normal_f64_philox_kernel(uint64_t seed, uint64_t offset, int64_t n, double mean, double sdev, T* out) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < n; j += stride) {
    const philox::Block b = philox::philox4x32_10(offset + static_cast<uint64_t>(j), seed);
    const double u1 = philox::u64_to_unit_f64(b.v[0], b.v[1]), u2 = philox::u64_to_unit_f64(b.v[2], b.v[3]);
    const double z = __dmul_rn(sqrt(-2.0 * log(u1)), cos(6.283185307179586 * u2));
    out[j] = static_cast<T>(affine(mean, sdev, z));
  }
}

void check_n(const char* kernel, int64_t n) {
  if (n < 0) fail(kernel, "negative n " + std::to_string(n));
}

}  // namespace

template <class T>
void rng_uniform(const RngParams& p, T* out, Stream s) {
  check_n("rng_uniform", p.n);
  if (p.n == 0) return;
  const double scale = p.b - p.a;
  if constexpr (sizeof(T) == 4) {
    GAN_LAUNCH(grid_for((p.n + 3) / 4), kThreads, 0, stream_of(s), rng_uniform_f32_philox_kernel<T>)(
        p.seed, p.offset, p.n, p.a, scale, out);
  } else {
    GAN_LAUNCH(grid_for((p.n + 1) / 2), kThreads, 0, stream_of(s), rng_uniform_f64_philox_kernel<T>)(
        p.seed, p.offset, p.n, p.a, scale, out);
  }
  check_launch("rng_uniform");
}

template <class T>
void rng_normal(const RngParams& p, T* out, Stream s) {
  check_n("rng_normal", p.n);
  if (p.n == 0) return;
  if constexpr (sizeof(T) == 4) {
    GAN_LAUNCH(grid_for((p.n + 1) / 2), kThreads, 0, stream_of(s), rng_normal_f32_philox_kernel<T>)(
        p.seed, p.offset, p.n, p.a, p.b, out);
  } else {
    GAN_LAUNCH(grid_for(p.n), kThreads, 0, stream_of(s), rng_normal_f64_philox_kernel<T>)(p.seed, p.offset, p.n,
                                                                                          p.a, p.b, out);
  }
  check_launch("rng_normal");
}

template void rng_uniform<float>(const RngParams&, float*, Stream);
template void rng_uniform<double>(const RngParams&, double*, Stream);
template void rng_normal<float>(const RngParams&, float*, Stream);
template void rng_normal<double>(const RngParams&, double*, Stream);

}  // namespace gan::kernels::cuda
