// Attention forward/backward: fused (online softmax) vs materialized, at SAGAN
// self-attention sizes (issue #5). Correctness is the tests' job
// (tests/cuda/attention_test.cpp, tests/kernels/test_attention.cpp); each
// benchmark reports FLOP/s and the napkin bytes it must move.
//
// SAGAN / BigGAN shapes: feature maps 32x32 and 64x64 -> N = M = 1024 / 4096
// positions, C = 64..256 channels -> d = C/8 = 8..32, dv = C/2 = 32..128.
// Napkin math per batch element (float):
//   FLOPs   forward 2*N*M*(d + dv) (+ N*M exp); backward ~2x that (+ recompute).
//   bytes   materialized: S = q k^T written (N*M*4 B), read + written by the
//           softmax, read by P v: >= 4*N*M*4 B. At N = M = 4096: 268 MB per
//           batch element, 2.1 GB at B = 8 (~0.9 ms of H100 DRAM bandwidth),
//           and the [B, N, M] buffer itself is 537 MB.
//           fused: q, o once; k, v once per 16-row q tile (N/16 passes, from
//           L2): (N*d + N*dv) * 4 B from DRAM = 2.6 MB per batch element at
//           N = 4096, d = 32, dv = 128 (~100x less traffic).
//   The fused SIMT kernels compute in double (see kernels/cuda/attention.cu),
//   so on the GPU they are bound by FP64 issue, not by memory.
// CPU: the reference (double accumulation, one row at a time; not a fast
// path), B = 1 and the 32x32 maps plus one 64x64 case so it finishes.
// CUDA: B = 8, every shape; "skipped: no CUDA device" without a real GPU
// (the sim flavour's emulator gives no meaningful timings either).
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "gan/cuda/runtime.h"
#include "gan/kernels/attention.h"

namespace {

using namespace gan::kernels;

std::vector<float> random_vec(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& e : v) e = u(rng);
  return v;
}

AttentionParams sagan(int64_t b, int64_t hw, int64_t c) {
  AttentionParams p;
  p.b = b;
  p.n = p.m = hw * hw;
  p.d = c / 8;
  p.dv = c / 2;
  p.scale = 1.0;
  return p;
}

double fprop_flops(const AttentionParams& p) { return 2.0 * double(p.b * p.n * p.m) * double(p.d + p.dv); }
double materialized_bytes(const AttentionParams& p) { return 4.0 * double(p.b * p.n * p.m) * sizeof(float); }
double fused_bytes(const AttentionParams& p) {
  return double(p.b) * double(p.n * (p.d + p.dv) + p.m * (p.d + p.dv) + p.n) * sizeof(float);
}

void set_counters(benchmark::State& state, double flops, double bytes) {
  const double it = double(state.iterations());
  state.counters["FLOP/s"] = benchmark::Counter(flops * it, benchmark::Counter::kIsRate);
  state.counters["napkin_B/s"] = benchmark::Counter(bytes * it, benchmark::Counter::kIsRate);
}

enum class Algo { fused, materialized, backward };

// ---- CPU reference -------------------------------------------------------------------

void BM_attention_cpu(benchmark::State& state, AttentionParams p, Algo algo) {
  const auto q = random_vec(p.b * p.n * p.d, 1), k = random_vec(p.b * p.m * p.d, 2);
  const auto v = random_vec(p.b * p.m * p.dv, 3), g = random_vec(p.b * p.n * p.dv, 4);
  std::vector<float> o(static_cast<size_t>(p.b * p.n * p.dv)), lse(static_cast<size_t>(p.b * p.n));
  std::vector<float> probs(algo == Algo::materialized ? static_cast<size_t>(p.b * p.n * p.m) : 0);
  std::vector<float> dq(q.size()), dk(k.size()), dv(v.size());
  cpu::attention_fprop<float>(p, q.data(), k.data(), v.data(), o.data(), lse.data());  // warm-up; o, lse
  for (auto _ : state) {
    switch (algo) {
      case Algo::fused:
        cpu::attention_fprop<float>(p, q.data(), k.data(), v.data(), o.data(), lse.data());
        break;
      case Algo::materialized:
        cpu::attention_fprop_materialized<float>(p, q.data(), k.data(), v.data(), probs.data(), o.data(), lse.data());
        break;
      case Algo::backward:
        cpu::attention_bprop<float>(p, q.data(), k.data(), v.data(), o.data(), lse.data(), g.data(), dq.data(),
                                    dk.data(), dv.data());
        break;
    }
    benchmark::ClobberMemory();
  }
  set_counters(state, algo == Algo::backward ? 2 * fprop_flops(p) : fprop_flops(p),
               algo == Algo::materialized ? materialized_bytes(p) : fused_bytes(p));
}

