// Engine ops on CUDA tensors against the same ops on the CPU: forward values,
// gradients, and a second derivative (create_graph) — the CUDA path of every op
// family that has CUDA kernels. Runs on the SIMT emulator in the sim flavour.
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

using testing::expect_same_on_both;
using testing::kCuda;
using testing::max_rel_err;

TEST(CudaOps, ElementwiseAndActivationsMatchCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  expect_same_on_both("broadcast arithmetic", [](const auto& in) { return (in[0] + in[1]) * in[0] - in[1] / 3.0; },
                      {{4, 1, 5}, {3, 1}});
  expect_same_on_both("activations", [](const auto& in) {
    return ops::tanh(in[0]) + ops::sigmoid(in[0]) + ops::softplus(in[0]) + ops::leaky_relu(in[0], 0.2) + ops::relu(in[0]);
  }, {{7, 9}});
  expect_same_on_both("exp/log/sqrt", [](const auto& in) {
    return ops::log(ops::exp(in[0]) + 1.0) + ops::sqrt(ops::square(in[0]) + 0.5);
  }, {{1000}});
  expect_same_on_both("maximum/where", [](const auto& in) {
    return ops::where(ops::gt(in[0], 0.0).detach(), ops::maximum(in[0], in[1]), in[1]);
  }, {{5, 6}, {6}});
}

TEST(CudaOps, ReductionsAndShapesMatchCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  expect_same_on_both("sum/mean/max/var", [](const auto& in) {
    return ops::sum(in[0], {0, 2}) + ops::mean(in[0], {0, 2}) + ops::max(in[0], {0, 2}) + ops::var(in[0], {0, 2});
  }, {{3, 5, 7}});
  expect_same_on_both("permute/cat/slice", [](const auto& in) {
    const Tensor p = ops::permute(in[0], {2, 0, 1});
    return ops::slice(ops::cat({p, p * 2.0}, 1), 1, 1, 5, 2);
  }, {{3, 4, 5}});
  expect_same_on_both("expand/sum_to", [](const auto& in) { return ops::sum_to(ops::expand(in[0], {4, 3, 5}), {3, 1}); },
                      {{3, 1}});
}

TEST(CudaOps, LossesMatchCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  expect_same_on_both("softmax/log_softmax", [](const auto& in) { return ops::softmax(in[0], 1) + ops::log_softmax(in[0], 0); },
                      {{6, 37}});
  expect_same_on_both("bce/mse", [](const auto& in) {
    return ops::bce_with_logits(in[0], ops::sigmoid(in[1]).detach()) + ops::mse_loss(in[0], in[1]);
  }, {{8, 3}, {8, 3}});
}

TEST(CudaOps, CrossEntropyMatchesCpuAndNamesBadLabels) {
  GAN_REQUIRE_CUDA_DEVICE();
  const Tensor labels = Tensor::from_data({5}, std::vector<int64_t>{0, 3, 2, 3, 1});
  expect_same_on_both("cross_entropy", [&](const auto& in) {
    return ops::cross_entropy(in[0], labels.to(in[0].device()), ops::Reduction::none);
  }, {{5, 4}});
  // A bad device label costs no read back at the op: it is raised as a
  // gan::Error by the next one, whatever tensor that reads.
  const Tensor bad = Tensor::from_data({2}, std::vector<int64_t>{1, 7}).to(kCuda);
  const uint64_t copies = cuda::device_to_host_copies();
  const Tensor loss = ops::cross_entropy(Tensor::zeros({2, 4}, {DType::f32, kCuda}), bad);
  EXPECT_EQ(cuda::device_to_host_copies(), copies);
  const Tensor other = Tensor::ones({3}, {DType::f32, kCuda});
  try {
    (void)other.to(Device::cpu());
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("cross_entropy_fprop: label 7 at row 1 is out of range [0, 4)"));
  }
  EXPECT_TRUE(std::isnan(loss.item()));  // raised once: this read back is clean
  // Embedding and index_select0: the same, and a zero row where the index was bad.
  const Tensor table = Tensor::ones({3, 2}, {DType::f32, kCuda});
  const Tensor idx = Tensor::from_data({3}, std::vector<int64_t>{2, -5, 0}).to(kCuda);
  for (int op = 0; op < 2; ++op) {
    const Tensor rows = op == 0 ? ops::embedding(idx, table) : ops::index_select0(table, idx);
    EXPECT_THAT([&] { (void)rows.to(Device::cpu()); },
                ::testing::ThrowsMessage<Error>(::testing::HasSubstr("index -5 at position 1 is out of range [0, 3)")));
    EXPECT_EQ(rows.to_vector<float>(), (std::vector<float>{1, 1, 0, 0, 1, 1}));
  }
  // On the CPU the op itself throws, naming the logits' shape.
  EXPECT_THAT([] { ops::cross_entropy(Tensor::zeros({2, 4}), Tensor::from_data({2}, std::vector<int64_t>{1, 7})); },
              ::testing::ThrowsMessage<Error>(::testing::HasSubstr("label 7 at row 1 out of range [0, 4) for logits [2, 4]")));
}

