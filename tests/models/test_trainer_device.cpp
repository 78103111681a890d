// The whole DCGAN training step on the CUDA backend against the CPU backend:
// G forward, D on real and fake, both backward passes, Adam, EMA — same seed,
// same data, three steps. In the sim flavour the CUDA kernels run on the SIMT
// emulator, so this checks that every kernel a DCGAN step needs exists for
// CUDA and computes what the CPU references compute. Skips in the cpu flavour.
//
// Tolerances, and why they are not tighter:
// - losses: the conv/GEMM kernels sum in another order than OpenBLAS, so with
//   exact FP32 math the losses agree to ~1e-6 relative; with TF32 (10-bit
//   mantissa inputs, PyTorch's default for cuDNN convolutions) to ~1e-2.
// - parameters: Adam's first update is lr * g / (|g| + eps) = ±lr for every
//   g != 0, whatever its size, so a gradient element near zero whose sign
//   differs between the backends moves its weight by 2 * lr = 4e-4 in the wrong
//   direction. Almost all elements agree to 1e-5; the few that do not are
//   bounded by the number of steps times 2 * lr. Both are checked.
// - the noise z is the same on both devices (Philox streams are bit-identical).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "gan/cuda/runtime.h"
#include "gan/models/trainer.h"
#include "system_test_util.h"

#if defined(GAN_HAS_CUDA_KERNELS)
#include "gan/kernels/conv.h"
#endif