// ---- CUDA ----------------------------------------------------------------------------

bool real_gpu() { return std::string(gan::cuda::backend_name()) == "cuda" && gan::cuda::available(); }

#if defined(GAN_HAS_CUDA_KERNELS)
struct DeviceVec {
  explicit DeviceVec(const std::vector<float>& h) : bytes(h.size() * sizeof(float)) {
    ptr = static_cast<float*>(gan::cuda::raw_malloc(bytes));
    gan::cuda::memcpy(ptr, h.data(), bytes, gan::cuda::CopyKind::host_to_device);
  }
  explicit DeviceVec(int64_t n) : bytes(static_cast<size_t>(n) * sizeof(float)) {
    ptr = static_cast<float*>(gan::cuda::raw_malloc(bytes));
  }
  ~DeviceVec() { gan::cuda::raw_free(ptr); }
  DeviceVec(const DeviceVec&) = delete;
  DeviceVec& operator=(const DeviceVec&) = delete;
  size_t bytes;
  float* ptr;
};
#endif

void BM_attention_cuda(benchmark::State& state, [[maybe_unused]] AttentionParams p, [[maybe_unused]] Algo algo) {
  if (!real_gpu()) {
    state.SkipWithError("skipped: no CUDA device");
    return;
  }
#if defined(GAN_HAS_CUDA_KERNELS)
  state.SetLabel(gan::cuda::properties().name);
  DeviceVec q(random_vec(p.b * p.n * p.d, 1)), k(random_vec(p.b * p.m * p.d, 2));
  DeviceVec v(random_vec(p.b * p.m * p.dv, 3)), g(random_vec(p.b * p.n * p.dv, 4));
  DeviceVec o(p.b * p.n * p.dv), lse(p.b * p.n), dq(p.b * p.n * p.d), dk(p.b * p.m * p.d), dv(p.b * p.m * p.dv);
  DeviceVec probs(algo == Algo::materialized ? p.b * p.n * p.m : 1);
  auto run = [&] {
    switch (algo) {
      case Algo::fused:
        cuda::attention_fprop<float>(p, q.ptr, k.ptr, v.ptr, o.ptr, lse.ptr);
        break;
      case Algo::materialized:
        cuda::attention_fprop_materialized<float>(p, q.ptr, k.ptr, v.ptr, probs.ptr, o.ptr, lse.ptr);
        break;
      case Algo::backward:
        cuda::attention_bprop<float>(p, q.ptr, k.ptr, v.ptr, o.ptr, lse.ptr, g.ptr, dq.ptr, dk.ptr, dv.ptr);
        break;
    }
  };
  cuda::attention_fprop<float>(p, q.ptr, k.ptr, v.ptr, o.ptr, lse.ptr);  // o, lse for the backward
  run();                                                                 // warm-up
  gan::cuda::synchronize();
  for (auto _ : state) {
    run();
    gan::cuda::synchronize();
  }
  set_counters(state, algo == Algo::backward ? 2 * fprop_flops(p) : fprop_flops(p),
               algo == Algo::materialized ? materialized_bytes(p) : fused_bytes(p));
#endif
}

std::string shape_name(const char* algo, const AttentionParams& p) {
  return std::string(algo) + "/B" + std::to_string(p.b) + "_N" + std::to_string(p.n) + "_d" + std::to_string(p.d) +
         "_dv" + std::to_string(p.dv);
}

const int kRegistered = [] {
  const std::pair<const char*, Algo> algos[] = {
      {"fused", Algo::fused}, {"materialized", Algo::materialized}, {"backward", Algo::backward}};
  // CPU: B = 1; 32x32 at C = 64 and 256, 64x64 at C = 64.
  for (const AttentionParams& p : {sagan(1, 32, 64), sagan(1, 32, 256), sagan(1, 64, 64)})
    for (const auto& [name, algo] : algos)
      benchmark::RegisterBenchmark(("BM_attention_cpu/" + shape_name(name, p)).c_str(), BM_attention_cpu, p, algo)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->Iterations(p.n > 1024 ? 1 : 3);  // fixed counts: Google Benchmark forbids a warm-up time with them
  for (int64_t hw : {32, 64})
    for (int64_t c : {64, 128, 256})
      for (const auto& [name, algo] : algos)
        benchmark::RegisterBenchmark(("BM_attention_cuda/" + shape_name(name, sagan(8, hw, c))).c_str(),
                                     BM_attention_cuda, sagan(8, hw, c), algo)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
  return 0;
}();

}  // namespace
