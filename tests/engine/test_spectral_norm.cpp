// spectral_norm_weight and nn::SpectralNorm on the CPU: training mode updates
// u and v in place and eval mode does not, the result is W / (u^T W v), bad
// arguments fail before anything changes, the wrapper's PyTorch names and
// initialization, state_dict round trip, gradients reach weight_orig only,
// and PyTorch golden values (tests/golden/spectral_norm.safetensors from
// scripts/golden/gen_spectral_norm.py: torch.nn.utils.spectral_norm, k = 1 and
// 5 power iterations, Linear / Conv2d / ConvTranspose2d, f32 and f64).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "gan/autograd.h"
#include "gan/io/safetensors.h"
#include "gan/nn/spectral_norm.h"
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

// u^T W v computed directly in double from the host copies (dim-0 view).
double bilinear(const Tensor& w, const Tensor& u, const Tensor& v) {
  const auto wd = w.to_double_vector(), ud = u.to_double_vector(), vd = v.to_double_vector();
  double s = 0;
  for (size_t r = 0; r < ud.size(); ++r)
    for (size_t c = 0; c < vd.size(); ++c) s += ud[r] * wd[r * vd.size() + c] * vd[c];
  return s;
}

TEST(SpectralNormOp, TrainingUpdatesUAndVEvalDoesNot) {
  Generator gen(1);
  const Tensor w = Tensor::randn({5, 8}, gen);
  Tensor u = Tensor::randn({5}, gen), v = Tensor::randn({8}, gen);
  const auto u0 = u.to_vector<float>(), v0 = v.to_vector<float>();
  Tensor sigma;
  const Tensor y = ops::spectral_norm_weight(w, u, v, 2, true, 0, 1e-12, &sigma);
  EXPECT_NE(u.to_vector<float>(), u0);
  EXPECT_NE(v.to_vector<float>(), v0);
  EXPECT_NEAR(ops::sum(ops::square(u)).item(), 1.0, 1e-6);  // u, v are unit vectors after a step
  EXPECT_NEAR(ops::sum(ops::square(v)).item(), 1.0, 1e-6);
  EXPECT_NEAR(sigma.item(), bilinear(w, u, v), 1e-5 * std::abs(sigma.item()));
  EXPECT_LE(max_abs_diff(y, w / sigma.item()), 1e-6);

  // Eval: the stored vectors are read, not changed; sigma = u^T W v with them.
  const auto u1 = u.to_vector<float>(), v1 = v.to_vector<float>();
  Tensor sigma_e;
  const Tensor ye = ops::spectral_norm_weight(w, u, v, 3, false, 0, 1e-12, &sigma_e);
  EXPECT_EQ(u.to_vector<float>(), u1);
  EXPECT_EQ(v.to_vector<float>(), v1);
  EXPECT_NEAR(sigma_e.item(), sigma.item(), 1e-6 * std::abs(sigma.item()));
  EXPECT_LE(max_abs_diff(ye, y), 1e-7);
}

// The persistent buffers carry the iteration across calls: 60 training calls of
// one step each converge like 60 steps (singular values 3, 2, 1: ratio 2/3).
TEST(SpectralNormOp, RepeatedTrainingCallsConvergeToTheLargestSingularValue) {
  const Tensor w = Tensor::from_data({3, 4}, std::vector<float>{0, 3, 0, 0, 0, 0, 0, -2, 1, 0, 0, 0});
  Tensor u = Tensor::from_data({3}, std::vector<float>{0.6f, 0.0f, 0.8f}), v = Tensor::zeros({4});
  Tensor sigma;
  ops::spectral_norm_weight(w, u, v, 1, true, 0, 1e-12, &sigma);
  const double first = sigma.item();
  for (int i = 0; i < 59; ++i) ops::spectral_norm_weight(w, u, v, 1, true, 0, 1e-12, &sigma);
  EXPECT_LT(first, 2.99);  // not there after one step from this u
  EXPECT_NEAR(sigma.item(), 3.0, 1e-6);
  EXPECT_NEAR(std::abs(u.to_double_vector()[0]), 1.0, 1e-6);  // u -> e_0, v -> e_1
  EXPECT_NEAR(std::abs(v.to_double_vector()[1]), 1.0, 1e-6);
}

