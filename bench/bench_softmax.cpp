// CPU softmax over rows (kernels/cpu/loss.cpp), forward and backward, float:
// the attention maps of SAGAN / BigGAN-lite at 32x32 (feature maps 16x16:
// [B * 256, 256] rows at B = 64), which on the CPU run as the materialized
// composite (ops::attention_materialized: matmul, softmax, matmul), so this
// kernel is a sizeable share of their step; and a classifier's [256, 10].
// Napkin: forward reads x once and writes y once from DRAM (each 1 KB row
// stays in L1 for its max, exp, sum and scale passes): 8 B per element;
// backward reads y and dy, writes dx: 12 B per element. One exp per element
// forward (exp_nonpositive, vectorized), none backward.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "gan/kernels/loss.h"

namespace {

using namespace gan::kernels;

std::vector<float> random_rows(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> u(0.f, 3.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& e : v) e = u(rng);
  return v;
}

void BM_softmax_cpu(benchmark::State& state, bool backward) {
  const int64_t m = state.range(0), d = state.range(1);
  const auto x = random_rows(m * d, 1), dy = random_rows(m * d, 2);
  std::vector<float> y(x.size()), dx(x.size());
  cpu::softmax_fprop<float>(m, d, x.data(), y.data());
  for (auto _ : state) {
    if (backward) cpu::softmax_bprop<float>(m, d, y.data(), dy.data(), dx.data());
    else cpu::softmax_fprop<float>(m, d, x.data(), y.data());
    benchmark::ClobberMemory();
  }
  const double it = double(state.iterations()), n = double(m * d);
  state.counters["elements/s"] = benchmark::Counter(n * it, benchmark::Counter::kIsRate);
  state.counters["napkin_B/s"] = benchmark::Counter((backward ? 12.0 : 8.0) * n * it, benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(BM_softmax_cpu, fprop, false)->Name("softmax/cpu/fprop")->Args({64 * 256, 256})->Args({256, 10})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_softmax_cpu, bprop, true)->Name("softmax/cpu/bprop")->Args({64 * 256, 256})->Args({256, 10})
    ->Unit(benchmark::kMillisecond);

}  // namespace