// Tensor::to(DType) of a device tensor runs the cast kernel on the device:
// no read back (it went through the host before), the CPU's values, and the
// gradient of a floating change flows back.
TEST(CudaOps, DtypeChangesStayOnTheDevice) {
  GAN_REQUIRE_CUDA_DEVICE();
  const Tensor host = Tensor::from_data({6}, std::vector<float>{-2.5f, -0.5f, 0.f, 1.75f, 3e9f, NAN});
  const Tensor dev = host.to(kCuda).requires_grad_(true);
  const uint64_t copies = cuda::device_to_host_copies();
  const Tensor d64 = dev.to(DType::f64), i64 = dev.to(DType::i64), back = i64.to(DType::f32);
  EXPECT_EQ(cuda::device_to_host_copies(), copies) << "a dtype change read the tensor back";
  EXPECT_TRUE(d64.device().is_cuda() && i64.device().is_cuda() && back.device().is_cuda());
  EXPECT_EQ(i64.to_vector<int64_t>(), host.to(DType::i64).to_vector<int64_t>());
  EXPECT_EQ(i64.to_vector<int64_t>(), (std::vector<int64_t>{-2, 0, 0, 1, 3000000000, INT64_MIN}));
  EXPECT_EQ(back.to_vector<float>(), host.to(DType::i64).to(DType::f32).to_vector<float>());
  const std::vector<double> v = d64.to_vector<double>();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(v[static_cast<size_t>(i)], static_cast<double>(host.to_vector<float>()[static_cast<size_t>(i)]));
  const Tensor g = autograd::grad({ops::sum(ops::square(ops::slice(d64, 0, 0, 5)))}, {dev})[0];
  EXPECT_EQ(g.dtype(), DType::f32);
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{-5.f, -1.f, 0.f, 3.5f, 6e9f, 0.f}));
}

// Tensor::arange on a device is made there (no upload: a host -> device copy
// waits for the device's queued work) and equals the CPU's, every dtype.
TEST(CudaOps, ArangeIsMadeOnTheDevice) {
  GAN_REQUIRE_CUDA_DEVICE();
  const uint64_t uploads = cuda::host_to_device_copies();
  const Tensor f = Tensor::arange(2.0, -1.0, -0.5, {DType::f32, kCuda}), d = Tensor::arange(7, {DType::f64, kCuda}),
               i = Tensor::arange(3, {DType::i64, kCuda});
  EXPECT_EQ(cuda::host_to_device_copies(), uploads);
  EXPECT_EQ(f.to_vector<float>(), Tensor::arange(2.0, -1.0, -0.5).to_vector<float>());
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{2.0f, 1.5f, 1.0f, 0.5f, 0.0f, -0.5f}));
  EXPECT_EQ(d.to_vector<double>(), Tensor::arange(7, {DType::f64}).to_vector<double>());
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2}));
}

TEST(CudaOps, RandomTensorsAreBitIdenticalToCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  Generator a(9), b(9);
  EXPECT_EQ(Tensor::randn({1001}, a, {DType::f32, kCuda}).to_vector<float>(), Tensor::randn({1001}, b).to_vector<float>());
  EXPECT_EQ(Tensor::rand({333}, a, -2, 3, {DType::f32, kCuda}).to_vector<float>(),
            Tensor::rand({333}, b, -2, 3).to_vector<float>());
  EXPECT_EQ(a.offset(), b.offset());
}

TEST(CudaOps, SecondDerivativeOnTheDeviceMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  // A gradient penalty shape: || d/dx sum(softplus(w * x)) ||^2 differentiated w.r.t. w.
  auto penalty = [](const Tensor& x, const Tensor& w) {
    const Tensor y = ops::sum(ops::softplus(ops::tanh(x * w)));
    autograd::GradOptions go;
    go.create_graph = true;
    const Tensor gx = autograd::grad({y}, {x}, {}, go)[0];
    return ops::sum(ops::square(gx));
  };
  Generator gen(3);
  Tensor x = Tensor::randn({4, 5}, gen), w = Tensor::randn({5}, gen);
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

}  // namespace
}  // namespace gan
