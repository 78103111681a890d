// One DCGAN-28 training step at batch 64 on the CPU backend: G forward, D on a
// real batch and detached fakes, D backward + Adam, G backward through D + Adam —
// the step bench/pytorch_dcgan_step.py times in PyTorch (no EMA, no logging).
// FLOPs per step (napkin, features 32, batch 64): G forward ~0.93 GFLOP (the
// 128->64 4x4 transposed conv alone 0.82), D forward ~0.85 GFLOP per batch. The
// step runs G forward once, D forward three times (real, fake for D, fake for G)
// and the backward passes (~2x forward): about 10 GFLOP, so 100 ms/step is
// ~100 GFLOP/s sustained.
//
// --benchmark_filter=dcgan28 ; set GAN_PROFILE_STEP=1 to print a per-op profile
// of one step after the timing (where the time goes).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "gan/models/trainer.h"
#include "gan/profiler.h"

namespace {

gan::models::TrainerConfig step_config(int64_t batch) {
  gan::models::TrainerConfig cfg;
  cfg.batch = batch;
  cfg.ema_decay = 0;
  cfg.log_every = 0;
  cfg.sample_every = 0;
  cfg.checkpoint_every = 0;
  cfg.steps = 1 << 30;
  cfg.out_dir = (std::filesystem::temp_directory_path() / "gan_bench_dcgan").string();
  return cfg;
}

void BM_dcgan28_step(benchmark::State& state) {
  const int64_t batch = state.range(0);
  gan::Generator gen(0);
  auto data = std::make_shared<gan::models::Dataset>();
  data->images = gan::Tensor::rand({512, 1, 28, 28}, gen, -1.0, 1.0);  // timing does not depend on content
  data->source = "synthetic";
  gan::models::Trainer trainer(step_config(batch), data);
  for (int i = 0; i < 3; ++i) trainer.step();  // warm-up: allocations, first-touch, thread pool
  for (auto _ : state) {
    const auto s = trainer.step();
    benchmark::DoNotOptimize(s.loss_d);
  }
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  static bool profiled = false;  // the benchmark body runs several times; profile once
  if (std::getenv("GAN_PROFILE_STEP") && !profiled) {
    profiled = true;
    gan::profiler::reset();
    gan::profiler::enable(true);
    const auto s = trainer.step();
    gan::profiler::enable(false);
    std::printf("\nper-op profile of one DCGAN-28 step, batch %lld (%.1f ms):\n%s\n", static_cast<long long>(batch),
                1000 * s.step_seconds, gan::profiler::report(s.step_seconds).c_str());
  }
}
BENCHMARK(BM_dcgan28_step)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

}  // namespace
