// The two loss systems of issue 14's second batch, at the loss level:
// R3GAN's relativistic pairing loss and its R1 + R2 penalties (by hand in
// double, the penalties against finite-difference input gradients, the whole
// D objective's parameter gradient against central differences in f64), and
// SphereGAN's projection, safe arccos, distance moments and losses; plus the
// 25-Gaussian grid data set and the `mixture` key of the 2-D nets.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <numbers>

#include "gan/autograd.h"
#include "gan/gradcheck.h"
#include "gan/models/registry.h"
#include "gan/models/sphere.h"
#include "gan/models/toy2d.h"
#include "gan/models/trainer.h"
#include "gan/ops.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

namespace fs = std::filesystem;
using testing::error_of;

std::unique_ptr<GanSystem> build(const std::string& name, LossKind loss, bool points,
                                 const std::vector<std::pair<std::string, std::string>>& keys = {}) {
  SystemSetup s;
  s.loss = loss;
  s.options = default_options(name);
  s.options.set("z_dim", "8");
  s.options.set("features_g", "2");
  s.options.set("features_d", "2");
  s.options.set("hidden", "16");
  s.options.set("eval_samples", "64");
  if (points) s.image_size = 1, s.channels = 2;
  for (const auto& [k, v] : keys) s.options.set(k, v);
  return make_system(name, std::move(s));
}

double scalar(const LossOut& o, const std::string& name) {
  for (const Logged& l : o.scalars)
    if (l.name == name) return l.read();
  ADD_FAILURE() << "no scalar " << name;
  return NAN;
}

double softplus(double x) { return std::log1p(std::exp(x)); }

// ---- R3GAN ----------------------------------------------------------------------

TEST(R3gan, RelativisticLossesMatchAHandComputation) {
  const std::vector<double> r = {2.0, -0.5, 0.25, 3.0}, f = {-1.5, 0.5, 1.0, -3.0};
  double d = 0, g = 0;
  for (size_t i = 0; i < 4; ++i) d += softplus(f[i] - r[i]) / 4, g += softplus(r[i] - f[i]) / 4;
  const Options f64{DType::f64};
  const Tensor rt = Tensor::from_data({4}, r, f64), ft = Tensor::from_data({4}, f, f64);
  EXPECT_NEAR(relativistic_d_loss(rt, ft).item(), d, 1e-12);
  EXPECT_NEAR(relativistic_g_loss(rt, ft).item(), g, 1e-12);
  // Pairing is by row: permuting the fakes alone changes the loss.
  const Tensor fp = Tensor::from_data({4}, std::vector<double>{0.5, -1.5, -3.0, 1.0}, f64);
  EXPECT_GT(std::abs(relativistic_d_loss(rt, fp).item() - d), 1e-3);
  EXPECT_NE(error_of([&] { relativistic_d_loss(rt, Tensor::zeros({3}, f64)); }).find("must pair row by row"),
            std::string::npos);
}

