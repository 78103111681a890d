// The StyleGAN-lite system (both modulations): shapes and the number of
// styles; the mapping's lr multiplier in its stored weights; generate draws
// nothing (a latent gives the same images twice), the noise maps matter only
// once their zero-initialized scales move; style mixing's crossover at both
// ends; truncation in W at psi 0 and 1; lazy R1 by hand and through d_loss;
// the frequency bands on synthetic images; evaluate()'s keys; config errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>
#include <map>
#include <string>

#include "gan/autograd.h"
#include "gan/cuda/runtime.h"
#include "gan/models/registry.h"
#include "gan/models/stylegan_measures.h"
#include "gan/models/stylegan_nets.h"
#include "gan/models/trained.h"
#include "gan/models/trainer.h"
#include "gan/ops.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

SystemSetup stylegan_setup(const std::string& modulation = "adain") {
  SystemSetup s;
  s.image_size = 32;
  s.options = default_options("stylegan");
  s.options.set("z_dim", "16");
  s.options.set("features_g", "4");
  s.options.set("features_d", "4");
  s.options.set("modulation", modulation);
  s.options.set("measure_n", "4");
  return s;
}

struct Built {
  std::unique_ptr<GanSystem> sys;
  nn::ModulePtr G, D;
  StyleganGenerator& g() { return dynamic_cast<StyleganGenerator&>(*G); }
};

Built build(const SystemSetup& s, uint64_t seed = 1) {
  Generator gen(seed);
  Built b{make_system("stylegan", s), nullptr, nullptr};
  b.G = b.sys->make_generator(gen);
  b.D = b.sys->make_discriminator(gen);
  return b;
}

// Every noise scale set to v (they start at zero).
void set_noise_scales(StyleganGenerator& g, double v) {
  NoGradGuard ng;
  for (auto& n : g.noises) n->weight.copy_(Tensor::full(n->weight.shape(), v));
}

std::vector<double> values(const Tensor& t) { return t.detach().to(Device::cpu()).to_double_vector(); }

class StyleganModes : public ::testing::TestWithParam<const char*> {};

TEST_P(StyleganModes, ShapesEightStylesAndCodeLayout) {
  Built b = build(stylegan_setup(GetParam()));
  StyleganGenerator& g = b.g();
  EXPECT_EQ(g.num_ws(), 8);  // 4, 8, 16, 32: two each
  EXPECT_EQ(g.noise_numel(), 2 * (16 + 64 + 256 + 1024));
  EXPECT_EQ(g.const_input.shape(), (Shape{1, 16, 4, 4}));  // C(4) = min(4f, 8f) = 16
  EXPECT_EQ(g.noises.size(), 8u);
  const bool demod = std::string(GetParam()) == "demod";
  EXPECT_EQ(g.modconvs.size(), demod ? 8u : 0u);
  EXPECT_EQ(g.to_rgbs.size(), demod ? 4u : 0u);
  EXPECT_EQ(g.adains.size(), demod ? 0u : 8u);
  EXPECT_EQ(g.to_rgb != nullptr, !demod);
  Generator gen(2);
  const Latent l = b.sys->sample_latent(3, gen, Device::cpu());
  EXPECT_EQ(l.z.shape(), (Shape{3, 16}));
  EXPECT_EQ(l.c.shape(), (Shape{3, 2720 + 16 + 1}));
  EXPECT_FALSE(l.y.defined());
  const Tensor x = b.sys->generate(*b.G, l);
  EXPECT_EQ(x.shape(), (Shape{3, 1, 32, 32}));
  const Judgement j = b.sys->judge(*b.D, x, {});
  EXPECT_EQ(j.adv.shape(), (Shape{3}));
  EXPECT_EQ(j.features.shape(), (Shape{3, 16}));
  for (double v : values(x)) ASSERT_TRUE(std::isfinite(v));
}

