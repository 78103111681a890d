// Live diagnostics on synthetic streams: each failure mode fires once per
// episode on a stream made to fail that way, and a healthy stream stays quiet.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "gan/models/diagnostics.h"

namespace gan::models {
namespace {

// A healthy GAN step: D undecided, losses noisy around their level, G's gradient ~1.
StepRecord healthy(int64_t step, std::mt19937& rng) {
  std::normal_distribution<double> n(0, 1);
  StepRecord r;
  r.step = step;
  r.loss_d = 1.3 + 0.1 * n(rng);
  r.loss_g = 0.8 + 0.1 * n(rng);
  r.d_real = 0.6 + 0.05 * n(rng);
  r.d_fake = 0.4 + 0.05 * n(rng);
  r.grad_norm_g = std::exp(0.2 * n(rng));
  r.grad_norm_d = 2 * std::exp(0.2 * n(rng));
  return r;
}

EvalRecord healthy_eval(int64_t step) {
  EvalRecord e;
  e.step = step;
  e.num_classes = 10;
  e.classes_covered = 10;
  e.class_entropy_bits = 3.2;
  e.near_duplicate_rate = 0.012;
  e.frechet_classifier_distance = 40.0 * 500 / static_cast<double>(step + 500);  // improving
  return e;
}

std::vector<Alarm> feed(Diagnostics& d, const StepRecord& r) { return d.observe(r); }

TEST(Diagnostics, HealthyRunStaysQuiet) {
  std::mt19937 rng(1);
  Diagnostics d;
  for (int64_t s = 1; s <= 5000; ++s) {
    ASSERT_TRUE(feed(d, healthy(s, rng)).empty()) << "step " << s << ": " << d.alarms().back().line();
    if (s % 500 == 0) {
      ASSERT_TRUE(d.observe(healthy_eval(s)).empty()) << d.alarms().back().line();
    }
  }
  EXPECT_EQ(d.summary(), "diagnostics: no alarms (mode collapse, vanishing gradients, instability)");
}

// Minimax loss with an overpowered D: D(x) -> 1, D(G(z)) -> 0, |grad G| -> 0.
TEST(Diagnostics, VanishingGradientsFireOncePerEpisode) {
  std::mt19937 rng(2);
  Diagnostics d;
  std::vector<Alarm> fired;
  auto run = [&](int64_t from, int64_t to, bool dead) {
    for (int64_t s = from; s <= to; ++s) {
      StepRecord r = healthy(s, rng);
      if (dead) r.d_real = 0.995, r.d_fake = 0.004, r.grad_norm_g = 2e-4, r.loss_d = 0.01, r.loss_g = 0.8;
      for (const Alarm& a : feed(d, r)) fired.push_back(a);
    }
  };
  run(1, 500, false);
  run(501, 900, true);    // episode 1: fires after 50 sustained steps
  run(901, 1200, false);  // recovers
  run(1201, 1400, true);  // episode 2
  std::vector<Alarm> vg;
  for (const Alarm& a : fired)
    if (a.kind == "vanishing_gradients") vg.push_back(a);
  ASSERT_EQ(vg.size(), 2u) << d.summary();
  EXPECT_EQ(vg[0].step, 550);
  EXPECT_EQ(vg[1].step, 1250);
  EXPECT_NE(vg[0].message.find("D(x) 0.9950, D(G(z)) 0.0040"), std::string::npos) << vg[0].message;
  EXPECT_NE(vg[0].message.find("|grad G| 0.0002"), std::string::npos) << vg[0].message;
  const size_t at = vg[0].message.find("vs reference ");
  ASSERT_NE(at, std::string::npos) << vg[0].message;
  EXPECT_NEAR(std::stod(vg[0].message.substr(at + 13)), 1.0, 0.1) << vg[0].message;  // median of the healthy steps
  EXPECT_EQ(vg[0].to_json().rfind("{\"step\":550,\"alarm\":\"vanishing_gradients\",\"message\":", 0), 0u);
  EXPECT_NE(d.summary().find("vanishing_gradients: 2 episode(s), at step 550, 1250"), std::string::npos)
      << d.summary();
}

// D wins from the third step (an overpowered D with the minimax loss): the
// unsaturated first steps give the reference; the alarm waits for the warm-up.
TEST(Diagnostics, DWinningFromTheStartIsVanishing) {
  Diagnostics d;
  std::vector<Alarm> fired;
  for (int64_t s = 1; s <= 400; ++s) {
    StepRecord r{s, 0.01, -0.001, 0.99, 0.001, 0.005, 0.5};
    if (s <= 2) r = StepRecord{s, 1.6, -3.5, 0.3, 0.25, 7.5, 40};
    for (const Alarm& a : d.observe(r)) fired.push_back(a);
  }
  ASSERT_EQ(fired.size(), 1u) << d.summary();
  EXPECT_EQ(fired[0].kind, "vanishing_gradients");
  EXPECT_EQ(fired[0].step, 101);
  EXPECT_NE(fired[0].message.find("vs reference 7.5"), std::string::npos) << fired[0].message;
}

// A confident D with the non-saturating loss keeps G's gradient large: no alarm.
TEST(Diagnostics, ConfidentDWithLiveGradientIsNotVanishing) {
  std::mt19937 rng(3);
  Diagnostics d;
  for (int64_t s = 1; s <= 1500; ++s) {
    StepRecord r = healthy(s, rng);
    if (s > 500) r.d_real = 0.99, r.d_fake = 0.01;
    for (const Alarm& a : feed(d, r)) EXPECT_NE(a.kind, "vanishing_gradients") << a.line();
  }
}

TEST(Diagnostics, OscillatingLossesAreInstability) {
  std::mt19937 rng(4);
  Diagnostics d;
  std::vector<Alarm> fired;
  for (int64_t s = 1; s <= 2000; ++s) {
    StepRecord r = healthy(s, rng);
    if (s > 1000) r.loss_g += 3 * std::sin(static_cast<double>(s) / 7), r.loss_d += 2 * std::cos(static_cast<double>(s) / 5);
    for (const Alarm& a : feed(d, r)) fired.push_back(a);
  }
  ASSERT_EQ(fired.size(), 1u) << d.summary();  // one episode, however long
  EXPECT_EQ(fired[0].kind, "instability");
  EXPECT_EQ(fired[0].step, 1100);  // the first full block of oscillation
  EXPECT_NE(fired[0].message.find("losses oscillate"), std::string::npos) << fired[0].message;
}

TEST(Diagnostics, RisingGeneratorLossIsADivergenceTrend) {
  std::mt19937 rng(5);
  Diagnostics d;
  std::vector<Alarm> fired;
  for (int64_t s = 1; s <= 2000; ++s) {
    StepRecord r = healthy(s, rng);
    if (s > 1000) r.loss_g += 0.01 * static_cast<double>(s - 1000);  // +1 per block of 100
    for (const Alarm& a : feed(d, r)) fired.push_back(a);
  }
  ASSERT_GE(fired.size(), 1u) << d.summary();
  EXPECT_EQ(fired[0].kind, "instability");
  EXPECT_NE(fired[0].message.find("divergence trend"), std::string::npos) << fired[0].message;
  EXPECT_LE(fired[0].step, 1400);
}

TEST(Diagnostics, CollapsedSamplesAreModeCollapse) {
  Diagnostics d;
  EvalRecord e = healthy_eval(50);
  e.classes_covered = 2;  // during warm-up: not judged
  EXPECT_TRUE(d.observe(e).empty());
  EXPECT_TRUE(d.observe(healthy_eval(500)).empty());
  e = healthy_eval(1000);
  e.classes_covered = 3, e.class_entropy_bits = 1.1, e.near_duplicate_rate = 0.4;
  const auto a = d.observe(e);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, "mode_collapse");
  EXPECT_NE(a[0].message.find("3 of 10 classes covered"), std::string::npos) << a[0].message;
  EXPECT_NE(a[0].message.find("class entropy 1.100 bits"), std::string::npos) << a[0].message;
  EXPECT_NE(a[0].message.find("near-duplicate rate 0.400"), std::string::npos) << a[0].message;
  e.step = 1500;
  EXPECT_TRUE(d.observe(e).empty());  // same episode
  EXPECT_TRUE(d.observe(healthy_eval(2000)).empty());
  EvalRecord dup = healthy_eval(2500);
  dup.near_duplicate_rate = 0.3;  // duplicates alone: a new episode
  ASSERT_EQ(d.observe(dup).size(), 1u);
}

TEST(Diagnostics, WorseningQualityIsInstability) {
  Diagnostics d;
  for (int64_t s : {500, 1000, 1500}) EXPECT_TRUE(d.observe(healthy_eval(s)).empty());
  EvalRecord e = healthy_eval(2000);
  e.frechet_classifier_distance = 50;  // best so far ~10
  EXPECT_TRUE(d.observe(e).empty());   // one bad evaluation is noise
  e.step = 2500;
  e.frechet_classifier_distance = 60;
  const auto a = d.observe(e);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, "instability");
  EXPECT_NE(a[0].message.find("Fréchet classifier distance 60.000 on 2 evaluations"), std::string::npos)
      << a[0].message;
}

TEST(Diagnostics, NanLossesRaiseInstability) {
  std::mt19937 rng(6);
  Diagnostics d;
  std::vector<Alarm> fired;
  for (int64_t s = 1; s <= 400; ++s) {
    StepRecord r = healthy(s, rng);
    if (s > 300) r.loss_g = NAN;
    for (const Alarm& a : feed(d, r)) fired.push_back(a);
  }
  ASSERT_EQ(fired.size(), 1u) << d.summary();
  EXPECT_EQ(fired[0].kind, "instability");
}

}  // namespace
}  // namespace gan::models