// The system on the 2-D nets: L_D = rel + gamma/2 (R1 + R2), each penalty the
// mean squared input-gradient norm, here against central differences of D.
TEST(R3gan, DLossIsPairedLossPlusBothPenaltiesByFiniteDifferences) {
  auto sys = build("r3gan", LossKind::non_saturating, true, {{"gamma", "3"}});
  Generator init(1), gen(2);
  auto D = sys->make_discriminator(init);
  const Tensor real = mixture_dataset_points(training_mixture("mixture:ring8"), 6, gen);
  const Tensor fake = (Tensor::randn({6, 2}, gen) * 1.5).reshape({6, 2, 1, 1});
  const Judgement jr = sys->judge(*D, real, {}), jf = sys->judge(*D, fake, {});
  ASSERT_EQ(jr.adv.shape(), (Shape{6}));
  const Tensor labels;
  const Latent latent;
  const LossOut out = sys->d_loss({jr, jf, labels, latent, *D, real, fake, 0, gen});
  // Mean over the batch of |grad_x D(x)|^2 by central differences (D piecewise linear: exact off kinks).
  auto penalty = [&](const Tensor& x) {
    NoGradGuard ng;
    const std::vector<double> p = x.to_double_vector();
    double total = 0;
    const double h = 1e-3;
    for (int64_t i = 0; i < 6; ++i) {
      double sq = 0;
      for (int k = 0; k < 2; ++k) {
        std::vector<float> lo(p.begin() + 2 * i, p.begin() + 2 * i + 2), hi = lo;
        lo[static_cast<size_t>(k)] -= static_cast<float>(h), hi[static_cast<size_t>(k)] += static_cast<float>(h);
        const double dlo = sys->judge(*D, Tensor::from_data({1, 2, 1, 1}, lo), {}).adv.item();
        const double dhi = sys->judge(*D, Tensor::from_data({1, 2, 1, 1}, hi), {}).adv.item();
        sq += std::pow((dhi - dlo) / (2 * h), 2);
      }
      total += sq / 6;
    }
    return total;
  };
  const double r1 = penalty(real), r2 = penalty(fake);
  const std::vector<double> dr = jr.adv.to_double_vector(), df = jf.adv.to_double_vector();
  double rel = 0;
  for (size_t i = 0; i < 6; ++i) rel += softplus(df[i] - dr[i]) / 6;
  EXPECT_NEAR(scalar(out, "relativistic_loss"), rel, 1e-6);
  EXPECT_NEAR(scalar(out, "r1"), r1, 2e-3 * r1 + 1e-6);
  EXPECT_NEAR(scalar(out, "r2"), r2, 2e-3 * r2 + 1e-6);
  EXPECT_GT(std::abs(r1 - r2), 1e-4);  // two different penalties, not one counted twice
  EXPECT_NEAR(out.loss.item(), rel + 1.5 * (r1 + r2), 2e-3 * (r1 + r2) + 1e-5);
  // G's loss pairs its fakes with the D step's reals.
  auto G = sys->make_generator(init);
  const LossOut g = sys->g_loss({jf, jr, latent, *D, fake, 0, *G});
  double lg = 0;
  for (size_t i = 0; i < 6; ++i) lg += softplus(dr[i] - df[i]) / 6;
  EXPECT_NEAR(g.loss.item(), lg, 1e-6);
}

// The whole D objective through a small f64 MLP critic: its gradient w.r.t.
// every critic parameter (second derivatives through both penalties) against
// central differences.
TEST(R3gan, DObjectiveParameterGradientPassesGradcheck) {
  Generator gen(23);
  const Options f64{DType::f64};
  const Tensor real = Tensor::randn({4, 2}, gen, f64), fake = Tensor::randn({4, 2}, gen, f64) * 2.0;
  std::vector<Tensor> params = {Tensor::randn({5, 2}, gen, f64), Tensor::randn({5}, gen, f64) * 0.3,
                                Tensor::randn({1, 5}, gen, f64)};
  for (Tensor& p : params) p = p.detach().requires_grad_(true);
  const GradcheckFn objective = [&](const std::vector<Tensor>& p) {
    const Critic critic = [&](const Tensor& x) {  // tanh keeps the second derivative smooth
      return ops::linear(ops::tanh(ops::linear(x, p[0], p[1])), p[2]).reshape({x.size(0)});
    };
    return relativistic_d_loss(critic(real), critic(fake)) + 0.5 * 2.0 * (r1_penalty(critic, real) + r1_penalty(critic, fake));
  };
  const GradcheckResult r = gradcheck(objective, params);
  EXPECT_TRUE(r.ok) << r.first_failure << " (max abs error " << r.max_abs_error << ")";
  EXPECT_EQ(r.checked, 10 + 5 + 5);
}

TEST(R3gan, KeysAndNets) {
  const std::string loss = error_of([] { build("r3gan", LossKind::hinge, false); });
  EXPECT_NE(loss.find("system 'r3gan' has its own loss"), std::string::npos) << loss;
  EXPECT_NE(loss.find("config key 'loss' = \"non-saturating\""), std::string::npos) << loss;
  const std::string gamma = error_of([] { build("r3gan", LossKind::non_saturating, false, {{"gamma", "-1"}}); });
  EXPECT_NE(gamma.find("config key 'gamma' in table [r3gan]: must be >= 0"), std::string::npos) << gamma;
  // Images: the DCGAN D, no batch norm by default (per-sample penalties); points: the MLP D.
  Generator init(1);
  int bn = 0, convs = 0;
  for (const auto& [name, m] : build("r3gan", LossKind::non_saturating, false)->make_discriminator(init)->named_modules())
    bn += m->type_name() == "BatchNorm2d", convs += m->type_name() == "Conv2d";
  EXPECT_EQ(bn, 0);
  EXPECT_GT(convs, 0);
  int linears = 0;
  for (const auto& [name, m] : build("r3gan", LossKind::non_saturating, true)->make_discriminator(init)->named_modules())
    linears += m->type_name() == "Linear";
  EXPECT_EQ(linears, 3);
}

