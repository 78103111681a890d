// The ProGAN system: its growing schedule (stage and alpha at the phase
// boundaries), the fade-in of G's output and of D's input path against a hand
// computation from the nets' own layers, what crosses the Trainer (reals and
// samples at the full size, pooled back exactly), the equalized weights'
// storage, exact resume in the middle of a fade-in (the logged alpha included),
// a checkpoint sampled at its step's stage, PacGAN packing with the
// minibatch-stddev head, and the config errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>

#include "gan/autograd.h"
#include "gan/checkpoint.h"
#include "gan/models/progan_nets.h"
#include "gan/models/registry.h"
#include "gan/models/trained.h"
#include "gan/models/trainer.h"
#include "gan/ops.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

namespace fs = std::filesystem;
using testing::error_of;
using testing::type_counts;

double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  const std::vector<double> x = a.to_double_vector(), y = b.to_double_vector();
  double m = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}

// 16x16: stages 4, 8, 16; widths (features 4, cap 16): G 16, 8, 4.
ProganOptions small_net() {
  ProganOptions o;
  o.image_size = 16;
  o.z_dim = 8;
  o.features_g = 4;
  o.features_d = 4;
  o.features_max = 16;
  o.minibatch_stddev = 2;
  return o;
}

SystemSetup progan_setup() {
  SystemSetup s;
  s.image_size = 16;
  s.loss = LossKind::wasserstein;
  s.options = default_options("progan");
  s.options.set("z_dim", "8");
  s.options.set("features_g", "4");
  s.options.set("features_d", "4");
  s.options.set("stable_steps", "2");
  s.options.set("fade_steps", "4");
  return s;
}

TEST(ProganSchedule, StageAndAlphaAtThePhaseBoundaries) {
  // 4 stages, stable 20, fade 10: 4x4 [0, 20), fade 8 [20, 30), 8 [30, 50),
  // fade 16 [50, 60), 16 [60, 80), fade 32 [80, 90), 32 from 90 on.
  const auto at = [](int64_t t) { return progan_phase(t, 4, 10, 20); };
  const std::vector<std::tuple<int64_t, int64_t, double>> want = {
      {0, 0, 1.0},  {19, 0, 1.0}, {20, 1, 0.0}, {23, 1, 0.3}, {29, 1, 0.9}, {30, 1, 1.0}, {49, 1, 1.0},
      {50, 2, 0.0}, {55, 2, 0.5}, {60, 2, 1.0}, {80, 3, 0.0}, {89, 3, 0.9}, {90, 3, 1.0}, {1000000, 3, 1.0}};
  for (const auto& [t, stage, alpha] : want) {
    EXPECT_EQ(at(t).stage, stage) << "step " << t;
    EXPECT_DOUBLE_EQ(at(t).alpha, alpha) << "step " << t;
  }
  EXPECT_EQ(at(55).resolution(), 16);
  // No fade: the new resolution replaces the old at once.
  EXPECT_EQ(progan_phase(20, 4, 0, 20).stage, 1);
  EXPECT_EQ(progan_phase(20, 4, 0, 20).alpha, 1.0);
  // No phases at all: the final nets from the first step (no growing).
  EXPECT_EQ(progan_phase(0, 4, 0, 0).stage, 3);
  // One stage (4x4 data): nothing to grow.
  EXPECT_EQ(progan_phase(500, 1, 10, 20).stage, 0);
}

