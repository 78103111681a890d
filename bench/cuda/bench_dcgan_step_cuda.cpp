// One DCGAN-28 training step on Device::cuda: the step of
// bench/bench_dcgan_step.cpp (Trainer::d_step + g_step, non-saturating loss,
// Adam(2e-4, 0.5, 0.999), features 32, no EMA, no penalties) written against
// the engine API with every tensor on the GPU:
//
//   z ~ N(0, 1) [B, 100];  fake = G(z)
//   D step: loss_d = softplus(-D(real)) + softplus(D(fake.detach())); backward; Adam
//   G step: loss_g = softplus(-D(fake)); backward; Adam
//
// Napkin (bench_dcgan_step.cpp): ~10 GFLOP per step at batch 64, linear in the
// batch, so GFLOP/s = 10 * B / 64 / time (an estimate, not a count).
// Time: wall clock of one step ending in a device synchronize (UseRealTime).
// Skips: "skipped: no CUDA device" without a GPU; with one, any engine error
// (an op with no CUDA kernel yet, out of memory) becomes the skip message.
#include <benchmark/benchmark.h>

#include <exception>
#include <memory>

#include "cuda_bench.h"
#include "gan/cuda/runtime.h"
#include "gan/models/dcgan.h"
#include "gan/models/losses.h"
#include "gan/optim/adam.h"

namespace gan::bench_cuda {
namespace {

struct CudaDcganStep {
  explicit CudaDcganStep(int64_t batch) : batch(batch), init_gen(0), noise_gen(1) {
    models::DcganOptions o;  // 28x28, 1 channel, z 100, features 32
    G = std::make_shared<models::DcganGenerator>(o, init_gen);
    D = std::make_shared<models::DcganDiscriminator>(o, init_gen);
    G->to(dev);
    D->to(dev);
    optim::AdamOptions ao;
    ao.lr = 2e-4;
    ao.beta1 = 0.5;
    opt_g = std::make_unique<optim::Adam>(G->parameters(), ao);
    opt_d = std::make_unique<optim::Adam>(D->parameters(), ao);
    real = Tensor::rand({batch, 1, 28, 28}, init_gen, -1.0, 1.0, Options{}.with(dev));
  }

  double step() {  // returns loss_d (forces the value to the host)
    const Tensor z = Tensor::randn({batch, 100}, noise_gen, Options{}.with(dev));
    const Tensor fake = (*G)(z);
    opt_d->zero_grad();
    const Tensor loss_d = models::d_loss(models::LossKind::non_saturating, (*D)(real), (*D)(fake.detach()));
    loss_d.backward();
    opt_d->step();
    opt_g->zero_grad();
    const Tensor loss_g = models::g_loss(models::LossKind::non_saturating, (*D)(fake));
    loss_g.backward();
    opt_g->step();
    cuda::synchronize();
    return loss_d.item();
  }

  int64_t batch;
  Device dev = Device::cuda(0);
  Generator init_gen, noise_gen;
  std::shared_ptr<models::DcganGenerator> G;
  std::shared_ptr<models::DcganDiscriminator> D;
  std::unique_ptr<optim::Adam> opt_g, opt_d;
  Tensor real;
};

void BM_dcgan28_step_cuda(benchmark::State& state) {
  if (!device_available()) {
    state.SkipWithError(kNoDevice);
    return;
  }
  try {
    CudaDcganStep s(state.range(0));
    for (int i = 0; i < 3; ++i) s.step();  // warm-up: caching allocator, lazy module loading
    for (auto _ : state) benchmark::DoNotOptimize(s.step());
    const double iters = double(state.iterations());
    state.counters["steps/s"] = benchmark::Counter(iters, benchmark::Counter::kIsRate);
    state.counters["GFLOP/s~"] =
        benchmark::Counter(10.0 * double(s.batch) / 64.0 * iters, benchmark::Counter::kIsRate);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}
BENCHMARK(BM_dcgan28_step_cuda)->Name("step/dcgan28_cuda")->Arg(64)->Arg(128)
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace
}  // namespace gan::bench_cuda
