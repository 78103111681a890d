// The loss-variant systems' own math (issue 14): WGAN's clipping and critic
// estimate, WGAN-GP's penalty (closed form, f64 finite differences through a
// layer-norm critic) and its batch-norm-free critic, LSGAN's and the hinge
// GAN's losses against hand-computed values, the loss key each requires;
// InfoGAN's codes, its parameter split and its information term by hand;
// SSGAN's rotations and rotation losses; the linear probe of D's features.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "gan/autograd.h"
#include "gan/gradcheck.h"
#include "gan/models/eval/probe.h"
#include "gan/models/registry.h"
#include "gan/models/trainer.h"
#include "gan/ops.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

namespace fs = std::filesystem;
using testing::error_of;

std::unique_ptr<GanSystem> build(const std::string& name, LossKind loss,
                                 const std::vector<std::pair<std::string, std::string>>& keys = {}) {
  SystemSetup s;
  s.loss = loss;
  s.num_classes = 10;
  s.options = default_options(name);
  s.options.set("z_dim", "8");
  s.options.set("features_g", "2");
  s.options.set("features_d", "2");
  for (const auto& [k, v] : keys) s.options.set(k, v);
  return make_system(name, std::move(s));
}

// D's outputs as a judgement, and a DLossInput around them.
struct LossCase {
  Tensor r = Tensor::from_data({4}, std::vector<float>{2.0f, -0.5f, 0.25f, 3.0f});
  Tensor f = Tensor::from_data({4}, std::vector<float>{-1.5f, 0.5f, 1.0f, -3.0f});
  double mean_r = (2.0 - 0.5 + 0.25 + 3.0) / 4, mean_f = (-1.5 + 0.5 + 1.0 - 3.0) / 4;
};

LossOut d_loss_of(GanSystem& sys, nn::Module& D, const Tensor& r, const Tensor& f, Generator& gen) {
  const Judgement jr{r, {}, {}}, jf{f, {}, {}};
  const Tensor labels, images;
  const Latent latent;
  return sys.d_loss({jr, jf, labels, latent, D, images, images, 0, gen});
}

// The G of GLossInput: the G losses tested here do not read G (BigGAN's
// orthogonal term does: test_biggan.cpp).
nn::Module& no_generator() {
  static nn::Module g("NoGenerator");
  return g;
}

LossOut g_loss_of(GanSystem& sys, nn::Module& D, const Tensor& f) {
  const Judgement jf{f, {}, {}}, jr{};
  const Latent latent;
  const Tensor images;
  return sys.g_loss({jf, jr, latent, D, images, 0, no_generator()});
}

LossOut g_loss_of_with(GanSystem& sys, nn::Module& D, const Judgement& jf, const Latent& latent) {
  const Judgement jr{};
  const Tensor images;
  return sys.g_loss({jf, jr, latent, D, images, 0, no_generator()});
}

double scalar(const LossOut& o, const std::string& name) {
  for (const Logged& l : o.scalars)
    if (l.name == name) return l.read();
  ADD_FAILURE() << "no scalar " << name;
  return NAN;
}

TEST(LossSystems, EachRequiresItsPapersLossAndNamesTheKey) {
  for (const auto& [name, kind] : std::vector<std::pair<std::string, const char*>>{
           {"wgan", "wasserstein"}, {"wgan-gp", "wasserstein"}, {"lsgan", "least-squares"}, {"hinge", "hinge"}}) {
    const std::string msg = error_of([&] { build(name, LossKind::non_saturating); });
    EXPECT_NE(msg.find("system '" + name + "' trains with the " + kind + " loss of its paper: set config key 'loss' = \"" +
                       kind + "\" (got \"non-saturating\")"),
              std::string::npos)
        << msg;
  }
  EXPECT_EQ(error_of([] { build("wgan", LossKind::wasserstein); }), "(no error)");
  const std::string clip = error_of([] { build("wgan", LossKind::wasserstein, {{"clip", "0"}}); });
  EXPECT_NE(clip.find("config key 'clip' in table [wgan]: must be > 0"), std::string::npos) << clip;
  const std::string norm = error_of([] { build("wgan-gp", LossKind::wasserstein, {{"critic_norm", "batch"}}); });
  EXPECT_NE(norm.find("config key 'critic_norm' in table [wgan-gp]: expected \"layer\" or \"none\""), std::string::npos)
      << norm;
}

TEST(LossSystems, WganLossEstimateAndClipping) {
  auto sys = build("wgan", LossKind::wasserstein);
  Generator init(1), gen(2);
  auto D = sys->make_discriminator(init);
  LossCase c;
  const LossOut d = d_loss_of(*sys, *D, c.r, c.f, gen);
  EXPECT_NEAR(d.loss.item(), c.mean_f - c.mean_r, 1e-6);
  EXPECT_NEAR(scalar(d, "wasserstein_estimate"), c.mean_r - c.mean_f, 1e-6);
  EXPECT_NEAR(g_loss_of(*sys, *D, c.f).loss.item(), -c.mean_f, 1e-6);
  // Some of D's N(0, 0.02) weights (and every BN scale, ~1) exceed 0.01; after the hook none does.
  double before = 0;
  for (const Tensor& p : D->parameters())
    for (double v : p.to_double_vector()) before = std::max(before, std::abs(v));
  EXPECT_GT(before, 0.5);
  sys->after_d_step(*D);
  for (const auto& [name, p] : D->named_parameters())
    for (double v : p.to_double_vector()) ASSERT_LE(std::abs(v), 0.01 + 1e-9) << name;
}