TEST(ProganNets, ResolutionsWidthsAndNoBatchNorm) {
  EXPECT_EQ(progan_stages(4), 1);
  EXPECT_EQ(progan_stages(32), 4);
  EXPECT_THROW(progan_stages(28), Error);
  ProganOptions o;  // 32x32, features 32, cap 128: the config's widths
  EXPECT_EQ(progan_width(o, 32, 0), 128);
  EXPECT_EQ(progan_width(o, 32, 1), 128);
  EXPECT_EQ(progan_width(o, 32, 2), 64);
  EXPECT_EQ(progan_width(o, 32, 3), 32);
  Generator gen(1);
  ProganOptions s = small_net();
  s.pack = 2;
  ProganGenerator G(s, gen);
  ProganDiscriminator D(s, gen);
  std::map<std::string, int> g = type_counts(G), d = type_counts(D);
  EXPECT_EQ(g["EqualizedConv2d"], 1 + 2 + 2 + 3);  // block convs + one to_rgb per stage
  EXPECT_EQ(g["EqualizedLinear"], 1);
  EXPECT_EQ(d["EqualizedConv2d"], 3 + 2 + 2 + 2);  // from_rgb per stage + block convs + head's 3x3 and 4x4
  EXPECT_EQ(d["EqualizedLinear"], 1);
  EXPECT_EQ(d["MinibatchStdDev"], 1);
  EXPECT_EQ(g["BatchNorm2d"] + d["BatchNorm2d"] + g["Conv2d"] + d["Conv2d"], 0);
  EXPECT_EQ(G.input->weight.shape(), (Shape{16 * 16, 8}));
  EXPECT_EQ(G.to_rgb[2]->weight.shape(), (Shape{1, 4, 1, 1}));
  EXPECT_EQ(D.from_rgb[2]->weight.shape(), (Shape{4, 2, 1, 1}));  // pack * C input channels
  EXPECT_EQ(D.head->conv->weight.shape(), (Shape{16, 17, 3, 3}));  // + the stddev channel
  EXPECT_EQ(D.head->conv4->weight.shape(), (Shape{16, 16, 4, 4}));
  // minibatch_stddev = 0 (the ablation): no stddev layer, no extra channel.
  s.minibatch_stddev = 0;
  ProganDiscriminator plain(s, gen);
  EXPECT_EQ(type_counts(plain)["MinibatchStdDev"], 0);
  EXPECT_EQ(plain.head->conv->weight.shape(), (Shape{16, 16, 3, 3}));
}

// Equalized learning rate: every weight is stored N(0, 1) (the He scale is
// applied at run time), every bias 0.
TEST(ProganNets, WeightsAreStoredUnitNormalBiasesZero) {
  Generator gen(3);
  ProganOptions o;  // the config's nets: large enough tensors for the moments
  ProganGenerator G(o, gen);
  ProganDiscriminator D(o, gen);
  int checked = 0;
  for (nn::Module* m : {static_cast<nn::Module*>(&G), static_cast<nn::Module*>(&D)})
    for (const auto& [name, p] : m->named_parameters()) {
      const std::vector<double> v = p.to_double_vector();
      double mean = 0, sq = 0;
      for (double x : v) mean += x / static_cast<double>(v.size());
      for (double x : v) sq += (x - mean) * (x - mean) / static_cast<double>(v.size());
      if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) {
        EXPECT_EQ(sq + mean * mean, 0.0) << name;
      } else if (v.size() >= 1000) {
        EXPECT_NEAR(mean, 0.0, 0.1) << name;
        EXPECT_NEAR(std::sqrt(sq), 1.0, 0.1) << name;
        ++checked;
      }
    }
  EXPECT_GE(checked, 15);
  // ... and used as w / sqrt(fan_in).
  const Tensor eff = G.blocks[3]->convs[1]->effective_weight();
  EXPECT_NEAR(max_abs_diff(eff, ops::mul(G.blocks[3]->convs[1]->weight, 1.0 / std::sqrt(32.0 * 9))), 0.0, 1e-7);
}

// G's output during the fade-in of stage k: lerp(upsample(to_rgb_{k-1}(h_{k-1})),
// to_rgb_k(block_k(h_{k-1})), alpha), by hand from G's own layers.
TEST(ProganNets, GeneratorFadeInIsTheLerpOfTheTwoToRgbPaths) {
  Generator gen(5);
  ProganGenerator G(small_net(), gen);
  NoGradGuard ng;
  const Tensor z = ops::randn_like(Tensor::empty({6, 8}), gen);
  for (int64_t k : {1, 2}) {
    const int64_t r = progan_resolution(k);
    const Tensor prev = G.features(z, k - 1);
    const Tensor old_rgb = ops::upsample_nearest2d((*G.to_rgb[k - 1])(prev), r, r);  // [6, 1, r, r]
    const Tensor new_rgb = (*G.to_rgb[k])((*G.blocks[k])(prev));
    for (double a : {0.0, 0.3, 1.0}) {
      const Tensor want = ops::add(ops::mul(old_rgb, 1.0 - a), ops::mul(new_rgb, a));
      const Tensor got = G.forward(z, k, a);
      EXPECT_EQ(got.shape(), (Shape{6, 1, r, r}));
      EXPECT_LE(max_abs_diff(got, want), 1e-6) << "stage " << k << " alpha " << a;
    }
    // alpha = 0 is the previous stage's image, upsampled: the fade starts where it was.
    EXPECT_LE(max_abs_diff(G.forward(z, k, 0.0), ops::upsample_nearest2d(G.forward(z, k - 1, 1.0), r, r)), 1e-6);
  }
}

