// The truncation trick (truncation.h): every entry ends in [-t, t], entries
// inside are kept and those outside redrawn (a truncated normal, not a
// clamp), t = 0 changes and draws nothing, bad thresholds are clear errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "gan/models/truncation.h"
#include "gan/ops.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

TEST(Truncation, EveryEntryInsideKeptEveryEntryOutsideRedrawn) {
  for (double t : {2.0, 1.0, 0.5, 0.25, kMinTruncation}) {
    Generator draw(3), redraw(4);
    Tensor z = Tensor::randn({64, 30}, draw);
    const std::vector<double> before = z.to_double_vector();
    truncate_noise(z, t, redraw);
    const std::vector<double> after = z.to_double_vector();
    int64_t outside = 0;
    for (size_t i = 0; i < after.size(); ++i) {
      ASSERT_LE(std::abs(after[i]), t) << "t " << t << " entry " << i;
      if (std::abs(before[i]) <= t) {
        EXPECT_EQ(after[i], before[i]) << "t " << t << ": entry " << i << " was inside and changed";
      } else {
        ++outside;
        EXPECT_NE(after[i], before[i]) << "t " << t << ": entry " << i << " was outside and kept";
      }
    }
    EXPECT_GT(outside, 0) << "t " << t << ": the test draws no entry outside";
  }
}

// Redrawn, not clamped: the variance of N(0, 1) truncated to [-1, 1] is
// 1 - 2 phi(1) / (2 Phi(1) - 1) = 0.2911 (clamping would give 0.516).
TEST(Truncation, IsATruncatedNormal) {
  Generator gen(7);
  Tensor z = Tensor::randn({40000}, gen);
  truncate_noise(z, 1.0, gen);
  double m = 0, v = 0;
  const std::vector<double> x = z.to_double_vector();
  for (double e : x) m += e / static_cast<double>(x.size());
  for (double e : x) v += (e - m) * (e - m) / static_cast<double>(x.size());
  const double phi1 = std::exp(-0.5) / std::sqrt(2 * M_PI), mass = std::erf(1 / std::sqrt(2.0));
  EXPECT_NEAR(v, 1 - 2 * phi1 / mass, 0.01);
  EXPECT_NEAR(m, 0.0, 0.01);
}

TEST(Truncation, ZeroIsTheIdentityAndDrawsNothing) {
  Generator draw(1), gen(2), fresh(2);
  Tensor z = Tensor::randn({8, 5}, draw) * 3.0;
  const std::vector<double> before = z.to_double_vector();
  truncate_noise(z, 0.0, gen);
  EXPECT_EQ(z.to_double_vector(), before);
  EXPECT_EQ(Tensor::randn({4}, gen).to_double_vector(), Tensor::randn({4}, fresh).to_double_vector());
}

TEST(Truncation, SameSeedSameResult) {
  Generator a(9), b(9);
  Tensor za = Tensor::randn({16, 10}, a), zb = Tensor::randn({16, 10}, b);
  truncate_noise(za, 0.5, a);
  truncate_noise(zb, 0.5, b);
  EXPECT_EQ(za.to_double_vector(), zb.to_double_vector());
}

TEST(Truncation, BadThresholdsAreClearErrors) {
  Generator gen(1);
  Tensor z = Tensor::randn({4, 4}, gen);
  EXPECT_NE(testing::error_of([&] { truncate_noise(z, -1.0, gen); }).find("truncation must be a threshold >= 0.05 (or 0 for none), got -1"),
            std::string::npos);
  EXPECT_NE(testing::error_of([&] { truncate_noise(z, 0.01, gen, "--truncation"); }).find("--truncation 0.01 is too small"),
            std::string::npos);
  EXPECT_NE(testing::error_of([&] { truncate_noise(z, std::numeric_limits<double>::quiet_NaN(), gen); }).find("got nan"),
            std::string::npos);
  Tensor z64 = Tensor::randn({4}, gen, Options{}.with(DType::f64));
  EXPECT_NE(testing::error_of([&] { truncate_noise(z64, 1.0, gen); }).find("expected noise z as f32 on the CPU"),
            std::string::npos);
}

}  // namespace
}  // namespace gan::models
