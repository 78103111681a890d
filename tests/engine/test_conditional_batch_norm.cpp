// ops::conditional_batch_norm and nn::ConditionalBatchNorm2d on the CPU: the
// op equals batch norm without affine followed by the per-sample affine
// written out by hand; the class-embedding module starts as plain batch norm
// (gamma ones, beta zeros) and picks each sample's row; the linear-projection
// (BigGAN) module computes (1 + gamma(e)) * xhat + beta(e); running statistics
// are updated exactly as BatchNorm2d's and eval mode uses them; gradients reach
// the tables; bad shapes are named errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "gan/autograd.h"
#include "gan/nn/conditional_batch_norm.h"
#include "gan/ops.h"

namespace gan {
namespace {

double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  const auto x = a.to_double_vector(), y = b.to_double_vector();
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) return INFINITY;
    m = std::max(m, std::abs(x[i] - y[i]));
  }
  return m;
}

// y[n, c, j] = xhat[n, c, j] * gamma[n, c] + beta[n, c], by loops.
Tensor affine_by_hand(const Tensor& xhat, const Tensor& gamma, const Tensor& beta) {
  const auto xv = xhat.to_double_vector(), gv = gamma.to_double_vector(), bv = beta.to_double_vector();
  const int64_t n = xhat.size(0), c = xhat.size(1), hw = xhat.numel() / (n * c);
  std::vector<double> y(xv.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < c; ++k)
      for (int64_t j = 0; j < hw; ++j)
        y[(i * c + k) * hw + j] = xv[(i * c + k) * hw + j] * gv[i * c + k] + bv[i * c + k];
  return Tensor::from_data(xhat.shape(), y, {DType::f64});
}

TEST(ConditionalBatchNormOp, EqualsBatchNormThenPerSampleAffine) {
  Generator gen(1);
  const Tensor x = Tensor::randn({4, 3, 2, 5}, gen, {DType::f64});
  const Tensor g = Tensor::randn({4, 3}, gen, {DType::f64}), b = Tensor::randn({4, 3}, gen, {DType::f64});
  const Tensor y = ops::conditional_batch_norm(x, g, b, {}, {}, true);
  const Tensor xhat = ops::batch_norm(x, {}, {}, {}, {}, true);
  EXPECT_LE(max_abs_diff(y, affine_by_hand(xhat, g, b)), 1e-13);
}

TEST(ConditionalBatchNormOp, BadShapesAreNamed) {
  Generator gen(2);
  const Tensor x = Tensor::randn({4, 3, 2, 2}, gen);
  const Tensor g = Tensor::randn({4, 3}, gen), bad = Tensor::randn({3}, gen);
  auto expect_error = [](const std::function<void()>& f, const std::string& text) {
    try {
      f();
      ADD_FAILURE() << "expected an error containing " << text;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("conditional_batch_norm"), std::string::npos) << what;
      EXPECT_NE(what.find(text), std::string::npos) << what;
    }
  };
  expect_error([&] { ops::conditional_batch_norm(x, bad, g, {}, {}, true); }, "gamma has shape [3], expected [4, 3]");
  expect_error([&] { ops::conditional_batch_norm(x, g, bad, {}, {}, true); }, "beta has shape [3]");
  expect_error([&] { ops::conditional_batch_norm(x, g, g, {}, {}, false); }, "eval mode needs running_mean");
  Tensor rm = Tensor::zeros({4}), rv = Tensor::ones({4});
  expect_error([&] { ops::conditional_batch_norm(x, g, g, rm, rv, true); }, "expected [3]");
}

TEST(ConditionalBatchNorm2d, ClassEmbeddingStartsAsBatchNormAndPicksRows) {
  Generator gen(3);
  nn::ConditionalBatchNorm2d cbn(3, 5, nn::CondSource::class_embedding, gen);
  nn::BatchNorm2d bn(3, 1e-5, 0.1, false);
  const Tensor x = Tensor::randn({4, 3, 3, 3}, gen) * 2.0 + 1.0;
  const Tensor labels = Tensor::from_data({4}, std::vector<int64_t>{4, 0, 4, 2});
  EXPECT_LE(max_abs_diff(cbn(x, labels), bn(x)), 1e-6);  // ones / zeros init
  // Distinct rows per class: sample n uses row labels[n].
  {
    NoGradGuard ng;
    cbn.gamma_embedding->weight.copy_(Tensor::randn({5, 3}, gen));
    cbn.beta_embedding->weight.copy_(Tensor::randn({5, 3}, gen));
  }
  const Tensor y = cbn(x, labels);
  const Tensor gsel = ops::index_select0(cbn.gamma_embedding->weight.detach(), labels);
  const Tensor bsel = ops::index_select0(cbn.beta_embedding->weight.detach(), labels);
  const Tensor xhat = ops::batch_norm(x, {}, {}, {}, {}, true);
  EXPECT_LE(max_abs_diff(y, affine_by_hand(xhat, gsel, bsel)), 1e-5);
  ops::sum(ops::square(y)).backward();
  const auto gg = cbn.gamma_embedding->weight.grad().to_double_vector();
  for (int k = 0; k < 3; ++k) {
    EXPECT_NE(gg[4 * 3 + k], 0.0);  // used classes get gradient
    EXPECT_EQ(gg[1 * 3 + k], 0.0);  // unused class 1 does not
  }
  // Names: children gamma/beta, BN buffers.
  std::vector<std::string> keys;
  for (const auto& [k, t] : cbn.state_dict()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked", "gamma.weight",
                                            "beta.weight"}));
}

