// Compiled only when kernels/ has our CUDA GEMM launcher (see CMakeLists.txt).
#include "gan/kernels/conv.h"
#include "gan/kernels/gemm.h"
#include "ours.h"

namespace gan::bench_cuda {

void ours_gemm(const kernels::GemmParams& p, bool tf32, const float* a, const float* b, float* c,
               cudaStream_t stream) {
  gan::kernels::cuda::set_allow_tf32(tf32);
  gan::kernels::cuda::gemm<float>(p, a, b, c, kernels::Stream{stream});
}

}  // namespace gan::bench_cuda
