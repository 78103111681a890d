// Helpers shared by the SIMT emulator tests.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gan/simt/runtime.h>

namespace gan::simt_test {

inline std::vector<float> random_floats(std::size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Small integers as floats: every sum of a few thousand of them is exact.
inline std::vector<float> random_small_ints(std::size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(-8, 8);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(dist(rng));
  return v;
}

// Functional tests run under several schedule orders.
class ScheduledTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { scoped_.emplace(gan::simt::parse_schedule(GetParam())); }
  void TearDown() override { scoped_.reset(); }

 private:
  std::optional<gan::simt::ScopedSchedule> scoped_;
};

inline std::string schedule_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (auto& c : s)
    if (c == ':') c = '_';
  return s;
}

}  // namespace gan::simt_test
