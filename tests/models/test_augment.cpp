// Augmenter (augment.h): each transform against what it must be (a zero-filled
// integer shift, a zeroed square, a per-sample affine map of the pixels), its
// gradient against finite differences in f64, p = 0 as the identity, ADA's
// controller step by step, and the config errors.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "gan/gradcheck.h"
#include "gan/models/augment.h"
#include "gan/models/trainer.h"
#include "gan/ops.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

using testing::error_of;

// n random images [n, c, h, w] in (-1, 1), no zeros (so zeroed pixels are the transform's).
Tensor images(int64_t n, int64_t c, int64_t h, int64_t w, uint64_t seed = 1) {
  Generator g(seed);
  const Tensor sign = ops::gt(Tensor::rand({n, c, h, w}, g), 0.5) * 2.0 - 1.0;
  return Tensor::rand({n, c, h, w}, g, 0.1, 1.0) * sign;
}

double at(const std::vector<double>& v, int64_t c, int64_t h, int64_t w, int64_t b, int64_t k, int64_t i, int64_t j) {
  return v[static_cast<size_t>(((b * c + k) * h + i) * w + j)];
}

TEST(Augment, TranslationIsAZeroFilledShiftWithinAnEighthOfTheSide) {
  const int64_t n = 16, c = 2, h = 13, w = 17;  // sides not multiples of 8: ranges round(13/8) = 2, round(17/8) = 2
  const Tensor x = images(n, c, h, w);
  Augmenter aug({"translation"}, n);
  Generator g(7);
  const std::vector<double> in = x.to_double_vector(), out = aug.apply(x, g).to_double_vector();
  std::set<std::pair<int64_t, int64_t>> seen;
  for (int64_t b = 0; b < n; ++b) {
    int matches = 0;
    for (int64_t dy = -2; dy <= 2; ++dy)
      for (int64_t dx = -2; dx <= 2; ++dx) {
        bool same = true;
        for (int64_t k = 0; k < c && same; ++k)
          for (int64_t i = 0; i < h && same; ++i)
            for (int64_t j = 0; j < w && same; ++j) {
              const bool inside = i - dy >= 0 && i - dy < h && j - dx >= 0 && j - dx < w;
              same = at(out, c, h, w, b, k, i, j) == (inside ? at(in, c, h, w, b, k, i - dy, j - dx) : 0.0);
            }
        if (same) {
          ++matches;
          seen.insert({dy, dx});
        }
      }
    EXPECT_EQ(matches, 1) << "sample " << b << " is not exactly one shift within +-2";
  }
  EXPECT_GE(seen.size(), 5u) << "16 samples drew fewer than 5 distinct shifts";
}

TEST(Augment, CutoutZeroesOneSquareOfHalfTheSideAndKeepsTheRest) {
  const int64_t n = 24, c = 3, h = 16, w = 16;
  const Tensor x = images(n, c, h, w, 2);
  Augmenter aug({"cutout"}, n);
  Generator g(3);
  const std::vector<double> in = x.to_double_vector(), out = aug.apply(x, g).to_double_vector();
  int full_squares = 0;
  for (int64_t b = 0; b < n; ++b) {
    int64_t y0 = h, y1 = -1, x0 = w, x1 = -1, zeros = 0;
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        const bool z = at(out, c, h, w, b, 0, i, j) == 0.0;
        for (int64_t k = 0; k < c; ++k) {
          // Every channel is cut at the same pixels; the others are untouched.
          ASSERT_EQ(at(out, c, h, w, b, k, i, j) == 0.0, z) << "sample " << b;
          if (!z) {
            ASSERT_EQ(at(out, c, h, w, b, k, i, j), at(in, c, h, w, b, k, i, j));
          }
        }
        if (!z) continue;
        ++zeros;
        y0 = std::min(y0, i), y1 = std::max(y1, i), x0 = std::min(x0, j), x1 = std::max(x1, j);
      }
    ASSERT_GT(zeros, 0) << "sample " << b << " has no cutout at p = 1";
    // The zeroed pixels fill their bounding box, at most 8 x 8 (clipped at the border).
    EXPECT_EQ(zeros, (y1 - y0 + 1) * (x1 - x0 + 1)) << "sample " << b;
    EXPECT_LE(y1 - y0 + 1, 8);
    EXPECT_LE(x1 - x0 + 1, 8);
    full_squares += (y1 - y0 + 1) == 8 && (x1 - x0 + 1) == 8;
  }
  EXPECT_GT(full_squares, 0) << "no interior 8x8 square in 24 samples";
}

TEST(Augment, ColorIsAPerSampleAffineMapWithDiffAugmentsRanges) {
  // One channel: saturation is the identity, so out = con * (x + bright - m) + m
  // with m = mean(x + bright): a slope in [0.5, 1.5] and mean(out) = mean(x) + bright.
  const int64_t n = 32, h = 5, w = 6;
  const Tensor x = images(n, 1, h, w, 4);
  Augmenter aug({"color"}, n);
  Generator g(5);
  const std::vector<double> in = x.to_double_vector(), out = aug.apply(x, g).to_double_vector();
  std::set<int> slopes_seen;
  for (int64_t b = 0; b < n; ++b) {
    const size_t o = static_cast<size_t>(b * h * w);
    const double slope = (out[o + 1] - out[o]) / (in[o + 1] - in[o]);
    EXPECT_GE(slope, 0.5 - 1e-4);
    EXPECT_LE(slope, 1.5 + 1e-4);
    double mi = 0, mo = 0;
    for (int64_t p = 0; p < h * w; ++p) {
      EXPECT_NEAR(out[o + p], out[o] + slope * (in[o + p] - in[o]), 1e-4) << "sample " << b << " pixel " << p;
      mi += in[o + p] / (h * w), mo += out[o + p] / (h * w);
    }
    EXPECT_LE(std::abs(mo - mi), 0.5 + 1e-5) << "brightness beyond +-0.5";
    slopes_seen.insert(static_cast<int>(slope * 10));
  }
  EXPECT_GE(slopes_seen.size(), 5u);
}

