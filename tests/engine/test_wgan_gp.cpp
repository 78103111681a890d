// WGAN-GP end to end: the gradient penalty of a small conv discriminator is
// differentiated w.r.t. the discriminator's weights (a double backward through
// conv2d, leaky_relu and linear) and compared with central finite differences.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "gan/autograd.h"
#include "gan/ops.h"
#include "gan/random.h"

namespace gan {
namespace {

Tensor leaf(Generator& g, const Shape& s, double scale) {
  Tensor t;
  {
    NoGradGuard ng;
    t = ops::mul(Tensor::randn(s, g, {DType::f64}), scale);
  }
  t = t.detach();
  t.requires_grad_();
  return t;
}

// D: conv2d 4x4 s2 p1 -> leaky_relu 0.2 -> conv2d 4x4 s2 p1 -> leaky_relu 0.2 -> linear to 1.
struct Discriminator {
  Tensor w1, b1, w2, b2, w3, b3;
  std::vector<Tensor> params() const { return {w1, b1, w2, b2, w3, b3}; }

  Tensor operator()(const Tensor& x) const {
    const ops::Conv2dOptions down{.stride = {2, 2}, .padding = {1, 1}};
    Tensor h = ops::leaky_relu(ops::conv2d(x, w1, b1, down), 0.2);  // [N, 4, 4, 4]
    h = ops::leaky_relu(ops::conv2d(h, w2, b2, down), 0.2);         // [N, 4, 2, 2]
    return ops::linear(h.flatten(1), w3, b3);                       // [N, 1]
  }
};

// P = mean over the batch of (||d D(x_hat) / d x_hat||_2 - 1)^2, differentiable
// w.r.t. D's weights (create_graph).
Tensor penalty(const Discriminator& d, const Tensor& x_hat) {
  const Tensor score = d(x_hat);
  autograd::GradOptions go;
  go.create_graph = true;
  const Tensor g = autograd::grad({ops::sum(score)}, {x_hat}, {}, go)[0];  // samples are independent
  const Tensor norm = ops::sqrt(ops::sum(ops::square(g), {1, 2, 3}));   // [N]
  return ops::mean(ops::square(ops::add(norm, -1.0)));
}

TEST(WganGp, PenaltyGradientMatchesFiniteDifferences) {
  Generator gen(2024);
  Discriminator d{leaf(gen, {4, 1, 4, 4}, 0.5), leaf(gen, {4}, 0.1), leaf(gen, {4, 4, 4, 4}, 0.25),
                  leaf(gen, {4}, 0.1),          leaf(gen, {1, 16}, 0.5), leaf(gen, {1}, 0.1)};
  // x_hat = eps * real + (1 - eps) * fake, per sample.
  const Tensor real = Tensor::randn({2, 1, 8, 8}, gen, {DType::f64});
  const Tensor fake = Tensor::randn({2, 1, 8, 8}, gen, {DType::f64});
  const Tensor eps = Tensor::rand({2, 1, 1, 1}, gen, 0, 1, {DType::f64});
  Tensor x_hat;
  {
    NoGradGuard ng;
    x_hat = ops::add(ops::mul(eps, real), ops::mul(ops::rsub(1.0, eps), fake));
  }
  x_hat = x_hat.detach();
  x_hat.requires_grad_();

  const Tensor p = penalty(d, x_hat);
  ASSERT_TRUE(p.requires_grad());
  // The biases reach the input gradient only through leaky_relu's piecewise-constant
  // slopes (and b3 not at all), so dP/db is 0 almost everywhere and autograd reports
  // them unused; the finite differences below check that 0 as well.
  autograd::GradOptions go;
  go.allow_unused = true;
  const std::vector<Tensor> analytical = autograd::grad({p}, d.params(), {}, go);
  ASSERT_EQ(analytical.size(), 6u);

  const double h = 1e-6, rtol = 1e-4, atol = 1e-8;
  double max_abs = 0, max_ref = 0;
  int64_t checked = 0, bad = 0;
  const char* names[] = {"w1", "b1", "w2", "b2", "w3", "b3"};
  for (size_t k = 0; k < 6; ++k) {
    Tensor w = d.params()[k];
    double* data = w.data<double>();
    const std::vector<double> a = analytical[k].defined() ? analytical[k].to_double_vector()
                                                          : std::vector<double>(static_cast<size_t>(w.numel()), 0.0);
    for (int64_t e = 0; e < w.numel(); ++e) {
      const double orig = data[e];
      data[e] = orig + h;
      const double plus = penalty(d, x_hat).item();
      data[e] = orig - h;
      const double minus = penalty(d, x_hat).item();
      data[e] = orig;
      const double numerical = (plus - minus) / (2 * h);
      const double err = std::abs(a[static_cast<size_t>(e)] - numerical);
      max_abs = std::max(max_abs, err);
      max_ref = std::max(max_ref, std::abs(numerical));
      ++checked;
      if (!(err <= atol + rtol * std::abs(numerical))) {
        if (++bad <= 5)
          ADD_FAILURE() << names[k] << " element " << e << ": analytical " << a[static_cast<size_t>(e)]
                        << " numerical " << numerical;
      }
    }
  }
  std::printf("[wgan-gp] P = %.6f  dP/dtheta vs finite differences: %lld weights, max_abs_err %.2e "
              "(max |dP/dtheta| %.2e), %lld failures\n",
              p.item(), static_cast<long long>(checked), max_abs, max_ref, static_cast<long long>(bad));
  EXPECT_EQ(bad, 0);
  EXPECT_GT(max_ref, 1e-3);  // the penalty really depends on the weights
}

// The same penalty in f32 runs through the same graph (no f64-only path).
TEST(WganGp, PenaltyRunsInF32) {
  Generator gen(7);
  auto f32_leaf = [&](const Shape& s, double scale) {
    Tensor t;
    {
      NoGradGuard ng;
      t = ops::mul(Tensor::randn(s, gen), scale);
    }
    t = t.detach();
    t.requires_grad_();
    return t;
  };
  Discriminator d{f32_leaf({4, 1, 4, 4}, 0.5), f32_leaf({4}, 0.1), f32_leaf({4, 4, 4, 4}, 0.25),
                  f32_leaf({4}, 0.1),          f32_leaf({1, 16}, 0.5), f32_leaf({1}, 0.1)};
  Tensor x = Tensor::randn({2, 1, 8, 8}, gen);
  x.requires_grad_();
  const Tensor p = penalty(d, x);
  EXPECT_EQ(p.dtype(), DType::f32);
  p.backward();
  for (const Tensor& w : {d.w1, d.w2, d.w3}) {  // the biases get no gradient (see above)
    ASSERT_TRUE(w.grad().defined());
    for (double v : w.grad().to_double_vector()) ASSERT_TRUE(std::isfinite(v));
  }
}

}  // namespace
}  // namespace gan
