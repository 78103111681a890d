// Forward values and errors of the shape, normalization, loss, softmax and
// embedding ops (their gradients are checked by grad_rows_shape_norm_loss.cpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "gan/autograd.h"
#include "gan/ops.h"
#include "gan/random.h"

namespace gan {
namespace {

using ::testing::HasSubstr;
using ops::Reduction;

Tensor f64(const Shape& s, std::vector<double> v) { return Tensor::from_data(s, v, {DType::f64}); }
Tensor i64(const Shape& s, std::vector<int64_t> v) { return Tensor::from_data(s, v); }

// Runs fn, expects a gan::Error whose message contains every part.
void expect_error(const std::function<void()>& fn, const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "expected gan::Error";
  } catch (const Error& e) {
    for (const auto& p : parts) EXPECT_THAT(e.what(), HasSubstr(p));
  }
}

void expect_near(const std::vector<double>& a, const std::vector<double>& b, double tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tol) << "element " << i;
}

// ---- shape -------------------------------------------------------------------------------------

TEST(ShapeOps, PermuteTransposeValues) {
  Tensor x = Tensor::arange(24, {DType::f64}).reshape({2, 3, 4});
  Tensor y = ops::permute(x, {2, 0, 1});
  EXPECT_EQ(y.shape(), (Shape{4, 2, 3}));
  const auto v = y.to_double_vector();
  // y[k, i, j] = x[i, j, k] = 12 i + 4 j + k
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) EXPECT_EQ(v[static_cast<size_t>(k * 6 + i * 3 + j)], 12 * i + 4 * j + k);
  Tensor t = ops::transpose(f64({2, 3}, {1, 2, 3, 4, 5, 6}), 0, 1);
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(t.to_double_vector(), (std::vector<double>{1, 4, 2, 5, 3, 6}));
  expect_error([&] { ops::permute(x, {0, 0, 1}); }, {"permute", "repeated"});
  expect_error([&] { ops::permute(x, {0, 1}); }, {"permute", "[2, 3, 4]"});
}

TEST(ShapeOps, CatStackValues) {
  Tensor a = f64({2, 1}, {1, 2}), b = f64({2, 2}, {3, 4, 5, 6});
  Tensor c = ops::cat({a, b}, 1);
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  EXPECT_EQ(c.to_double_vector(), (std::vector<double>{1, 3, 4, 2, 5, 6}));
  Tensor s = ops::stack({f64({2}, {1, 2}), f64({2}, {3, 4})}, 1);
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(s.to_double_vector(), (std::vector<double>{1, 3, 2, 4}));
  Tensor li = ops::cat({i64({2}, {1, 2}), i64({1}, {7})}, 0);  // copies serve labels too
  EXPECT_EQ(li.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 7}));
  expect_error([&] { ops::cat({a, f64({3, 2}, {0, 0, 0, 0, 0, 0})}, 1); }, {"cat", "[3, 2]", "[2, 1]"});
}

TEST(ShapeOps, SliceClampsLikePyTorch) {
  Tensor x = Tensor::arange(7, {DType::f64});
  EXPECT_EQ(ops::slice(x, 0, -6, 7, 2).to_double_vector(), (std::vector<double>{1, 3, 5}));
  EXPECT_EQ(ops::slice(x, 0, -100, 100, 3).to_double_vector(), (std::vector<double>{0, 3, 6}));
  EXPECT_EQ(ops::slice(x, 0, 2, -2).to_double_vector(), (std::vector<double>{2, 3, 4}));
  EXPECT_EQ(ops::slice(x, 0, 5, 2).numel(), 0);
  Tensor m = Tensor::arange(12, {DType::f64}).reshape({3, 4});
  EXPECT_EQ(ops::slice(m, -1, 1, 4, 2).to_double_vector(), (std::vector<double>{1, 3, 5, 7, 9, 11}));
  expect_error([&] { ops::slice(x, 0, 0, 3, 0); }, {"slice", "step"});
}

TEST(ShapeOps, IndexSelect0AndErrors) {
  Tensor x = f64({3, 2}, {1, 2, 3, 4, 5, 6});
  x.requires_grad_();
  Tensor y = ops::index_select0(x, i64({3}, {2, 0, 2}));
  EXPECT_EQ(y.to_double_vector(), (std::vector<double>{5, 6, 1, 2, 5, 6}));
  ops::sum(y).backward();
  EXPECT_EQ(x.grad().to_double_vector(), (std::vector<double>{1, 1, 0, 0, 2, 2}));
  expect_error([&] { ops::index_select0(x, i64({2}, {0, 3})); }, {"index_select0", "index 3", "position 1"});
  expect_error([&] { ops::index_select0(x, f64({1}, {0})); }, {"index_select0", "i64"});
}