TEST(LossSystems, LeastSquaresAndHingeMatchHandComputedValues) {
  LossCase c;
  Generator init(1), gen(2);
  const std::vector<double> r = {2.0, -0.5, 0.25, 3.0}, f = {-1.5, 0.5, 1.0, -3.0};
  double ls_d = 0, ls_g = 0, h_d = 0, h_g = 0;
  for (size_t i = 0; i < 4; ++i) {
    ls_d += 0.5 * ((r[i] - 1) * (r[i] - 1) + f[i] * f[i]) / 4;
    ls_g += 0.5 * (f[i] - 1) * (f[i] - 1) / 4;
    h_d += (std::max(0.0, 1 - r[i]) + std::max(0.0, 1 + f[i])) / 4;
    h_g += -f[i] / 4;
  }
  auto ls = build("lsgan", LossKind::least_squares);
  auto D = ls->make_discriminator(init);
  EXPECT_NEAR(d_loss_of(*ls, *D, c.r, c.f, gen).loss.item(), ls_d, 1e-6);
  EXPECT_NEAR(g_loss_of(*ls, *D, c.f).loss.item(), ls_g, 1e-6);
  auto h = build("hinge", LossKind::hinge);
  EXPECT_NEAR(d_loss_of(*h, *D, c.r, c.f, gen).loss.item(), h_d, 1e-6);
  EXPECT_NEAR(g_loss_of(*h, *D, c.f).loss.item(), h_g, 1e-6);
}

// ACGAN's class terms on hand-made logits: the cross-entropy averages the
// labelled rows only (label -1 is unlabelled), the accuracy counts a row when
// its label's logit is above every other (a tie is a miss), and neither moves
// the labels off the device (tests/models/test_systems.cpp holds each system's
// step to one read back).
TEST(LossSystems, LabelledCrossEntropyAndClassAccuracySkipUnlabelledRows) {
  // 4 rows x 3 classes: row 0 right, row 1 wrong, row 2 a tie at its label, row 3 unlabelled.
  const std::vector<double> lg = {2, 0, 0, 1, 3, 0, 1, 1, 0, 5, 0, 0};
  const Tensor logits = Tensor::from_data({4, 3}, lg).requires_grad_(true);
  const Tensor labels = Tensor::from_data({4}, std::vector<int64_t>{0, 0, 1, -1});
  double want = 0;
  for (int i = 0; i < 3; ++i) {
    const double* r = &lg[static_cast<size_t>(3 * i)];
    want += (std::log(std::exp(r[0]) + std::exp(r[1]) + std::exp(r[2])) - r[i == 2 ? 1 : 0]) / 3;
  }
  const Tensor ce = labelled_cross_entropy(logits, labels);
  EXPECT_NEAR(ce.item(), want, 1e-6);  // f32
  const std::vector<double> g = autograd::grad({ce}, {logits})[0].to_double_vector();
  for (int j = 9; j < 12; ++j) EXPECT_EQ(g[static_cast<size_t>(j)], 0.0) << "the unlabelled row has no gradient";
  EXPECT_EQ(labelled_cross_entropy(logits, Tensor::from_data({4}, std::vector<int64_t>{-1, -1, -1, -1})).item(), 0.0);
  EXPECT_THAT([&] { labelled_cross_entropy(logits, Tensor::from_data({4}, std::vector<int64_t>{0, 7, 0, 0})); },
              ::testing::ThrowsMessage<Error>(::testing::HasSubstr("label 7 at row 1")));

  auto sys = build("acgan", LossKind::non_saturating, {{"class_weight", "1"}});
  Generator init(1), gen(2);
  auto D = sys->make_discriminator(init);
  const Tensor adv = Tensor::zeros({4});
  const Judgement jr{adv, logits.detach(), {}}, jf{adv, logits.detach(), {}};
  Latent latent;
  latent.y = Tensor::from_data({4}, std::vector<int64_t>{0, 1, 2, 0});
  const Tensor images;
  const LossOut d = sys->d_loss({jr, jf, labels, latent, *D, images, images, 0, gen});
  EXPECT_NEAR(scalar(d, "class_loss_real"), want, 1e-6);
  EXPECT_FLOAT_EQ(scalar(d, "class_acc_real"), 1.0f / 3.0f);  // row 0 only: the tie misses (f32, as the logits)
}

TEST(LossSystems, WganGpCriticHasNoBatchNorm) {
  Generator init(1);
  for (const std::string norm : {"layer", "none"}) {
    auto sys = build("wgan-gp", LossKind::wasserstein, {{"critic_norm", norm}});
    auto D = sys->make_discriminator(init);
    int layer_norms = 0;
    for (const auto& [name, m] : D->named_modules()) {
      EXPECT_NE(m->type_name(), "BatchNorm2d") << norm << ": " << name;
      layer_norms += m->type_name() == "LayerNorm";
    }
    EXPECT_EQ(layer_norms, norm == "layer" ? 1 : 0);
    // Per-sample: an image's critic value does not depend on the rest of the batch.
    const Tensor x = ops::tanh(Tensor::randn({3, 1, 28, 28}, init));
    const std::vector<double> all = sys->judge(*D, x, {}).adv.to_double_vector();
    const double one = sys->judge(*D, ops::slice(x, 0, 1, 2), {}).adv.item();
    EXPECT_NEAR(one, all[1], 1e-5) << norm;
  }
  // The other systems keep the DCGAN D's batch norm.
  auto w = build("wgan", LossKind::wasserstein);
  int bn = 0;
  for (const auto& [name, m] : w->make_discriminator(init)->named_modules()) bn += m->type_name() == "BatchNorm2d";
  EXPECT_EQ(bn, 1);
}

