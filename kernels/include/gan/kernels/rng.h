// Random fills from Philox4x32-10 (see philox.h for the stream layout).
#pragma once

#include "gan/kernels/common.h"
#include "gan/kernels/philox.h"

namespace gan::kernels {

struct RngParams {
  uint64_t seed = 0;
  uint64_t offset = 0;  // in Philox blocks
  int64_t n = 0;
  double a = 0, b = 1;  // uniform: [a, b) mapped from (0, 1]; normal: mean a, std b
};

namespace cpu {
template <class T> void rng_uniform(const RngParams& p, T* out, Stream s = {});
template <class T> void rng_normal(const RngParams& p, T* out, Stream s = {});
}  // namespace cpu

}  // namespace gan::kernels

// CUDA kernels (kernels/cuda/rng.cu): the same streams as the CPU for the same
// seed/offset. Defined in the cuda and sim flavours (GAN_HAS_CUDA_KERNELS).
namespace gan::kernels::cuda {
template <class T> void rng_uniform(const RngParams& p, T* out, Stream s = {});
template <class T> void rng_normal(const RngParams& p, T* out, Stream s = {});
}  // namespace gan::kernels::cuda