// ---- normalization -----------------------------------------------------------------------------

TEST(NormOps, BatchNormTrainingNormalizesAndUpdatesRunningStats) {
  Generator gen(7);
  const int64_t n = 6, c = 3, hw = 5;
  Tensor x = ops::add(ops::mul(Tensor::randn({n, c, hw}, gen), 3.0), 2.0);
  Tensor rm = Tensor::zeros({c}), rv = Tensor::ones({c});
  const uint64_t v0 = rm.impl().version;
  Tensor y = ops::batch_norm(x, {}, {}, rm, rv, true, 0.1, 1e-5);
  EXPECT_GT(rm.impl().version, v0);
  const auto xv = x.to_double_vector(), yv = y.to_double_vector();
  const auto rmv = rm.to_double_vector(), rvv = rv.to_double_vector();
  for (int64_t ch = 0; ch < c; ++ch) {
    double sx = 0, sy = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < hw; ++k) {
        sx += xv[static_cast<size_t>((i * c + ch) * hw + k)];
        sy += yv[static_cast<size_t>((i * c + ch) * hw + k)];
      }
    const double m = static_cast<double>(n * hw), mx = sx / m, my = sy / m;
    double vx = 0, vy = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < hw; ++k) {
        const double dx = xv[static_cast<size_t>((i * c + ch) * hw + k)] - mx;
        const double dy = yv[static_cast<size_t>((i * c + ch) * hw + k)] - my;
        vx += dx * dx;
        vy += dy * dy;
      }
    EXPECT_NEAR(my, 0.0, 1e-5) << "channel " << ch;
    EXPECT_NEAR(vy / m, 1.0, 1e-3) << "channel " << ch;
    // PyTorch: running = 0.9 * running + 0.1 * batch stat, unbiased variance.
    EXPECT_NEAR(rmv[static_cast<size_t>(ch)], 0.1 * mx, 1e-5);
    EXPECT_NEAR(rvv[static_cast<size_t>(ch)], 0.9 + 0.1 * vx / (m - 1), 1e-4);
  }
}

TEST(NormOps, BatchNormEvalUsesRunningStats) {
  Tensor x = f64({2, 2}, {1, 2, 3, 4});
  Tensor rm = f64({2}, {1, -1}), rv = f64({2}, {4, 0.25});
  Tensor gamma = f64({2}, {2, 3}), beta = f64({2}, {0.5, -0.5});
  Tensor y = ops::batch_norm(x, gamma, beta, rm, rv, false, 0.1, 0.0 + 1e-12);
  expect_near(y.to_double_vector(), {2 * (1 - 1) / 2.0 + 0.5, 3 * (2 + 1) / 0.5 - 0.5, 2 * (3 - 1) / 2.0 + 0.5,
                                     3 * (4 + 1) / 0.5 - 0.5},
              1e-9);
  EXPECT_EQ(rm.to_double_vector(), (std::vector<double>{1, -1}));  // untouched in eval
  expect_error([&] { ops::batch_norm(x, {}, {}, {}, {}, false); }, {"batch_norm", "running"});
  expect_error([&] { ops::batch_norm(x, f64({3}, {1, 1, 1}), {}, {}, {}, true); }, {"batch_norm", "[3]", "[2, 2]"});
  expect_error([&] { ops::batch_norm(f64({1, 2}, {1, 2}), {}, {}, {}, {}, true); },
               {"batch_norm", "more than 1 value"});
}

// The kernel backward (plain backward) and the composite one (create_graph) agree.
void expect_paths_agree(const std::function<Tensor(const std::vector<Tensor>&)>& f, std::vector<Tensor> in) {
  Generator gen(3);
  const Tensor out = f(in);
  const Tensor v = Tensor::randn(out.shape(), gen, {DType::f64});
  std::vector<Tensor> req;
  for (auto& t : in)
    if (t.requires_grad()) req.push_back(t);
  const auto plain = autograd::grad({f(in)}, req, {v});
  const auto composite = autograd::grad({f(in)}, req, {v}, {.create_graph = true});
  for (size_t i = 0; i < req.size(); ++i) expect_near(plain[i].to_double_vector(), composite[i].to_double_vector(), 1e-10);
}

