// Conv2d / ConvTranspose2d fprop, dgrad, wgrad on the CPU backend (float), on
// the DCGAN Fashion-MNIST 28x28 layer shapes at batch 64. Correctness is the
// tests' job (tests/kernels/test_conv.cpp); here each benchmark warms up
// (MinWarmUpTime) and reports the rate that matters:
//   FLOP/s = 2*N*C_out*H_out*W_out*(C_in/G)*KH*KW / time   (conv; for the
//   transposed conv the count of its equivalent conv, 2*N*C_in*H_in*W_in*C_out*KH*KW).
// Wall time (UseRealTime): the work runs on all cpu::num_threads() threads.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <random>
#include <string>
#include <vector>

#include "gan/kernels/conv.h"
#include "gan/kernels/cpu_parallel.h"

namespace {

using namespace gan::kernels;

enum class Pass { fprop, dgrad, wgrad };

std::vector<float> random_vec(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& e : v) e = u(rng);
  return v;
}

Conv2dParams conv(int64_t c_in, int64_t hw, int64_t c_out, int64_t k, int64_t s, int64_t p) {
  Conv2dParams q;
  q.n = 64;
  q.c_in = c_in;
  q.h_in = q.w_in = hw;
  q.c_out = c_out;
  q.kh = q.kw = k;
  q.stride_h = q.stride_w = s;
  q.pad_h = q.pad_w = p;
  conv2d_infer(q);
  return q;
}

ConvTranspose2dParams convt(int64_t c_in, int64_t hw, int64_t c_out, int64_t k, int64_t s,
                            int64_t p) {
  ConvTranspose2dParams q;
  q.n = 64;
  q.c_in = c_in;
  q.h_in = q.w_in = hw;
  q.c_out = c_out;
  q.kh = q.kw = k;
  q.stride_h = q.stride_w = s;
  q.pad_h = q.pad_w = p;
  conv_transpose2d_infer(q);
  return q;
}

void set_rate(benchmark::State& state, double flops_per_iter) {
  state.counters["FLOP/s"] =
      benchmark::Counter(flops_per_iter * double(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_conv2d(benchmark::State& state, Conv2dParams p, Pass pass) {
  const int64_t nx = p.n * p.c_in * p.h_in * p.w_in, ny = p.n * p.c_out * p.h_out * p.w_out;
  const int64_t nw = p.c_out * (p.c_in / p.groups) * p.kh * p.kw;
  const auto x = random_vec(nx, 1), w = random_vec(nw, 2), bias = random_vec(p.c_out, 3);
  auto y = random_vec(ny, 4), dx = random_vec(nx, 5), dw = random_vec(nw, 6);
  for (auto _ : state) {
    switch (pass) {
      case Pass::fprop: cpu::conv2d_fprop<float>(p, x.data(), w.data(), bias.data(), y.data()); break;
      case Pass::dgrad: cpu::conv2d_dgrad<float>(p, y.data(), w.data(), dx.data()); break;
      case Pass::wgrad: cpu::conv2d_wgrad<float>(p, x.data(), y.data(), dw.data()); break;
    }
    benchmark::ClobberMemory();
  }
  set_rate(state, 2.0 * double(ny) * double((p.c_in / p.groups) * p.kh * p.kw));
}

void BM_conv_transpose2d(benchmark::State& state, ConvTranspose2dParams p, Pass pass) {
  const int64_t nx = p.n * p.c_in * p.h_in * p.w_in, ny = p.n * p.c_out * p.h_out * p.w_out;
  const int64_t nw = p.c_in * (p.c_out / p.groups) * p.kh * p.kw;
  const auto x = random_vec(nx, 1), w = random_vec(nw, 2), bias = random_vec(p.c_out, 3);
  auto y = random_vec(ny, 4), dx = random_vec(nx, 5), dw = random_vec(nw, 6);
  for (auto _ : state) {
    switch (pass) {
      case Pass::fprop: cpu::conv_transpose2d_fprop<float>(p, x.data(), w.data(), bias.data(), y.data()); break;
      case Pass::dgrad: cpu::conv_transpose2d_dgrad<float>(p, y.data(), w.data(), dx.data()); break;
      case Pass::wgrad: cpu::conv_transpose2d_wgrad<float>(p, x.data(), y.data(), dw.data()); break;
    }
    benchmark::ClobberMemory();
  }
  set_rate(state, 2.0 * double(nx) * double((p.c_out / p.groups) * p.kh * p.kw));
}

// DCGAN for 28x28 Fashion-MNIST, batch 64.
const Conv2dParams kDisc1 = conv(1, 28, 64, 4, 2, 1);      // [64,1,28,28] -> [64,64,14,14]
const Conv2dParams kDisc2 = conv(64, 14, 128, 4, 2, 1);    // [64,64,14,14] -> [64,128,7,7]
const ConvTranspose2dParams kGen1 = convt(100, 1, 256, 7, 1, 0);  // z [64,100,1,1] -> [64,256,7,7]
const ConvTranspose2dParams kGen2 = convt(128, 7, 64, 4, 2, 1);   // [64,128,7,7] -> [64,64,14,14]
const ConvTranspose2dParams kGen3 = convt(64, 14, 1, 4, 2, 1);    // [64,64,14,14] -> [64,1,28,28]

#define GAN_CONV_BENCH(fn, name, shape)                                                        \
  BENCHMARK_CAPTURE(fn, name##_fprop, shape, Pass::fprop)->UseRealTime()->Unit(benchmark::kMillisecond)->MinWarmUpTime(0.1); \
  BENCHMARK_CAPTURE(fn, name##_dgrad, shape, Pass::dgrad)->UseRealTime()->Unit(benchmark::kMillisecond)->MinWarmUpTime(0.1); \
  BENCHMARK_CAPTURE(fn, name##_wgrad, shape, Pass::wgrad)->UseRealTime()->Unit(benchmark::kMillisecond)->MinWarmUpTime(0.1)

GAN_CONV_BENCH(BM_conv2d, D_conv_1x28x28_to_64x14x14_k4s2p1, kDisc1);
GAN_CONV_BENCH(BM_conv2d, D_conv_64x14x14_to_128x7x7_k4s2p1, kDisc2);
GAN_CONV_BENCH(BM_conv_transpose2d, G_convT_100x1x1_to_256x7x7_k7s1p0, kGen1);
GAN_CONV_BENCH(BM_conv_transpose2d, G_convT_128x7x7_to_64x14x14_k4s2p1, kGen2);
GAN_CONV_BENCH(BM_conv_transpose2d, G_convT_64x14x14_to_1x28x28_k4s2p1, kGen3);

// The device this suite measured, printed in the benchmark context header.
const bool kContextAdded = [] {
  benchmark::AddCustomContext("CPU", std::to_string(cpu::num_threads()) + " threads");
  benchmark::AddCustomContext("BLAS", std::string(openblas_get_config()) +
                                          " (1 thread per parallel_for chunk)");
  // Which SIMD ran: the GEMM micro-kernels are OpenBLAS's, picked at run time
  // for this CPU (DYNAMIC_ARCH); gan's own CPU loops are built for the x86-64
  // baseline (SSE2, no -march), the same code on every machine.
  benchmark::AddCustomContext("SIMD", std::string("GEMM: OpenBLAS ") + openblas_get_corename() +
                                          " kernels (run-time choice); gan loops: x86-64 baseline SSE2");
  return true;
}();

}  // namespace
