// Conv2d / ConvTranspose2d fprop, dgrad, wgrad on the GPU: our kernels vs
// cuDNN, on every DCGAN-64 / DCGAN-28 layer at batch 64 and 128 (conv_cases.h),
// with TF32 tensor cores allowed (tf32) and without (fp32).
//
// Names: conv/<net>/<layer shape>/n<batch>/<pass>/<cudnn|ours>/<tf32|fp32>.
//   cudnn entries: the time of cuDNN's fastest algorithm (cudnnFind*Ex on the
//                  same buffers); label = that algorithm.
//   ours entries (only when our conv kernels are in the build): our time, with
//                  cuDNN timed in the same process on the same buffers in
//                  alternating blocks of launches; before timing, our result is
//                  compared with cuDNN's (outputs NaN-poisoned first) and the
//                  entry fails if max|ours - cudnn| / max|cudnn| exceeds 2e-2
//                  (tf32) or 1e-4 (fp32).
// Counters: TFLOP/s = 2*N*K*P*Q*(C/groups)*R*S / time (the same count for all
// three passes and for a transposed layer's equivalent conv); cudnn_TFLOP/s and
// ours/cudnn = cuDNN time / our time (> 1: ours is faster); err_vs_cudnn.
#include <benchmark/benchmark.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "conv_cases.h"
#include "cuda_bench.h"
#include "cudnn_conv.h"
#include "ours.h"

namespace gan::bench_cuda {
namespace {

void run_conv(benchmark::State& state, const ConvCase& c, Pass pass, bool tf32, bool ours) {
  DeviceBuffer in(c.in_count()), out(c.out_count()), w(c.w_count());
  in.fill_uniform(1);
  out.fill_uniform(2);
  w.fill_uniform(3);
  DeviceBuffer lib_result(c.result_count(pass));
  lib_result.fill_nan();
  Timer timer;
  CudnnConv lib(cudnn_handle(), timer.stream(), c, c.conv_pass(pass), tf32, in.data(), out.data(), w.data(),
                lib_result.data());
  const auto lib_launch = [&] { lib.run(timer.stream()); };
  state.SetLabel(std::string("cudnn ") + lib.algo_name());
  state.counters["cudnn_algo"] = lib.algo();
  state.counters["workspace_MiB"] = double(lib.workspace_bytes()) / double(1 << 20);

  std::function<void()> launch = lib_launch;
  std::unique_ptr<DeviceBuffer> ours_result;
  if (ours) {
#ifdef GAN_BENCH_OURS_CONV
    ours_result = std::make_unique<DeviceBuffer>(c.result_count(pass));
    ours_result->fill_nan();
    launch = [&] {
      ours_conv(c, pass, tf32, in.data(), out.data(), w.data(), ours_result->data(), timer.stream());
    };
    lib_launch();
    launch();
    const double err = max_rel_error(ours_result->to_host(), lib_result.to_host());
    state.counters["err_vs_cudnn"] = err;
    const double tol = tf32 ? kTf32Tolerance : kFp32Tolerance;
    if (!(err <= tol))
      throw std::runtime_error(c.name + " " + pass_name(pass) + ": ours differs from cuDNN, max rel error " +
                               std::to_string(err) + " > " + std::to_string(tol));
#else
    throw std::logic_error("ours conv benchmark registered without our conv kernels");
#endif
  }

  // Warm-up (clocks, caches, lazy module loading), then timed blocks.
  timer.seconds_per_launch(3, launch);
  if (ours) timer.seconds_per_launch(3, lib_launch);
  double t_main = 0, t_lib = 0;
  for (auto _ : state) {
    const double t = timer.seconds_per_launch(kRepsPerIteration, launch);
    if (ours) t_lib += timer.seconds_per_launch(kRepsPerIteration, lib_launch);
    state.SetIterationTime(t);
    t_main += t;
  }
  const double iters = double(state.iterations());
  state.counters["TFLOP/s"] = c.flops() * iters / t_main * 1e-12;
  if (ours) {
    state.counters["cudnn_TFLOP/s"] = c.flops() * iters / t_lib * 1e-12;
    state.counters["ours/cudnn"] = t_lib / t_main;
  }
}

void BM_conv(benchmark::State& state, const ConvCase* c, Pass pass, bool tf32, bool ours) {
  if (!device_available()) {
    state.SkipWithError(kNoDevice);
    return;
  }
  try {
    run_conv(state, *c, pass, tf32, ours);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

#ifdef GAN_BENCH_OURS_CONV
constexpr bool kHaveOurs = true;
#else
constexpr bool kHaveOurs = false;
#endif

const bool kRegistered = [] {
  for (const ConvCase& c : dcgan_conv_cases())
    for (const Pass pass : {Pass::fprop, Pass::dgrad, Pass::wgrad})
      for (const bool tf32 : {true, false})
        for (const bool ours : {false, true}) {
          if (ours && !kHaveOurs) continue;
          const std::string name = "conv/" + c.name + "/" + pass_name(pass) + (ours ? "/ours" : "/cudnn") +
                                   (tf32 ? "/tf32" : "/fp32");
          benchmark::RegisterBenchmark(name.c_str(), BM_conv, &c, pass, tf32, ours)
              ->UseManualTime()
              ->Unit(benchmark::kMicrosecond)
              ->MinTime(kMinManualTime);
        }
  return true;
}();

}  // namespace
}  // namespace gan::bench_cuda
