// The 8-Gaussian ring: the metric discriminates, and the adversarial loop
// (MLP G and D, Adam, non-saturating loss) covers at least 7 of 8 modes.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "gan/io/png.h"
#include "gan/models/toy2d.h"
#include "gan/models/trainer.h"

namespace gan::models {
namespace {

TEST(RingModes, RealDataCoversEveryModeWithHighQuality) {
  const RingOfGaussians ring;
  Generator gen(3);
  const ModeStats s = evaluate_modes(ring.sample(4000, gen), ring.mixture());
  EXPECT_EQ(s.covered, 8);
  // A 2-D isotropic Gaussian puts P(r <= 3 std) = 1 - exp(-9/2) = 0.98889 of its mass
  // within 3 std; the standard error over 4000 samples is 0.0017.
  EXPECT_NEAR(s.high_quality, 1 - std::exp(-4.5), 0.006);
}

TEST(RingModes, CollapsedSamplesCoverOneMode) {
  const RingOfGaussians ring;
  std::vector<float> v;
  for (int i = 0; i < 1000; ++i) v.insert(v.end(), {2.0f + 0.001f * (i % 7), 0.0f});
  const ModeStats s = evaluate_modes(Tensor::from_data({1000, 2}, v), ring.mixture());
  EXPECT_EQ(s.covered, 1);
  EXPECT_EQ(s.per_mode[0], 1000);
}

TEST(RingModes, NaNSamplesCoverNothing) {
  const RingOfGaussians ring;
  const ModeStats s = evaluate_modes(Tensor::full({10, 2}, NAN), ring.mixture());
  EXPECT_EQ(s.covered, 0);
  EXPECT_EQ(s.high_quality, 0);
}

// The mlp2d system on the generic Trainer (the one loop of the project).
TEST(RingGan, CoversAtLeastSevenOfEightModesWithFixedSeed) {
  TrainerConfig c;
  for (const char* kv : {"system=mlp2d", "dataset=mixture:ring8", "dataset_limit=100000", "image_size=1",
                         "channels=2", "labels=none", "lr_g=1e-3", "lr_d=1e-3", "batch=256", "seed=1",
                         "ema_decay=0", "checkpoint_every=0", "sample_every=0", "sample_count=2500",
                         "eval_every=500", "steps=2500"}) {
    const std::string s = kv;
    set_config_value(c, s.substr(0, s.find('=')), s.substr(s.find('=') + 1));
  }
  c.out_dir = ::testing::TempDir() + "/ring_gan_test";
  std::filesystem::remove_all(c.out_dir);
  Trainer t(c);
  double covered = -1, hq = -1;
  t.train([&](const StepStats& s) {
    for (const auto& [k, v] : s.evaluation) {
      if (k == "modes_covered") covered = v;
      if (k == "high_quality") hq = v;
    }
    if (!s.evaluation.empty())
      std::printf("step %lld: %.0f/8 modes, %.1f%% high quality, loss_d %.3f loss_g %.3f\n",
                  static_cast<long long>(s.step), covered, 100 * hq, s.loss_d, s.loss_g);
  });
  EXPECT_GE(covered, 7);
  EXPECT_GT(hq, 0.5);
  // The run leaves its record: metrics and a readable scatter plot.
  EXPECT_TRUE(std::filesystem::exists(c.out_dir + "/metrics.jsonl"));
  const io::Image img = io::read_png(c.out_dir + "/samples/final.png");
  EXPECT_EQ(img.width, 512);
}

}  // namespace
}  // namespace gan::models
