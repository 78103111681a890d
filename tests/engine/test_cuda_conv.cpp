// Convolution and matrix products on CUDA tensors against the same ops on the
// CPU: conv2d, conv_transpose2d (incl. output_padding >= stride, whose conv has
// a smaller output than conv2d_infer gives), linear and batched matmul —
// forward values and gradients, f32 with exact FP32 math and with TF32, f64 —
// and a WGAN-GP penalty (create_graph through conv's dgrad/wgrad ops) on both
// devices. The CUDA side is the implicit-GEMM kernels (on the SIMT emulator in
// the sim flavour); skips without a CUDA backend.
#include <gtest/gtest.h>

#include "cuda_compare.h"
#include "gan/autograd.h"
#include "gan/kernels/igemm.h"
#include "gan/ops.h"

namespace gan {
namespace {

using testing::kCuda;
using testing::max_rel_err;

// Sets the process-wide float math for one scope.
class Tf32Scope {
 public:
  explicit Tf32Scope(bool allow) : saved_(kernels::cuda::allow_tf32()) { kernels::cuda::set_allow_tf32(allow); }
  ~Tf32Scope() { kernels::cuda::set_allow_tf32(saved_); }
  Tf32Scope(const Tf32Scope&) = delete;
  Tf32Scope& operator=(const Tf32Scope&) = delete;

 private:
  bool saved_;
};

struct Mode {
  const char* name;
  DType dtype;
  bool tf32;
  double tol;  // max |cuda - cpu| / max(1, |cpu|)
};
// FP32: another summation order than OpenBLAS over <= a few hundred terms.
// TF32: inputs rounded to 10 mantissa bits (relative 2^-11 each) over the same sums.
const Mode kModes[] = {{"f32 fp32-math", DType::f32, false, 2e-5},
                       {"f32 tf32", DType::f32, true, 3e-2},
                       {"f64", DType::f64, false, 1e-12}};

void same(const Mode& m, const std::string& what, const testing::OpFn& f, const std::vector<Shape>& shapes) {
  Tf32Scope scope(m.tf32);
  testing::expect_same_on_both((what + " " + m.name).c_str(), f, shapes, {.dtype = m.dtype, .tol = m.tol, .seed = 5});
}

TEST(CudaConvOps, Conv2dMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (const Mode& m : kModes) {
    same(m, "conv2d 4x4 s2 p1 + bias", [](const auto& in) {
      return ops::conv2d(in[0], in[1], in[2], {.stride = {2, 2}, .padding = {1, 1}});
    }, {{2, 3, 13, 11}, {5, 3, 4, 4}, {5}});
    same(m, "conv2d 3x3 p1 groups 2 dilation 2", [](const auto& in) {
      return ops::conv2d(in[0], in[1], {}, {.padding = {1, 1}, .dilation = {2, 2}, .groups = 2});
    }, {{1, 4, 9, 10}, {6, 2, 3, 3}});
    same(m, "conv2d 1x1", [](const auto& in) { return ops::conv2d(in[0], in[1], in[2]); },
         {{3, 7, 5, 5}, {13, 7, 1, 1}, {13}});
  }
}

TEST(CudaConvOps, ConvTranspose2dMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (const Mode& m : kModes) {
    same(m, "conv_transpose2d 4x4 s2 p1 + bias", [](const auto& in) {
      return ops::conv_transpose2d(in[0], in[1], in[2], {.stride = {2, 2}, .padding = {1, 1}});
    }, {{2, 6, 7, 7}, {6, 3, 4, 4}, {3}});
    same(m, "conv_transpose2d DCGAN first layer 1x1 -> 4x4", [](const auto& in) {
      return ops::conv_transpose2d(in[0], in[1]);
    }, {{3, 10, 1, 1}, {10, 8, 4, 4}});
    // out_pad 2 >= stride 2 is legal with dilation 3; the conv it is the adjoint of has h_out < conv2d_infer's.
    same(m, "conv_transpose2d out_pad 2 dilation 3 groups 2", [](const auto& in) {
      return ops::conv_transpose2d(in[0], in[1], {},
                                   {.stride = {2, 2}, .padding = {1, 0}, .output_padding = {2, 1},
                                    .dilation = {3, 3}, .groups = 2});
    }, {{2, 4, 5, 4}, {4, 3, 3, 3}});
  }
}

TEST(CudaConvOps, LinearAndMatmulMatchCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (const Mode& m : kModes) {
    same(m, "linear", [](const auto& in) { return ops::linear(in[0], in[1], in[2]); }, {{9, 37}, {21, 37}, {21}});
    same(m, "matmul batched", [](const auto& in) { return ops::matmul(in[0], in[1]); }, {{3, 17, 9}, {3, 9, 33}});
    same(m, "matmul broadcast batch", [](const auto& in) { return ops::matmul(in[0], in[1]); },
         {{1, 5, 70}, {4, 70, 6}});
  }
}

// P = mean((||d sum D(x) / dx|| - 1)^2) with D = conv -> leaky -> conv, and dP/dw
// by a second backward through conv's dgrad and wgrad ops (the WGAN-GP path).
TEST(CudaConvOps, GradientPenaltyThroughConvMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (const Mode& m : kModes) {
    if (m.tf32) continue;  // second derivatives compared at full precision only
    Tf32Scope scope(false);
    Generator gen(3);
    const Tensor x0 = Tensor::randn({3, 2, 8, 8}, gen).to(m.dtype);
    const Tensor w10 = (Tensor::randn({4, 2, 4, 4}, gen) * 0.3).to(m.dtype);
    const Tensor w20 = (Tensor::randn({1, 4, 4, 4}, gen) * 0.3).to(m.dtype);
    auto penalty = [&](Device d, Tensor& w1, Tensor& w2) {
      Tensor x = x0.to(d).detach();
      x.requires_grad_();
      w1 = w10.to(d).detach();
      w2 = w20.to(d).detach();
      w1.requires_grad_();
      w2.requires_grad_();
      const Tensor h = ops::leaky_relu(ops::conv2d(x, w1, {}, {.stride = {2, 2}, .padding = {1, 1}}), 0.2);
      const Tensor out = ops::conv2d(h, w2, {}, {.stride = {2, 2}, .padding = {1, 1}});
      const Tensor gx = autograd::grad({ops::sum(out)}, {x}, {}, {.create_graph = true})[0];
      const Tensor norm = ops::sqrt(ops::sum(ops::square(gx), {1, 2, 3}));
      Tensor p = ops::mean(ops::square(ops::add(norm, -1.0)));
      p.backward();
      return p;
    };
    Tensor w1c, w2c, w1d, w2d;
    const Tensor pc = penalty(Device::cpu(), w1c, w2c), pd = penalty(kCuda, w1d, w2d);
    EXPECT_LE(max_rel_err(pd, pc), m.tol * 10) << m.name << " penalty";
    EXPECT_LE(max_rel_err(w1d.grad(), w1c.grad()), m.tol * 10) << m.name << " dP/dw1";
    EXPECT_LE(max_rel_err(w2d.grad(), w2c.grad()), m.tol * 10) << m.name << " dP/dw2";
  }
}

}  // namespace
}  // namespace gan