TEST(ConditionalBatchNorm2d, RunningStatisticsAsBatchNormAndEvalUsesThem) {
  Generator gen(4), g2(4);
  nn::ConditionalBatchNorm2d cbn(2, 3, nn::CondSource::class_embedding, gen, 1e-5, 0.2);
  nn::BatchNorm2d bn(2, 1e-5, 0.2, false);
  const Tensor labels = Tensor::from_data({3}, std::vector<int64_t>{0, 1, 2});
  for (int step = 0; step < 3; ++step) {
    const Tensor x = Tensor::randn({3, 2, 4, 4}, g2) * 3.0 - 1.0;
    cbn(x, labels);
    bn(x);
  }
  EXPECT_LE(max_abs_diff(cbn.running_mean, bn.running_mean), 1e-7);
  EXPECT_LE(max_abs_diff(cbn.running_var, bn.running_var), 1e-7);
  EXPECT_NE(cbn.running_var.to_double_vector()[0], 1.0);
  EXPECT_EQ(cbn.num_batches_tracked.to_vector<int64_t>()[0], 3);
  cbn.eval();
  bn.eval();
  const auto rm = cbn.running_mean.to_vector<float>(), rv = cbn.running_var.to_vector<float>();
  const Tensor x = Tensor::randn({3, 2, 4, 4}, g2);
  EXPECT_LE(max_abs_diff(cbn(x, labels), bn(x)), 1e-6);  // init affine: plain BN with running stats
  EXPECT_EQ(cbn.running_mean.to_vector<float>(), rm);       // eval does not update
  EXPECT_EQ(cbn.running_var.to_vector<float>(), rv);
}

TEST(ConditionalBatchNorm2d, LinearProjectionIsOnePlusGamma) {
  Generator gen(5);
  nn::ConditionalBatchNorm2d cbn(4, 6, nn::CondSource::linear_projection, gen);
  const Tensor x = Tensor::randn({3, 4, 2, 2}, gen);
  const Tensor e = Tensor::randn({3, 6}, gen);
  const Tensor y = cbn(x, e);
  const Tensor gm = ops::linear(e, cbn.gamma_linear->weight, cbn.gamma_linear->bias).detach() + 1.0;
  const Tensor bt = ops::linear(e, cbn.beta_linear->weight, cbn.beta_linear->bias).detach();
  const Tensor xhat = ops::batch_norm(x, {}, {}, {}, {}, true);
  EXPECT_LE(max_abs_diff(y, affine_by_hand(xhat, gm, bt)), 1e-5);
  ops::sum(y * x).backward();
  EXPECT_TRUE(cbn.gamma_linear->weight.grad().defined());
  EXPECT_TRUE(cbn.beta_linear->bias.grad().defined());
  EXPECT_THROW(cbn(x, Tensor::randn({3, 5}, gen)), Error);  // wrong conditioning size
  nn::ConditionalBatchNorm2d emb(4, 6, nn::CondSource::class_embedding, gen);
  EXPECT_THROW(emb(x, e), Error);                           // labels must be i64 [N]
}

// BigGAN's SNLinear gains: the children "gamma" / "beta" are spectral-norm
// wrappers and the affine uses W / sigma.
TEST(ConditionalBatchNorm2d, SpectralLinearProjectionUsesNormalizedWeights) {
  Generator gen(7);
  nn::ConditionalBatchNorm2d cbn(4, 6, nn::CondSource::linear_projection, gen, 1e-5, 0.1, DType::f32, true);
  ASSERT_NE(cbn.gamma_sn, nullptr);
  ASSERT_NE(cbn.beta_sn, nullptr);
  EXPECT_TRUE(cbn.gamma_sn->weight_orig.is_same(cbn.gamma_linear->weight));  // before any forward
  std::vector<std::string> names;
  for (const auto& [name, t] : cbn.state_dict()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked", "gamma.bias",
                                             "gamma.weight_orig", "gamma.weight_u", "gamma.weight_v", "beta.bias",
                                             "beta.weight_orig", "beta.weight_u", "beta.weight_v"}));
  const Tensor x = Tensor::randn({3, 4, 2, 2}, gen);
  const Tensor e = Tensor::randn({3, 6}, gen);
  const Tensor y = cbn(x, e);
  // After the forward, each wrapped Linear's weight is its W / sigma: the reference uses them.
  const Tensor wg = cbn.gamma_linear->weight.detach(), wb = cbn.beta_linear->weight.detach();
  const Tensor gm = ops::linear(e, wg, cbn.gamma_linear->bias).detach() + 1.0;
  const Tensor bt = ops::linear(e, wb, cbn.beta_linear->bias).detach();
  const Tensor xhat = ops::batch_norm(x, {}, {}, {}, {}, true);
  EXPECT_LE(max_abs_diff(y, affine_by_hand(xhat, gm, bt)), 1e-5);
  EXPECT_GT(max_abs_diff(wg, cbn.gamma_sn->weight_orig.detach()), 1e-3);  // normalized, not the raw weight
  ops::sum(y * x).backward();
  EXPECT_TRUE(cbn.gamma_sn->weight_orig.grad().defined());
  EXPECT_THROW(nn::ConditionalBatchNorm2d(4, 10, nn::CondSource::class_embedding, gen, 1e-5, 0.1, DType::f32, true),
               Error);
}

}  // namespace
}  // namespace gan