TEST_P(StyleganModes, GenerateDrawsNothingAndNoiseActsOnlyOnceScalesMove) {
  Built b = build(stylegan_setup(GetParam()));
  Generator gen(3);
  const Latent l = b.sys->sample_latent(4, gen, Device::cpu());
  Latent other_noise = l;
  StyleganCodes c = unpack_stylegan_codes(l.c, 32, 16);
  Generator gen2(4);
  c.noise = Tensor::randn(c.noise.shape(), gen2);
  other_noise.c = pack_stylegan_codes(c);
  for (bool training : {true, false}) {
    b.G->train(training);
    NoGradGuard ng;
    const std::vector<double> a = values(b.sys->generate(*b.G, l));
    EXPECT_EQ(a, values(b.sys->generate(*b.G, l))) << "the same latent twice";
    // StyleGAN's zero-initialized noise scales: the noise changes nothing yet.
    EXPECT_EQ(a, values(b.sys->generate(*b.G, other_noise))) << "noise at init";
  }
  set_noise_scales(b.g(), 0.3);
  NoGradGuard ng;
  EXPECT_NE(values(b.sys->generate(*b.G, l)), values(b.sys->generate(*b.G, other_noise)));
}

TEST_P(StyleganModes, CrossoverAtTheEndsGivesOneSourceAndEvalNeverMixes) {
  Built b = build(stylegan_setup(GetParam()));
  StyleganGenerator& g = b.g();
  set_noise_scales(g, 0.2);
  Generator gen(5);
  const Latent l = b.sys->sample_latent(3, gen, Device::cpu());
  StyleganCodes c = unpack_stylegan_codes(l.c, 32, 16);
  const auto with = [&](const Tensor& z2, double k) {
    StyleganCodes m = c;
    m.z2 = z2;
    m.crossover = Tensor::full({3, 1}, k);
    Latent out = l;
    out.c = pack_stylegan_codes(m);
    return out;
  };
  const Tensor z2a = Tensor::randn({3, 16}, gen), z2b = Tensor::randn({3, 16}, gen);
  NoGradGuard ng;
  g.train();  // mixing happens in training mode only
  const std::vector<double> none_a = values(b.sys->generate(g, with(z2a, 8)));
  EXPECT_EQ(none_a, values(b.sys->generate(g, with(z2b, 8)))) << "k = num_ws: z2 unused";
  EXPECT_EQ(none_a, values(g.synthesize(g.styles(l.z), c.noise))) << "k = num_ws: G(z)";
  EXPECT_EQ(values(b.sys->generate(g, with(z2a, 0))), values(g.synthesize(g.styles(z2a), c.noise))) << "k = 0: G(z2)";
  const std::vector<double> mid = values(b.sys->generate(g, with(z2a, 4)));
  EXPECT_NE(mid, none_a);
  EXPECT_NE(mid, values(b.sys->generate(g, with(z2b, 4))));
  // Eval mode ignores the crossover.
  g.eval();
  EXPECT_EQ(values(b.sys->generate(g, with(z2a, 0))), values(b.sys->generate(g, with(z2a, 8))));
}

// sample_latent's crossovers: integers, num_ws (no mixing) with probability
// 1 - mixing_prob, else uniform over 1 .. num_ws - 1; drawn on the device,
// the same values as on the CPU (the counter-based stream).
TEST(Stylegan, CrossoverDrawIsUniformOverTheLayersAtTheMixingRate) {
  SystemSetup s = stylegan_setup();
  s.options.set("mixing_prob", "0.7");
  Built b = build(s);
  const int64_t n = 20000, num_ws = 8;
  Generator gen(11);
  const Tensor k = unpack_stylegan_codes(b.sys->sample_latent(n, gen, Device::cpu()).c, 32, 16).crossover;
  std::map<int64_t, int64_t> count;
  for (double v : values(k)) {
    ASSERT_EQ(v, std::round(v)) << "crossover " << v;
    ASSERT_TRUE(v >= 1 && v <= num_ws) << "crossover " << v;
    ++count[static_cast<int64_t>(v)];
  }
  // Binomial sds: sqrt(n p (1 - p)) ~ 65 for no-mix, ~ 43 per layer.
  EXPECT_NEAR(static_cast<double>(count[num_ws]), 0.3 * n, 4 * 65);
  for (int64_t l = 1; l < num_ws; ++l) EXPECT_NEAR(static_cast<double>(count[l]), 0.1 * n, 4 * 43) << "layer " << l;
  if (!cuda::available()) return;
  Generator gen_cpu(12), gen_dev(12);
  const Tensor a = b.sys->sample_latent(64, gen_cpu, Device::cpu()).c;
  const Tensor d = b.sys->sample_latent(64, gen_dev, Device::cuda()).c;
  EXPECT_TRUE(d.device().is_cuda());
  EXPECT_EQ(values(unpack_stylegan_codes(a, 32, 16).crossover), values(unpack_stylegan_codes(d, 32, 16).crossover));
}

