// StyleGAN / ProGAN ops and layers: errors that name the op and the shapes
// (raised before anything runs), the fused first-order backward kernels
// against the composite create_graph backwards (same gradient, f64), and the
// nn modules (shapes, parameter names, StyleGAN's zero-initialized noise scale).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "gan/autograd.h"
#include "gan/nn/style.h"
#include "gan/ops/style.h"

namespace gan {
namespace {

Tensor f64(Generator& g, const Shape& s, double scale = 1.0, double shift = 0.0) {
  Tensor t = (Tensor::randn(s, g, {DType::f64}) * scale + shift).detach();
  t.requires_grad_();
  return t;
}

void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "expected gan::Error";
  } catch (const Error& e) {
    const std::string what = e.what();
    for (const auto& p : parts) EXPECT_NE(what.find(p), std::string::npos) << "'" << p << "' not in: " << what;
  }
}

TEST(StyleOps, BadInputsNameTheOpAndShapes) {
  Generator g(1);
  const Tensor x = Tensor::randn({2, 3, 4, 4}, g);
  const Tensor gb = Tensor::randn({2, 3}, g);
  expect_error([&] { ops::adain(x, Tensor::randn({3}, g), gb); }, {"adain", "gamma", "[3]", "[2, 3]", "[2, 3, 4, 4]"});
  expect_error([&] { ops::noise_adain(x, Tensor::randn({2, 3, 4, 4}, g), Tensor::randn({3}, g), gb, gb); },
               {"noise_adain", "noise", "[2, 1, 4, 4]"});
  expect_error([&] { ops::adain(x, gb, gb.to(DType::f64)); }, {"adain"});
  expect_error([&] { ops::pixel_norm(Tensor::randn({5}, g)); }, {"pixel_norm", "[5]"});
  expect_error([&] { ops::minibatch_stddev(Tensor::randn({6, 3, 2, 2}, g), 4); },
               {"minibatch_stddev", "batch 6", "[6, 3, 2, 2]", "group size 4"});
  expect_error([&] { ops::minibatch_stddev(x, 0); }, {"minibatch_stddev", "group_size"});
  expect_error([&] { ops::modulate_weight(Tensor::randn({4, 3, 3, 3}, g), Tensor::randn({2, 5}, g)); },
               {"modulate_weight", "style must be [N, 3]", "[4, 3, 3, 3]", "[2, 5]"});
  ops::Conv2dOptions o;
  o.groups = 2;
  expect_error([&] { ops::modulated_conv2d(x, Tensor::randn({4, 3, 3, 3}, g), gb, true, o); },
               {"modulated_conv2d", "groups"});
  expect_error([&] { ops::modulated_conv2d(x, Tensor::randn({4, 2, 3, 3}, g), gb); },
               {"modulated_conv2d", "[2, 3, 4, 4]", "[4, 2, 3, 3]"});
  expect_error([&] { ops::noise_injection(x, Tensor::randn({2, 1, 4, 4}, g), Tensor::randn({4}, g)); },
               {"noise_injection", "scale", "[4]", "[3]"});
}

// d sum(f * v) / d inputs through the kernel backward (create_graph off) and the
// composite backward (create_graph on) must agree.
void kernel_vs_composite(const char* name, const std::function<Tensor(const std::vector<Tensor>&)>& f,
                         const std::vector<Tensor>& in) {
  Generator g(9);
  const Tensor y = f(in);
  const Tensor v = Tensor::randn(y.shape(), g, {DType::f64});
  const auto plain = autograd::grad({ops::sum(ops::mul(f(in), v))}, in);
  const auto graph = autograd::grad({ops::sum(ops::mul(f(in), v))}, in, {}, {.create_graph = true});
  for (size_t i = 0; i < in.size(); ++i) {
    const auto a = plain[i].to_double_vector(), b = graph[i].to_double_vector();
    double m = 0;
    for (size_t j = 0; j < a.size(); ++j) m = std::max(m, std::abs(a[j] - b[j]) / std::max(1.0, std::abs(b[j])));
    EXPECT_LE(m, 1e-12) << name << " input " << i;
    // dx depends on x again (dbeta = sum(g) does not): the composite recorded a graph.
    if (i == 0) {
      EXPECT_TRUE(graph[i].requires_grad()) << name << ": composite gradient has no graph";
    }
  }
}

