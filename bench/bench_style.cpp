// AdaIN: the fused op against the chain of unfused ops it replaces, on the
// engine (CPU backend here; CUDA variants need a real GPU), float.
//
//   adain        fused: ops::adain(x, gamma, beta)
//                unfused: instance_norm(x) * gamma + beta   (3 ops)
//   noise_adain  fused: ops::noise_adain(x, noise, scale, gamma, beta, 0.2)
//                unfused: leaky_relu(x + scale * noise) -> instance_norm -> * gamma -> + beta
//                (noise_injection is 2 ops: mul, add; 6 ops in all)
//
// Napkin math, E = N*C*H*W elements, float (4 bytes), [16, 64, 32, 32]: E = 1 M, 4 MB.
//   Minimum traffic of AdaIN: read x once, write y once = 2E elements (8.4 MB);
//   the noise variant adds N*H*W noise reads (1/C of E, negligible).
//   Fused kernel: reads x twice (statistics pass, output pass; the second read
//     of a 32x32 row (4 KB) comes from cache) and writes y: ~2E from memory.
//   Unfused AdaIN: instance_norm reads x 3 times and writes E (layer-norm
//     kernel: sum, squared deviations, write), mul reads E + writes E, add
//     reads E + writes E: ~8E (4x the minimum).
//   Unfused noise chain: mul (scale*noise: N*C*H*W write, broadcast), add (3E),
//     leaky_relu (2E), then the 8E above: ~14E (7x the minimum).
// The "bytes_per_second" column counts the MINIMUM bytes (2E * 4), so it is
// the effective bandwidth; the fused/unfused time ratio is the saving.
// Each benchmark first checks fused == unfused (max |diff| < 1e-4) and skips
// with an error if not.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <functional>

#include "gan/autograd.h"
#include "gan/cuda/runtime.h"
#include "gan/ops/style.h"

namespace {

using namespace gan;

struct Inputs {
  Tensor x, noise, scale, gamma, beta;
};

Inputs make_inputs(int64_t n, int64_t c, int64_t hw, Device dev) {
  Generator g(7);
  return {Tensor::randn({n, c, hw, hw}, g).to(dev), Tensor::randn({n, 1, hw, hw}, g).to(dev),
          Tensor::randn({c}, g).to(dev), (Tensor::randn({n, c}, g) + 1.0).to(dev), Tensor::randn({n, c}, g).to(dev)};
}

Tensor adain_fused(const Inputs& in) { return ops::adain(in.x, in.gamma, in.beta); }
Tensor adain_unfused(const Inputs& in) {
  const int64_t n = in.x.size(0), c = in.x.size(1);
  return ops::add(ops::mul(ops::instance_norm(in.x), in.gamma.reshape({n, c, 1, 1})), in.beta.reshape({n, c, 1, 1}));
}
Tensor noise_fused(const Inputs& in) { return ops::noise_adain(in.x, in.noise, in.scale, in.gamma, in.beta, 0.2); }
Tensor noise_unfused(const Inputs& in) {
  const int64_t n = in.x.size(0), c = in.x.size(1);
  const Tensor t = ops::leaky_relu(ops::noise_injection(in.x, in.noise, in.scale), 0.2);
  return ops::add(ops::mul(ops::instance_norm(t), in.gamma.reshape({n, c, 1, 1})), in.beta.reshape({n, c, 1, 1}));
}

bool real_cuda() { return std::strcmp(cuda::backend_name(), "cuda") == 0 && cuda::available(); }

// fn: the variant timed; other: the other path, for the correctness check.
void run(benchmark::State& state, bool on_cuda, const std::function<Tensor(const Inputs&)>& fn,
         const std::function<Tensor(const Inputs&)>& other) {
  if (on_cuda && !real_cuda()) {
    state.SkipWithError("skipped: no CUDA device");
    return;
  }
  NoGradGuard ng;
  const int64_t n = state.range(0), c = state.range(1), hw = state.range(2);
  const Inputs in = make_inputs(n, c, hw, on_cuda ? Device::cuda(0) : Device::cpu());
  {
    const auto a = fn(in).to(Device::cpu()).to_double_vector(), b = other(in).to(Device::cpu()).to_double_vector();
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
    if (!(m < 1e-4)) {
      state.SkipWithError("fused and unfused results differ");
      return;
    }
  }
  for (auto _ : state) {
    Tensor y = fn(in);
    if (on_cuda) cuda::synchronize();
    benchmark::DoNotOptimize(y);
  }
  const double elems = static_cast<double>(n * c * hw * hw);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(2 * elems * sizeof(float)));
  state.counters["elements"] = elems;
}

void Args(benchmark::internal::Benchmark* b) {
  b->Args({16, 64, 32})->Args({4, 512, 8})->Args({2, 32, 64})->Unit(benchmark::kMicrosecond)->UseRealTime()
      ->MinWarmUpTime(0.05);
}

void BM_AdaIN_Fused_CPU(benchmark::State& s) { run(s, false, adain_fused, adain_unfused); }
void BM_AdaIN_Unfused_CPU(benchmark::State& s) { run(s, false, adain_unfused, adain_fused); }
void BM_NoiseAdaIN_Fused_CPU(benchmark::State& s) { run(s, false, noise_fused, noise_unfused); }
void BM_NoiseAdaIN_Unfused_CPU(benchmark::State& s) { run(s, false, noise_unfused, noise_fused); }
void BM_AdaIN_Fused_CUDA(benchmark::State& s) { run(s, true, adain_fused, adain_unfused); }
void BM_AdaIN_Unfused_CUDA(benchmark::State& s) { run(s, true, adain_unfused, adain_fused); }
void BM_NoiseAdaIN_Fused_CUDA(benchmark::State& s) { run(s, true, noise_fused, noise_unfused); }
void BM_NoiseAdaIN_Unfused_CUDA(benchmark::State& s) { run(s, true, noise_unfused, noise_fused); }

BENCHMARK(BM_AdaIN_Fused_CPU)->Apply(Args);
BENCHMARK(BM_AdaIN_Unfused_CPU)->Apply(Args);
BENCHMARK(BM_NoiseAdaIN_Fused_CPU)->Apply(Args);
BENCHMARK(BM_NoiseAdaIN_Unfused_CPU)->Apply(Args);
BENCHMARK(BM_AdaIN_Fused_CUDA)->Apply(Args);
BENCHMARK(BM_AdaIN_Unfused_CUDA)->Apply(Args);
BENCHMARK(BM_NoiseAdaIN_Fused_CUDA)->Apply(Args);
BENCHMARK(BM_NoiseAdaIN_Unfused_CUDA)->Apply(Args);

}  // namespace