namespace gan::models {
namespace {

namespace fs = std::filesystem;
using testing::compare_params;
using testing::ParamDiff;

std::shared_ptr<const Dataset> smooth_data(int64_t n) {
  auto d = std::make_shared<Dataset>();
  std::vector<float> px(static_cast<size_t>(n * 28 * 28));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y = 0; y < 28; ++y)
      for (int64_t x = 0; x < 28; ++x)
        px[static_cast<size_t>((i * 28 + y) * 28 + x)] =
            static_cast<float>(std::sin(0.2 * x * (1 + i % 5) + 0.3 * y) * 0.9);
  d->images = Tensor::from_data({n, 1, 28, 28}, px);
  d->source = "synthetic";
  return d;
}

TrainerConfig step_config(const std::string& device, const std::string& tag, const std::string& system = "dcgan") {
  TrainerConfig c;
  set_config_value(c, "system", system);  // the system's own option table
  c.dataset = "synthetic";
  set_config_value(c, "z_dim", "16");
  set_config_value(c, "features_g", "8");
  set_config_value(c, "features_d", "8");
  c.batch = 8;
  c.steps = 3;
  c.seed = 7;
  c.ema_decay = 0.999;
  c.checkpoint_every = 0;
  c.sample_every = 0;
  c.log_every = 0;
  c.device = device;
  c.out_dir = ::testing::TempDir() + "/gan_trainer_device_" + std::to_string(::getpid()) + "_" + tag;
  return c;
}

// over_floor_share: the share of elements allowed to differ by more than 1e-5
// (Adam sign flips); mean_abs: the bound on the mean difference.
void three_steps_match(bool tf32, double loss_rtol, double over_floor_share, double mean_abs,
                       const std::string& augment = "") {
  if (!cuda::available()) GTEST_SKIP() << "no CUDA device in this build (" << cuda::backend_name() << ")";
#if defined(GAN_HAS_CUDA_KERNELS)
  const bool saved = kernels::cuda::allow_tf32();
  kernels::cuda::set_allow_tf32(tf32);
#endif
  const auto data = smooth_data(32);
  const std::string tag = std::string(tf32 ? "tf32" : "fp32") + (augment.empty() ? "" : "_augment");
  TrainerConfig cc = step_config("cpu", tag + "_cpu"), cd = step_config("cuda", tag + "_cuda");
  cc.augment = cd.augment = augment;
  Trainer cpu(cc, data);
  Trainer dev(cd, data);
  ASSERT_TRUE(dev.device().is_cuda());
  for (int s = 0; s < 3; ++s) {
    const StepStats a = cpu.step(), b = dev.step();
    EXPECT_NEAR(b.loss_d, a.loss_d, loss_rtol * std::abs(a.loss_d)) << "step " << s + 1;
    EXPECT_NEAR(b.loss_g, a.loss_g, loss_rtol * std::abs(a.loss_g)) << "step " << s + 1;
    EXPECT_NEAR(b.d_real, a.d_real, loss_rtol) << "step " << s + 1;
    EXPECT_NEAR(b.d_fake, a.d_fake, loss_rtol) << "step " << s + 1;
    EXPECT_NEAR(b.grad_norm_d, a.grad_norm_d, loss_rtol * a.grad_norm_d) << "step " << s + 1;
    EXPECT_NEAR(b.grad_norm_g, a.grad_norm_g, loss_rtol * a.grad_norm_g) << "step " << s + 1;
  }
  ParamDiff d;
  compare_params(d, cpu.generator().parameters(), dev.generator().parameters());
  compare_params(d, cpu.discriminator().parameters(), dev.discriminator().parameters());
  compare_params(d, cpu.sampling_generator().parameters(), dev.sampling_generator().parameters());
  compare_params(d, cpu.generator().buffers(), dev.generator().buffers());  // BN running statistics
  std::printf("[ DCGAN 3 steps, %s ] %lld parameter/buffer elements: |cuda - cpu| max %.3g, mean %.3g, %lld above 1e-5\n",
              tag.c_str(), static_cast<long long>(d.total), d.max_abs, d.sum_abs / d.total,
              static_cast<long long>(d.over_floor));
  EXPECT_LE(d.max_abs, 3 * 2 * 2e-4 + 1e-5);  // steps x 2 lr: a flipped Adam sign at worst
  EXPECT_LE(static_cast<double>(d.over_floor), over_floor_share * d.total);
  EXPECT_LE(d.sum_abs / d.total, mean_abs);
#if defined(GAN_HAS_CUDA_KERNELS)
  kernels::cuda::set_allow_tf32(saved);
#endif
  fs::remove_all(cpu.config().out_dir);
  fs::remove_all(dev.config().out_dir);
}

// Exact FP32 math: the backends differ only in summation order.
TEST(TrainerDevice, ThreeDcganStepsOnCudaMatchCpuFp32) { three_steps_match(false, 1e-4, 1e-4, 1e-8); }
// Augmentation (augment.h) on the device: the same host draws, matrices and masks moved there.
TEST(TrainerDevice, ThreeAugmentedDcganStepsOnCudaMatchCpuFp32) {
  three_steps_match(false, 1e-4, 1e-4, 1e-8, "translation,cutout,color");
}
// TF32: a gradient element small against the terms it sums gets a large
// relative error, and Adam turns any relative error of a small gradient into
// an O(lr) step: a real share of the weights differs by up to ~lr, the mean far less.
TEST(TrainerDevice, ThreeDcganStepsOnCudaMatchCpuTf32) { three_steps_match(true, 2e-2, 0.3, 2e-5); }

// Every Tensor::item() on a device waits for it to drain: the step reads its
// logged numbers (both losses, gradient norms, D(real), D(fake), r_t, the
// system's scalars) back in one copy at its end (models/src/step_readback.h).
// Before, each was its own read: 5 per critic step and 2 for G (7 in a DCGAN
// step), plus one per system scalar (WGAN-GP: 3 in each of its 5 critic steps).
TEST(TrainerDevice, AStepReadsBackFromTheDeviceOnce) {
  if (!cuda::available()) GTEST_SKIP() << "no CUDA device in this build (" << cuda::backend_name() << ")";
  const auto data = smooth_data(32);
  for (const std::string system : {"dcgan", "wgan-gp", "spheregan", "dcgan+ada"}) {
    const bool ada = system == "dcgan+ada";
    TrainerConfig c = step_config("cuda", "readback_" + std::string(ada ? "ada" : system), ada ? "dcgan" : system);
    c.eval_every = 0;
    if (ada) {  // ADA's sign sums ride the step's read back; p moves after it
      set_config_value(c, "augment", "translation,cutout,color");
      set_config_value(c, "ada_target", "0.6");
      set_config_value(c, "ada_interval", "1");
    }
    if (system != "dcgan") c.loss = LossKind::wasserstein;
    if (system == "wgan-gp") c.n_critic = 5;
    if (system == "spheregan") set_config_value(c, "sphere_dim", "8");
    Trainer t(c, data);
    (void)t.step();  // the first step may read what it sets up
    const uint64_t before = cuda::device_to_host_copies();
    const StepStats s = t.step();
    EXPECT_EQ(cuda::device_to_host_copies() - before, 1u) << system;
    EXPECT_TRUE(std::isfinite(s.loss_d) && std::isfinite(s.loss_g) && s.grad_norm_d > 0 && s.grad_norm_g > 0);
    EXPECT_EQ(s.scalars.size(), system == "dcgan" ? 0u : system == "wgan-gp" ? 3u : 2u) << system;  // ada: p, r_t
    for (const auto& [name, v] : s.scalars) EXPECT_TRUE(std::isfinite(v)) << system << " " << name;
    fs::remove_all(t.config().out_dir);
  }
}

TEST(TrainerDevice, UnusableDeviceNamesTheKey) {
  TrainerConfig c = step_config("tpu", "bad");
  try {
    validate_config(c);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("config key 'device'"), std::string::npos) << e.what();
  }
  c.device = "cuda:7";
  EXPECT_THROW(validate_config(c), Error);  // no build here has 8 devices
  c.device = "auto";
  EXPECT_NO_THROW(validate_config(c));
  EXPECT_TRUE(resolve_device("auto").is_cpu() || std::string(cuda::backend_name()) == "cuda");
}

}  // namespace
}  // namespace gan::models
