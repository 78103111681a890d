// Adam over the DCGAN generator's parameter list: one multi-tensor call
// (kernels::*::adam_step_multi) against one adam_step call per parameter, on
// the CPU reference and on a real GPU (the CUDA suite skips with "skipped: no
// CUDA device" without one; the sim flavour's emulator is no performance
// target, so it skips there too).
//
// Napkin math (f32 Adam, no amsgrad): per element the minimum traffic is
// param r/w (8 B) + grad r (4 B) + exp_avg r/w (8 B) + exp_avg_sq r/w (8 B) =
// 7 x 4 = 28 B, ~15 FLOPs (one sqrt, one division): memory bound everywhere.
//   DCGAN-28 G (f = 32, z = 100, 1 channel): 8 tensors, 759,681 elements (the
//     100->128 7x7 transposed conv is 627,200 of them) -> 21.3 MB per step. On
//     an H100 (~3 TB/s) ~7 us of memory time: about two launch latencies, so 8
//     per-parameter launches (~3 us each, 5 of them near-empty: BN gamma/beta
//     of 64-128 elements, a 1-element bias) cost ~3x the one multi-tensor
//     launch. On the CPU here (2 vCPU shared, a few GB/s per core) ~5-15 ms,
//     where call overhead is negligible: multi and per-parameter should tie
//     (they run the same loop; the benchmark checks they agree bit for bit).
//   DCGAN-64 G (f = 32): 14 tensors, 1,099,200 elements, 30.8 MB per step:
//     ~10 us on an H100.
// The reported bytes_per_second counts those 28 B per element (the minimum),
// so it reads directly against the device's memory bandwidth.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "gan/cuda/runtime.h"
#include "gan/kernels/optim.h"
#include "gan/models/dcgan.h"

namespace {

namespace k = gan::kernels;

// Element counts of the DCGAN generator's parameters (models/dcgan.h) at `image_size`.
std::vector<int64_t> generator_sizes(int64_t image_size) {
  gan::models::DcganOptions o;
  o.image_size = image_size;
  gan::Generator gen(0);
  gan::models::DcganGenerator g(o, gen);
  std::vector<int64_t> sizes;
  for (const auto& p : g.parameters()) sizes.push_back(p.numel());
  return sizes;
}

k::AdamParams dcgan_adam() {
  k::AdamParams p;
  p.lr = 2e-4;
  p.beta1 = 0.5;
  p.beta2 = 0.999;
  return p;
}

// The parameter list's buffers in `alloc`ed memory, initialised from host vectors.
struct AdamBuffers {
  std::vector<k::AdamTensor<float>> list;
  int64_t elements = 0;
};

template <class Alloc, class Upload>
AdamBuffers make_buffers(const std::vector<int64_t>& sizes, Alloc&& alloc, Upload&& upload) {
  AdamBuffers b;
  uint32_t seed = 1;
  for (int64_t n : sizes) {
    std::vector<float> host(static_cast<size_t>(n));
    auto fill = [&](float scale) {
      for (auto& x : host) {
        seed = seed * 1664525u + 1013904223u;
        x = scale * (static_cast<float>(seed >> 8) / 16777216.0f - 0.5f);
      }
    };
    k::AdamTensor<float> t;
    t.n = n;
    t.step = 1;
    float* bufs[4];
    for (int j = 0; j < 4; ++j) {
      bufs[j] = alloc(n);
      fill(j == 3 ? 0.0f : 0.1f);  // exp_avg_sq >= 0
      upload(bufs[j], host);
    }
    t.param = bufs[0];
    t.grad = bufs[1];
    t.exp_avg = bufs[2];
    t.exp_avg_sq = bufs[3];
    b.list.push_back(t);
    b.elements += n;
  }
  return b;
}

void set_counters(benchmark::State& state, const AdamBuffers& b) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * b.elements * 28);
  state.counters["tensors"] = static_cast<double>(b.list.size());
  state.counters["elements"] = static_cast<double>(b.elements);
}

// ---- CPU reference ---------------------------------------------------------------------

struct HostArena {
  std::vector<std::vector<float>> store;
  float* alloc(int64_t n) { return store.emplace_back(static_cast<size_t>(n)).data(); }
};

