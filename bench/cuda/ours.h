// Our CUDA kernels on the benchmark's buffers. Each function exists only when
// CMake found the family in kernels/ (GAN_BENCH_OURS_CONV / GAN_BENCH_OURS_GEMM,
// see CMakeLists.txt); the benchmarks of `ours` are registered only then.
#pragma once

#include <cuda_runtime.h>

#include "conv_cases.h"
#include "gan/kernels/gemm.h"

namespace gan::bench_cuda {

#ifdef GAN_BENCH_OURS_CONV
// The layer pass of case c with our launchers (conv2d_* or conv_transpose2d_*),
// on the conv's buffers as laid out in conv_cases.h; no bias. tf32 selects
// gan::kernels::cuda::set_allow_tf32 (TF32 tensor cores) vs exact FP32.
void ours_conv(const ConvCase& c, Pass layer_pass, bool tf32, const float* in, const float* out,
               const float* w, float* result, cudaStream_t stream);
#endif

#ifdef GAN_BENCH_OURS_GEMM
void ours_gemm(const kernels::GemmParams& p, bool tf32, const float* a, const float* b, float* c,
               cudaStream_t stream);
#endif

}  // namespace gan::bench_cuda
