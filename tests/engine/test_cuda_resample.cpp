// Resampling, embedding and index_select0 on CUDA tensors against the same ops
// on the CPU: forward values, first gradients, and a second derivative through
// the backward ops (create_graph). Runs on the SIMT emulator in the sim flavour.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "gan/autograd.h"
#include "gan/cuda/runtime.h"
#include "gan/ops.h"
#include "cuda_compare.h"

namespace gan {
namespace {

using testing::kCuda;
using testing::max_rel_err;

void expect_same_on_both(const char* name, const testing::OpFn& f, const std::vector<Shape>& shapes) {
  testing::expect_same_on_both(name, f, shapes, {.seed = 7});  // this file's inputs
}

TEST(CudaResampleOps, AvgPoolMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  expect_same_on_both("avg_pool2d 2x2", [](const auto& in) { return ops::avg_pool2d(in[0], {2, 2}); }, {{3, 3, 7, 5}});
  expect_same_on_both("avg_pool2d 3x3 s2 p1 cip", [](const auto& in) {
    return ops::avg_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}, true);
  }, {{3, 3, 7, 5}});
  expect_same_on_both("avg_pool2d 3x3 s2 p1 no cip", [](const auto& in) {
    return ops::avg_pool2d(in[0], {3, 3}, {2, 2}, {1, 1}, false);
  }, {{1, 3, 7, 5}});
}

TEST(CudaResampleOps, UpsampleMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  expect_same_on_both("upsample_nearest2d 2x", [](const auto& in) { return ops::upsample_nearest2d(in[0], 14, 10); },
                      {{3, 3, 7, 5}});
  expect_same_on_both("upsample_nearest2d 11x8", [](const auto& in) { return ops::upsample_nearest2d(in[0], 11, 8); },
                      {{1, 3, 7, 5}});
  for (bool align : {false, true}) {
    expect_same_on_both("upsample_bilinear2d 2x", [align](const auto& in) {
      return ops::upsample_bilinear2d(in[0], 14, 10, align);
    }, {{3, 3, 7, 5}});
    expect_same_on_both("upsample_bilinear2d 11x8", [align](const auto& in) {
      return ops::upsample_bilinear2d(in[0], 11, 8, align);
    }, {{1, 3, 7, 5}});
  }
}

TEST(CudaResampleOps, SecondOrderMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  // A gradient penalty through the resampling ops: || d/dx sum(tanh(up(pool(x)) * w)) ||^2
  // differentiated w.r.t. w, which runs the backward ops' own backward (the forward kernels).
  auto penalty = [](const Tensor& x, const Tensor& w) {
    const Tensor y = ops::upsample_bilinear2d(ops::avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}, false), 6, 4, false);
    const Tensor z = ops::upsample_nearest2d(ops::tanh(y * w), 7, 5);
    autograd::GradOptions go;
    go.create_graph = true;
    const Tensor gx = autograd::grad({ops::sum(z)}, {x}, {}, go)[0];
    return ops::sum(ops::square(gx));
  };
  Generator gen(3);
  Tensor x = Tensor::randn({2, 3, 7, 5}, gen), w = Tensor::randn({2, 3, 6, 4}, gen);
  x.requires_grad_();
  w.requires_grad_();
  Tensor xd = x.detach().to(kCuda), wd = w.detach().to(kCuda);
  xd.requires_grad_();
  wd.requires_grad_();
  const Tensor gc = autograd::grad({penalty(x, w)}, {w})[0];
  const Tensor gd = autograd::grad({penalty(xd, wd)}, {wd})[0];
  EXPECT_TRUE(gd.device().is_cuda());
  EXPECT_LE(max_rel_err(gd, gc), 1e-5);
}

TEST(CudaResampleOps, EmbeddingAndIndexSelectMatchCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  const Tensor idx = Tensor::from_data({6}, std::vector<int64_t>{3, 0, 49, 3, 7, 3});
  expect_same_on_both("embedding", [&](const auto& in) { return ops::embedding(idx.to(in[0].device()), in[0]); },
                      {{50, 300}});
  const Tensor idx2 = Tensor::from_data({2, 3}, std::vector<int64_t>{1, 1, 0, 4, 1, 2});
  expect_same_on_both("embedding 2-D idx", [&](const auto& in) { return ops::embedding(idx2.to(in[0].device()), in[0]); },
                      {{5, 7}});
  const Tensor rows = Tensor::from_data({5}, std::vector<int64_t>{2, 0, 2, 4, 2});
  expect_same_on_both("index_select0", [&](const auto& in) { return ops::index_select0(in[0], rows.to(in[0].device())); },
                      {{5, 3, 4}});
}

// On CUDA a bad index is found by the kernel and raised at the next read back
// (gan/kernels/index_fault.h), forward and backward alike.
TEST(CudaResampleOps, BadIndicesAreNamedOnCuda) {
  GAN_REQUIRE_CUDA_DEVICE();
  const Tensor table = Tensor::zeros({4, 3}, {DType::f32, kCuda}).requires_grad_(true);
  const Tensor bad = Tensor::from_data({3}, std::vector<int64_t>{1, 7, 0}).to(kCuda);
  const auto named = [](const char* kernel) {
    return ::testing::ThrowsMessage<Error>(
        ::testing::AllOf(::testing::HasSubstr(kernel), ::testing::HasSubstr("index 7 at position 1")));
  };
  Tensor rows;
  {
    NoGradGuard ng;
    rows = ops::embedding(bad, table);
  }
  EXPECT_THAT([&] { (void)rows.to(Device::cpu()); }, named("embedding_fprop"));
  EXPECT_NO_THROW((void)rows.to(Device::cpu())) << "raised once";
  const Tensor picked = ops::index_select0(table, bad);
  EXPECT_THAT([&] { (void)picked.to(Device::cpu()); }, named("embedding_fprop"));
  const Tensor g = autograd::grad({ops::sum(picked)}, {table})[0];  // index_add0: embedding_bprop
  EXPECT_THAT([&] { (void)g.to(Device::cpu()); }, named("embedding_bprop"));
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0}));
}

}  // namespace
}  // namespace gan
