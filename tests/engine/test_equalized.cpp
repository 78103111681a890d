// Equalized-learning-rate layers (gan/nn/equalized.h): the run-time He scale,
// the lr multiplier's storage, f64 gradients (first and second order) against
// finite differences, and errors that name the layer and the shapes.
#include <gtest/gtest.h>

#include <cmath>

#include "gan/gradcheck.h"
#include "gan/nn/equalized.h"
#include "gan/ops.h"

namespace gan {
namespace {

double sample_std(const Tensor& t) {
  const std::vector<double> v = t.to_double_vector();
  double m = 0, s = 0;
  for (double x : v) m += x;
  m /= static_cast<double>(v.size());
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

TEST(Equalized, LinearAppliesHeScaleAndLrMultiplierAtRunTime) {
  Generator g(3);
  nn::EqualizedLinear lin(64, 48, g, /*lr_mul=*/0.01, /*bias_init=*/0.5);
  // Stored N(0, 1/lr_mul²) and bias_init/lr_mul: the forward pass sees N(0, 1/in) and bias_init.
  EXPECT_NEAR(sample_std(lin.weight), 100.0, 4.0);
  EXPECT_NEAR(lin.bias.to_double_vector()[0], 50.0, 1e-9);
  const Tensor x = Tensor::randn({5, 64}, g);
  const Tensor want = ops::linear(x, ops::mul(lin.weight, 0.01 / 8.0), ops::mul(lin.bias, 0.01));
  const std::vector<double> a = lin.forward(x).to_double_vector(), b = want.to_double_vector();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << i;
  EXPECT_NEAR(sample_std(lin.effective_weight()), 1.0 / 8.0, 0.01);
}

TEST(Equalized, ConvMatchesConv2dWithTheScaledWeight) {
  Generator g(4);
  nn::EqualizedConv2d conv(3, 5, 3, g, /*stride=*/2, /*padding=*/1);
  for (int64_t i = 0; i < 5; ++i) EXPECT_EQ(conv.bias.to_double_vector()[static_cast<size_t>(i)], 0.0);
  const Tensor x = Tensor::randn({2, 3, 7, 9}, g);  // odd sizes: not a multiple of the stride
  ops::Conv2dOptions o;
  o.stride = {2, 2};
  o.padding = {1, 1};
  const Tensor want = ops::conv2d(x, ops::mul(conv.weight, 1.0 / std::sqrt(27.0)), conv.bias, o);
  const Tensor got = conv.forward(x);
  ASSERT_EQ(got.shape(), want.shape());
  EXPECT_EQ(got.shape(), (Shape{2, 5, 4, 5}));
  const std::vector<double> a = got.to_double_vector(), b = want.to_double_vector();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << i;
}

TEST(Equalized, GradientsMatchFiniteDifferencesInF64) {
  Generator g(5);
  auto lin = std::make_shared<nn::EqualizedLinear>(6, 4, g, 0.1, 0.2, true, DType::f64);
  auto conv = std::make_shared<nn::EqualizedConv2d>(2, 3, 3, g, 1, 1, true, DType::f64);
  const Tensor x = Tensor::randn({2, 2, 5, 5}, g, Options{DType::f64}).requires_grad_(true);
  const auto g2 = [&](const std::vector<Tensor>& in) {
    conv->weight = in[1];
    lin->weight = in[2];
    lin->bias = in[3];
    const Tensor h = ops::mean(ops::leaky_relu(conv->forward(in[0]), 0.2), {1});  // [2, 5, 5]
    return lin->forward(ops::slice(h.reshape({2, 25}), 1, 0, 6));                // [2, 4]
  };
  const std::vector<Tensor> in = {x, conv->weight.detach().requires_grad_(true),
                                  lin->weight.detach().requires_grad_(true), lin->bias.detach().requires_grad_(true)};
  const GradcheckResult r1 = gradcheck(g2, in);
  EXPECT_TRUE(r1.ok) << r1.first_failure;
  const GradcheckResult r2 = gradgradcheck(g2, in);
  EXPECT_TRUE(r2.ok) << r2.first_failure;
}

TEST(Equalized, ErrorsNameTheLayerAndShapes) {
  Generator g(6);
  nn::EqualizedLinear lin(4, 2, g);
  try {
    lin.forward(Tensor::randn({3, 5}, g));
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("EqualizedLinear: input [3, 5]"), std::string::npos) << e.what();
  }
  nn::EqualizedConv2d conv(3, 2, 3, g);
  try {
    conv.forward(Tensor::randn({1, 4, 5, 5}, g));
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("EqualizedConv2d: input [1, 4, 5, 5]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(nn::EqualizedLinear(4, 2, g, 0.0), std::exception);
  EXPECT_THROW(nn::EqualizedConv2d(3, 2, 0, g), std::exception);
}

}  // namespace
}  // namespace gan