// D's input path during the fade-in of stage k: lerp(from_rgb_{k-1}(avgpool(x)),
// block_k(from_rgb_k(x)), alpha), then blocks k-1 .. 1 and the head, by hand.
TEST(ProganNets, DiscriminatorFadeInIsTheLerpOfTheTwoFromRgbPaths) {
  Generator gen(6);
  ProganDiscriminator D(small_net(), gen);
  NoGradGuard ng;
  const Tensor x16 = ops::randn_like(Tensor::empty({4, 1, 16, 16}), gen);
  for (int64_t k : {1, 2}) {
    const int64_t r = progan_resolution(k);
    const Tensor x = ops::avg_pool2d(x16, {16 / r, 16 / r}, {16 / r, 16 / r});  // [4, 1, r, r]
    const Tensor old_path = progan_act((*D.from_rgb[k - 1])(ops::avg_pool2d(x, {2, 2}, {2, 2})));
    const Tensor new_path = (*D.blocks[k])(progan_act((*D.from_rgb[k])(x)));
    for (double a : {0.0, 0.3, 1.0}) {
      Tensor h = ops::add(ops::mul(old_path, 1.0 - a), ops::mul(new_path, a));  // [4, v_{k-1}, r/2, r/2]
      for (int64_t j = k - 1; j >= 1; --j) h = (*D.blocks[j])(h);
      const Tensor want = D.head->forward(h, nullptr);
      const Tensor got = D.forward(x, k, a);
      EXPECT_EQ(got.shape(), (Shape{4}));
      EXPECT_LE(max_abs_diff(got, want), 1e-6) << "stage " << k << " alpha " << a;
      // D given the full 16x16 pools it to r first: the same judgement.
      EXPECT_LE(max_abs_diff(D.forward(x16, k, a), got), 1e-6) << "stage " << k << " alpha " << a;
    }
    // Nearest upsampling is undone exactly (up to the pool's rounding).
    EXPECT_LE(max_abs_diff(D.forward(ops::upsample_nearest2d(x, 16, 16), k, 0.3), D.forward(x, k, 0.3)), 1e-5);
  }
}

// What crosses the Trainer is S x S at every stage: samples are G's r x r
// output upsampled, reals are pooled to r (blended in a fade) and upsampled.
TEST(ProganSystem, SamplesAndRealsStayAtTheFullSizeAndPoolBackExactly) {
  auto sys = make_system("progan", progan_setup());
  EXPECT_TRUE(sys->supports_d_remedies());
  Generator gen(8);
  auto G = sys->make_generator(gen);
  auto& pg = dynamic_cast<ProganGenerator&>(*G);
  NoGradGuard ng;
  const Latent l = sys->sample_latent(3, gen, Device::cpu());
  const Tensor x = testing::labelled_images(3, 10, 16)->images;  // [3, 1, 16, 16]
  // stable 2, fade 4: step 3 is stage 1 (8x8) at alpha 0.25.
  sys->on_step(3);
  const Tensor img = sys->generate(*G, l);
  EXPECT_EQ(img.shape(), (Shape{3, 1, 16, 16}));
  EXPECT_EQ(max_abs_diff(img, ops::upsample_nearest2d(pg.forward(l.z, 1, 0.25), 16, 16)), 0.0);
  const Tensor real = sys->prepare_real(x);
  EXPECT_EQ(real.shape(), (Shape{3, 1, 16, 16}));
  const Tensor x8 = ops::avg_pool2d(x, {2, 2}, {2, 2}), x4 = ops::avg_pool2d(x8, {2, 2}, {2, 2});
  const Tensor blended = ops::add(ops::mul(ops::upsample_nearest2d(x4, 8, 8), 0.75), ops::mul(x8, 0.25));
  EXPECT_LE(max_abs_diff(ops::avg_pool2d(real, {2, 2}, {2, 2}), blended), 1e-6);
  EXPECT_EQ(max_abs_diff(real, ops::upsample_nearest2d(blended, 16, 16)), 0.0);
  // Step 0: 4x4 reals; step 100: the data itself.
  sys->on_step(0);
  EXPECT_LE(max_abs_diff(sys->prepare_real(x), ops::upsample_nearest2d(ops::avg_pool2d(x, {4, 4}, {4, 4}), 16, 16)), 1e-6);
  sys->on_step(100);
  EXPECT_EQ(max_abs_diff(sys->prepare_real(x), x), 0.0);
  EXPECT_EQ(max_abs_diff(sys->generate(*G, l), pg.forward(l.z, 2, 1.0)), 0.0);
}

