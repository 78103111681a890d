// ops::attention on the CPU: agreement with the materialized composite
// (forward and gradients), errors that name the op and the shapes, and the
// SelfAttention2d module's parameters (names, shapes, gamma = 0 at init so the
// block starts as the identity) and input checks.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "gan/autograd.h"
#include "gan/nn/self_attention.h"
#include "gan/ops.h"

namespace gan {
namespace {

double max_abs(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  const auto x = a.to_double_vector(), y = b.to_double_vector();
  double e = 0;
  for (size_t i = 0; i < x.size(); ++i) e = std::max(e, std::isnan(x[i]) ? INFINITY : std::abs(x[i] - y[i]));
  return e;
}

TEST(OpsAttention, FusedMatchesMaterializedWithGradients) {
  Generator gen(3);
  for (DType dt : {DType::f32, DType::f64}) {
    const double tol = dt == DType::f32 ? 2e-6 : 1e-13;
    Tensor q = Tensor::randn({2, 7, 5}, gen).to(dt), k = Tensor::randn({2, 9, 5}, gen).to(dt);
    Tensor v = Tensor::randn({2, 9, 3}, gen).to(dt);
    const Tensor w = Tensor::randn({2, 7, 3}, gen).to(dt);
    for (Tensor* t : {&q, &k, &v}) t->requires_grad_();
    const Tensor a = ops::attention(q, k, v, 0.6), b = ops::attention_materialized(q, k, v, 0.6);
    EXPECT_LE(max_abs(a, b), tol);
    const auto ga = autograd::grad({ops::sum(a * w)}, {q, k, v});
    const auto gb = autograd::grad({ops::sum(b * w)}, {q, k, v});
    for (size_t i = 0; i < 3; ++i) EXPECT_LE(max_abs(ga[i], gb[i]), tol) << "input " << i;
  }
}

void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    FAIL() << "expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(OpsAttention, BadInputsNameTheOpAndShapes) {
  const Tensor q = Tensor::zeros({2, 4, 3}), k = Tensor::zeros({2, 5, 3}), v = Tensor::zeros({2, 5, 2});
  expect_error([&] { ops::attention(q.reshape({8, 3}), k, v); }, "attention: expected q [B, N, d]");
  expect_error([&] { ops::attention(q, Tensor::zeros({3, 5, 3}), v); }, "attention: batch sizes differ: q [2, 4, 3]");
  expect_error([&] { ops::attention(q, Tensor::zeros({2, 5, 4}), v); }, "attention: q and k feature sizes differ");
  expect_error([&] { ops::attention(q, k, Tensor::zeros({2, 6, 2})); }, "k and v must have the same number of rows");
  expect_error([&] { ops::attention(q, Tensor::zeros({2, 0, 3}), Tensor::zeros({2, 0, 2})); }, "softmax over no keys");
  expect_error([&] { ops::attention(q, k, v.to(DType::f64)); }, "attention");
  expect_error([&] { ops::attention(q, k, v, INFINITY); }, "attention: scale must be finite");
}

TEST(SelfAttention2d, ParametersAndIdentityAtInit) {
  Generator gen(5);
  nn::SelfAttention2d sagan(16, gen);
  std::vector<std::string> names;
  for (const auto& [name, t] : sagan.named_parameters()) names.push_back(name + " " + shape_str(t.shape()));
  EXPECT_EQ(names,
            (std::vector<std::string>{"gamma [1]", "f.weight [2, 16, 1, 1]", "f.bias [2]", "g.weight [2, 16, 1, 1]",
                                      "g.bias [2]", "h.weight [16, 16, 1, 1]", "h.bias [16]"}));
  nn::SelfAttention2d biggan(16, gen, nn::AttentionVariant::biggan);
  names.clear();
  for (const auto& [name, t] : biggan.named_parameters()) names.push_back(name + " " + shape_str(t.shape()));
  EXPECT_EQ(names, (std::vector<std::string>{"gamma [1]", "f.weight [2, 16, 1, 1]", "g.weight [2, 16, 1, 1]",
                                             "h.weight [8, 16, 1, 1]", "o.weight [16, 8, 1, 1]"}));
  const Tensor x = Tensor::randn({2, 16, 3, 3}, gen);
  EXPECT_EQ(max_abs(sagan.forward(x), x), 0.0);  // gamma = 0
  EXPECT_EQ(max_abs(biggan.forward(x), x), 0.0);
}

TEST(SelfAttention2d, RejectsBadChannels) {
  Generator gen(5);
  expect_error([&] { nn::SelfAttention2d bad(12, gen); }, "SelfAttention2d: channels must be a positive multiple of 8");
  nn::SelfAttention2d block(8, gen);
  expect_error([&] { block.forward(Tensor::zeros({1, 16, 2, 2})); }, "SelfAttention2d: input [1, 16, 2, 2] has 16");
  expect_error([&] { block.forward(Tensor::zeros({8, 2, 2})); }, "SelfAttention2d: expected input [N, C, H, W]");
}

}  // namespace
}  // namespace gan