TEST(SpectralNormOp, BadArgumentsFailBeforeAnyUpdate) {
  Generator gen(2);
  const Tensor w = Tensor::randn({4, 3, 2, 2}, gen);
  Tensor u = Tensor::randn({4}, gen), v = Tensor::randn({12}, gen);
  const auto u0 = u.to_vector<float>();
  auto expect_error = [&](const std::function<void()>& f, const std::string& text) {
    try {
      f();
      ADD_FAILURE() << "expected an error containing " << text;
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("spectral_norm_weight"), std::string::npos) << what;
      EXPECT_NE(what.find(text), std::string::npos) << what;
    }
    EXPECT_EQ(u.to_vector<float>(), u0);
  };
  Tensor u_bad = Tensor::randn({3}, gen);
  expect_error([&] { ops::spectral_norm_weight(w, u_bad, v, 1, true); }, "u has shape [3], expected [4]");
  Tensor v_bad = Tensor::randn({4}, gen);
  expect_error([&] { ops::spectral_norm_weight(w, u, v_bad, 1, true); }, "v has shape [4], expected [12]");
  expect_error([&] { ops::spectral_norm_weight(w, u, v, 0, true); }, "n_iter must be >= 1");
  expect_error([&] { ops::spectral_norm_weight(w, u, v, 1, true, 2); }, "dim must be 0");
  expect_error([&] { ops::spectral_norm_weight(w, u, v, 1, true, 0, 0.0); }, "eps must be positive");
  Tensor ud = Tensor::randn({4}, gen).to(DType::f64);
  expect_error([&] { ops::spectral_norm_weight(w, ud, v, 1, true); }, "f64");
  // dim 1 of [4, 3, 2, 2]: rows 3, cols 16.
  expect_error([&] { ops::spectral_norm_weight(w, u, v, 1, true, 1); }, "expected [3]");
}

TEST(SpectralNormModule, PyTorchNamesShapesAndInit) {
  Generator gen(3);
  auto lin = nn::spectral_norm(std::make_shared<nn::Linear>(10, 6, gen), gen);
  auto conv = nn::spectral_norm(std::make_shared<nn::Conv2d>(3, 8, 4, gen, 2, 1), gen);
  auto convt = nn::spectral_norm(std::make_shared<nn::ConvTranspose2d>(8, 5, 4, gen, 2, 1), gen);
  struct Expect {
    std::shared_ptr<nn::SpectralNorm> m;
    Shape w, u, v;
  };
  for (const auto& e : {Expect{lin, {6, 10}, {6}, {10}}, Expect{conv, {8, 3, 4, 4}, {8}, {48}},
                        Expect{convt, {8, 5, 4, 4}, {5}, {128}}}) {
    const NamedTensors sd = e.m->state_dict();
    ASSERT_EQ(sd.size(), 4u);
    EXPECT_EQ(sd[0].first, "bias");
    EXPECT_EQ(sd[1].first, "weight_orig");
    EXPECT_EQ(sd[2].first, "weight_u");
    EXPECT_EQ(sd[3].first, "weight_v");
    EXPECT_EQ(sd[1].second.shape(), e.w);
    EXPECT_EQ(sd[2].second.shape(), e.u);
    EXPECT_EQ(sd[3].second.shape(), e.v);
    EXPECT_NEAR(ops::sum(ops::square(e.m->weight_u)).item(), 1.0, 1e-6);
    EXPECT_NEAR(ops::sum(ops::square(e.m->weight_v)).item(), 1.0, 1e-6);
    const auto params = e.m->named_parameters();
    ASSERT_EQ(params.size(), 2u);  // bias, weight_orig: the buffers are not trained
  }
  EXPECT_EQ(convt->dim, 1);
  EXPECT_EQ(conv->dim, 0);
}

TEST(SpectralNormModule, ForwardUsesNormalizedWeightAndGradReachesWeightOrig) {
  Generator gen(4);
  auto layer = std::make_shared<nn::Conv2d>(3, 6, 3, gen, 1, 1);
  auto sn = nn::spectral_norm(layer, gen, 2);
  const Tensor w_orig = sn->weight_orig.detach().clone();
  const Tensor x = Tensor::randn({2, 3, 5, 5}, gen);
  const Tensor y = (*sn)(x);
  // The wrapped layer's weight is now W / sigma with the updated u, v.
  const double s = bilinear(w_orig.reshape({6, 27}), sn->weight_u, sn->weight_v);
  const Tensor ref = ops::conv2d(x, w_orig / s, layer->bias, {{1, 1}, {1, 1}});
  EXPECT_LE(max_abs_diff(y, ref), 1e-5);
  ops::sum(ops::square(y)).backward();
  ASSERT_TRUE(sn->weight_orig.grad().defined());
  EXPECT_TRUE(layer->bias.grad().defined());
  EXPECT_FALSE(sn->weight_u.grad().defined());
  EXPECT_FALSE(sn->weight_u.requires_grad());
}

// BigGAN's SNEmbedding: the table [num, dim] is normalized as a [num, dim]
// matrix (rows = num, as torch.nn.utils.spectral_norm on an Embedding) and
// the lookup picks rows of E / sigma; no bias.
TEST(SpectralNormModule, EmbeddingLooksUpRowsOfTheNormalizedTable) {
  Generator gen(6);
  auto table = std::make_shared<nn::Embedding>(5, 7, gen);
  auto sn = nn::spectral_norm(table, gen);
  const NamedTensors sd = sn->state_dict();
  ASSERT_EQ(sd.size(), 3u);
  EXPECT_EQ(sd[0].first, "weight_orig");
  EXPECT_EQ(sd[0].second.shape(), (Shape{5, 7}));
  EXPECT_EQ(sn->weight_u.shape(), (Shape{5}));
  EXPECT_EQ(sn->weight_v.shape(), (Shape{7}));
  const Tensor e_orig = sn->weight_orig.detach().clone();
  const Tensor idx = Tensor::from_data({4}, std::vector<int64_t>{3, 0, 3, 4});
  const Tensor y = (*sn)(idx);
  const double s = bilinear(e_orig, sn->weight_u, sn->weight_v);
  EXPECT_LE(max_abs_diff(y, ops::index_select0(e_orig / s, idx)), 1e-6);
  ops::sum(ops::square(y)).backward();
  ASSERT_TRUE(sn->weight_orig.grad().defined());
  // Rows 1 and 2 were not looked up, but sigma depends on them: their gradient is not zero.
  EXPECT_GT(std::abs(sn->weight_orig.grad().to_double_vector()[7]), 0.0);
  EXPECT_THROW(nn::spectral_norm(std::shared_ptr<nn::Embedding>(), gen), Error);
}