TEST(Augment, ColorSaturationScalesTheDeviationFromTheChannelMean) {
  // Two channels equal in every pixel stay equal (no deviation to scale); one
  // image of opposite channels keeps zero channel-mean after the map.
  const int64_t n = 8;
  const Tensor a = images(n, 1, 4, 4, 6);
  const Tensor x = ops::cat({a, a}, 1);
  Augmenter aug({"color"}, n);
  Generator g(9);
  const std::vector<double> out = aug.apply(x, g).to_double_vector();
  for (size_t i = 0; i < out.size() / 2; i += 16)
    for (size_t p = 0; p < 16; ++p) EXPECT_NEAR(out[2 * i + p], out[2 * i + 16 + p], 1e-6);
}

TEST(Augment, EveryTransformIsDifferentiableAgainstFiniteDifferencesInF64) {
  Generator g0(11);
  Tensor x = Tensor::rand({3, 2, 9, 10}, g0, -1.0, 1.0).to(DType::f64);
  x.requires_grad_(true);
  for (const char* policy : {"translation", "cutout", "color", "translation,cutout,color"}) {
    Augmenter aug({policy}, 3);
    // The same draws on every evaluation: a fresh generator each call.
    const GradcheckResult r = gradcheck(
        [&](const std::vector<Tensor>& in) {
          Generator g(21);
          return aug.apply(in[0], g);
        },
        {x});
    EXPECT_TRUE(r.ok) << policy << ": " << r.first_failure;
  }
}

TEST(Augment, AdaStartsAtPZeroAsTheIdentityAndStepsPTowardTheTarget) {
  const int64_t batch = 50;
  Augmenter aug({"translation,cutout,color", 0.6, 2, 1.0}, batch);  // 1 kimg: p moves 0.1 per interval of 2 steps
  EXPECT_TRUE(aug.adaptive());
  EXPECT_EQ(aug.p(), 0.0);
  const Tensor x = images(batch, 1, 8, 8, 12);
  Generator g(1);
  // p = 0: the neutral factors (colour's (x - m) * 1 + m rounds in the last bit).
  const std::vector<double> same = aug.apply(x, g).to_double_vector(), in = x.to_double_vector();
  for (size_t i = 0; i < in.size(); ++i) ASSERT_NEAR(same[i], in[i], 1e-6) << "p = 0 changed pixel " << i;

  const Tensor confident = Tensor::full({batch}, 3.0);  // D says "real" to every real: r_t = 1 > 0.6
  aug.observe_real(confident);
  EXPECT_EQ(aug.p(), 0.0) << "p moved before a whole interval";
  aug.observe_real(confident);
  EXPECT_NEAR(aug.p(), 0.1, 1e-12);
  EXPECT_EQ(aug.rt(), 1.0);
  for (int i = 0; i < 40; ++i) aug.observe_real(confident);
  EXPECT_EQ(aug.p(), 1.0) << "p is clamped at 1";
  // Half the reals judged fake: r_t = 0 < 0.6, p falls.
  std::vector<float> half(batch);
  for (int64_t i = 0; i < batch; ++i) half[static_cast<size_t>(i)] = i % 2 ? 1.f : -1.f;
  aug.observe_real(Tensor::from_data({batch}, half));
  aug.observe_real(Tensor::from_data({batch}, half));
  EXPECT_EQ(aug.rt(), 0.0);
  EXPECT_NEAR(aug.p(), 0.9, 1e-12);

  // The state round-trips: a restored controller continues identically.
  aug.observe_real(confident);  // half an interval open
  Augmenter copy({"translation,cutout,color", 0.6, 2, 1.0}, batch);
  copy.restore(aug.state());
  aug.observe_real(Tensor::from_data({batch}, half));
  copy.observe_real(Tensor::from_data({batch}, half));
  EXPECT_EQ(copy.p(), aug.p());
  EXPECT_EQ(copy.rt(), aug.rt());
}

TEST(Augment, ConfigErrorsNameTheKey) {
  TrainerConfig c;
  c.augment = "translation,flip";
  EXPECT_NE(error_of([&] { validate_config(c); }).find("config key 'augment': unknown transform 'flip'"),
            std::string::npos);
  c.augment = "";
  c.ada_target = 0.6;
  EXPECT_NE(error_of([&] { validate_config(c); }).find("'augment' is empty"), std::string::npos);
  c.augment = "cutout";
  c.ada_target = 1.5;
  EXPECT_NE(error_of([&] { validate_config(c); }).find("config key 'ada_target'"), std::string::npos);
  c.ada_target = 0.6;
  c.ada_interval = 0;
  EXPECT_NE(error_of([&] { validate_config(c); }).find("config key 'ada_interval'"), std::string::npos);
  // And through the text interface, as a config file sets it.
  TrainerConfig t;
  set_config_value(t, "augment", "color,translation");
  set_config_value(t, "ada_target", "0.6");
  EXPECT_EQ(t.augment, "color,translation");
  EXPECT_EQ(config_from_json(config_to_json(t)).ada_target, 0.6);
}

}  // namespace
}  // namespace gan::models
