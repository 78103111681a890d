// One DCGAN training step at batch 64 on the CPU backend: G forward, D on a
// real batch and detached fakes, D backward + Adam, G backward through D + Adam —
// the step bench/pytorch_dcgan_step.py times in PyTorch (no EMA, no logging).
// The step runs G forward once, D forward three times (real, fake for D, fake
// for G) and the backward passes (~2x forward).
//
// BM_dcgan28_step: the default run (1x28x28, features 32). FLOPs (napkin, batch
// 64): G forward ~0.93 GFLOP (the 128->64 4x4 transposed conv alone 0.82), D
// forward ~0.85 GFLOP; about 10 GFLOP a step, so 100 ms/step is ~100 GFLOP/s.
// BM_dcgan64_step: pytorch/examples' DCGAN (3x64x64, features 64: G 100 ->
// 512x4x4 -> 256x8x8 -> 128x16x16 -> 64x32x32 -> 3x64x64, D the mirror). Each of
// the three middle layers of G and of D is 2*Cin*Cout*16*H*W = 67 MFLOP per image,
// so G forward ~13.4 and D forward ~13.3 GFLOP per batch; about 160 GFLOP a step.
//
// BM_dcgan28_bare_step: the same step written out by hand on the same nets, with
// no Trainer — no loader, system calls, gradient norms, finiteness checks or
// logged means (D's weights are frozen in the G step, as the Trainer does). The
// ratio of the two, in one run, is what the generic Trainer costs DCGAN.
//
// --benchmark_filter=dcgan28 (or 64); set GAN_PROFILE_STEP=1 to print a per-op
// profile of one step after the timing (where the time goes).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "gan/autograd.h"
#include "gan/models/dcgan.h"
#include "gan/models/losses.h"
#include "gan/models/trainer.h"
#include "gan/optim/adam.h"
#include "gan/profiler.h"

namespace {

gan::models::TrainerConfig step_config(int64_t batch, int64_t image_size, int64_t channels, int64_t features) {
  gan::models::TrainerConfig cfg;  // the default system: dcgan
  cfg.batch = batch;
  cfg.image_size = image_size;
  cfg.channels = channels;
  cfg.system_options.set("features_g", std::to_string(features));
  cfg.system_options.set("features_d", std::to_string(features));
  cfg.ema_decay = 0;
  cfg.log_every = 0;
  cfg.sample_every = 0;
  cfg.checkpoint_every = 0;
  cfg.steps = 1 << 30;
  cfg.out_dir = (std::filesystem::temp_directory_path() / "gan_bench_dcgan").string();
  return cfg;
}

void dcgan_step(benchmark::State& state, const char* name, int64_t image_size, int64_t channels, int64_t features) {
  const int64_t batch = state.range(0);
  gan::Generator gen(0);
  auto data = std::make_shared<gan::models::Dataset>();
  // Timing does not depend on content: 4 batches of uniform noise.
  data->images = gan::Tensor::rand({4 * batch, channels, image_size, image_size}, gen, -1.0, 1.0);
  data->source = "synthetic";
  gan::models::Trainer trainer(step_config(batch, image_size, channels, features), data);
  for (int i = 0; i < 3; ++i) trainer.step();  // warm-up: allocations, first-touch, thread pool
  for (auto _ : state) {
    const auto s = trainer.step();
    benchmark::DoNotOptimize(s.loss_d);
  }
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  static std::set<std::string> profiled;  // the benchmark body runs several times; profile once each
  if (std::getenv("GAN_PROFILE_STEP") && profiled.insert(name).second) {
    gan::profiler::reset();
    gan::profiler::enable(true);
    const auto s = trainer.step();
    gan::profiler::enable(false);
    std::printf("\nper-op profile of one %s step, batch %lld (%.1f ms):\n%s\n", name, static_cast<long long>(batch),
                1000 * s.step_seconds, gan::profiler::report(s.step_seconds).c_str());
  }
}
void BM_dcgan28_bare_step(benchmark::State& state) {
  using namespace gan;
  const int64_t batch = state.range(0);
  Generator gen(0);
  models::DcganOptions o;  // 28x28, one channel, z 100, features 32: the default run's nets
  models::DcganGenerator G(o, gen);
  models::DcganDiscriminator D(o, gen);
  optim::AdamOptions ao;
  ao.lr = 2e-4;
  ao.beta1 = 0.5;
  ao.beta2 = 0.999;
  optim::Adam opt_g(G.parameters(), ao), opt_d(D.parameters(), ao);
  const Tensor real = Tensor::rand({batch, 1, 28, 28}, gen, -1.0, 1.0);
  auto step = [&] {
    const Tensor fake = G(Tensor::randn({batch, o.z_dim}, gen));
    opt_d.zero_grad();
    Tensor loss_d = models::non_saturating_d_loss(D(real), D(fake.detach()));
    loss_d.backward();
    opt_d.step();
    opt_g.zero_grad();
    for (Tensor& p : D.parameters()) p.requires_grad_(false);
    Tensor loss_g = models::non_saturating_g_loss(D(fake));
    loss_g.backward();
    for (Tensor& p : D.parameters()) p.requires_grad_(true);
    opt_g.step();
    return loss_d.item();
  };
  for (int i = 0; i < 3; ++i) step();
  for (auto _ : state) benchmark::DoNotOptimize(step());
}
BENCHMARK(BM_dcgan28_bare_step)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

void BM_dcgan28_step(benchmark::State& state) { dcgan_step(state, "DCGAN-28", 28, 1, 32); }
void BM_dcgan64_step(benchmark::State& state) { dcgan_step(state, "DCGAN-64", 64, 3, 64); }
BENCHMARK(BM_dcgan28_step)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
// ~1-3 s a step on two cores: a few timed steps are enough.
BENCHMARK(BM_dcgan64_step)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(8.0);

}  // namespace