TEST_P(StyleganModes, TruncationPsiZeroIsWAvgAndOneIsIdentity) {
  SystemSetup s = stylegan_setup(GetParam());
  s.options.set("truncation_psi", "0");
  Built b = build(s);
  StyleganGenerator& g = b.g();
  Generator gen(6);
  {
    NoGradGuard ng;
    g.w_avg.copy_(Tensor::randn({16}, gen));
  }
  const Tensor z = Tensor::randn({5, 16}, gen);
  NoGradGuard ng;
  g.eval();
  const Tensor w = g.map(z);
  EXPECT_EQ(values(g.truncate(w, 1.0)), values(w));
  const std::vector<double> t0 = values(g.truncate(w, 0.0)), avg = values(g.w_avg);
  for (int64_t i = 0; i < 5; ++i)
    for (int64_t j = 0; j < 16; ++j) EXPECT_EQ(t0[static_cast<size_t>(i * 16 + j)], avg[static_cast<size_t>(j)]);
  // Through the system (psi = 0 in eval mode, noise scales still zero): every
  // sample is one image, up to the rounding of a batched conv (its GEMM may
  // sum one column of the batch in another order than the next).
  const Tensor x = b.sys->generate(g, b.sys->sample_latent(4, gen, Device::cpu()));
  const std::vector<double> v = values(x);
  const size_t per = 32 * 32;
  for (size_t i = 1; i < 4; ++i)
    for (size_t k = 0; k < per; ++k) ASSERT_NEAR(v[i * per + k], v[k], 1e-5 * std::max(1.0, std::abs(v[k]))) << "sample " << i;
}

// truncation_cutoff = k: only the first k ws (the coarse layers) are
// truncated, the rest stay w(z) — the official code's truncation_cutoff.
TEST_P(StyleganModes, TruncationCutoffTruncatesTheCoarseLayersOnly) {
  SystemSetup s = stylegan_setup(GetParam());
  s.options.set("truncation_psi", "0.5");
  s.options.set("truncation_cutoff", "3");
  Built b = build(s);
  StyleganGenerator& g = b.g();
  Generator gen(11);
  {
    NoGradGuard ng;
    g.w_avg.copy_(Tensor::randn({16}, gen));
    for (auto& [name, p] : g.named_parameters())  // noise scales off zero, so the noise path is exercised too
      if (name.find("noise") != std::string::npos) p.copy_(Tensor::randn(p.shape(), gen));
  }
  NoGradGuard ng;
  g.eval();
  const Latent l = b.sys->sample_latent(3, gen, Device::cpu());
  const StyleganCodes c = unpack_stylegan_codes(l.c, 32, 16);
  const Tensor w = g.map(l.z), wt = g.truncate(w, 0.5);
  std::vector<Tensor> ws(static_cast<size_t>(g.num_ws()), w);
  for (size_t i = 0; i < 3; ++i) ws[i] = wt;
  EXPECT_EQ(values(b.sys->generate(g, l)), values(g.synthesize(ws, c.noise)));
  std::vector<Tensor> all(static_cast<size_t>(g.num_ws()), wt);
  EXPECT_NE(values(b.sys->generate(g, l)), values(g.synthesize(all, c.noise)));  // the cutoff matters
  s.options.set("truncation_cutoff", "-1");
  EXPECT_NE(testing::error_of([&] { make_system("stylegan", s); }).find("truncation_cutoff"), std::string::npos);
}