std::string temp_dir(const std::string& tag) {
  return ::testing::TempDir() + "/gan_progan_" + std::to_string(::getpid()) + "_" + tag;
}

TrainerConfig tiny_run(const std::string& tag) {
  TrainerConfig c;
  set_config_value(c, "system", "progan");
  c.loss = LossKind::wasserstein;
  c.dataset = "synthetic";
  c.image_size = 16;
  c.minibatch_stddev = 4;
  set_config_value(c, "z_dim", "8");
  set_config_value(c, "features_g", "2");
  set_config_value(c, "features_d", "2");
  set_config_value(c, "progan.stable_steps", "2");
  set_config_value(c, "progan.fade_steps", "4");
  c.batch = 8;
  c.sample_count = 4;
  c.checkpoint_every = 0;
  c.sample_every = 0;
  c.eval_every = 0;
  c.seed = 9;
  c.out_dir = temp_dir(tag);
  return c;
}

std::vector<double> numbers(const StepStats& s) {
  std::vector<double> v = {s.loss_d, s.loss_g, s.penalty, s.d_real, s.d_fake, s.grad_norm_d, s.grad_norm_g};
  for (const auto& [name, x] : s.scalars) v.push_back(x);
  return v;
}

double scalar(const StepStats& s, const std::string& name) {
  for (const auto& [n, x] : s.scalars)
    if (n == name) return x;
  ADD_FAILURE() << "no scalar " << name;
  return NAN;
}

// 7 steps straight == 3 steps (the checkpoint lands in the 8x8 fade-in, alpha
// 0.25), a fresh Trainer resumed from it, 4 more: every number, the logged
// stage and alpha, and every tensor of the final checkpoints, bit for bit.
TEST(ProganSystem, ResumingInTheMiddleOfAFadeInIsExact) {
  const auto data = testing::labelled_images(40, 10, 16);
  TrainerConfig ca = tiny_run("a");
  ca.steps = 7;
  std::vector<double> a, res, alpha;
  Trainer ta(ca, data);
  ta.train([&](const StepStats& s) {
    for (double x : numbers(s)) ASSERT_TRUE(std::isfinite(x)) << "step " << s.step;
    res.push_back(scalar(s, "progan_resolution"));
    alpha.push_back(scalar(s, "progan_alpha"));
    if (s.step > 3) for (double x : numbers(s)) a.push_back(x);
  });
  // stable 2, fade 4: 4x4, 4x4, then the 8x8 fade at 0, 0.25, 0.5, 0.75, then 8x8.
  EXPECT_EQ(res, (std::vector<double>{4, 4, 8, 8, 8, 8, 8}));
  EXPECT_EQ(alpha, (std::vector<double>{1, 1, 0, 0.25, 0.5, 0.75, 1}));

  TrainerConfig cb = tiny_run("b");
  cb.steps = 3;
  cb.checkpoint_every = 3;
  { Trainer tb(cb, data); tb.train(); }
  cb.steps = 7;
  Trainer tb2(cb, data);
  tb2.resume(tb2.checkpoint_path());
  EXPECT_EQ(tb2.current_step(), 3);
  std::vector<double> b;
  tb2.train([&](const StepStats& s) { for (double x : numbers(s)) b.push_back(x); });
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << "number " << i;
  const TensorFile fa = load_tensors(ta.checkpoint_path()), fb = load_tensors(tb2.checkpoint_path());
  ASSERT_EQ(fa.tensors.size(), fb.tensors.size());
  for (size_t i = 0; i < fa.tensors.size(); ++i)
    EXPECT_EQ(fa.tensors[i].second.to_double_vector(), fb.tensors[i].second.to_double_vector()) << fa.tensors[i].first;
  fs::remove_all(ca.out_dir);
  fs::remove_all(cb.out_dir);
}

