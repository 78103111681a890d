// The checkers themselves must fail on wrong derivatives, or the table proves nothing.
#include <gtest/gtest.h>

#include "gan/autograd.h"
#include "gan/gradcheck.h"
#include "gan/ops.h"

namespace gan {
namespace {

// y = x^3 with a hand-recorded backward: `scale` multiplies the true first
// derivative; `detached` makes the backward constant in x (no second derivative).
Tensor cube(const Tensor& x, double scale, bool detached) {
  Tensor y;
  {
    NoGradGuard ng;
    y = ops::pow(x, 3.0);
  }
  y = y.detach();
  autograd::record(y, "cube", {x}, [x, scale, detached](const Tensor& g) {
    const Tensor base = detached ? x.detach() : x;
    return std::vector<Tensor>{ops::mul(g, ops::mul(ops::square(base), 3.0 * scale))};
  });
  return y;
}

Tensor input() {
  Generator gen(7);
  Tensor x = Tensor::randn({4}, gen, {DType::f64});
  x.requires_grad_();
  return x;
}

TEST(GradcheckDetects, CorrectOpPassesBothOrders) {
  auto f = [](const std::vector<Tensor>& in) { return cube(in[0], 1.0, false); };
  EXPECT_TRUE(gradcheck(f, {input()}).ok);
  EXPECT_TRUE(gradgradcheck(f, {input()}).ok);
}

TEST(GradcheckDetects, WrongFirstDerivativeFails) {
  auto f = [](const std::vector<Tensor>& in) { return cube(in[0], 1.01, false); };
  const auto r = gradcheck(f, {input()});
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.first_failure.empty());
}

TEST(GradcheckDetects, MissingSecondDerivativeFails) {
  auto f = [](const std::vector<Tensor>& in) { return cube(in[0], 1.0, true); };
  EXPECT_TRUE(gradcheck(f, {input()}).ok);
  EXPECT_FALSE(gradgradcheck(f, {input()}).ok);
}

TEST(GradcheckDetects, NaNNeverPasses) {
  auto f = [](const std::vector<Tensor>& in) { return ops::log(ops::add(in[0], -100.0)); };
  EXPECT_FALSE(gradcheck(f, {input()}).ok);  // log of negatives: NaN everywhere
}

}  // namespace
}  // namespace gan
