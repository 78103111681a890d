// GEMM on the GPU: our gan::kernels::cuda::gemm vs cublasGemmEx, row-major
// C[m, n] = op(A) op(B), float in and out, at the sizes of DCGAN's Linear
// layers and of attention projections.
//
// cuBLAS is column-major: a row-major [m, n] C is a column-major [n, m] C^T =
// op(B)^T op(A)^T, so the call swaps the operands (B first) and the sizes
// (n, m, k), with each operand's transpose flag unchanged.
// Compute types: tf32 = CUBLAS_COMPUTE_32F_FAST_TF32 (TF32 tensor cores,
// FP32 accumulation), fp32 = CUBLAS_COMPUTE_32F (exact FP32).
// Names: gemm/<case>/<cublas|ours>/<tf32|fp32>; counters as in bench_conv.cpp
// (TFLOP/s = 2*m*n*k / time; ours entries also cublas_TFLOP/s, ours/cublas =
// cuBLAS time / our time, err_vs_cublas, checked before timing).
#include <benchmark/benchmark.h>
#include <cublas_v2.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cuda_bench.h"
#include "gan/kernels/gemm.h"
#include "ours.h"

namespace gan::bench_cuda {
namespace {

void check_cublas(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) throw std::runtime_error(std::string(what) + ": " + cublasGetStatusString(s));
}
#define GAN_BENCH_CUBLAS(call) check_cublas((call), #call)

cublasHandle_t cublas_handle() {
  static cublasHandle_t h = [] {
    cublasHandle_t r = nullptr;
    GAN_BENCH_CUBLAS(cublasCreate(&r));
    return r;
  }();
  return h;
}

struct GemmCase {
  std::string name;
  kernels::GemmParams p;
};

GemmCase make_case(const std::string& what, int64_t m, int64_t n, int64_t k, bool trans_b) {
  GemmCase c;
  c.p.m = m;
  c.p.n = n;
  c.p.k = k;
  c.p.trans_b = trans_b;
  c.name = what + "_m" + std::to_string(m) + "_n" + std::to_string(n) + "_k" + std::to_string(k) +
           (trans_b ? "_NT" : "_NN");
  return c;
}

const std::vector<GemmCase>& gemm_cases() {
  static const std::vector<GemmCase> cases = {
      // DCGAN-64 G's Linear form of the first layer: z [N, 100] -> [N, 4*4*512], y = z W^T.
      make_case("linear_z100_to_4x4x512", 64, 8192, 100, true),
      make_case("linear_z100_to_4x4x512", 128, 8192, 100, true),
      // Square, the roofline reference.
      make_case("square", 1024, 1024, 1024, false),
      // Self-attention query/key projection at 64x64 with C = 512: 4096 positions x 512 -> 64.
      make_case("attn_proj", 4096, 64, 512, true),
  };
  return cases;
}

// C = A op(B) through cublasGemmEx (see the header comment for the operand swap).
void cublas_gemm(const kernels::GemmParams& p, bool tf32, const float* a, const float* b, float* c,
                 cudaStream_t stream) {
  GAN_BENCH_CUBLAS(cublasSetStream(cublas_handle(), stream));
  const float alpha = 1.f, beta = 0.f;
  const int m = int(p.m), n = int(p.n), k = int(p.k);
  const int lda = p.trans_a ? m : k, ldb = p.trans_b ? k : n;
  GAN_BENCH_CUBLAS(cublasGemmEx(cublas_handle(), p.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                p.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, n, m, k, &alpha, b, CUDA_R_32F, ldb, a,
                                CUDA_R_32F, lda, &beta, c, CUDA_R_32F, n,
                                tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

void run_gemm(benchmark::State& state, const GemmCase& gc, bool tf32, bool ours) {
  const kernels::GemmParams& p = gc.p;
  DeviceBuffer a(p.m * p.k), b(p.k * p.n), lib_c(p.m * p.n);
  a.fill_uniform(1);
  b.fill_uniform(2);
  lib_c.fill_nan();
  Timer timer;
  const auto lib_launch = [&] { cublas_gemm(p, tf32, a.data(), b.data(), lib_c.data(), timer.stream()); };
  std::function<void()> launch = lib_launch;
  std::unique_ptr<DeviceBuffer> ours_c;
  if (ours) {
#ifdef GAN_BENCH_OURS_GEMM
    ours_c = std::make_unique<DeviceBuffer>(p.m * p.n);
    ours_c->fill_nan();
    launch = [&] { ours_gemm(p, tf32, a.data(), b.data(), ours_c->data(), timer.stream()); };
    lib_launch();
    launch();
    const double err = max_rel_error(ours_c->to_host(), lib_c.to_host());
    state.counters["err_vs_cublas"] = err;
    const double tol = tf32 ? kTf32Tolerance : kFp32Tolerance;
    if (!(err <= tol))
      throw std::runtime_error(gc.name + ": ours differs from cuBLAS, max rel error " + std::to_string(err) +
                               " > " + std::to_string(tol));
#else
    throw std::logic_error("ours gemm benchmark registered without our GEMM kernel");
#endif
  }
  timer.seconds_per_launch(3, launch);
  if (ours) timer.seconds_per_launch(3, lib_launch);
  double t_main = 0, t_lib = 0;
  for (auto _ : state) {
    const double t = timer.seconds_per_launch(kRepsPerIteration, launch);
    if (ours) t_lib += timer.seconds_per_launch(kRepsPerIteration, lib_launch);
    state.SetIterationTime(t);
    t_main += t;
  }
  const double flops = 2.0 * double(p.m) * double(p.n) * double(p.k), iters = double(state.iterations());
  state.counters["TFLOP/s"] = flops * iters / t_main * 1e-12;
  if (ours) {
    state.counters["cublas_TFLOP/s"] = flops * iters / t_lib * 1e-12;
    state.counters["ours/cublas"] = t_lib / t_main;
  }
}

void BM_gemm(benchmark::State& state, const GemmCase* gc, bool tf32, bool ours) {
  if (!device_available()) {
    state.SkipWithError(kNoDevice);
    return;
  }
  try {
    run_gemm(state, *gc, tf32, ours);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

#ifdef GAN_BENCH_OURS_GEMM
constexpr bool kHaveOurs = true;
#else
constexpr bool kHaveOurs = false;
#endif

const bool kRegistered = [] {
  for (const GemmCase& gc : gemm_cases())
    for (const bool tf32 : {true, false})
      for (const bool ours : {false, true}) {
        if (ours && !kHaveOurs) continue;
        const std::string name = "gemm/" + gc.name + (ours ? "/ours" : "/cublas") + (tf32 ? "/tf32" : "/fp32");
        benchmark::RegisterBenchmark(name.c_str(), BM_gemm, &gc, tf32, ours)
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond)
            ->MinTime(kMinManualTime);
      }
  return true;
}();

}  // namespace
}  // namespace gan::bench_cuda