// The baseline of scripts/claims/r3gan_fmnist.sh: dcgan's d_norm key ("none":
// the per-sample D of R1) changes D's norm and nothing else; a bad value names
// the table and key.
TEST(R3gan, DcganBaselineTakesDNorm) {
  const auto norms = [](const char* d_norm) {
    SystemSetup s;
    s.options = default_options("dcgan");
    s.options.set("features_g", "2");
    s.options.set("features_d", "2");
    if (d_norm) s.options.set("d_norm", d_norm);
    Generator init(1);
    std::map<std::string, int> n;
    for (const auto& [name, m] : make_system("dcgan", std::move(s))->make_discriminator(init)->named_modules())
      ++n[m->type_name()];
    return n;
  };
  const std::map<std::string, int> batch = norms(nullptr), none = norms("none"), layer = norms("layer");
  EXPECT_GT(batch.count("BatchNorm2d"), 0u);  // DCGAN's default
  EXPECT_EQ(none.count("BatchNorm2d") + none.count("LayerNorm"), 0u);
  EXPECT_GT(layer.count("LayerNorm"), 0u);
  EXPECT_EQ(none.at("Conv2d"), batch.at("Conv2d"));
  const std::string e = error_of([&] { norms("group"); });
  EXPECT_NE(e.find("config key 'd_norm' in table [dcgan]: expected batch, layer, none or spectral, got \"group\""),
            std::string::npos)
      << e;
}

// ---- SphereGAN ----------------------------------------------------------------------

TEST(Spheregan, InverseStereographicPointsAreOnTheUnitSphere) {
  Generator gen(4);
  const Tensor u = Tensor::randn({50, 5}, gen, Options{DType::f64}) * 3.0;
  const Tensor q = inverse_stereographic(u);
  ASSERT_EQ(q.shape(), (Shape{50, 6}));
  const std::vector<double> qv = q.to_double_vector(), uv = u.to_double_vector();
  for (int64_t i = 0; i < 50; ++i) {
    double norm2 = 0;
    for (int64_t j = 0; j < 6; ++j) norm2 += qv[static_cast<size_t>(i * 6 + j)] * qv[static_cast<size_t>(i * 6 + j)];
    EXPECT_NEAR(norm2, 1.0, 1e-12) << "row " << i;
    // Stereographic projection from the north pole recovers u: u = q[:n] / (1 - q_n).
    for (int64_t j = 0; j < 5; ++j)
      EXPECT_NEAR(qv[static_cast<size_t>(i * 6 + j)] / (1 - qv[static_cast<size_t>(i * 6 + 5)]),
                  uv[static_cast<size_t>(i * 5 + j)], 1e-9);
  }
  // 0 -> the south pole; |u| = 1 -> the equator; f32 too.
  const std::vector<double> s = inverse_stereographic(Tensor::zeros({1, 3})).to_double_vector();
  EXPECT_EQ(s, (std::vector<double>{0, 0, 0, -1}));
  const std::vector<double> e = inverse_stereographic(Tensor::from_data({1, 2}, std::vector<float>{0.6f, 0.8f})).to_double_vector();
  EXPECT_NEAR(e[2], 0.0, 1e-7);
  EXPECT_NEAR(e[0], 0.6, 1e-7);
}

