// gan_bench_cuda: our CUDA kernels vs cuDNN / cuBLAS, and a DCGAN step on the
// GPU. The context header says which device was measured (or that there is
// none: every benchmark then reports "skipped: no CUDA device" and the program
// exits 0), the library versions, and whether our kernels are in this build.
#include <benchmark/benchmark.h>
#include <cublas_v2.h>
#include <cudnn.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cuda_bench.h"
#include "gan/build_info.h"

namespace {

std::string cublas_version() {
  int major = 0, minor = 0, patch = 0;
  if (cublasGetProperty(MAJOR_VERSION, &major) != CUBLAS_STATUS_SUCCESS ||
      cublasGetProperty(MINOR_VERSION, &minor) != CUBLAS_STATUS_SUCCESS ||
      cublasGetProperty(PATCH_LEVEL, &patch) != CUBLAS_STATUS_SUCCESS)
    return "unknown";
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gan::bench_cuda;
  const gan::BuildInfo b = gan::build_info();
  benchmark::AddCustomContext("gan", b.version + " (" + b.flavour + " flavour, " + b.compiler + ")");
  benchmark::AddCustomContext("CUDA device", device_description());
  const size_t v = cudnnGetVersion();
  benchmark::AddCustomContext("cuDNN", std::to_string(v / 10000) + "." + std::to_string(v % 10000 / 100) + "." +
                                           std::to_string(v % 100));
  benchmark::AddCustomContext("cuBLAS", cublas_version());
#ifdef GAN_BENCH_OURS_CONV
  benchmark::AddCustomContext("ours conv", "gan::kernels::cuda::conv2d_* / conv_transpose2d_*");
#else
  benchmark::AddCustomContext("ours conv", "not in this build (no kernels/cuda/conv*.cu): cuDNN only");
#endif
#ifdef GAN_BENCH_OURS_GEMM
  benchmark::AddCustomContext("ours gemm", "gan::kernels::cuda::gemm");
#else
  benchmark::AddCustomContext("ours gemm", "not in this build (no kernels/cuda/gemm*.cu): cuBLAS only");
#endif
  if (const char* o = std::getenv("NVIDIA_TF32_OVERRIDE"))
    benchmark::AddCustomContext("NVIDIA_TF32_OVERRIDE", std::string(o) + " (0 disables TF32 in cuDNN/cuBLAS)");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (!device_available())
    std::printf("gan_bench_cuda: %s; CUDA device: %s\n", kNoDevice, device_description().c_str());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