TEST_P(StyleganModes, WAvgFollowsTheMappingInTrainingOnly) {
  Built b = build(stylegan_setup(GetParam()));
  StyleganGenerator& g = b.g();
  Generator gen(7);
  const Tensor z = Tensor::randn({8, 16}, gen);
  NoGradGuard ng;
  g.eval();
  g.map(z);
  for (double v : values(g.w_avg)) EXPECT_EQ(v, 0.0);
  g.train();
  const std::vector<double> w = values(ops::mean(g.map(z), {0}));
  const std::vector<double> avg = values(g.w_avg);
  for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(avg[i], (1 - 0.995) * w[i], 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Stylegan, StyleganModes, ::testing::Values("adain", "demod"));

TEST(Stylegan, MappingStoresWeightsAtStdOneOverLrMul) {
  SystemSetup s = stylegan_setup();
  s.options.set("z_dim", "128");
  Built b = build(s);
  const auto& layers = b.g().mapping->layers;
  ASSERT_EQ(layers.size(), 4u);
  for (const auto& l : layers) {
    EXPECT_EQ(l->lr_mul, 0.01);
    const std::vector<double> v = values(l->weight);
    double ss = 0;
    for (double x : v) ss += x * x;
    const double sd = std::sqrt(ss / static_cast<double>(v.size()));
    EXPECT_NEAR(sd, 100.0, 3.0);  // 16,384 draws: the std's own error is ~ 0.6
    // Used as weight * 0.01 / sqrt(128): He-scaled at run time.
    const std::vector<double> e = values(l->effective_weight());
    EXPECT_NEAR(e[0], v[0] * 0.01 / std::sqrt(128.0), 1e-6);
  }
}

// A tiny differentiable critic D(x) = sum_i a_i x_i^2 / 2 per sample, so
// grad_x D = a (.) x and R1 = mean_n sum_i a_i^2 x_{n,i}^2 by hand.
TEST(Stylegan, LazyR1EveryKthStepScaledByK) {
  const Tensor a = Tensor::from_data({1, 1, 2, 2}, std::vector<float>{0.5f, -1.0f, 2.0f, 0.25f});
  const Tensor x = Tensor::from_data({2, 1, 2, 2}, std::vector<float>{1, 2, 3, 4, -1, 0.5f, 0, 2});
  const Critic D = [&](const Tensor& in) { return ops::sum(ops::mul(ops::mul(in, in), a), {1, 2, 3}) * 0.5; };
  double hand = 0;
  const std::vector<double> av = values(a), xv = values(x);
  for (size_t n = 0; n < 2; ++n)
    for (size_t i = 0; i < 4; ++i) hand += av[i] * av[i] * xv[n * 4 + i] * xv[n * 4 + i];
  hand /= 2;
  Tensor r1;
  const Tensor t0 = lazy_r1(D, x, 32, 16, 0.5, &r1);
  ASSERT_TRUE(t0.defined() && r1.defined());
  EXPECT_FALSE(r1.requires_grad());
  EXPECT_NEAR(r1.item(), hand, 1e-5);
  EXPECT_NEAR(t0.item(), 16 * 0.25 * hand, 1e-4);
  for (int64_t step : {1, 15, 17, 31}) EXPECT_FALSE(lazy_r1(D, x, step, 16, 0.5).defined()) << step;
  EXPECT_TRUE(lazy_r1(D, x, 0, 16, 0.5).defined());
  EXPECT_FALSE(lazy_r1(D, x, 0, 16, 0.0).defined()) << "gamma 0: off";
  EXPECT_NEAR(lazy_r1(D, x, 7, 1, 0.5).item(), 0.25 * hand, 1e-5) << "every 1: plain R1";
}

TEST(Stylegan, DLossAddsTheScaledR1OnlyOnR1Steps) {
  SystemSetup s = stylegan_setup();
  s.options.set("r1_gamma", "0.5");
  s.options.set("r1_every", "4");
  Built b = build(s);
  Generator gen(8);
  const Tensor real = Tensor::randn({4, 1, 32, 32}, gen);
  const Tensor fake = b.sys->generate(*b.G, b.sys->sample_latent(4, gen, Device::cpu())).detach();
  const Judgement jr = b.sys->judge(*b.D, real, {}), jf = b.sys->judge(*b.D, fake, {});
  const Latent l;
  const Tensor none;
  const double ns = non_saturating_d_loss(jr.adv, jf.adv).item();
  const double r1 = r1_penalty(*b.D, real).item();
  for (int64_t step : {3, 8}) {
    const LossOut out = b.sys->d_loss({jr, jf, none, l, *b.D, real, fake, step, gen});
    if (step % 4 == 0) {
      ASSERT_EQ(out.scalars.size(), 1u);
      EXPECT_EQ(out.scalars[0].name, "r1");
      EXPECT_NEAR(out.scalars[0].read(), r1, 1e-6 * std::max(1.0, r1));
      EXPECT_NEAR(out.loss.item(), ns + 4 * 0.25 * r1, 1e-5 * std::max(1.0, r1));
    } else {
      EXPECT_TRUE(out.scalars.empty());
      EXPECT_NEAR(out.loss.item(), ns, 1e-6);
    }
  }
}

TEST(Stylegan, BandsPutACheckerboardOnTopAndAConstantAtTheBottom) {
  std::vector<float> checker(32 * 32), flat(32 * 32, 0.7f), slow(32 * 32);
  for (int r = 0; r < 32; ++r)
    for (int c = 0; c < 32; ++c) {
      checker[static_cast<size_t>(r * 32 + c)] = (r + c) % 2 ? 1.0f : -1.0f;
      slow[static_cast<size_t>(r * 32 + c)] = static_cast<float>(std::cos(2 * M_PI * c / 32.0));  // 1 cycle
    }
  const auto f = [](const std::vector<float>& v) { return band_energy_fractions(Tensor::from_data({1, 1, 32, 32}, v)); };
  const auto top = f(checker), bottom = f(flat), low = f(slow);
  EXPECT_NEAR(top[3], 1.0, 1e-9);
  EXPECT_NEAR(bottom[0], 1.0, 1e-9);
  EXPECT_NEAR(low[0], 1.0, 1e-9);
  // A 5-cycle cosine (radius 5, in [4, 8)) is all band 1.
  std::vector<float> mid(32 * 32);
  for (int r = 0; r < 32; ++r)
    for (int c = 0; c < 32; ++c) mid[static_cast<size_t>(r * 32 + c)] = static_cast<float>(std::cos(2 * M_PI * 5 * r / 32.0));
  EXPECT_NEAR(f(mid)[1], 1.0, 1e-9);
  const auto zero = f(std::vector<float>(32 * 32, 0.0f));
  for (double z : zero) EXPECT_EQ(z, 0.0);
}

TEST(Stylegan, EvaluateLogsTheDocumentedKeys) {
  Built b = build(stylegan_setup("demod"));
  set_noise_scales(b.g(), 0.5);  // at init the noise would change nothing
  b.G->eval();
  const auto ev = b.sys->evaluate(*b.G, *b.D);
  std::map<std::string, double> m(ev.begin(), ev.end());
  for (const char* k : {"noise_diff_band0_frac", "noise_diff_band3_frac", "noise_diff_energy_high_frac", "noise_diff_rms",
                        "z_diff_band0_frac", "z_diff_energy_high_frac", "z_diff_rms", "ppl_z_pixel", "ppl_w_pixel"}) {
    ASSERT_TRUE(m.count(k)) << k;
    EXPECT_TRUE(std::isfinite(m[k])) << k;
  }
  double sum = 0;
  for (int i = 0; i < 4; ++i) sum += m["noise_diff_band" + std::to_string(i) + "_frac"];
  EXPECT_NEAR(sum, 1.0, 1e-9);
  EXPECT_GT(m["noise_diff_rms"], 0.0);
  EXPECT_GT(m["ppl_z_pixel"], 0.0);
  if (m.count("ppl_z")) {  // the committed classifier loaded
    EXPECT_TRUE(std::isfinite(m["ppl_w"]));
    EXPECT_TRUE(m.count("mix_class_agree_coarse") && m.count("mix_class_agree_fine"));
    for (const char* k : {"mix_k2_agree_coarse", "mix_k4_agree_fine", "mix_k6_agree_coarse"}) EXPECT_TRUE(m.count(k)) << k;
  }
  EXPECT_FALSE(b.G->is_training());
  SystemSetup off = stylegan_setup();
  off.options.set("measure_n", "0");
  Built c = build(off);
  EXPECT_TRUE(c.sys->evaluate(*c.G, *c.D).empty());
}

// The same measurements with G on the CUDA backend (the SIMT emulator in the
// sim flavour). Path lengths divide differences of ~1e-4 by eps^2, so the
// backends' rounding shows in them at the percent level.
TEST(Stylegan, EvaluateOnCudaMatchesCpu) {
  if (!cuda::available()) GTEST_SKIP() << "no CUDA device in this build (" << cuda::backend_name() << ")";
  Built b = build(stylegan_setup("demod"));
  set_noise_scales(b.g(), 0.5);
  b.G->eval();
  const auto cpu = b.sys->evaluate(*b.G, *b.D);
  b.G->to(resolve_device("cuda"));
  b.D->to(resolve_device("cuda"));
  const auto dev = b.sys->evaluate(*b.G, *b.D);
  ASSERT_EQ(cpu.size(), dev.size());
  for (size_t i = 0; i < cpu.size(); ++i) {
    EXPECT_EQ(cpu[i].first, dev[i].first);
    // An argmax near a tie may flip too: the mixing agreements get the loose bound as well.
    const bool loose = cpu[i].first.rfind("ppl_", 0) == 0 || cpu[i].first.rfind("mix_", 0) == 0;
    EXPECT_NEAR(dev[i].second, cpu[i].second, (loose ? 0.05 : 1e-3) * std::max(1.0, std::abs(cpu[i].second)))
        << cpu[i].first;
  }
}

TEST(Stylegan, StyleMixingFigureHasSourcesAroundTheMixes) {
  Built b = build(stylegan_setup());
  b.G->eval();
  const io::Image img = style_mixing_figure(b.g(), 3, 4, 4, 1);
  EXPECT_EQ(img.width, 5 * 32 + 6 * 2);   // 1 + 4 tiles, padding 2
  EXPECT_EQ(img.height, 4 * 32 + 5 * 2);  // 1 + 3 tiles
}

TEST(Stylegan, ConfigErrorsNameTheTableAndKey) {
  const auto err = [](const std::string& key, const std::string& v) {
    SystemSetup s = stylegan_setup();
    s.options.set(key, v);
    return testing::error_of([&] { make_system("stylegan", s); });
  };
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{{"modulation", "weird"},
                                                                              {"mixing_prob", "1.5"},
                                                                              {"mixing_prob", "-0.1"},
                                                                              {"truncation_psi", "2"},
                                                                              {"r1_every", "0"},
                                                                              {"r1_gamma", "-1"},
                                                                              {"mapping_layers", "0"},
                                                                              {"mapping_lr_mul", "0"},
                                                                              {"mbstd_group", "-1"},
                                                                              {"measure_n", "1"}}) {
    const std::string e = err(k, v);
    EXPECT_NE(e.find("[stylegan]"), std::string::npos) << k << ": " << e;
    EXPECT_NE(e.find("'" + k + "'"), std::string::npos) << k << ": " << e;
  }
  EXPECT_NE(err("modulation", "weird").find("demod"), std::string::npos);
  SystemSetup s = stylegan_setup();
  s.loss = LossKind::hinge;
  EXPECT_NE(testing::error_of([&] { make_system("stylegan", s); }).find("non-saturating"), std::string::npos);
}