TEST(Spheregan, SafeAcosValuesAndFiniteGradientsAtTheClamp) {
  std::vector<double> xs;
  for (int i = -1000; i <= 1000; ++i) xs.push_back(i / 1000.0 * (1 - 1e-6));
  const Options f64{DType::f64};
  const Tensor x = Tensor::from_data({static_cast<int64_t>(xs.size())}, xs, f64);
  const std::vector<double> y = safe_acos(x).to_double_vector();
  for (size_t i = 0; i < xs.size(); ++i) ASSERT_NEAR(y[i], std::acos(xs[i]), 3e-8) << "x = " << xs[i];
  // Gradient: exactly -1/sqrt(1 - x^2) inside the clamp; finite (0) at and beyond +-1.
  const std::vector<double> probe = {-2.0, -1.0, -(1 - 1e-7), -0.5, 0.0, 0.3, 1 - 1e-7, 1.0, 2.0};
  Tensor p = Tensor::from_data({static_cast<int64_t>(probe.size())}, probe, f64).requires_grad_(true);
  const Tensor gp = autograd::grad({ops::sum(safe_acos(p))}, {p})[0];
  const std::vector<double> gv = gp.to_double_vector();
  for (size_t i = 0; i < probe.size(); ++i) {
    ASSERT_TRUE(std::isfinite(gv[i])) << "x = " << probe[i];
    if (std::abs(probe[i]) < 1 - 1e-6) EXPECT_NEAR(gv[i], -1 / std::sqrt(1 - probe[i] * probe[i]), 1e-12);
    else EXPECT_EQ(gv[i], 0.0) << "x = " << probe[i];
  }
  // In f32 the largest gradient is the clamp's bound, ~707.
  Tensor edge = Tensor::from_data({2}, std::vector<float>{-(1 - 1e-6f), 1 - 1e-6f}).requires_grad_(true);
  for (double v : autograd::grad({ops::sum(safe_acos(edge))}, {edge})[0].to_double_vector()) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_LT(std::abs(v), 1000.0);
  }
  // Second order (create_graph) through the recorded backward: d2/dx2 acos = -x / (1 - x^2)^(3/2).
  Tensor q = Tensor::from_data({1}, std::vector<double>{0.4}, f64).requires_grad_(true);
  autograd::GradOptions o;
  o.create_graph = true;
  const Tensor g1 = autograd::grad({ops::sum(safe_acos(q))}, {q}, {}, o)[0];
  EXPECT_NEAR(autograd::grad({ops::sum(g1)}, {q})[0].item(), -0.4 / std::pow(1 - 0.16, 1.5), 1e-10);
}

// Distances and the moment losses from D's raw outputs, against std::acos in double.
TEST(Spheregan, DistanceMomentsMatchAHandComputation) {
  Generator gen(6);
  const Options f64{DType::f64};
  const Tensor ur = Tensor::randn({5, 3}, gen, f64) * 2.0, uf = Tensor::randn({5, 3}, gen, f64) * 0.5;
  auto hand = [](const Tensor& u) {
    std::vector<double> d;
    const std::vector<double> v = u.to_double_vector();
    for (int64_t i = 0; i < u.size(0); ++i) {
      double s = 0;
      for (int64_t j = 0; j < 3; ++j) s += v[static_cast<size_t>(i * 3 + j)] * v[static_cast<size_t>(i * 3 + j)];
      d.push_back(std::acos((s - 1) / (s + 1)));
    }
    return d;
  };
  const std::vector<double> hr = hand(ur), hf = hand(uf);
  const Tensor dr = north_pole_distance(inverse_stereographic(ur)), df = north_pole_distance(inverse_stereographic(uf));
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_NEAR(dr.to_double_vector()[i], hr[i], 3e-8);
    EXPECT_NEAR(df.to_double_vector()[i], hf[i], 3e-8);
  }
  for (int64_t R : {1, 3}) {
    double ld = 0, lg = 0;
    for (int64_t r = 1; r <= R; ++r)
      for (size_t i = 0; i < 5; ++i) {
        ld += (std::pow(hf[i], r) - std::pow(hr[i], r)) / 5;
        lg -= std::pow(hf[i], r) / 5;
      }
    EXPECT_NEAR(sphere_d_loss(dr, df, R).item(), ld, 1e-6) << "R = " << R;
    EXPECT_NEAR(sphere_g_loss(df, R).item(), lg, 1e-6) << "R = " << R;
  }
  // The loss's gradient w.r.t. u against central differences (inside the clamp).
  Tensor u = (Tensor::randn({4, 3}, gen, f64) * 1.5).detach().requires_grad_(true);
  const GradcheckResult r = gradcheck(
      [](const std::vector<Tensor>& in) { return sphere_g_loss(north_pole_distance(inverse_stereographic(in[0])), 3); },
      {u});
  EXPECT_TRUE(r.ok) << r.first_failure << " (max abs error " << r.max_abs_error << ")";
}

