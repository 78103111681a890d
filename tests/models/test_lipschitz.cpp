// lipschitz.h and the SNGAN system: the exact spectral norm against matrices
// whose singular values are known, the power iteration of nn::SpectralNorm
// converging to it, input-gradient norms of a map whose gradient is known, and
// SNGAN's evaluate() measuring without changing the run.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "gan/models/lipschitz.h"
#include "gan/models/registry.h"
#include "gan/nn/layers.h"
#include "gan/nn/spectral_norm.h"
#include "gan/ops.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

TEST(ExactSpectralNorm, KnownMatrices) {
  // diag(3, -5, 1) padded to 3x4: singular values 5, 3, 1.
  std::vector<float> d(12, 0.f);
  d[0] = 3, d[5] = -5, d[10] = 1;
  EXPECT_NEAR(exact_spectral_norm(Tensor::from_data({3, 4}, d)), 5.0, 1e-6);
  // Rank one: a b^T has the single singular value |a| |b|.
  const std::vector<double> a = {1, 2, 2}, b = {3, 4};
  std::vector<float> ab;
  for (double x : a)
    for (double y : b) ab.push_back(static_cast<float>(x * y));
  EXPECT_NEAR(exact_spectral_norm(Tensor::from_data({3, 2}, ab)), 3.0 * 5.0, 1e-5);
  // A conv weight [out, in, kh, kw] is the matrix [out, in*kh*kw]; dim 1 (a
  // transposed conv's [in, out, kh, kw]) swaps the first two axes first.
  Generator gen(3);
  const Tensor w = Tensor::randn({5, 3, 2, 2}, gen);
  const double s0 = exact_spectral_norm(w, 0);
  EXPECT_NEAR(exact_spectral_norm(w.reshape({5, 12}), 0), s0, 1e-9);
  EXPECT_NEAR(exact_spectral_norm(ops::permute(w, {1, 0, 2, 3}).contiguous(), 1), s0, 1e-9);
  EXPECT_NE(testing::error_of([&] { exact_spectral_norm(Tensor::zeros({4}), 0); }).find("exact_spectral_norm"),
            std::string::npos);
}

TEST(SpectralNormReport, PowerIterationConvergesToTheExactSigma) {
  Generator gen(7);
  auto conv = std::make_shared<nn::Conv2d>(6, 9, 3, gen);
  auto convt = std::make_shared<nn::ConvTranspose2d>(4, 7, 3, gen);
  nn::Sequential net;
  net.push_back(nn::spectral_norm(conv, gen));
  net.push_back(nn::spectral_norm(convt, gen));
  const std::vector<LayerSigma> before = spectral_norm_report(net);
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0].name, "0");
  // Random u and v: the first estimate is far below sigma.
  EXPECT_LT(before[0].power, 0.9 * before[0].exact);
  // One power iteration per training forward, as during training.
  for (int i = 0; i < 200; ++i) {
    (*net[0])(Tensor::randn({1, 6, 5, 5}, gen));
    (*net[1])(Tensor::randn({1, 4, 5, 5}, gen));
  }
  const std::vector<LayerSigma> after = spectral_norm_report(net);
  const auto& sn0 = dynamic_cast<nn::SpectralNorm&>(*net[0]);
  const auto& sn1 = dynamic_cast<nn::SpectralNorm&>(*net[1]);
  EXPECT_NEAR(after[0].exact, exact_spectral_norm(sn0.weight_orig, 0), 1e-9);
  EXPECT_NEAR(after[1].exact, exact_spectral_norm(sn1.weight_orig, 1), 1e-9);
  for (const LayerSigma& s : after) EXPECT_NEAR(s.rel_error(), 0.0, 1e-3) << s.name;
  // The weight the layer uses, W / sigma, has spectral norm 1.
  EXPECT_NEAR(exact_spectral_norm(conv->weight, 0), 1.0, 1e-3);
  EXPECT_NEAR(exact_spectral_norm(convt->weight, 1), 1.0, 1e-3);
}

TEST(InputGradientNorms, LinearMapHasItsCoefficientNorm) {
  // D(x) = sum(a * x) per sample: dD/dx = a, so every norm is |a|.
  Generator gen(1);
  const Tensor a = Tensor::randn({1, 2, 3, 3}, gen);
  const double na = std::sqrt(ops::sum(ops::square(a)).item());
  const Tensor x = Tensor::randn({5, 2, 3, 3}, gen);
  const std::vector<double> n = input_gradient_norms([&](const Tensor& t) { return ops::sum(t * a, {1, 2, 3}); }, x);
  ASSERT_EQ(n.size(), 5u);
  for (double v : n) EXPECT_NEAR(v, na, 1e-5 * na);
  EXPECT_FALSE(x.requires_grad());  // x itself untouched
  const Spread s = spread_of({4, 1, 3, 2, 100});
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.max, 100);
  EXPECT_DOUBLE_EQ(s.mean, 22);
}

SystemSetup sngan_setup(bool sn) {
  SystemSetup s;
  s.image_size = 28;
  s.options = default_options("sngan");
  s.options.set("features_g", "4");
  s.options.set("features_d", "4");
  s.options.set("z_dim", "8");
  s.options.set("spectral_norm", sn ? "true" : "false");
  return s;
}

TEST(Sngan, SpectralNormOnEveryDLayerOrNone) {
  Generator gen(2);
  auto on = make_system("sngan", sngan_setup(true));
  auto off = make_system("sngan", sngan_setup(false));
  auto d_on = on->make_discriminator(gen);
  auto d_off = off->make_discriminator(gen);
  EXPECT_EQ(spectral_norm_report(*d_on).size(), 3u);  // 28x28: two 4x4 s2 convs and the 7x7 head
  EXPECT_EQ(spectral_norm_report(*d_off).size(), 0u);
  for (const auto& [name, m] : d_on->named_modules())
    EXPECT_EQ(m->type_name().find("BatchNorm"), std::string::npos) << name;
}

TEST(Sngan, EvaluateMeasuresWithoutChangingTheRun) {
  Generator gen(4);
  auto sys = make_system("sngan", sngan_setup(true));
  auto G = sys->make_generator(gen);
  auto D = sys->make_discriminator(gen);
  sys->attach_data(testing::labelled_images(20));
  const auto before = D->state_dict();
  const auto out = sys->evaluate(*G, *D);
  const auto after = D->state_dict();
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i)
    EXPECT_EQ(before[i].second.to_double_vector(), after[i].second.to_double_vector()) << before[i].first;
  EXPECT_TRUE(D->is_training());
  std::set<std::string> keys;
  for (const auto& [k, v] : out) {
    keys.insert(k);
    EXPECT_TRUE(std::isfinite(v)) << k;
  }
  for (const char* k : {"sn_sigma_rel_err_max", "sn_sigma_layer0", "grad_norm_real_mean", "grad_norm_real_p95",
                        "grad_norm_fake_max"})
    EXPECT_TRUE(keys.count(k)) << k;
  // Bad key values name the table and key.
  SystemSetup bad = sngan_setup(true);
  bad.options.set("leaky_slope", "1.5");
  EXPECT_NE(testing::error_of([&] { make_system("sngan", bad); }).find("[sngan] key 'leaky_slope'"), std::string::npos);
}

}  // namespace
}  // namespace gan::models
