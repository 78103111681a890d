// Normalization ops on CUDA tensors against the same ops on the CPU: batch norm
// (training with running-stat updates, eval), layer norm and instance norm —
// forward values and first-order gradients (the fused backward kernels, grad
// mode off), f32 and f64. Runs on the SIMT emulator in the sim flavour; skips
// without a CUDA backend.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "gan/autograd.h"
#include "gan/cuda/runtime.h"
#include "gan/ops.h"

namespace gan {
namespace {

#define REQUIRE_DEVICE() \
  if (!cuda::available()) GTEST_SKIP() << "no CUDA device (backend '" << cuda::backend_name() << "')"

const Device kCuda = Device::cuda(0);

double max_rel_err(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  const auto x = a.to_double_vector(), y = b.to_double_vector();
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) return INFINITY;
    m = std::max(m, std::abs(x[i] - y[i]) / std::max(1.0, std::abs(y[i])));
  }
  return m;
}

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs f on CPU inputs and on their CUDA copies (dtype dt); compares outputs and
// the gradients of sum(f * v) with respect to every input.
void expect_same_on_both(const char* name, DType dt, const Fn& f, const std::vector<Shape>& shapes) {
  const double tol = dt == DType::f32 ? 2e-6 : 1e-12;
  Generator gen(7);
  std::vector<Tensor> cpu, dev;
  for (const Shape& s : shapes) {
    Tensor t = (Tensor::randn(s, gen) * 1.5 + 0.5).to(dt);
    t.requires_grad_();
    Tensor d = t.detach().to(kCuda);
    d.requires_grad_();
    cpu.push_back(t);
    dev.push_back(d);
  }
  const Tensor yc = f(cpu), yd = f(dev);
  ASSERT_TRUE(yd.device().is_cuda()) << name;
  EXPECT_LE(max_rel_err(yd, yc), tol) << name << " forward";
  const Tensor v = Tensor::randn(yc.shape(), gen).to(dt);
  ops::sum(yc * v).backward();
  ops::sum(yd * v.to(kCuda)).backward();
  for (size_t i = 0; i < cpu.size(); ++i) {
    ASSERT_TRUE(dev[i].grad().defined()) << name << " input " << i;
    EXPECT_TRUE(dev[i].grad().device().is_cuda());
    EXPECT_LE(max_rel_err(dev[i].grad(), cpu[i].grad()), tol) << name << " gradient of input " << i;
  }
}

TEST(CudaNormOps, BatchNormTrainingMatchesCpu) {
  REQUIRE_DEVICE();
  for (DType dt : {DType::f32, DType::f64}) {
    expect_same_on_both("batch_norm train NCHW", dt, [](const auto& in) {
      return ops::batch_norm(in[0], in[1], in[2], {}, {}, true);
    }, {{4, 3, 5, 6}, {3}, {3}});
    expect_same_on_both("batch_norm train [N, C]", dt, [](const auto& in) {
      return ops::batch_norm(in[0], in[1], {}, {}, {}, true);
    }, {{9, 5}, {5}});
    expect_same_on_both("batch_norm train no affine", dt, [](const auto& in) {
      return ops::batch_norm(in[0], {}, {}, {}, {}, true);
    }, {{2, 4, 7}});
  }
}

TEST(CudaNormOps, BatchNormRunningStatsUpdatedLikeCpu) {
  REQUIRE_DEVICE();
  for (DType dt : {DType::f32, DType::f64}) {
    const double tol = dt == DType::f32 ? 2e-6 : 1e-12;
    Generator gen(11);
    Tensor rm_c = Tensor::zeros({3}, Options{dt}), rv_c = Tensor::ones({3}, Options{dt});
    Tensor rm_d = rm_c.to(kCuda), rv_d = rv_c.to(kCuda);
    for (int step = 0; step < 3; ++step) {
      const Tensor x = (Tensor::randn({5, 3, 4, 4}, gen) * 2.0 + 1.0).to(dt);
      const Tensor yc = ops::batch_norm(x, {}, {}, rm_c, rv_c, true, 0.2);
      const Tensor yd = ops::batch_norm(x.to(kCuda), {}, {}, rm_d, rv_d, true, 0.2);
      EXPECT_LE(max_rel_err(yd, yc), tol) << "step " << step;
    }
    EXPECT_TRUE(rm_d.device().is_cuda());
    EXPECT_LE(max_rel_err(rm_d, rm_c), tol);
    EXPECT_LE(max_rel_err(rv_d, rv_c), tol);
    EXPECT_NE(rv_c.to_double_vector()[0], 1.0);  // the update happened
    // Eval with the accumulated statistics, forward and gradients.
    expect_same_on_both("batch_norm eval", dt, [&](const auto& in) {
      const bool cuda = in[0].device().is_cuda();
      return ops::batch_norm(in[0], in[1], in[2], cuda ? rm_d : rm_c, cuda ? rv_d : rv_c, false);
    }, {{5, 3, 4, 4}, {3}, {3}});
  }
}

TEST(CudaNormOps, BatchNormOneValuePerChannelFailsOnCuda) {
  REQUIRE_DEVICE();
  const Tensor x = Tensor::ones({1, 3}, Options{DType::f32, kCuda});
  EXPECT_THROW(ops::batch_norm(x, {}, {}, {}, {}, true), Error);
}

TEST(CudaNormOps, LayerAndInstanceNormMatchCpu) {
  REQUIRE_DEVICE();
  for (DType dt : {DType::f32, DType::f64}) {
    expect_same_on_both("layer_norm affine", dt, [](const auto& in) {
      return ops::layer_norm(in[0], 2, in[1], in[2]);
    }, {{6, 5, 7}, {5, 7}, {5, 7}});
    expect_same_on_both("layer_norm wide rows", dt, [](const auto& in) {
      return ops::layer_norm(in[0], 1, in[1], {});
    }, {{3, 1500}, {1500}});
    expect_same_on_both("instance_norm", dt, [](const auto& in) {
      return ops::instance_norm(in[0], in[1], in[2]);
    }, {{2, 3, 5, 5}, {3}, {3}});
    expect_same_on_both("instance_norm no affine", dt, [](const auto& in) {
      return ops::instance_norm(in[0]);
    }, {{3, 2, 9}});
  }
}

}  // namespace
}  // namespace gan