// truncation_psi is a key of the run's table, so a checkpoint is sampled at
// another psi by editing its config on load (`gan sample --set`); a key that
// reshapes the nets fails when the weights load.
TEST(Stylegan, CheckpointSampledAtAnotherPsiByEditingItsConfig) {
  TrainerConfig c;
  set_config_value(c, "system", "stylegan");
  set_config_value(c, "z_dim", "8");
  set_config_value(c, "features_g", "2");
  set_config_value(c, "features_d", "2");
  c.dataset = "synthetic";
  c.batch = 8;
  c.steps = 2;
  c.sample_count = 4;
  c.sample_every = c.eval_every = 0;
  c.out_dir = ::testing::TempDir() + "/gan_stylegan_psi_" + std::to_string(::getpid());
  { Trainer t(c, testing::labelled_images(16)); t.train(); }
  const std::string path = c.out_dir + "/checkpoint.safetensors";
  const TrainedGenerator t = load_trained_generator(path, true, [](TrainerConfig& k) {
    set_config_value(k, "stylegan.truncation_psi", "0");
  });
  EXPECT_EQ(t.config.system_options.number("truncation_psi"), 0.0);
  Generator gen(9);
  Latent l = t.sample_latent(3, gen);
  StyleganCodes codes = unpack_stylegan_codes(l.c, 28, 8);
  codes.noise = ops::expand(codes.noise.narrow0(0, 1), codes.noise.shape()).clone();  // one noise map for all
  l.c = pack_stylegan_codes(codes);
  const std::vector<double> v = values(t.generate(l));
  const size_t per = 28 * 28;
  for (size_t i = 1; i < 3; ++i)
    for (size_t k = 0; k < per; ++k) ASSERT_NEAR(v[i * per + k], v[k], 1e-5 * std::max(1.0, std::abs(v[k])));
  EXPECT_NE(values(load_trained_generator(path).generate(l)), v) << "psi 1 as saved";
  EXPECT_THROW(load_trained_generator(path, true, [](TrainerConfig& k) { set_config_value(k, "features_g", "3"); }),
               Error);
  std::filesystem::remove_all(c.out_dir);
}

