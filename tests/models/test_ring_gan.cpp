// The 8-Gaussian ring: the metric discriminates, and the adversarial loop
// (MLP G and D, Adam, non-saturating loss) covers at least 7 of 8 modes.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "gan/io/png.h"
#include "gan/models/toy2d.h"

namespace gan::models {
namespace {

TEST(RingModes, RealDataCoversEveryModeWithHighQuality) {
  const RingOfGaussians ring;
  Generator gen(3);
  const ModeStats s = evaluate_modes(ring.sample(4000, gen), ring);
  EXPECT_EQ(s.covered, 8);
  // A 2-D isotropic Gaussian puts P(r <= 3 std) = 1 - exp(-9/2) = 0.98889 of its mass
  // within 3 std; the standard error over 4000 samples is 0.0017.
  EXPECT_NEAR(s.high_quality, 1 - std::exp(-4.5), 0.006);
}

TEST(RingModes, CollapsedSamplesCoverOneMode) {
  const RingOfGaussians ring;
  std::vector<float> v;
  for (int i = 0; i < 1000; ++i) v.insert(v.end(), {2.0f + 0.001f * (i % 7), 0.0f});
  const ModeStats s = evaluate_modes(Tensor::from_data({1000, 2}, v), ring);
  EXPECT_EQ(s.covered, 1);
  EXPECT_EQ(s.per_mode[0], 1000);
}

TEST(RingModes, NaNSamplesCoverNothing) {
  const RingOfGaussians ring;
  const ModeStats s = evaluate_modes(Tensor::full({10, 2}, NAN), ring);
  EXPECT_EQ(s.covered, 0);
  EXPECT_EQ(s.high_quality, 0);
}

TEST(RingGan, CoversAtLeastSevenOfEightModesWithFixedSeed) {
  RingGanConfig cfg;
  cfg.steps = 2500;
  cfg.seed = 1;
  cfg.eval_every = 500;
  cfg.out_dir = ::testing::TempDir() + "/ring_gan_test";
  std::filesystem::remove_all(cfg.out_dir);
  const RingGanResult r = train_ring_gan(cfg);
  for (const auto& e : r.evaluations)
    std::printf("step %lld: %d/8 modes, %.1f%% high quality, loss_d %.3f loss_g %.3f\n",
                static_cast<long long>(e.step), e.modes.covered, 100 * e.modes.high_quality, e.loss_d, e.loss_g);
  EXPECT_GE(r.final_modes.covered, 7);
  EXPECT_GT(r.final_modes.high_quality, 0.5);
  // The run leaves its record: metrics and a readable plot.
  EXPECT_TRUE(std::filesystem::exists(cfg.out_dir + "/metrics.jsonl"));
  const io::Image img = io::read_png(cfg.out_dir + "/ring_final.png");
  EXPECT_EQ(img.width, 512);
}

}  // namespace
}  // namespace gan::models