TEST(StyleOps, KernelBackwardsMatchCompositeBackwards) {
  Generator g(3);
  kernel_vs_composite("adain", [](const auto& in) { return ops::adain(in[0], in[1], in[2]); },
                      {f64(g, {2, 3, 5, 3}), f64(g, {2, 3}), f64(g, {2, 3})});
  kernel_vs_composite("noise_adain", [](const auto& in) { return ops::noise_adain(in[0], in[1], in[2], in[3], in[4]); },
                      {f64(g, {2, 3, 5, 3}), f64(g, {2, 1, 5, 3}), f64(g, {3}), f64(g, {2, 3}), f64(g, {2, 3})});
  kernel_vs_composite("pixel_norm", [](const auto& in) { return ops::pixel_norm(in[0]); }, {f64(g, {3, 13, 2, 2})});
  kernel_vs_composite("modulate_weight demod", [](const auto& in) { return ops::modulate_weight(in[0], in[1]); },
                      {f64(g, {4, 3, 3, 3}), f64(g, {2, 3})});
  kernel_vs_composite("modulate_weight", [](const auto& in) { return ops::modulate_weight(in[0], in[1], false); },
                      {f64(g, {4, 3, 1, 3}), f64(g, {2, 3})});
  kernel_vs_composite("minibatch_stddev", [](const auto& in) { return ops::minibatch_stddev(in[0], 4); },
                      {f64(g, {8, 3, 3, 3})});
}

TEST(StyleOps, NoiseAdainEqualsTheUnfusedChain) {
  Generator g(4);
  const Tensor x = f64(g, {2, 5, 4, 3}), noise = f64(g, {2, 1, 4, 3}), scale = f64(g, {5});
  const Tensor gamma = f64(g, {2, 5}), beta = f64(g, {2, 5});
  const Tensor fused = ops::noise_adain(x, noise, scale, gamma, beta, 0.2);
  const Tensor unfused = ops::adain(ops::leaky_relu(ops::noise_injection(x, noise, scale), 0.2), gamma, beta);
  const Tensor ref = ops::add(ops::mul(ops::instance_norm(ops::leaky_relu(ops::noise_injection(x, noise, scale), 0.2)),
                                       gamma.reshape({2, 5, 1, 1})),
                              beta.reshape({2, 5, 1, 1}));
  const auto a = fused.to_double_vector(), b = unfused.to_double_vector(), c = ref.to_double_vector();
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(a[i], b[i], 1e-12);
    EXPECT_NEAR(a[i], c[i], 1e-12);
  }
}

TEST(StyleLayers, ShapesParametersAndInit) {
  Generator g(5);
  const Tensor x = Tensor::randn({2, 4, 6, 6}, g), w = Tensor::randn({2, 8}, g);

  auto adain = std::make_shared<nn::AdaIN>(4, 8, g);
  const auto names = adain->named_parameters();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].first, "style.weight");
  EXPECT_EQ(adain->forward(x, w).shape(), (Shape{2, 4, 6, 6}));

  auto noise = std::make_shared<nn::NoiseInjection>(4);
  EXPECT_EQ(noise->weight.to_double_vector(), std::vector<double>(4, 0.0));  // StyleGAN: zero init
  const Tensor same = noise->forward(x, g);
  EXPECT_EQ(same.to_double_vector(), x.to_double_vector());

  EXPECT_EQ(nn::PixelNorm().forward(x).shape(), x.shape());
  EXPECT_EQ(nn::MinibatchStdDev(4).forward(x).shape(), (Shape{2, 5, 6, 6}));

  auto mod = std::make_shared<nn::ModulatedConv2d>(4, 3, 3, 8, g);
  const Tensor y = mod->forward(x, w);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 6, 6}));
  ops::sum(ops::mul(y, y)).backward();
  for (const auto& [name, p] : mod->named_parameters()) EXPECT_TRUE(p.grad().defined()) << name;
  EXPECT_EQ(mod->affine->bias.to_double_vector(), std::vector<double>(4, 1.0));
}

}  // namespace
}  // namespace gan
