// Helpers shared by the SIMT emulator tests.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gan/simt/runtime.h>

namespace gan::simt_test {

// C = A * B with std::fma in k order: bit-identical to tiled_matmul.
inline std::vector<float> matmul_reference(const std::vector<float>& a, const std::vector<float>& b, int m, int n, int k) {
  std::vector<float> c(static_cast<std::size_t>(m) * n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (int kk = 0; kk < k; ++kk) acc = std::fma(a[i * k + kk], b[kk * n + j], acc);
      c[i * n + j] = acc;
    }
  return c;
}


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