// A checkpoint written in a fade-in samples at its step's stage and alpha: 4
// steps (the last at 8x8, alpha 0.25), then load_trained_generator's G draws
// what the Trainer's sampling G draws (at step 4 alpha would be 0.5, at stage
// 0 the 4x4 image).
TEST(ProganSystem, ACheckpointSamplesAtItsStepsStage) {
  TrainerConfig c = tiny_run("sample");
  c.steps = 4;
  Trainer t(c, testing::labelled_images(40, 10, 16));
  t.train();
  const TrainedGenerator g = load_trained_generator(t.checkpoint_path());
  EXPECT_EQ(g.step, 4);
  NoGradGuard ng;
  const Tensor want = t.system().generate(t.sampling_generator(), t.fixed_latent());
  EXPECT_EQ(g.generate(t.fixed_latent()).to_double_vector(), want.to_double_vector());
  const Tensor z = t.fixed_latent().z;
  auto& G = dynamic_cast<ProganGenerator&>(t.sampling_generator());
  EXPECT_GT(max_abs_diff(want, ops::upsample_nearest2d(G.forward(z, 1, 0.5), 16, 16)), 1e-4);
  EXPECT_GT(max_abs_diff(want, ops::upsample_nearest2d(G.forward(z, 0, 1.0), 16, 16)), 1e-4);
  fs::remove_all(c.out_dir);
}

// PacGAN packing works with ProGAN's D: from_rgb takes pack * C channels and
// the stddev head pools the packed batch.
TEST(ProganSystem, TrainsPackedWithMinibatchStddev) {
  TrainerConfig c = tiny_run("pack");
  c.pack = 2;
  c.minibatch_stddev = 2;
  c.steps = 4;
  Trainer t(c, testing::labelled_images(40, 10, 16));
  EXPECT_EQ(dynamic_cast<ProganDiscriminator&>(t.discriminator()).from_rgb[0]->in_channels, 2);
  t.train([&](const StepStats& s) {
    for (double x : numbers(s)) ASSERT_TRUE(std::isfinite(x)) << "step " << s.step;
  });
  fs::remove_all(c.out_dir);
}

TEST(ProganSystem, ConfigErrorsNameTheTableAndTheKey) {
  const auto with = [](const std::string& key, const std::string& value) {
    SystemSetup s = progan_setup();
    s.options.set(key, value);
    return error_of([&] { make_system("progan", s); });
  };
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"fade_steps", "-1"}, {"stable_steps", "-5"}, {"lambda", "-1"}, {"drift", "-0.1"},
           {"features_max", "2"}, {"z_dim", "0"}, {"features_g", "0"}}) {
    const std::string e = with(key, value);
    EXPECT_NE(e.find("[progan]"), std::string::npos) << key << ": " << e;
    EXPECT_NE(e.find("'" + key + "'"), std::string::npos) << key << ": " << e;
  }
  SystemSetup s = progan_setup();
  s.image_size = 28;
  EXPECT_NE(error_of([&] { make_system("progan", s); }).find("'image_size'"), std::string::npos);
  s = progan_setup();
  s.loss = LossKind::hinge;
  EXPECT_NE(error_of([&] { make_system("progan", s); }).find("wasserstein"), std::string::npos);
}

}  // namespace
}  // namespace gan::models