TEST(LossSystems, WganGpLossIsCriticPlusLambdaPenaltyWithItsNorms) {
  auto sys = build("wgan-gp", LossKind::wasserstein, {{"lambda", "10"}});
  Generator init(4);
  auto D = sys->make_discriminator(init);
  const Tensor real = ops::tanh(Tensor::randn({4, 1, 28, 28}, init)), fake = ops::tanh(Tensor::randn({4, 1, 28, 28}, init));
  const Judgement jr = sys->judge(*D, real, {}), jf = sys->judge(*D, fake, {});
  const Tensor labels;
  const Latent latent;
  Generator gen(9), same(9);
  const LossOut out = sys->d_loss({jr, jf, labels, latent, *D, real, fake, 0, gen});
  Tensor norms;
  const Tensor gp = gradient_penalty(*D, real, fake, same, &norms);
  const double w = ops::mean(jf.adv).item() - ops::mean(jr.adv).item();
  EXPECT_NEAR(out.loss.item(), w + 10 * gp.item(), 1e-5);
  EXPECT_NEAR(scalar(out, "wasserstein_estimate"), -w, 1e-6);
  EXPECT_NEAR(scalar(out, "gradient_penalty"), gp.item(), 1e-6);
  EXPECT_NEAR(scalar(out, "grad_norm_xhat"), ops::mean(norms).item(), 1e-6);
  EXPECT_EQ(gen.offset(), same.offset());  // it drew its interpolation weights from the D step's stream
  // The norms are ||grad D(x_hat)||: recompute one by autograd on the same x_hat is what
  // gradient_penalty does; here check their consistency with the penalty itself.
  double pen = 0;
  for (double n : norms.to_double_vector()) pen += (n - 1) * (n - 1) / 4;
  EXPECT_NEAR(pen, gp.item(), 1e-5);
}

TEST(LossSystems, GradientPenaltyNormsOfALinearCriticAreItsWeightNorm) {
  Generator gen(5);
  const Tensor w = Tensor::from_data({4}, std::vector<float>{0.3f, -0.4f, 1.2f, 0.5f});
  const auto critic = [&](const Tensor& x) { return ops::sum(x.flatten(1) * w, {1}); };
  Tensor norms;
  gradient_penalty(critic, Tensor::randn({3, 1, 2, 2}, gen), Tensor::randn({3, 1, 2, 2}, gen), gen, &norms);
  ASSERT_EQ(norms.shape(), (Shape{3}));
  for (double n : norms.to_double_vector()) EXPECT_NEAR(n, std::sqrt(0.09 + 0.16 + 1.44 + 0.25), 1e-5);
  EXPECT_FALSE(norms.requires_grad());
}

// The penalty through a small layer-norm critic (conv -> layer norm over [C, H, W]
// -> leaky relu -> linear), in f64: its gradient w.r.t. every critic parameter
// (a second derivative of the critic) against central differences.
TEST(LossSystems, GradientPenaltyThroughALayerNormCriticPassesGradcheck) {
  Generator gen(21);
  const Options f64{DType::f64};
  const Tensor real = Tensor::randn({3, 1, 6, 6}, gen, f64), fake = Tensor::randn({3, 1, 6, 6}, gen, f64);
  std::vector<Tensor> params = {Tensor::randn({2, 1, 3, 3}, gen, f64) * 0.5,  // conv weight
                                Tensor::randn({2, 3, 3}, gen, f64) * 0.2 + 1.0,  // layer-norm gamma
                                Tensor::randn({2, 3, 3}, gen, f64) * 0.2,        // beta
                                Tensor::randn({18}, gen, f64) * 0.5};            // linear head
  for (Tensor& p : params) p = p.detach().requires_grad_(true);
  const GradcheckFn penalty = [&](const std::vector<Tensor>& p) {
    const auto critic = [&](const Tensor& x) {
      ops::Conv2dOptions o;
      o.stride = {2, 2};
      o.padding = {1, 1};
      const Tensor h = ops::leaky_relu(ops::layer_norm(ops::conv2d(x, p[0], {}, o), 3, p[1], p[2]), 0.2);
      return ops::sum(h.flatten(1) * p[3], {1});
    };
    Generator e(77);  // the same interpolation weights at every evaluation
    return gradient_penalty(critic, real, fake, e);
  };
  const GradcheckResult r = gradcheck(penalty, params);
  EXPECT_TRUE(r.ok) << r.first_failure << " (max abs error " << r.max_abs_error << ")";
  EXPECT_GT(r.checked, 50);
}

// ---- InfoGAN ----------------------------------------------------------------------

nn::Module& child(nn::Module& m, const std::string& name) {
  for (const auto& [n, c] : m.named_children())
    if (n == name) return *c;
  throw Error("no child " + name);
}

