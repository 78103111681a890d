// StyleGAN / ProGAN ops on CUDA tensors against the same ops on the CPU:
// forward values and first-order gradients (the fused backward kernels) of
// adain, noise_adain, pixel_norm, modulate_weight and minibatch_stddev, f32 and
// f64, plus the create_graph (composite) gradients of minibatch_stddev and
// pixel_norm on CUDA tensors. Runs on the SIMT emulator in the sim flavour;
// skips without a CUDA backend. (modulated_conv2d needs conv2d, CPU-only today.)
#include <gtest/gtest.h>

#include "cuda_compare.h"
#include "gan/autograd.h"
#include "gan/ops/style.h"

namespace gan {
namespace {

using testing::kCuda;
using testing::max_rel_err;

void same(const char* name, DType dt, const testing::OpFn& f, const std::vector<Shape>& shapes, double tol = -1) {
  testing::expect_same_on_both(name, f, shapes, {.dtype = dt, .tol = tol, .seed = 17, .scale = 1.2, .shift = 0.3});
}

TEST(CudaStyleOps, AdaINMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (DType dt : {DType::f32, DType::f64}) {
    same("adain 7x7", dt, [](const auto& in) { return ops::adain(in[0], in[1], in[2]); }, {{2, 3, 7, 7}, {2, 3}, {2, 3}});
    same("adain 64x64 (block per row)", dt, [](const auto& in) { return ops::adain(in[0], in[1], in[2]); },
         {{1, 2, 64, 64}, {1, 2}, {1, 2}});
    same("noise_adain lrelu 5x3", dt,
         [](const auto& in) { return ops::noise_adain(in[0], in[1], in[2], in[3], in[4], 0.2); },
         {{2, 13, 5, 3}, {2, 1, 5, 3}, {13}, {2, 13}, {2, 13}});
  }
}

TEST(CudaStyleOps, PixelNormAndMinibatchStdDevMatchCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (DType dt : {DType::f32, DType::f64}) {
    same("pixel_norm", dt, [](const auto& in) { return ops::pixel_norm(in[0]); }, {{3, 13, 5, 3}});
    same("pixel_norm [N, C]", dt, [](const auto& in) { return ops::pixel_norm(in[0]); }, {{4, 7}});
    same("minibatch_stddev G=4", dt, [](const auto& in) { return ops::minibatch_stddev(in[0], 4); }, {{8, 3, 7, 7}});
    same("minibatch_stddev G clamped (N=3)", dt, [](const auto& in) { return ops::minibatch_stddev(in[0], 4); },
         {{3, 5, 4, 4}});
  }
}

TEST(CudaStyleOps, ModulateWeightMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (DType dt : {DType::f32, DType::f64}) {
    same("modulate_weight demod", dt, [](const auto& in) { return ops::modulate_weight(in[0], in[1], true); },
         {{13, 3, 3, 3}, {2, 3}});
    same("modulate_weight", dt, [](const auto& in) { return ops::modulate_weight(in[0], in[1], false); },
         {{5, 7, 1, 1}, {3, 7}});
  }
}

// R1-style double backward on CUDA tensors: grad of sum(f(x) * v) with
// create_graph, then the gradient of its squared norm, against the CPU.
TEST(CudaStyleOps, SecondOrderThroughDiscriminatorLayersMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (DType dt : {DType::f32, DType::f64}) {
    const double tol = dt == DType::f32 ? 5e-6 : 1e-12;
    Generator gen(5);
    const Tensor x0 = Tensor::randn({4, 3, 3, 3}, gen).to(dt);
    const Tensor v0 = Tensor::randn({4, 4, 3, 3}, gen).to(dt);
    std::vector<Tensor> results;
    for (Device dev : {Device::cpu(), kCuda}) {
      Tensor x = x0.to(dev).detach();
      x.requires_grad_();
      const Tensor y = ops::minibatch_stddev(ops::pixel_norm(x), 2);
      const Tensor g = autograd::grad({ops::sum(ops::mul(y, v0.to(dev)))}, {x}, {}, {.create_graph = true})[0];
      const Tensor penalty = ops::sum(ops::mul(g, g));
      results.push_back(g.detach());
      results.push_back(autograd::grad({penalty}, {x})[0]);
    }
    EXPECT_TRUE(results[2].device().is_cuda());
    EXPECT_LE(max_rel_err(results[2], results[0]), tol) << "first-order (create_graph) gradient";
    EXPECT_LE(max_rel_err(results[3], results[1]), tol) << "gradient of the penalty";
  }
}

}  // namespace
}  // namespace gan