TEST(NormOps, KernelAndCompositeBackwardsAgree) {
  Generator gen(11);
  auto leaf = [&](const Shape& s) { return Tensor::randn(s, gen, {DType::f64}).requires_grad_(); };
  expect_paths_agree([](const std::vector<Tensor>& in) { return ops::batch_norm(in[0], in[1], in[2], {}, {}, true); },
                     {leaf({4, 3, 5}), leaf({3}), leaf({3})});
  expect_paths_agree([](const std::vector<Tensor>& in) { return ops::layer_norm(in[0], 2, in[1], in[2]); },
                     {leaf({2, 3, 4}), leaf({3, 4}), leaf({3, 4})});
  expect_paths_agree([](const std::vector<Tensor>& in) { return ops::cross_entropy(in[0], in[1], Reduction::none); },
                     {leaf({3, 4}), i64({3}, {0, 3, 1})});
}

TEST(NormOps, LayerNormAndInstanceNormValues) {
  Tensor x = f64({2, 4}, {1, 2, 3, 4, -2, 0, 2, 4});
  Tensor y = ops::layer_norm(x, 1, {}, {}, 0.0 + 1e-12);
  const double s1 = std::sqrt(1.25), s2 = std::sqrt(5.0);
  expect_near(y.to_double_vector(), {-1.5 / s1, -0.5 / s1, 0.5 / s1, 1.5 / s1, -3 / s2, -1 / s2, 1 / s2, 3 / s2},
              1e-9);
  // Instance norm = per-(n, c) layer norm, then per-channel affine.
  Generator gen(5);
  Tensor xi = Tensor::randn({2, 3, 2, 2}, gen, {DType::f64});
  Tensor gamma = f64({3}, {1, 2, 3}), beta = f64({3}, {0, 1, 2});
  Tensor yi = ops::instance_norm(xi, gamma, beta);
  Tensor ref = ops::layer_norm(xi, 2);
  const auto a = yi.to_double_vector(), b = ref.to_double_vector();
  for (size_t i = 0; i < a.size(); ++i) {
    const size_t ch = (i / 4) % 3;
    EXPECT_NEAR(a[i], b[i] * (1.0 + static_cast<double>(ch)) + static_cast<double>(ch), 1e-12);
  }
  expect_error([&] { ops::layer_norm(x, 1, f64({3}, {1, 1, 1})); }, {"layer_norm", "[3]", "[2, 4]"});
}

TEST(NormOps, F32Works) {
  Generator gen(9);
  Tensor x = Tensor::randn({4, 2, 3}, gen);
  x.requires_grad_();
  Tensor l = ops::sum(ops::square(ops::batch_norm(x, {}, {}, {}, {}, true))) +
             ops::sum(ops::square(ops::layer_norm(x, 1))) + ops::sum(ops::instance_norm(x.reshape({4, 2, 3, 1})));
  l.backward();
  EXPECT_EQ(x.grad().dtype(), DType::f32);
  for (double v : x.grad().to_double_vector()) EXPECT_TRUE(std::isfinite(v));
}

// ---- losses ------------------------------------------------------------------------------------

TEST(LossOps, BceWithLogitsFiniteForLargeLogits) {
  for (DType dt : {DType::f32, DType::f64}) {
    Tensor x = Tensor::from_data({4}, std::vector<double>{-100, 100, 0, 50}, {dt});
    x.requires_grad_();
    Tensor t = Tensor::from_data({4}, std::vector<double>{0, 1, 1, 0}, {dt});
    Tensor l = ops::bce_with_logits(x, t, Reduction::none);
    const auto v = l.to_double_vector();
    EXPECT_NEAR(v[0], 0.0, 1e-6);
    EXPECT_NEAR(v[1], 0.0, 1e-6);
    EXPECT_NEAR(v[2], std::log(2.0), 1e-6);
    EXPECT_NEAR(v[3], 50.0, 1e-4);
    ops::sum(l).backward();
    const auto g = x.grad().to_double_vector();
    for (double e : g) EXPECT_TRUE(std::isfinite(e));
    EXPECT_NEAR(g[2], -0.5, 1e-6);
    EXPECT_NEAR(g[3], 1.0, 1e-6);
  }
  Tensor l = ops::bce_with_logits(f64({2}, {100, -100}), f64({2}, {0, 1}));  // mean
  EXPECT_NEAR(l.item(), 100.0, 1e-9);
}

TEST(LossOps, MseValuesAndReductions) {
  Tensor x = f64({2, 2}, {1, 2, 3, 4}), t = f64({2, 2}, {0, 2, 5, 4});
  EXPECT_EQ(ops::mse_loss(x, t, Reduction::none).to_double_vector(), (std::vector<double>{1, 0, 4, 0}));
  EXPECT_DOUBLE_EQ(ops::mse_loss(x, t, Reduction::sum).item(), 5.0);
  EXPECT_DOUBLE_EQ(ops::mse_loss(x, t).item(), 1.25);
}

