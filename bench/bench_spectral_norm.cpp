// Spectral norm: one power-iteration step + sigma (spectral_norm_power_iteration,
// n_iter = 1) at SNGAN / BigGAN weight sizes, float.
//
// Shapes (W viewed as [out, in*kh*kw]):
//   512 x 4608    BigGAN / SNGAN conv 512 -> 512, 3x3
//   1024 x 1024   a 1024-wide linear layer
//   128 x 1024    SNGAN conv 64 -> 128, 4x4
//   1024 x 9216   BigGAN-deep conv 1024 -> 1024, 3x3
// Napkin math: a step reads W twice (W^T u, then W v; v needs all of W^T u, so
// one pass cannot serve both) = 2 * out * cols * 4 bytes; the minimum for one
// step, if W stayed on chip between the two products, is one read (on an
// H100 a 9.4 MB W stays in the 50 MB L2, so the second read is an L2 hit).
// "B/s (2 reads)" is the rate at which the step consumed those 2 reads of W;
// the 1-read minimum is half that byte count.
// Correctness is the tests' job (tests/kernels/test_spectral_norm.cpp,
// tests/cuda/spectral_norm_test.cpp); each benchmark checks sigma is finite
// and positive once before timing, and warms up.
//
// The CUDA variant runs only on a real GPU (the cuda flavour with a device);
// elsewhere it reports "skipped: no CUDA device" (the emulator's timings mean
// nothing).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "gan/cuda/runtime.h"
#include "gan/kernels/spectral_norm.h"
#include "gan/tensor.h"

namespace {

using namespace gan::kernels;

std::vector<float> random_vec(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& e : v) e = d(rng);
  return v;
}

SpectralNormParams params(int64_t rows, int64_t cols) {
  SpectralNormParams p;
  p.rows = rows;
  p.lead = 1;
  p.inner = cols;
  p.n_iter = 1;
  return p;
}

void set_counters(benchmark::State& state, const SpectralNormParams& p) {
  const double bytes = 2.0 * double(p.rows) * double(p.cols()) * sizeof(float);
  state.counters["B/s (2 reads)"] = benchmark::Counter(bytes * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["W MB"] = double(p.rows) * double(p.cols()) * sizeof(float) / 1e6;
}

void BM_spectral_norm_cpu(benchmark::State& state) {
  const SpectralNormParams p = params(state.range(0), state.range(1));
  const auto w = random_vec(p.rows * p.cols(), 1);
  auto u = random_vec(p.rows, 2);
  std::vector<float> v(static_cast<size_t>(p.cols()));
  float sigma = 0;
  cpu::spectral_norm_power_iteration<float>(p, w.data(), u.data(), v.data(), &sigma, nullptr);
  if (!(std::isfinite(sigma) && sigma > 0)) {
    state.SkipWithError("sigma is not finite and positive");
    return;
  }
  for (auto _ : state) {
    cpu::spectral_norm_power_iteration<float>(p, w.data(), u.data(), v.data(), &sigma, nullptr);
    benchmark::DoNotOptimize(sigma);
  }
  set_counters(state, p);
}

void BM_spectral_norm_cuda(benchmark::State& state) {
#if defined(GAN_HAS_CUDA_KERNELS)
  if (!gan::cuda::available() || gan::cuda::properties().emulated) {
    state.SkipWithError("skipped: no CUDA device");
    return;
  }
  const SpectralNormParams p = params(state.range(0), state.range(1));
  const gan::Options dev{gan::DType::f32, gan::Device::cuda(0)};
  const gan::Tensor w = gan::Tensor::from_data({p.rows, p.cols()}, random_vec(p.rows * p.cols(), 1)).to(dev.device);
  gan::Tensor u = gan::Tensor::from_data({p.rows}, random_vec(p.rows, 2)).to(dev.device);
  gan::Tensor v = gan::Tensor::empty({p.cols()}, dev), sigma = gan::Tensor::empty({1}, dev);
  gan::Tensor ws = gan::Tensor::empty({spectral_norm_workspace_doubles(p)}, {gan::DType::f64, dev.device});
  auto step = [&] {
    cuda::spectral_norm_power_iteration<float>(p, w.data<float>(), u.data<float>(), v.data<float>(),
                                               sigma.data<float>(), ws.data<double>());
  };
  step();
  const double s = sigma.item();
  if (!(std::isfinite(s) && s > 0)) {
    state.SkipWithError("sigma is not finite and positive");
    return;
  }
  for (auto _ : state) {
    step();
    gan::cuda::synchronize();  // each iteration's kernels finish inside its timing
  }
  set_counters(state, p);
#else
  state.SkipWithError("skipped: no CUDA device");
#endif
}

void shapes(benchmark::internal::Benchmark* b) {
  b->Args({512, 4608})->Args({1024, 1024})->Args({128, 1024})->Args({1024, 9216});
  b->ArgNames({"out", "cols"})->MinWarmUpTime(0.05)->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(BM_spectral_norm_cpu)->Apply(shapes);
BENCHMARK(BM_spectral_norm_cuda)->Apply(shapes);

}  // namespace