TEST(Infogan, LatentCodesAndTheirSelection) {
  auto sys = build("infogan", LossKind::non_saturating);
  EXPECT_FALSE(sys->conditional());  // no data labels needed
  EXPECT_EQ(sys->latent_classes(), 10);
  Generator gen(3);
  const Latent l = sys->sample_latent(200, gen, Device::cpu(), -1);
  ASSERT_EQ(l.z.shape(), (Shape{200, 8}));
  ASSERT_EQ(l.c.shape(), (Shape{200, 12}));
  EXPECT_FALSE(l.y.defined());
  const std::vector<double> c = l.c.to_double_vector();
  std::vector<int> per(10, 0);
  double lo = 1, hi = -1;
  for (int64_t i = 0; i < 200; ++i) {
    double ones = 0, sum = 0;
    for (int64_t j = 0; j < 10; ++j) {
      const double v = c[static_cast<size_t>(i * 12 + j)];
      ASSERT_TRUE(v == 0.0 || v == 1.0);
      ones += v == 1.0;
      sum += v;
      if (v == 1.0) ++per[static_cast<size_t>(j)];
    }
    ASSERT_EQ(ones, 1.0);
    for (int64_t j = 10; j < 12; ++j) {
      lo = std::min(lo, c[static_cast<size_t>(i * 12 + j)]);
      hi = std::max(hi, c[static_cast<size_t>(i * 12 + j)]);
    }
  }
  for (int k = 0; k < 10; ++k) EXPECT_GT(per[static_cast<size_t>(k)], 5) << "value " << k;  // ~20 each
  EXPECT_GE(lo, -1.0);
  EXPECT_LE(hi, 1.0);
  EXPECT_LT(lo, -0.8);
  EXPECT_GT(hi, 0.8);
  // klass fixes the categorical code; set_latent_class rewrites it and keeps the rest.
  const Latent k3 = sys->sample_latent(4, gen, Device::cpu(), 3);
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(k3.c.to_double_vector()[static_cast<size_t>(i * 12 + 3)], 1.0);
  Latent m = k3;
  sys->set_latent_class(m, Tensor::from_data({4}, std::vector<int64_t>{0, 1, 2, 9}));
  const std::vector<double> a = k3.c.to_double_vector(), b = m.c.to_double_vector();
  for (int64_t i = 0; i < 4; ++i) {
    EXPECT_EQ(b[static_cast<size_t>(i * 12 + std::vector<int64_t>{0, 1, 2, 9}[static_cast<size_t>(i)])], 1.0);
    EXPECT_EQ(b[static_cast<size_t>(i * 12 + 10)], a[static_cast<size_t>(i * 12 + 10)]);
    EXPECT_EQ(b[static_cast<size_t>(i * 12 + 11)], a[static_cast<size_t>(i * 12 + 11)]);
  }
  // A grid: row r shows code value r.
  const Latent g = grid_latent(*sys, 20, 10, gen, Device::cpu());
  const std::vector<double> gc = g.c.to_double_vector();
  for (int64_t i = 0; i < 20; ++i) EXPECT_EQ(gc[static_cast<size_t>(i * 12 + i / 10)], 1.0) << "sample " << i;
}

TEST(Infogan, QTrainsWithGAndTheBodyWithD) {
  auto sys = build("infogan", LossKind::non_saturating);
  Generator init(1);
  auto G = sys->make_generator(init);
  auto D = sys->make_discriminator(init);
  const std::vector<Tensor> gp = sys->g_parameters(*G, *D), dp = sys->d_parameters(*G, *D);
  const std::vector<Tensor> q = child(*D, "q").parameters(), body = child(*D, "body").parameters();
  EXPECT_EQ(gp.size(), G->parameters().size() + q.size());
  EXPECT_EQ(dp.size(), body.size());
  EXPECT_EQ(dp.size() + q.size(), D->parameters().size());
  for (size_t i = 0; i < q.size(); ++i) EXPECT_TRUE(gp[G->parameters().size() + i].is_same(q[i]));
}

// L_I by hand: Q's outputs on the features, cross-entropy of the categorical
// code and the Gaussian NLL of the continuous ones (learned log-sigma).
TEST(Infogan, InformationTermAndBoundMatchAHandComputation) {
  auto sys = build("infogan", LossKind::non_saturating, {{"learn_std", "true"}, {"lambda", "0.5"}});
  Generator init(1), gen(2);
  auto G = sys->make_generator(init);
  auto D = sys->make_discriminator(init);
  D->eval();  // Q's batch norm on running statistics: the same outputs in both evaluations
  const Latent l = sys->sample_latent(5, gen, Device::cpu(), -1);
  const Tensor x = sys->generate(*G, l);
  const Judgement j = sys->judge(*D, x, {});
  const std::vector<double> q =
      child(*D, "q")(j.features.reshape({5, 8, 7, 7})).reshape({5, 14}).to_double_vector();
  const std::vector<double> c = l.c.to_double_vector();
  double ce = 0, nll = 0;
  for (int64_t i = 0; i < 5; ++i) {
    const double* qi = &q[static_cast<size_t>(i * 14)];
    double mx = qi[0];
    for (int k = 1; k < 10; ++k) mx = std::max(mx, qi[k]);
    double z = 0;
    int target = 0;
    for (int k = 0; k < 10; ++k) {
      z += std::exp(qi[k] - mx);
      if (c[static_cast<size_t>(i * 12 + k)] == 1.0) target = k;
    }
    ce += (mx + std::log(z) - qi[target]) / 5;
    for (int j2 = 0; j2 < 2; ++j2) {
      const double mu = qi[10 + j2], ls = qi[12 + j2], cj = c[static_cast<size_t>(i * 12 + 10 + j2)];
      nll += (ls + 0.5 * std::pow((cj - mu) / std::exp(ls), 2) + 0.5 * std::log(2 * M_PI)) / 5;
    }
  }
  const LossOut out = g_loss_of_with(*sys, *D, j, l);
  const double adv = non_saturating_g_loss(j.adv).item();
  EXPECT_NEAR(out.loss.item(), adv + 0.5 * (ce + nll), 1e-4);
  EXPECT_NEAR(scalar(out, "mi_cat"), std::log(10.0) - ce, 1e-4);
  EXPECT_NEAR(scalar(out, "mi_cont"), 2 * std::log(2.0) - nll, 1e-4);
}