TEST(LossOps, CrossEntropyMatchesLogSoftmaxByHand) {
  const std::vector<double> v{1, 2, 3, 0.5, -1, 0, 4, 2, 2, 2, 2, 2};
  Tensor x = f64({3, 4}, v);
  Tensor labels = i64({3}, {2, 0, 3});
  const auto per = ops::cross_entropy(x, labels, Reduction::none).to_double_vector();
  double total = 0;
  for (int i = 0; i < 3; ++i) {
    double z = 0;
    for (int j = 0; j < 4; ++j) z += std::exp(v[static_cast<size_t>(i * 4 + j)]);
    const int64_t lab = labels.to_vector<int64_t>()[static_cast<size_t>(i)];
    const double want = -(v[static_cast<size_t>(i * 4 + lab)] - std::log(z));
    EXPECT_NEAR(per[static_cast<size_t>(i)], want, 1e-12);
    total += want;
  }
  EXPECT_NEAR(ops::cross_entropy(x, labels).item(), total / 3, 1e-12);
  EXPECT_NEAR(ops::cross_entropy(x, labels, Reduction::sum).item(), total, 1e-12);
  // And against the engine's log_softmax.
  const auto ls = ops::log_softmax(x, 1).to_double_vector();
  EXPECT_NEAR(per[1], -ls[4], 1e-12);
}

TEST(LossOps, SoftmaxRowsSumToOne) {
  Generator gen(2);
  Tensor x = Tensor::randn({3, 4, 2}, gen, {DType::f64});
  for (int64_t d : {0, 1, 2, -1}) {
    const auto s = ops::sum(ops::softmax(x, d), {d}).to_double_vector();
    for (double e : s) EXPECT_NEAR(e, 1.0, 1e-12);
    const auto ls = ops::sum(ops::exp(ops::log_softmax(x, d)), {d}).to_double_vector();
    for (double e : ls) EXPECT_NEAR(e, 1.0, 1e-12);
  }
  // softmax over dim 0 equals softmax over the last dim of the transpose.
  Tensor m = Tensor::randn({3, 5}, gen, {DType::f64});
  expect_near(ops::softmax(m, 0).to_double_vector(),
              ops::transpose(ops::softmax(ops::transpose(m, 0, 1), -1), 0, 1).to_double_vector(), 1e-14);
}

TEST(LossOps, Errors) {
  Tensor a = f64({2, 3}, {0, 0, 0, 0, 0, 0}), b = f64({3, 2}, {0, 0, 0, 0, 0, 0});
  expect_error([&] { ops::bce_with_logits(a, b); }, {"bce_with_logits", "[2, 3]", "[3, 2]"});
  expect_error([&] { ops::mse_loss(a, b); }, {"mse_loss", "[2, 3]", "[3, 2]"});
  expect_error([&] { ops::mse_loss(a, a.to(DType::f32)); }, {"mse_loss", "f32", "f64"});
  expect_error([&] { ops::cross_entropy(a, i64({2}, {0, 3})); }, {"cross_entropy", "label 3", "row 1", "[0, 3)"});
  expect_error([&] { ops::cross_entropy(a, i64({2}, {-1, 0})); }, {"cross_entropy", "label -1", "row 0"});
  expect_error([&] { ops::cross_entropy(a, f64({2}, {0, 1})); }, {"cross_entropy", "labels", "i64"});
  expect_error([&] { ops::cross_entropy(a, i64({3}, {0, 1, 2})); }, {"cross_entropy", "[3]", "[2, 3]"});
  expect_error([&] { ops::softmax(a, 2); }, {"softmax", "dim 2"});
}

// ---- embedding ---------------------------------------------------------------------------------

TEST(EmbeddingOps, LookupGradAndErrors) {
  Tensor table = f64({3, 2}, {1, 2, 3, 4, 5, 6});
  table.requires_grad_();
  Tensor idx = i64({2, 2}, {2, 0, 2, 1});
  Tensor y = ops::embedding(idx, table);
  EXPECT_EQ(y.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(y.to_double_vector(), (std::vector<double>{5, 6, 1, 2, 5, 6, 3, 4}));
  ops::sum(ops::mul(y, 2.0)).backward();
  EXPECT_EQ(table.grad().to_double_vector(), (std::vector<double>{2, 2, 2, 2, 4, 4}));
  expect_error([&] { ops::embedding(i64({3}, {0, 9, 1}), table); },
               {"embedding", "index 9", "position 1", "[0, 3)"});
  expect_error([&] { ops::embedding(i64({1}, {-1}), table); }, {"embedding", "index -1", "position 0"});
  expect_error([&] { ops::embedding(f64({1}, {0}), table); }, {"embedding", "i64"});
}

}  // namespace
}  // namespace gan