void BM_adam_dcgan_g_cpu(benchmark::State& state) {
  const bool multi = state.range(1) != 0;
  HostArena arena;
  AdamBuffers b = make_buffers(
      generator_sizes(state.range(0)), [&](int64_t n) { return arena.alloc(n); },
      [](float* dst, const std::vector<float>& src) { std::memcpy(dst, src.data(), src.size() * sizeof(float)); });
  const k::AdamParams p = dcgan_adam();
  {  // correctness first: the two call patterns give bit-identical results
    HostArena a2;
    AdamBuffers c = make_buffers(
        generator_sizes(state.range(0)), [&](int64_t n) { return a2.alloc(n); },
        [](float* dst, const std::vector<float>& src) { std::memcpy(dst, src.data(), src.size() * sizeof(float)); });
    k::cpu::adam_step_multi<float>(p, c.list.data(), static_cast<int64_t>(c.list.size()));
    HostArena a3;
    AdamBuffers d = make_buffers(
        generator_sizes(state.range(0)), [&](int64_t n) { return a3.alloc(n); },
        [](float* dst, const std::vector<float>& src) { std::memcpy(dst, src.data(), src.size() * sizeof(float)); });
    for (const auto& t : d.list) {
      k::AdamParams q = p;
      q.n = t.n;
      q.step = t.step;
      k::cpu::adam_step<float>(q, t.param, t.grad, t.exp_avg, t.exp_avg_sq, nullptr);
    }
    for (size_t i = 0; i < c.list.size(); ++i)
      if (std::memcmp(c.list[i].param, d.list[i].param, static_cast<size_t>(c.list[i].n) * sizeof(float)) != 0) {
        state.SkipWithError("multi-tensor Adam differs from per-parameter Adam");
        return;
      }
  }
  for (auto _ : state) {
    if (multi) {
      k::cpu::adam_step_multi<float>(p, b.list.data(), static_cast<int64_t>(b.list.size()));
    } else {
      for (const auto& t : b.list) {
        k::AdamParams q = p;
        q.n = t.n;
        q.step = t.step;
        k::cpu::adam_step<float>(q, t.param, t.grad, t.exp_avg, t.exp_avg_sq, nullptr);
      }
    }
    benchmark::ClobberMemory();
  }
  set_counters(state, b);
  state.SetLabel(multi ? "cpu multi-tensor" : "cpu per-parameter");
}
BENCHMARK(BM_adam_dcgan_g_cpu)
    ->ArgNames({"image", "multi"})
    ->ArgsProduct({{28, 64}, {1, 0}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// ---- CUDA ------------------------------------------------------------------------------

void BM_adam_dcgan_g_cuda(benchmark::State& state) {
  if (std::string(gan::cuda::backend_name()) != "cuda" || !gan::cuda::available()) {
    state.SkipWithError("skipped: no CUDA device");
    return;
  }
#if defined(GAN_HAS_CUDA_KERNELS)
  const bool multi = state.range(1) != 0;
  std::vector<void*> owned;
  AdamBuffers b = make_buffers(
      generator_sizes(state.range(0)),
      [&](int64_t n) {
        owned.push_back(gan::cuda::raw_malloc(static_cast<size_t>(n) * sizeof(float)));
        return static_cast<float*>(owned.back());
      },
      [](float* dst, const std::vector<float>& src) {
        gan::cuda::memcpy(dst, src.data(), src.size() * sizeof(float), gan::cuda::CopyKind::host_to_device);
      });
  const k::AdamParams p = dcgan_adam();
  auto run = [&] {
    if (multi) {
      k::cuda::adam_step_multi<float>(p, b.list.data(), static_cast<int64_t>(b.list.size()));
    } else {
      for (const auto& t : b.list) {
        k::AdamParams q = p;
        q.n = t.n;
        q.step = t.step;
        k::cuda::adam_step<float>(q, t.param, t.grad, t.exp_avg, t.exp_avg_sq, nullptr);
      }
    }
  };
  // Correctness first: one step on the GPU against the CPU reference, tensor 0.
  {
    std::vector<float> x(static_cast<size_t>(b.list[0].n)), g(x.size()), m(x.size()), v(x.size());
    auto down = [](std::vector<float>& h, const float* d) {
      gan::cuda::memcpy(h.data(), d, h.size() * sizeof(float), gan::cuda::CopyKind::device_to_host);
    };
    down(x, b.list[0].param), down(g, b.list[0].grad), down(m, b.list[0].exp_avg), down(v, b.list[0].exp_avg_sq);
    k::AdamParams q = p;
    q.n = b.list[0].n;
    k::cpu::adam_step<float>(q, x.data(), g.data(), m.data(), v.data(), nullptr);
    run();
    gan::cuda::synchronize();
    std::vector<float> got(x.size());
    down(got, b.list[0].param);
    if (got != x) {
      state.SkipWithError("CUDA Adam differs from the CPU reference");
      for (void* ptr : owned) gan::cuda::raw_free(ptr);
      return;
    }
  }
  for (int i = 0; i < 10; ++i) run();  // warm-up
  gan::cuda::synchronize();
  for (auto _ : state) {
    run();
    gan::cuda::synchronize();
  }
  set_counters(state, b);
  state.SetLabel(std::string(multi ? "cuda multi-tensor, " : "cuda per-parameter, ") + gan::cuda::properties().name);
  for (void* ptr : owned) gan::cuda::raw_free(ptr);
#endif
}
BENCHMARK(BM_adam_dcgan_g_cuda)
    ->ArgNames({"image", "multi"})
    ->ArgsProduct({{28, 64}, {1, 0}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