TEST(SpectralNormModule, StateDictRoundTrip) {
  Generator gen(5), gen2(99);
  auto a = nn::spectral_norm(std::make_shared<nn::ConvTranspose2d>(4, 3, 4, gen, 2, 1), gen);
  auto b = nn::spectral_norm(std::make_shared<nn::ConvTranspose2d>(4, 3, 4, gen2, 2, 1), gen2);
  const Tensor x = Tensor::randn({2, 4, 3, 3}, gen);
  for (int i = 0; i < 3; ++i) (*a)(x);  // u, v move away from their init
  NamedTensors snapshot;
  for (const auto& [k, t] : a->state_dict()) snapshot.emplace_back(k, t.clone());
  b->load_state_dict(snapshot);
  const NamedTensors sb = b->state_dict();
  ASSERT_EQ(sb.size(), snapshot.size());
  for (size_t i = 0; i < sb.size(); ++i) {
    EXPECT_EQ(sb[i].first, snapshot[i].first);
    EXPECT_EQ(max_abs_diff(sb[i].second, snapshot[i].second), 0.0) << sb[i].first;
  }
  a->eval();
  b->eval();
  EXPECT_EQ(max_abs_diff((*b)(x), (*a)(x)), 0.0);
  a->train();
  b->train();
  EXPECT_EQ(max_abs_diff((*b)(x), (*a)(x)), 0.0);  // the same update from the same u, v
  EXPECT_EQ(max_abs_diff(b->weight_u, a->weight_u), 0.0);
}

// ---- PyTorch golden values ------------------------------------------------------------

#if defined(GAN_TEST_GOLDEN_DIR)
Tensor golden(const io::SafetensorsFile& f, const std::string& name) {
  const auto it = f.tensors.find(name);
  if (it == f.tensors.end()) throw Error("golden tensor missing: " + name);
  const io::TensorData& d = it->second;
  if (d.dtype == "F32") {
    std::vector<float> v(d.bytes.size() / 4);
    std::memcpy(v.data(), d.bytes.data(), d.bytes.size());
    return Tensor::from_data(d.shape, v);
  }
  std::vector<double> v(d.bytes.size() / 8);
  std::memcpy(v.data(), d.bytes.data(), d.bytes.size());
  return Tensor::from_data(d.shape, v, {DType::f64});
}

TEST(SpectralNormGolden, MatchesTorchSpectralNorm) {
  const auto f = io::read_safetensors(std::string(GAN_TEST_GOLDEN_DIR) + "/spectral_norm.safetensors");
  int compared = 0;
  for (const std::string c : {"linear", "conv", "convt"}) {
    for (const std::string dt : {"f32", "f64"}) {
      const double tol = dt == "f32" ? 1e-5 : 1e-12;
      const std::string base = c + "." + dt;
      const Tensor w = golden(f, base + ".w");
      const int64_t dim = c == "convt" ? 1 : 0;
      for (int k : {1, 5}) {
        const std::string kb = base + ".k" + std::to_string(k);
        Tensor u = golden(f, base + ".u").clone();
        const Tensor want_v = golden(f, kb + ".v");
        Tensor v = Tensor::zeros(want_v.shape(), Options{w.dtype()});
        Tensor sigma;
        const Tensor y = ops::spectral_norm_weight(w, u, v, k, true, dim, 1e-12, &sigma);
        const double e_w = max_abs_diff(y, golden(f, kb + ".weight"));
        const double e_u = max_abs_diff(u, golden(f, kb + ".u"));
        const double e_v = max_abs_diff(v, want_v);
        const double want_sigma = golden(f, kb + ".sigma").item();
        const double e_s = std::abs(sigma.item() - want_sigma) / std::abs(want_sigma);
        std::printf("[ golden ] %-16s k=%d  |dW/sigma| %.3g  |du| %.3g  |dv| %.3g  sigma rel %.3g\n", base.c_str(),
                    k, e_w, e_u, e_v, e_s);
        EXPECT_LE(e_w, tol) << kb;
        EXPECT_LE(e_u, tol) << kb;
        EXPECT_LE(e_v, tol) << kb;
        EXPECT_LE(e_s, tol) << kb;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 12);
}
#endif

}  // namespace
}  // namespace gan