// ---- SSGAN and the linear probe ----------------------------------------------------

TEST(Ssgan, Rotate90MatchesNaiveIndexing) {
  Generator gen(8);
  const Tensor x = Tensor::randn({2, 3, 4, 4}, gen);
  const std::vector<double> v = x.to_double_vector();
  auto at = [](const std::vector<double>& a, int64_t n, int64_t c, int64_t i, int64_t j) {
    return a[static_cast<size_t>(((n * 3 + c) * 4 + i) * 4 + j)];
  };
  std::vector<double> want = v;
  for (int k = 0; k <= 5; ++k) {
    EXPECT_EQ(rotate90(x, k).to_double_vector(), want) << "k = " << k;
    std::vector<double> next(want.size());  // one more quarter turn: out[i][j] = in[j][S - 1 - i]
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t c = 0; c < 3; ++c)
        for (int64_t i = 0; i < 4; ++i)
          for (int64_t j = 0; j < 4; ++j)
            next[static_cast<size_t>(((n * 3 + c) * 4 + i) * 4 + j)] = at(want, n, c, j, 3 - i);
    want = next;
  }
  EXPECT_EQ(rotate90(x, -1).to_double_vector(), rotate90(x, 3).to_double_vector());
  // f64 gradient check of the composite.
  Tensor xd = Tensor::randn({2, 1, 3, 3}, gen, Options{DType::f64});
  xd.requires_grad_(true);
  for (int k = 1; k <= 3; ++k) {
    const GradcheckResult r = gradcheck([k](const std::vector<Tensor>& in) { return rotate90(in[0], k); }, {xd});
    EXPECT_TRUE(r.ok) << "k = " << k << ": " << r.first_failure;
  }
}

// The rotation loss by hand: D in eval mode (batch norm on running statistics,
// so each image's logits do not depend on how the images are batched).
TEST(Ssgan, RotationLossesMatchAHandComputation) {
  auto sys = build("ssgan", LossKind::non_saturating, {{"rotation_weight_d", "1"}, {"rotation_weight_g", "0.2"}});
  Generator init(1), gen(2);
  auto D = sys->make_discriminator(init);
  D->eval();
  const Tensor x = ops::tanh(Tensor::randn({3, 1, 28, 28}, gen)), f = ops::tanh(Tensor::randn({3, 1, 28, 28}, gen));
  const Judgement jr = sys->judge(*D, x, {}), jf = sys->judge(*D, f, {});
  ASSERT_EQ(jr.class_logits.shape(), (Shape{3, 4}));
  auto ce_by_hand = [&](const Tensor& img, double& acc) {
    double ce = 0;
    acc = 0;
    for (int r = 0; r < 4; ++r) {
      const std::vector<double> l = sys->judge(*D, rotate90(img, r), {}).class_logits.to_double_vector();
      for (int i = 0; i < 3; ++i) {
        const double* li = &l[static_cast<size_t>(i * 4)];
        double mx = li[0];
        int best = 0;
        for (int k = 1; k < 4; ++k) {
          mx = std::max(mx, li[k]);
          if (li[k] > li[best]) best = k;
        }
        double z = 0;
        for (int k = 0; k < 4; ++k) z += std::exp(li[k] - mx);
        ce += (mx + std::log(z) - li[r]) / 12;
        acc += (best == r) / 12.0;
      }
    }
    return ce;
  };
  double acc_r = 0, acc_f = 0;
  const double ce_r = ce_by_hand(x, acc_r), ce_f = ce_by_hand(f, acc_f);
  const Tensor labels;
  const Latent latent;
  const LossOut d = sys->d_loss({jr, jf, labels, latent, *D, x, f, 0, gen});
  EXPECT_NEAR(d.loss.item(), non_saturating_d_loss(jr.adv, jf.adv).item() + ce_r, 1e-5);
  EXPECT_NEAR(scalar(d, "rotation_loss_real"), ce_r, 1e-5);
  EXPECT_NEAR(scalar(d, "rotation_acc_real"), acc_r, 1e-12);
  const LossOut g = sys->g_loss({jf, jr, latent, *D, f, 0, no_generator()});
  EXPECT_NEAR(g.loss.item(), non_saturating_g_loss(jf.adv).item() + 0.2 * ce_f, 1e-5);
  EXPECT_NEAR(scalar(g, "rotation_loss_fake"), ce_f, 1e-5);
}

