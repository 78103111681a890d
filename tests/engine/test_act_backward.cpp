// relu / leaky_relu / tanh backward: the one-pass act_grad kernel (first
// order) gives exactly the numbers of the differentiable composite (the path
// create_graph takes), so switching between them never changes a result.
#include <gtest/gtest.h>

#include <functional>

#include "gan/autograd.h"
#include "gan/ops.h"
#include "gan/random.h"

namespace gan {
namespace {

void expect_kernel_equals_composite(const std::function<Tensor(const Tensor&)>& f, DType dt) {
  Generator gen(15);
  // [3, 5, 7, 11]: no size a multiple of a vector width; zeros included.
  Tensor x = Tensor::randn({3, 5, 7, 11}, gen, {dt, Device::cpu()});
  {
    NoGradGuard ng;
    x = ops::mul(x, ops::gt(x, -1.5));  // ~7% exact zeros
  }
  x.requires_grad_(true);
  const Tensor g = Tensor::randn({3, 5, 7, 11}, gen, {dt, Device::cpu()});
  const Tensor y = f(x);
  const Tensor fast = autograd::grad({y}, {x}, {g}, {.create_graph = false, .retain_graph = 1})[0];
  const Tensor composite = autograd::grad({y}, {x}, {g}, {.create_graph = true})[0];
  const auto a = fast.to_double_vector(), b = composite.to_double_vector();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "index " << i;
}

TEST(ActBackward, KernelEqualsCompositeBitForBit) {
  for (DType dt : {DType::f32, DType::f64}) {
    expect_kernel_equals_composite([](const Tensor& x) { return ops::relu(x); }, dt);
    expect_kernel_equals_composite([](const Tensor& x) { return ops::leaky_relu(x, 0.2); }, dt);
    expect_kernel_equals_composite([](const Tensor& x) { return ops::leaky_relu(x, 0.01); }, dt);
    expect_kernel_equals_composite([](const Tensor& x) { return ops::tanh(x); }, dt);
  }
}

}  // namespace
}  // namespace gan
