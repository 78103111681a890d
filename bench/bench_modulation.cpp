// StyleGAN2's weight modulation / demodulation backward: the fused kernel
// (modulate_bprop, what a training step runs) against the composite of ops it
// replaces (the create_graph path of ops::modulate_weight: mul, sum, rsqrt,
// sub, ... over [N, O, I, 3, 3]), on the CPU backend, float.
//
//   fused      autograd::grad({wm}, {w, style}, {g})                 one kernel
//   composite  the same with create_graph (the graph's own ops)     ~ 12 ops
// Both timings include the forward modulate_weight (the same kernel in each).
//
// Napkin math, wm [N, O, I, 3, 3] = E elements; [64, 128, 128]: E = 9.4 M,
// 38 MB. The fused backward streams g three times (row dots, dw over n,
// dstyle over o), writes dw [O, I, 3, 3] and dstyle [N, I] (small): ~ 3E reads.
// The composite materializes u = w s, wm, g * wm, du and two products of E
// each: ~ 12E reads and writes. The "bytes_per_second" column counts one read
// of g (E * 4 bytes): the effective bandwidth. Each benchmark first checks
// fused == composite (max |diff| <= 1e-4 of the largest gradient) and skips
// with an error otherwise.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>

#include "gan/autograd.h"
#include "gan/ops/style.h"

namespace {

using namespace gan;

struct Inputs {
  Tensor w, style, g;
};

Inputs make_inputs(int64_t n, int64_t o, int64_t i) {
  Generator gen(11);
  Inputs in{Tensor::randn({o, i, 3, 3}, gen), Tensor::randn({n, i}, gen) + 1.0, Tensor::randn({n, o, i, 3, 3}, gen)};
  in.w.requires_grad_(true);
  in.style.requires_grad_(true);
  return in;
}

std::vector<Tensor> grads(const Inputs& in, bool composite) {
  const Tensor wm = ops::modulate_weight(in.w, in.style, true);
  autograd::GradOptions o;
  o.create_graph = composite;
  return autograd::grad({wm}, {in.w, in.style}, {in.g}, o);
}

double max_abs_diff(const std::vector<Tensor>& a, const std::vector<Tensor>& b, double* scale) {
  double m = 0;
  *scale = 0;
  for (size_t t = 0; t < a.size(); ++t) {
    const auto x = a[t].detach().to_double_vector(), y = b[t].detach().to_double_vector();
    for (size_t k = 0; k < x.size(); ++k) m = std::max(m, std::abs(x[k] - y[k])), *scale = std::max(*scale, std::abs(y[k]));
  }
  return m;
}

void run(benchmark::State& state, bool composite) {
  const Inputs in = make_inputs(state.range(0), state.range(1), state.range(2));
  double scale = 0;
  if (!(max_abs_diff(grads(in, composite), grads(in, !composite), &scale) <= 1e-4 * std::max(1.0, scale))) {
    state.SkipWithError("fused and composite gradients differ");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(grads(in, composite));
  const double elems = static_cast<double>(in.g.numel());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(elems * sizeof(float)));
  state.counters["elements"] = elems;
}

// [N, O, I]: configs/stylegan-fmnist32.toml's modulated convs at batch 64 (features_g 16: 64 channels at
// 4 and 8, 32 at 16, 16 at 32), and a wider 128-channel layer.
void Args(benchmark::internal::Benchmark* b) {
  b->Args({64, 64, 64})->Args({64, 32, 64})->Args({64, 16, 32})->Args({64, 128, 128})->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

void BM_ModulateBackward_Fused_CPU(benchmark::State& s) { run(s, false); }
void BM_ModulateBackward_Composite_CPU(benchmark::State& s) { run(s, true); }

BENCHMARK(BM_ModulateBackward_Fused_CPU)->Apply(Args);
BENCHMARK(BM_ModulateBackward_Composite_CPU)->Apply(Args);

}  // namespace