// Logistic regression by full-batch gradient descent in f64 loops: the probe's reference.
double naive_probe_loss(const std::vector<std::vector<double>>& x, const std::vector<int>& y, int k,
                        const eval::ProbeOptions& o) {
  const size_t n = x.size(), f = x[0].size();
  std::vector<double> mu(f, 0), sd(f, 0);
  for (const auto& r : x)
    for (size_t j = 0; j < f; ++j) mu[j] += r[j] / static_cast<double>(n);
  for (const auto& r : x)
    for (size_t j = 0; j < f; ++j) sd[j] += (r[j] - mu[j]) * (r[j] - mu[j]) / static_cast<double>(n);
  for (size_t j = 0; j < f; ++j) sd[j] = std::sqrt(sd[j] + 1e-8);
  std::vector<std::vector<double>> a = x;
  for (auto& r : a)
    for (size_t j = 0; j < f; ++j) r[j] = (r[j] - mu[j]) / sd[j];
  std::vector<double> w(f * static_cast<size_t>(k), 0), b(static_cast<size_t>(k), 0);
  auto probs = [&](const std::vector<double>& r) {
    std::vector<double> l(static_cast<size_t>(k));
    for (int c = 0; c < k; ++c) {
      l[static_cast<size_t>(c)] = b[static_cast<size_t>(c)];
      for (size_t j = 0; j < f; ++j) l[static_cast<size_t>(c)] += r[j] * w[j * static_cast<size_t>(k) + static_cast<size_t>(c)];
    }
    const double mx = *std::max_element(l.begin(), l.end());
    double z = 0;
    for (double& v : l) z += (v = std::exp(v - mx));
    for (double& v : l) v /= z;
    return l;
  };
  for (int64_t it = 0; it < o.iterations; ++it) {
    std::vector<double> gw(w.size(), 0), gb(b.size(), 0);
    for (size_t i = 0; i < n; ++i) {
      std::vector<double> p = probs(a[i]);
      p[static_cast<size_t>(y[i])] -= 1;
      for (int c = 0; c < k; ++c) {
        gb[static_cast<size_t>(c)] += p[static_cast<size_t>(c)] / static_cast<double>(n);
        for (size_t j = 0; j < f; ++j)
          gw[j * static_cast<size_t>(k) + static_cast<size_t>(c)] += a[i][j] * p[static_cast<size_t>(c)] / static_cast<double>(n);
      }
    }
    for (size_t q = 0; q < w.size(); ++q) w[q] -= o.lr * (gw[q] + o.l2 * w[q]);
    for (size_t q = 0; q < b.size(); ++q) b[q] -= o.lr * gb[q];
  }
  double loss = 0;
  for (size_t i = 0; i < n; ++i) loss -= std::log(probs(a[i])[static_cast<size_t>(y[i])]) / static_cast<double>(n);
  return loss;
}

TEST(LinearProbe, MatchesANaiveFitAndSeparatesSeparableClasses) {
  Generator gen(12);
  const int64_t n = 30, f = 4, k = 3;
  std::vector<std::vector<double>> rows;
  std::vector<int> y;
  std::vector<float> flat;
  std::vector<int64_t> labels;
  const std::vector<double> noise = Tensor::randn({2 * n, f}, gen).to_double_vector();
  for (int64_t i = 0; i < 2 * n; ++i) {
    std::vector<double> r(static_cast<size_t>(f));
    for (int64_t j = 0; j < f; ++j)
      r[static_cast<size_t>(j)] = noise[static_cast<size_t>(i * f + j)] + (j == i % k ? 4.0 : 0.0) + 10.0 * (j == 3);
    if (i < n) {
      rows.push_back(r);
      y.push_back(static_cast<int>(i % k));
    }
    for (double v : r) flat.push_back(static_cast<float>(v));
    labels.push_back(i % k);
  }
  const Tensor x = Tensor::from_data({2 * n, f}, flat), l = Tensor::from_data({2 * n}, labels);
  eval::ProbeOptions o;
  o.iterations = 40;
  const eval::ProbeResult r = eval::linear_probe(x.narrow0(0, n), l.narrow0(0, n), x.narrow0(n, n), l.narrow0(n, n), k, o);
  EXPECT_NEAR(r.train_loss, naive_probe_loss(rows, y, static_cast<int>(k), o), 1e-4);
  EXPECT_EQ(r.train_accuracy, 1.0);
  EXPECT_EQ(r.test_accuracy, 1.0);
  const eval::ProbeResult again = eval::linear_probe(x.narrow0(0, n), l.narrow0(0, n), x.narrow0(n, n), l.narrow0(n, n), k, o);
  EXPECT_EQ(again.train_loss, r.train_loss);  // deterministic
  // Unrelated labels: the test accuracy falls toward chance.
  std::vector<int64_t> shuffled(static_cast<size_t>(2 * n));
  for (int64_t i = 0; i < 2 * n; ++i) shuffled[static_cast<size_t>(i)] = (i * 7 / 3) % k;
  const Tensor s = Tensor::from_data({2 * n}, shuffled);
  EXPECT_LT(eval::linear_probe(x.narrow0(0, n), s.narrow0(0, n), x.narrow0(n, n), s.narrow0(n, n), k, o).test_accuracy, 0.7);
}

// A tiny run of `system` that probes D after every step (no metric suite, samples or checkpoints).
TrainerConfig probe_run(const std::string& system, const std::string& tag) {
  TrainerConfig c;
  set_config_value(c, "system", system);
  set_config_value(c, "z_dim", "8");
  set_config_value(c, "features_g", "2");
  set_config_value(c, "features_d", "2");
  c.batch = 8;
  c.checkpoint_every = c.sample_every = 0;
  c.eval_every = 1;
  c.eval_samples = 0;
  c.out_dir = ::testing::TempDir() + "/gan_probe_" + tag + "_" + std::to_string(::getpid());
  return c;
}

// probe_accuracy as a step logged it; -1 when it did not.
double probe_accuracy(const StepStats& s) {
  for (const auto& [n, v] : s.evaluation)
    if (n == "probe_accuracy") return v;
  return -1;
}