// At the poles the clamp is active: the loss's gradient w.r.t. u is finite.
TEST(Spheregan, GradientIsFiniteAtThePoles) {
  // u = 0 is the south pole exactly (<q, N> = -1); |u| = 1e5 rounds to the north pole in f32.
  Tensor u = Tensor::from_data({3, 2}, std::vector<float>{0.f, 0.f, 1e5f, 0.f, 0.3f, -0.2f}).requires_grad_(true);
  const Tensor d = north_pole_distance(inverse_stereographic(u));
  const std::vector<double> dv = d.to_double_vector();
  EXPECT_NEAR(dv[0], std::numbers::pi, 2e-3);  // clamped at -1 + 1e-6: pi - 1.4e-3
  EXPECT_NEAR(dv[1], 0.0, 2e-3);
  const Tensor g = autograd::grad({sphere_d_loss(d, d, 3) + sphere_g_loss(d, 3)}, {u})[0];
  for (double v : g.to_double_vector()) EXPECT_TRUE(std::isfinite(v)) << v;
}

TEST(Spheregan, SystemJudgesByDistanceAndNamesItsKeys) {
  for (bool points : {true, false}) {
    auto sys = build("spheregan", LossKind::wasserstein, points, {{"sphere_dim", "4"}, {"moments", "2"}});
    Generator init(1), gen(2);
    auto D = sys->make_discriminator(init);
    const Tensor x = points ? Tensor::randn({3, 2, 1, 1}, gen) : ops::tanh(Tensor::randn({3, 1, 28, 28}, gen));
    const Judgement j = sys->judge(*D, x, {});
    ASSERT_EQ(j.adv.shape(), (Shape{3})) << points;
    for (double d : j.adv.to_double_vector()) EXPECT_TRUE(d >= 0 && d <= std::numbers::pi) << d;
    const Tensor labels;
    const Latent latent;
    const Judgement jf{j.adv * 0.5, {}, {}};
    const LossOut out = sys->d_loss({j, jf, labels, latent, *D, x, x, 0, gen});
    EXPECT_NEAR(out.loss.item(), sphere_d_loss(j.adv, jf.adv, 2).item(), 1e-6);
    EXPECT_NEAR(scalar(out, "distance_real"), ops::mean(j.adv).item(), 1e-6);
  }
  const std::string loss = error_of([] { build("spheregan", LossKind::non_saturating, true); });
  EXPECT_NE(loss.find("config key 'loss' = \"wasserstein\""), std::string::npos) << loss;
  const std::string m = error_of([] { build("spheregan", LossKind::wasserstein, true, {{"moments", "0"}}); });
  EXPECT_NE(m.find("config key 'moments' in table [spheregan]: must be >= 1"), std::string::npos) << m;
  const std::string n = error_of([] { build("spheregan", LossKind::wasserstein, true, {{"sphere_dim", "0"}}); });
  EXPECT_NE(n.find("config key 'sphere_dim' in table [spheregan]: must be >= 1"), std::string::npos) << n;
}

// d_norm on the 2-D nets: "layer" puts a LayerNorm after each hidden Linear of
// D (SphereGAN's default, the paper's D), "none" none; the DCGAN-only norms are
// refused naming the key, not ignored.
TEST(Spheregan, PointsDTakesLayerNormOrNone) {
  const auto count = [](const char* d_norm) {
    Generator init(1);
    int ln = 0, linears = 0;
    auto sys = build("spheregan", LossKind::wasserstein, true, {{"d_norm", d_norm}});
    for (const auto& [name, m] : sys->make_discriminator(init)->named_modules())
      ln += m->type_name() == "LayerNorm", linears += m->type_name() == "Linear";
    EXPECT_EQ(linears, 3) << d_norm;
    return ln;
  };
  EXPECT_EQ(count("layer"), 2);
  EXPECT_EQ(count("none"), 0);
  // LayerNorm normalizes each sample's features: D stays per-sample (one point's
  // judgement does not depend on the others in its batch).
  Generator init(2), gen(3);
  auto sys = build("spheregan", LossKind::wasserstein, true, {{"d_norm", "layer"}});
  auto D = sys->make_discriminator(init);
  const Tensor x = Tensor::randn({5, 2, 1, 1}, gen);
  const std::vector<double> all = sys->judge(*D, x, {}).adv.to_double_vector();
  EXPECT_NEAR(sys->judge(*D, x.narrow0(2, 1), {}).adv.item(), all[2], 1e-6);
  const std::string e = error_of([] { build("spheregan", LossKind::wasserstein, true, {{"d_norm", "batch"}}); });
  EXPECT_NE(e.find("config key 'd_norm' in table [spheregan]: the 2-D nets' D takes \"layer\" or \"none\""),
            std::string::npos)
      << e;
}