// Draws the style-mixing figure of a trained checkpoint and prints
// evaluate()'s numbers of it (not a check: run it by hand) —
// GAN_STYLEGAN_CHECKPOINT=RUN/checkpoint.safetensors GAN_STYLEGAN_FIGURE=mix.png
// [GAN_STYLEGAN_CROSSOVER=k] gan_models_tests --gtest_filter=StyleganFigure.*
TEST(StyleganFigure, FromCheckpoint) {
  const char* ckpt = std::getenv("GAN_STYLEGAN_CHECKPOINT");
  const char* out = std::getenv("GAN_STYLEGAN_FIGURE");
  if (!ckpt || !out) GTEST_SKIP() << "set GAN_STYLEGAN_CHECKPOINT and GAN_STYLEGAN_FIGURE to draw the figure";
  const TrainedGenerator t = load_trained_generator(ckpt);
  auto& g = dynamic_cast<StyleganGenerator&>(*t.G);
  const char* k = std::getenv("GAN_STYLEGAN_CROSSOVER");  // default num_ws / 2
  io::write_png(out, style_mixing_figure(g, 6, 6, k ? std::atoi(k) : g.num_ws() / 2, 0));
  // evaluate()'s numbers of this G (it reads G only).
  g.eval();
  for (const auto& [name, v] : t.system->evaluate(g, g)) std::printf("%s %.6g\n", name.c_str(), v);
}

}  // namespace
}  // namespace gan::models