TEST(LinearProbe, TrainerLogsItForAnySystemWithFeaturesAndNamesTheKey) {
  const auto data = testing::labelled_images(40);
  for (const char* name : {"dcgan", "ssgan"}) {
    TrainerConfig c = probe_run(name, "flat");
    c.probe_samples = 10;
    Trainer t(c, data);
    const double acc = probe_accuracy(t.step());
    EXPECT_GE(acc, 0.0) << name;
    EXPECT_LE(acc, 1.0) << name;
    EXPECT_TRUE(t.discriminator().is_training()) << name;  // the probe restores D's mode
    // probe_fit_samples reaches the probe: 35 to fit and 10 to test is more than the 40 images.
    c.probe_fit_samples = 35;
    Trainer over(c, data);
    const std::string e = error_of([&] { over.step(); });
    EXPECT_NE(e.find("needs 45 labelled images (35 to fit, 10 to test)"), std::string::npos) << e;
    fs::remove_all(c.out_dir);
  }
  auto acgan = build("acgan", LossKind::non_saturating);
  Generator init(1);
  auto D = acgan->make_discriminator(init);
  const std::string none = error_of([&] { eval::discriminator_probe(*acgan, *D, *data, 5, 5, "acgan"); });
  EXPECT_NE(none.find("config key 'probe_samples': system 'acgan' returns no features"), std::string::npos) << none;
  auto ss = build("ssgan", LossKind::non_saturating);
  auto D2 = ss->make_discriminator(init);
  const std::string few = error_of([&] { eval::discriminator_probe(*ss, *D2, *data, 21, 21, "ssgan"); });
  EXPECT_NE(few.find("config keys 'probe_fit_samples' = 21, 'probe_samples' = 21: the probe needs 42 labelled images"),
            std::string::npos)
      << few;
  const std::string uneven = error_of([&] { eval::discriminator_probe(*ss, *D2, *data, 5, 37, "ssgan"); });
  EXPECT_NE(uneven.find("needs 42 labelled images (5 to fit, 37 to test)"), std::string::npos) << uneven;
  TrainerConfig bad;
  bad.probe_samples = -1;
  const std::string neg = error_of([&] { validate_config(bad); });
  EXPECT_NE(neg.find("config key 'probe_samples': must be >= 0"), std::string::npos) << neg;
  TrainerConfig bad_fit;
  bad_fit.probe_fit_samples = -3;
  const std::string neg_fit = error_of([&] { validate_config(bad_fit); });
  EXPECT_NE(neg_fit.find("config key 'probe_fit_samples': must be >= 0"), std::string::npos) << neg_fit;
}

// probe_pool: a DCGAN D's map [N, w, k, k] pooled over k x k to [N, w], by mean or max, against loops over
// the judge's own map; a system whose features have no spatial axes is refused, naming the key and the shape.
TEST(LinearProbe, PoolsTheFeatureMapPerChannelOrNamesTheKey) {
  const auto data = testing::labelled_images(12);
  for (const char* name : {"dcgan", "ssgan", "sgan"}) {
    auto sys = build(name, LossKind::non_saturating);
    Generator init(3);
    auto D = sys->make_discriminator(init);
    const Tensor x = data->images.narrow0(0, 7);
    Tensor map;
    {
      D->eval();
      NoGradGuard ng;
      map = sys->judge(*D, x, {}).features;
      D->train(true);
    }
    ASSERT_EQ(map.dim(), 4) << name;
    const int64_t n = map.size(0), c = map.size(1), hw = map.size(2) * map.size(3);
    const std::vector<double> m = map.to_double_vector();
    const std::vector<double> avg = eval::discriminator_features(*sys, *D, x, name, eval::FeaturePool::avg).to_double_vector();
    const std::vector<double> mx = eval::discriminator_features(*sys, *D, x, name, eval::FeaturePool::max).to_double_vector();
    const Tensor flat = eval::discriminator_features(*sys, *D, x, name, eval::FeaturePool::flat);
    EXPECT_EQ(flat.shape(), (Shape{n, c * hw})) << name;
    EXPECT_EQ(flat.to_double_vector(), m) << name;
    ASSERT_EQ(avg.size(), static_cast<size_t>(n * c)) << name;
    ASSERT_EQ(mx.size(), static_cast<size_t>(n * c)) << name;
    for (int64_t i = 0; i < n * c; ++i) {
      double sum = 0, best = -1e300;
      for (int64_t p = 0; p < hw; ++p) {
        sum += m[static_cast<size_t>(i * hw + p)];
        best = std::max(best, m[static_cast<size_t>(i * hw + p)]);
      }
      EXPECT_NEAR(avg[static_cast<size_t>(i)], sum / static_cast<double>(hw), 1e-5) << name << " row*channel " << i;
      EXPECT_EQ(mx[static_cast<size_t>(i)], best) << name << " row*channel " << i;
    }
    EXPECT_TRUE(D->is_training()) << name;
  }
  // ProGAN's D ends in a 4x4 conv to a vector [N, v_0]: nothing to pool; D's mode is still restored.
  SystemSetup ps;
  ps.loss = LossKind::wasserstein;
  ps.image_size = 32;
  ps.options = default_options("progan");
  auto progan = make_system("progan", std::move(ps));
  Generator init(4);
  auto D = progan->make_discriminator(init);
  const auto big = testing::labelled_images(12, 10, 32);
  const std::string flat_only = error_of([&] {
    eval::discriminator_probe(*progan, *D, *big, 5, 5, "progan", {}, eval::FeaturePool::avg);
  });
  EXPECT_NE(flat_only.find("config key 'probe_pool' = \"avg\": system 'progan' returns features ["), std::string::npos)
      << flat_only;
  EXPECT_NE(flat_only.find("not a map [N, C, H, W] to pool"), std::string::npos) << flat_only;
  EXPECT_TRUE(D->is_training());
  TrainerConfig bad;
  bad.probe_pool = "mean";
  const std::string key = error_of([&] { validate_config(bad); });
  EXPECT_NE(key.find("config key 'probe_pool': expected \"flat\", \"avg\" or \"max\", got \"mean\""),
            std::string::npos)
      << key;
  // The key reaches the Trainer's probe: an ssgan run probing pooled features logs an accuracy.
  TrainerConfig cfg = probe_run("ssgan", "pool");
  set_config_value(cfg, "probe_pool", "max");
  cfg.batch = 4;
  cfg.probe_samples = cfg.probe_fit_samples = 6;
  Trainer t(cfg, data);
  const double acc = probe_accuracy(t.step());
  EXPECT_GE(acc, 0.0);
  EXPECT_LE(acc, 1.0);
  fs::remove_all(cfg.out_dir);
}