// Through the Trainer on the ring: every logged number stays finite (no NaN from
// the arccos at the poles) and mode coverage is measured. Coverage itself is a
// claim (scripts/claims/r3gan_2d.sh), not asserted here: SphereGAN on the
// ring covers few modes in our runs.
TEST(Spheregan, TrainsOnTheRingWithoutNaN) {
  TrainerConfig c;
  for (const char* kv : {"system=spheregan", "dataset=mixture:ring8", "dataset_limit=20000", "image_size=1",
                         "channels=2", "labels=none", "loss=wasserstein", "spheregan.z_dim=8", "spheregan.hidden=32",
                         "spheregan.sphere_dim=8", "spheregan.eval_samples=500", "lr_g=1e-3", "lr_d=1e-3", "batch=64",
                         "seed=1", "ema_decay=0", "checkpoint_every=0", "sample_every=0", "eval_every=100", "steps=300"}) {
    const std::string s = kv;
    set_config_value(c, s.substr(0, s.find('=')), s.substr(s.find('=') + 1));
  }
  c.out_dir = ::testing::TempDir() + "/gan_spheregan_ring_" + std::to_string(::getpid());
  Trainer t(c);
  int evaluations = 0;
  t.train([&](const StepStats& s) {
    for (double v : {s.loss_d, s.loss_g, s.d_real, s.d_fake, s.grad_norm_d, s.grad_norm_g}) ASSERT_TRUE(std::isfinite(v));
    for (const auto& [k, v] : s.scalars) ASSERT_TRUE(std::isfinite(v)) << k << " at step " << s.step;
    for (const auto& [k, v] : s.evaluation)
      if (k == "modes_covered") {
        ++evaluations;
        EXPECT_GE(v, 0.0);
        EXPECT_LE(v, 8.0);
      }
  });
  EXPECT_EQ(evaluations, 3);
  fs::remove_all(c.out_dir);
}

// ---- The 25-Gaussian grid ---------------------------------------------------------

TEST(Grid25, DataSetCoversEveryModeAndTheKeysAreChecked) {
  TrainerConfig c;
  for (const char* kv : {"system=mlp2d", "dataset=mixture:grid25", "dataset_limit=5000", "image_size=1", "channels=2",
                         "labels=none", "seed=2"}) {
    const std::string s = kv;
    set_config_value(c, s.substr(0, s.find('=')), s.substr(s.find('=') + 1));
  }
  const Dataset d = load_training_data(c);
  ASSERT_EQ(d.images.shape(), (Shape{5000, 2, 1, 1}));
  const TrainingMixture grid = training_mixture("mixture:grid25");
  ASSERT_EQ(grid.mixture.means.size(), 25u);
  const ModeStats s = evaluate_modes(d.images.reshape({5000, 2}), grid.mixture, grid.min_fraction);
  EXPECT_EQ(s.covered, 25);
  EXPECT_NEAR(s.high_quality, 1 - std::exp(-4.5), 0.006);
  // Five modes only: five covered.
  eval::GaussianMixture2d five = grid.mixture;
  five.means.resize(5);
  Generator g(3);
  EXPECT_EQ(evaluate_modes(five.sample(2500, g), grid.mixture, grid.min_fraction).covered, 5);
  // Unknown mixtures list the known ones; the 2-D nets' `mixture` key must name the run's.
  TrainerConfig bad = c;
  bad.dataset = "mixture:spiral";
  const std::string unknown = error_of([&] { load_training_data(bad); });
  EXPECT_NE(unknown.find("known: mixture:ring8, mixture:grid25"), std::string::npos) << unknown;
  c.out_dir = ::testing::TempDir() + "/gan_grid25_" + std::to_string(::getpid());
  c.checkpoint_every = c.sample_every = c.eval_every = 0;
  const std::string key = error_of([&] { Trainer t(c); });
  EXPECT_NE(key.find("config key 'mixture' in table [mlp2d]"), std::string::npos) << key;
  EXPECT_NE(key.find("set mlp2d.mixture = \"grid25\""), std::string::npos) << key;
  set_config_value(c, "mlp2d.mixture", "grid25");
  EXPECT_EQ(error_of([&] { Trainer t(c); }), "(no error)");
  fs::remove_all(c.out_dir);
}

}  // namespace
}  // namespace gan::models
