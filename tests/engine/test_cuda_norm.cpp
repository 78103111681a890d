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
#include "gan/nn/conditional_batch_norm.h"
#include "gan/nn/layers.h"
#include "gan/ops.h"
#include "cuda_compare.h"

namespace gan {
namespace {

using testing::kCuda;
using testing::max_rel_err;

// This file's inputs: randn * 1.5 + 0.5 (seed 7), in the dtype under test.
void expect_same_on_both(const char* name, DType dt, const testing::OpFn& f, const std::vector<Shape>& shapes) {
  testing::expect_same_on_both(name, f, shapes, {.dtype = dt, .seed = 7, .scale = 1.5, .shift = 0.5});
}

TEST(CudaNormOps, BatchNormTrainingMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
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
  GAN_REQUIRE_CUDA_DEVICE();
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

// The modules, not only the op: moved to the device they count their batches
// there. (num_batches_tracked was incremented through a device pointer on the
// host: the first H200 training step died of it; the sim flavour's tests run
// under the device-memory guard, GAN_SIMT_GUARD=1, which reports such an access.)
TEST(CudaNormOps, BatchNormModulesCountBatchesOnTheDevice) {
  GAN_REQUIRE_CUDA_DEVICE();
  Generator gen(5);
  nn::BatchNorm2d bn(3);
  nn::ConditionalBatchNorm2d cbn(3, 2, nn::CondSource::class_embedding, gen);
  bn.to(kCuda);
  cbn.to(kCuda);
  const Tensor x = Tensor::randn({4, 3, 2, 2}, gen).to(kCuda);
  const Tensor y = Tensor::from_data({4}, std::vector<int64_t>{0, 1, 1, 0}).to(kCuda);
  for (int i = 0; i < 3; ++i) {
    bn.forward(x);
    cbn.forward(x, y);
  }
  EXPECT_TRUE(bn.num_batches_tracked.device().is_cuda());
  EXPECT_EQ(bn.num_batches_tracked.item(), 3.0);
  EXPECT_EQ(cbn.num_batches_tracked.item(), 3.0);
  // A loaded count (a resumed checkpoint) carries on from there.
  NamedTensors state = bn.state_dict();
  for (auto& [name, t] : state)
    if (name == "num_batches_tracked") t = Tensor::from_data({}, std::vector<int64_t>{10});
  bn.load_state_dict(state);
  bn.forward(x);
  EXPECT_EQ(bn.num_batches_tracked.item(), 11.0);
  bn.eval();  // eval counts nothing
  bn.forward(x);
  EXPECT_EQ(bn.num_batches_tracked.item(), 11.0);
  bn.train();  // back on the host it counts in place
  bn.to(Device::cpu());
  bn.forward(x.to(Device::cpu()));
  EXPECT_EQ(bn.num_batches_tracked.item(), 12.0);
}

TEST(CudaNormOps, BatchNormOneValuePerChannelFailsOnCuda) {
  GAN_REQUIRE_CUDA_DEVICE();
  const Tensor x = Tensor::ones({1, 3}, Options{DType::f32, kCuda});
  EXPECT_THROW(ops::batch_norm(x, {}, {}, {}, {}, true), Error);
}

TEST(CudaNormOps, LayerAndInstanceNormMatchCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
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