TEST(Infogan, MatchedAgreementIsTheBestOneToOneMatching) {
  // Against brute force over every matching of small random tables (square and rectangular).
  Generator gen(31);
  for (const auto& [r, c] : std::vector<std::pair<int, int>>{{4, 4}, {3, 5}, {5, 3}, {1, 1}}) {
    for (int trial = 0; trial < 5; ++trial) {
      const std::vector<double> u = Tensor::rand({r * c}, gen, 0, 50, Options{DType::f64}).to_double_vector();
      std::vector<std::vector<int64_t>> t(static_cast<size_t>(r), std::vector<int64_t>(static_cast<size_t>(c)));
      int64_t total = 0;
      for (int i = 0; i < r; ++i)
        for (int j = 0; j < c; ++j) total += t[static_cast<size_t>(i)][static_cast<size_t>(j)] =
                                         static_cast<int64_t>(u[static_cast<size_t>(i * c + j)]);
      // Brute force: permutations of the longer side's indices, the first min(r, c) paired.
      const int big = std::max(r, c), small = std::min(r, c);
      std::vector<int> perm(static_cast<size_t>(big));
      for (int i = 0; i < big; ++i) perm[static_cast<size_t>(i)] = i;
      int64_t best = 0;
      do {
        int64_t sum = 0;
        for (int i = 0; i < small; ++i)
          sum += r <= c ? t[static_cast<size_t>(i)][static_cast<size_t>(perm[static_cast<size_t>(i)])]
                        : t[static_cast<size_t>(perm[static_cast<size_t>(i)])][static_cast<size_t>(i)];
        best = std::max(best, sum);
      } while (std::next_permutation(perm.begin(), perm.end()));
      EXPECT_NEAR(eval::matched_agreement(t), total ? static_cast<double>(best) / static_cast<double>(total) : 0.0,
                  1e-12) << r << "x" << c << " trial " << trial;
    }
  }
  EXPECT_EQ(eval::matched_agreement({{0, 9}, {7, 0}}), 1.0);  // code 0 -> class 1, code 1 -> class 0
  EXPECT_EQ(eval::matched_agreement({}), 0.0);
}

TEST(Infogan, EvaluateMeasuresCodeClassAgreement) {
  auto sys = build("infogan", LossKind::non_saturating, {{"eval_per_code", "6"}});
  Generator init(1);
  auto G = sys->make_generator(init);
  auto D = sys->make_discriminator(init);
  G->eval();
  const auto e = sys->evaluate(*G, *D);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].first, "code_class_agreement");
  EXPECT_GE(e[0].second, 0.1 - 1e-12);  // the best of 10 x 10 matchings >= their average, total / 10
  EXPECT_LE(e[0].second, 1.0);
  EXPECT_EQ(sys->evaluate(*G, *D)[0].second, e[0].second);  // the same latents every time
}

// Through the Trainer: every critic weight stays in [-c, c] and the estimate is logged.
TEST(LossSystems, WganTrainerStepClipsAndLogsTheEstimate) {
  TrainerConfig c;
  set_config_value(c, "system", "wgan");
  set_config_value(c, "z_dim", "8");
  set_config_value(c, "features_g", "2");
  set_config_value(c, "features_d", "2");
  set_config_value(c, "wgan.clip", "0.02");
  c.loss = LossKind::wasserstein;
  c.optimizer = "rmsprop";
  c.n_critic = 3;
  c.batch = 8;
  c.checkpoint_every = c.sample_every = c.eval_every = 0;
  c.out_dir = ::testing::TempDir() + "/gan_wgan_" + std::to_string(::getpid());
  Trainer t(c, testing::labelled_images(16));
  const StepStats s = t.step();
  for (const auto& [name, p] : t.discriminator().named_parameters())
    for (double v : p.to_double_vector()) ASSERT_LE(std::abs(v), 0.02 + 1e-9) << name;
  ASSERT_EQ(s.scalars.size(), 1u);
  EXPECT_EQ(s.scalars[0].first, "wasserstein_estimate");
  EXPECT_NEAR(s.scalars[0].second, -s.loss_d, 1e-9);
  EXPECT_NEAR(s.scalars[0].second, s.d_real - s.d_fake, 1e-5);  // raw critic means (no sigmoid)
  fs::remove_all(c.out_dir);
}

}  // namespace
}  // namespace gan::models
