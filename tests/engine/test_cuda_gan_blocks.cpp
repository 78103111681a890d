// The GAN building blocks of issue #5 assembled from several kernels, on CUDA
// tensors against the CPU: SAGAN/BigGAN self-attention modules (1x1 convs +
// fused attention), a spectrally normalized conv (power iteration + conv),
// StyleGAN2's modulated conv (weight modulation + grouped conv), and a
// gradient penalty through attention (create_graph: the composite backward).
// Exact FP32 math for the conv/GEMM kernels, so f32 agrees to summation order.
// Runs on the SIMT emulator in the sim flavour; skips without a CUDA backend.
#include <gtest/gtest.h>

#include "cuda_compare.h"
#include "gan/autograd.h"
#include "gan/kernels/igemm.h"
#include "gan/nn/self_attention.h"
#include "gan/nn/spectral_norm.h"
#include "gan/ops.h"

namespace gan {
namespace {

using testing::kCuda;
using testing::max_rel_err;

class Fp32Math {
 public:
  Fp32Math() : saved_(kernels::cuda::allow_tf32()) { kernels::cuda::set_allow_tf32(false); }
  ~Fp32Math() { kernels::cuda::set_allow_tf32(saved_); }
  Fp32Math(const Fp32Math&) = delete;
  Fp32Math& operator=(const Fp32Math&) = delete;

 private:
  bool saved_;
};

constexpr double kTol = 2e-5;  // f32, another summation order (max |d| / max(1, |ref|))

// Forward and the gradients of sum(y * v) w.r.t. x and every parameter, for
// two copies of one module: `cpu` stays, `dev` moves to the CUDA device.
void expect_module_same(const char* name, nn::Module& cpu, nn::Module& dev, const Shape& x_shape) {
  dev.to(kCuda);
  Generator gen(9);
  Tensor xc = Tensor::randn(x_shape, gen);
  xc.requires_grad_();
  Tensor xd = xc.detach().to(kCuda);
  xd.requires_grad_();
  const Tensor yc = cpu.forward(xc), yd = dev.forward(xd);
  ASSERT_TRUE(yd.device().is_cuda()) << name;
  EXPECT_LE(max_rel_err(yd, yc), kTol) << name << " forward";
  const Tensor v = Tensor::randn(yc.shape(), gen);
  ops::sum(yc * v).backward();
  ops::sum(yd * v.to(kCuda)).backward();
  EXPECT_LE(max_rel_err(xd.grad(), xc.grad()), kTol) << name << " dx";
  const auto pc = cpu.named_parameters(), pd = dev.named_parameters();
  ASSERT_EQ(pc.size(), pd.size());
  for (size_t i = 0; i < pc.size(); ++i) {
    ASSERT_TRUE(pd[i].second.grad().defined()) << name << " " << pd[i].first;
    EXPECT_LE(max_rel_err(pd[i].second.grad(), pc[i].second.grad()), kTol) << name << " d" << pc[i].first;
  }
}

TEST(CudaGanBlocks, SelfAttentionModulesMatchCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  Fp32Math fp32;
  for (auto variant : {nn::AttentionVariant::sagan, nn::AttentionVariant::biggan}) {
    Generator g1(4), g2(4);
    nn::SelfAttention2d a(16, g1, variant), b(16, g2, variant);
    for (nn::SelfAttention2d* m : {&a, &b}) {
      NoGradGuard ng;
      m->gamma.copy_(Tensor::full({1}, 0.7));  // 0 at init would hide the attention path
    }
    expect_module_same(variant == nn::AttentionVariant::sagan ? "SAGAN attention" : "BigGAN attention", a, b,
                       {2, 16, 7, 5});
  }
}

TEST(CudaGanBlocks, SpectralNormConvMatchesCpuOverTrainingSteps) {
  GAN_REQUIRE_CUDA_DEVICE();
  Fp32Math fp32;
  Generator g1(6), g2(6);
  auto conv_c = std::make_shared<nn::Conv2d>(3, 8, 4, g1, nn::Conv2dOptions{.stride = 2, .padding = 1});
  auto conv_d = std::make_shared<nn::Conv2d>(3, 8, 4, g2, nn::Conv2dOptions{.stride = 2, .padding = 1});
  auto sn_c = nn::spectral_norm(conv_c, g1), sn_d = nn::spectral_norm(conv_d, g2);
  expect_module_same("spectral-norm conv, step 1", *sn_c, *sn_d, {2, 3, 9, 9});
  expect_module_same("spectral-norm conv, step 2", *sn_c, *sn_d, {2, 3, 9, 9});  // u, v carried over
  EXPECT_LE(max_rel_err(sn_d->weight_u, sn_c->weight_u), 1e-6) << "persistent u";
}

TEST(CudaGanBlocks, ModulatedConvMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  Fp32Math fp32;
  for (bool demod : {true, false}) {
    testing::expect_same_on_both(demod ? "modulated_conv2d demodulated" : "modulated_conv2d", [demod](const auto& in) {
      return ops::modulated_conv2d(in[0], in[1], in[2], demod, {.padding = {1, 1}});
    }, {{3, 5, 6, 7}, {4, 5, 3, 3}, {3, 5}}, {.tol = kTol, .seed = 12});
  }
}

// R1-style: P = mean(||d sum(attention(x, x, x)) / dx||^2); dP/dx needs the
// second derivative of attention (its create_graph composite) on the device.
TEST(CudaGanBlocks, PenaltyThroughAttentionMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  Fp32Math fp32;
  Generator gen(21);
  const Tensor x0 = Tensor::randn({2, 9, 8}, gen) * 0.5;
  auto penalty = [&](Device d, Tensor& x) {
    x = x0.to(d).detach();
    x.requires_grad_();
    const Tensor y = ops::attention(x, x, x);
    const Tensor gx = autograd::grad({ops::sum(ops::tanh(y))}, {x}, {}, {.create_graph = true})[0];
    Tensor p = ops::mean(ops::square(gx));
    p.backward();
    return p;
  };
  Tensor xc, xd;
  const Tensor pc = penalty(Device::cpu(), xc), pd = penalty(kCuda, xd);
  EXPECT_LE(max_rel_err(pd, pc), 1e-5) << "penalty";
  EXPECT_LE(max_rel_err(xd.grad(), xc.grad()), 1e-5) << "dP/dx";
}

}  // namespace
}  // namespace gan
