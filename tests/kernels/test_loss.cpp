// Losses, softmax / log-softmax and cross entropy CPU references against direct
// formulas, extreme logits, and central finite differences (double).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gan/kernels/loss.h"

namespace gan::kernels {
namespace {

template <class T>
std::vector<T> randn(size_t n, std::mt19937& rng, double stddev = 1.0) {
  std::normal_distribution<double> dist(0.0, stddev);
  std::vector<T> v(n);
  for (auto& e : v) e = static_cast<T>(dist(rng));
  return v;
}

template <class T>
std::vector<T> poisoned(size_t n) {
  return std::vector<T>(n, std::numeric_limits<T>::quiet_NaN());
}

template <class T>
double tol() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

template <class F>
double central_diff(std::vector<double>& v, size_t i, F&& f, double h = 1e-5) {
  const double keep = v[i];
  v[i] = keep + h;
  const double up = f();
  v[i] = keep - h;
  const double down = f();
  v[i] = keep;
  return (up - down) / (2 * h);
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Naive softmax of one row in long double (no max subtraction: inputs stay moderate).
std::vector<long double> naive_softmax(const double* x, int64_t d) {
  std::vector<long double> e(d);
  long double s = 0;
  for (int64_t j = 0; j < d; ++j) s += e[j] = std::exp(static_cast<long double>(x[j]));
  for (auto& v : e) v /= s;
  return e;
}

template <class T>
class LossTest : public ::testing::Test {};
template <class T>
class SoftmaxTest : public ::testing::Test {};
template <class T>
class CrossEntropyTest : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(LossTest, FloatTypes);
TYPED_TEST_SUITE(SoftmaxTest, FloatTypes);
TYPED_TEST_SUITE(CrossEntropyTest, FloatTypes);

TYPED_TEST(LossTest, BceWithLogitsMatchesDirectFormula) {
  using T = TypeParam;
  std::mt19937 rng(31);
  const size_t n = 101;
  const auto x = randn<T>(n, rng, 4.0);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<T> t(n), dloss = randn<T>(n, rng);
  for (auto& v : t) v = static_cast<T>(u(rng));  // soft targets too
  auto loss = poisoned<T>(n), dx = poisoned<T>(n);
  cpu::bce_with_logits_fprop<T>(n, x.data(), t.data(), loss.data());
  cpu::bce_with_logits_bprop<T>(n, x.data(), t.data(), dloss.data(), dx.data());
  for (size_t i = 0; i < n; ++i) {
    const long double sig = 1.0L / (1.0L + std::exp(-static_cast<long double>(x[i])));
    const long double ref = -(t[i] * std::log(sig) + (1 - t[i]) * std::log(1 - sig));
    EXPECT_NEAR(loss[i], static_cast<double>(ref), tol<T>() * (1 + std::abs(static_cast<double>(ref)))) << i;
    const double gref = static_cast<double>((sig - t[i]) * dloss[i]);
    EXPECT_NEAR(dx[i], gref, tol<T>() * (1 + std::abs(gref))) << i;
  }
}

TYPED_TEST(LossTest, BceWithLogitsExtremeLogitsStayFinite) {
  using T = TypeParam;
  const std::vector<T> x = {100, 100, -100, -100, 1000, -1000, 0};
  const std::vector<T> t = {1, 0, 0, 1, 1, 1, 0.5};
  const std::vector<T> dloss(x.size(), T(1));
  auto loss = poisoned<T>(x.size()), dx = poisoned<T>(x.size());
  cpu::bce_with_logits_fprop<T>(x.size(), x.data(), t.data(), loss.data());
  cpu::bce_with_logits_bprop<T>(x.size(), x.data(), t.data(), dloss.data(), dx.data());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_TRUE(std::isfinite(loss[i])) << i;
    EXPECT_TRUE(std::isfinite(dx[i])) << i;
  }
  // Confident and right: ~0 loss, ~0 gradient. Confident and wrong: loss = |x|, gradient -+1.
  EXPECT_NEAR(loss[0], 0.0, 1e-30);
  EXPECT_NEAR(loss[1], 100.0, 1e-4);
  EXPECT_NEAR(loss[2], 0.0, 1e-30);
  EXPECT_NEAR(loss[3], 100.0, 1e-4);
  EXPECT_NEAR(loss[4], 0.0, 1e-30);
  EXPECT_NEAR(loss[5], 1000.0, 1e-3);
  EXPECT_NEAR(loss[6], std::log(2.0), 1e-6);
  EXPECT_NEAR(dx[0], 0.0, 1e-30);
  EXPECT_NEAR(dx[1], 1.0, 1e-6);
  EXPECT_NEAR(dx[2], 0.0, 1e-30);
  EXPECT_NEAR(dx[3], -1.0, 1e-6);
  EXPECT_NEAR(dx[5], -1.0, 1e-6);
  EXPECT_NEAR(dx[6], 0.0, 1e-7);
}

TEST(LossGradTest, BceWithLogitsBackwardMatchesFiniteDifferences) {
  std::mt19937 rng(32);
  const size_t n = 17;
  auto x = randn<double>(n, rng, 3.0);
  const auto t = std::vector<double>{0, 1, 0.3, 1, 0, 0.7, 1, 0, 1, 0, 0.5, 1, 0, 1, 0.1, 0, 1};
  const auto w = randn<double>(n, rng);
  std::vector<double> loss(n);
  auto total = [&] {
    cpu::bce_with_logits_fprop<double>(n, x.data(), t.data(), loss.data());
    return dot(w, loss);
  };
  auto dx = poisoned<double>(n);
  cpu::bce_with_logits_bprop<double>(n, x.data(), t.data(), w.data(), dx.data());
  for (size_t i = 0; i < n; ++i) EXPECT_NEAR(dx[i], central_diff(x, i, total), 1e-7) << i;
}

TYPED_TEST(LossTest, MseMatchesDirectFormula) {
  using T = TypeParam;
  std::mt19937 rng(33);
  const size_t n = 37;
  const auto x = randn<T>(n, rng), t = randn<T>(n, rng), g = randn<T>(n, rng);
  auto loss = poisoned<T>(n), dx = poisoned<T>(n);
  cpu::mse_fprop<T>(n, x.data(), t.data(), loss.data());
  cpu::mse_bprop<T>(n, x.data(), t.data(), g.data(), dx.data());
  for (size_t i = 0; i < n; ++i) {
    const double r = double(x[i]) - double(t[i]);
    EXPECT_NEAR(loss[i], r * r, tol<T>() * (1 + r * r));
    EXPECT_NEAR(dx[i], 2 * r * g[i], tol<T>() * (1 + std::abs(2 * r * g[i])));
  }
}

TYPED_TEST(SoftmaxTest, ForwardRowsSumToOneAndMatchNaive) {
  using T = TypeParam;
  std::mt19937 rng(41);
  for (int64_t m : {1, 5}) {
    for (int64_t d : {1, 37}) {
      SCOPED_TRACE(::testing::Message() << "m=" << m << " d=" << d);
      const auto x = randn<T>(m * d, rng, 3.0);
      const std::vector<double> xd(x.begin(), x.end());
      auto y = poisoned<T>(m * d), ly = poisoned<T>(m * d);
      cpu::softmax_fprop<T>(m, d, x.data(), y.data());
      cpu::log_softmax_fprop<T>(m, d, x.data(), ly.data());
      for (int64_t i = 0; i < m; ++i) {
        const auto ref = naive_softmax(xd.data() + i * d, d);
        double sum = 0;
        for (int64_t j = 0; j < d; ++j) {
          sum += y[i * d + j];
          EXPECT_NEAR(y[i * d + j], static_cast<double>(ref[j]), tol<T>());
          const double lref = static_cast<double>(std::log(ref[j]));
          EXPECT_NEAR(ly[i * d + j], lref, tol<T>() * (1 + std::abs(lref)));
        }
        EXPECT_NEAR(sum, 1.0, tol<T>() * 10);
      }
    }
  }
}

TYPED_TEST(SoftmaxTest, ExtremeLogitsStayFinite) {
  using T = TypeParam;
  // Row 0: +-100; row 1: a 1000-wide gap (naive exp overflows, naive log(softmax) is log 0).
  const std::vector<T> x = {100, -100, 0, 1000, 0, -1000};
  auto y = poisoned<T>(6), ly = poisoned<T>(6);
  cpu::softmax_fprop<T>(2, 3, x.data(), y.data());
  cpu::log_softmax_fprop<T>(2, 3, x.data(), ly.data());
  for (int k = 0; k < 6; ++k) {
    EXPECT_TRUE(std::isfinite(y[k])) << k;
    EXPECT_TRUE(std::isfinite(ly[k])) << k;
  }
  EXPECT_NEAR(y[0], 1.0, 1e-7);
  EXPECT_NEAR(y[3], 1.0, 1e-7);
  EXPECT_NEAR(ly[1], -200.0, 1e-4);
  EXPECT_NEAR(ly[2], -100.0, 1e-4);
  EXPECT_NEAR(ly[4], -1000.0, 1e-3);
  EXPECT_NEAR(ly[5], -2000.0, 1e-3);
}

// The float softmax's own exp (kernels/cpu/loss.cpp, exp_nonpositive: a
// vectorizable polynomial, not libm's expf), through rows [0, v]: y[1] =
// e^v / (1 + e^v), for every v in [-87, 0] in steps of 2^-10, within 3e-7
// relative (2 ulp of exp, plus the sum's rounding) of double exp; exactly 0
// below -87 and at -Inf; 1/2 at v = 0; NaN stays NaN.
TEST(SoftmaxTest, FloatExpIsWithinTwoUlpOnItsDomain) {
  std::vector<float> v;
  for (int64_t i = 0; i <= 87 * 1024; ++i) v.push_back(-static_cast<float>(i) / 1024.0f);
  for (float extra : {-87.0001f, -90.0f, -103.0f, -1e30f, -INFINITY, NAN}) v.push_back(extra);
  const int64_t m = static_cast<int64_t>(v.size());
  std::vector<float> x(static_cast<size_t>(2 * m), 0.0f), y(static_cast<size_t>(2 * m), NAN);
  for (int64_t i = 0; i < m; ++i) x[static_cast<size_t>(2 * i + 1)] = v[static_cast<size_t>(i)];
  cpu::softmax_fprop<float>(m, 2, x.data(), y.data());
  double worst = 0;
  for (int64_t i = 0; i <= 87 * 1024; ++i) {
    const double e = std::exp(static_cast<double>(v[static_cast<size_t>(i)]));
    const double want = e / (1.0 + e), got = y[static_cast<size_t>(2 * i + 1)];
    worst = std::max(worst, std::abs(got - want) / want);
  }
  EXPECT_LE(worst, 3e-7);
  EXPECT_EQ(y[1], 0.5f);
  for (int64_t i = 87 * 1024 + 1; i < m - 1; ++i) EXPECT_EQ(y[static_cast<size_t>(2 * i + 1)], 0.0f) << v[static_cast<size_t>(i)];
  EXPECT_TRUE(std::isnan(y[static_cast<size_t>(2 * m - 1)]));
}

// Both backward passes vs central differences of L = sum(w * y).
TEST(SoftmaxGradTest, BackwardMatchesFiniteDifferences) {
  std::mt19937 rng(42);
  for (int64_t d : {1, 7}) {
    const int64_t m = 3;
    auto x = randn<double>(m * d, rng, 2.0);
    const auto w = randn<double>(m * d, rng);
    std::vector<double> y(m * d), ly(m * d);
    auto loss_sm = [&] {
      cpu::softmax_fprop<double>(m, d, x.data(), y.data());
      return dot(w, y);
    };
    auto loss_lsm = [&] {
      cpu::log_softmax_fprop<double>(m, d, x.data(), ly.data());
      return dot(w, ly);
    };
    loss_sm();
    loss_lsm();
    auto dx = poisoned<double>(m * d), ldx = poisoned<double>(m * d);
    cpu::softmax_bprop<double>(m, d, y.data(), w.data(), dx.data());
    cpu::log_softmax_bprop<double>(m, d, ly.data(), w.data(), ldx.data());
    for (int64_t k = 0; k < m * d; ++k) {
      EXPECT_NEAR(dx[k], central_diff(x, k, loss_sm), 1e-8) << "d=" << d << " k=" << k;
      EXPECT_NEAR(ldx[k], central_diff(x, k, loss_lsm), 1e-8) << "d=" << d << " k=" << k;
    }
  }
}

TYPED_TEST(CrossEntropyTest, ForwardMatchesNegativeLogSoftmax) {
  using T = TypeParam;
  std::mt19937 rng(51);
  const int64_t m = 5, d = 37;
  auto x = randn<T>(m * d, rng, 3.0);
  x[0] = 100, x[1] = -100;  // extreme logits in row 0
  const std::vector<int64_t> labels = {1, 0, 36, 17, 5};
  auto loss = poisoned<T>(m), save = poisoned<T>(m * d);
  cpu::cross_entropy_fprop<T>(m, d, x.data(), labels.data(), loss.data(), save.data());
  for (int64_t i = 0; i < m; ++i) {
    long double mx = -1e30L, s = 0;
    for (int64_t j = 0; j < d; ++j) mx = std::max<long double>(mx, x[i * d + j]);
    for (int64_t j = 0; j < d; ++j) s += std::exp(static_cast<long double>(x[i * d + j]) - mx);
    const double ref = static_cast<double>(mx + std::log(s) - x[i * d + labels[i]]);
    EXPECT_TRUE(std::isfinite(loss[i]));
    EXPECT_NEAR(loss[i], ref, tol<T>() * (1 + std::abs(ref))) << i;
    EXPECT_EQ(loss[i], -save[i * d + labels[i]]);
  }
  EXPECT_NEAR(loss[0], 200.0, 1e-3);  // label 1 has logit -100 against a 100
}

TYPED_TEST(CrossEntropyTest, OutOfRangeLabelThrowsNamingRow) {
  using T = TypeParam;
  const int64_t m = 3, d = 4;
  const std::vector<T> x(m * d, T(0));
  auto loss = poisoned<T>(m), save = poisoned<T>(m * d), dx = poisoned<T>(m * d);
  const std::vector<T> dloss(m, T(1));
  for (int64_t bad : {int64_t{4}, int64_t{-1}}) {
    const std::vector<int64_t> labels = {0, 3, bad};
    try {
      cpu::cross_entropy_fprop<T>(m, d, x.data(), labels.data(), loss.data(), save.data());
      ADD_FAILURE() << "expected KernelError for label " << bad;
    } catch (const KernelError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("cross_entropy"), std::string::npos) << msg;
      EXPECT_NE(msg.find("row 2"), std::string::npos) << msg;
      EXPECT_NE(msg.find("label " + std::to_string(bad)), std::string::npos) << msg;
    }
    EXPECT_THROW(cpu::cross_entropy_bprop<T>(m, d, save.data(), labels.data(), dloss.data(), dx.data()),
                 KernelError);
  }
  // Validation happens before any write.
  for (T v : loss) EXPECT_TRUE(std::isnan(v));
}

TEST(CrossEntropyGradTest, BackwardMatchesFiniteDifferences) {
  std::mt19937 rng(52);
  for (int64_t d : {1, 7}) {
    const int64_t m = 4;
    auto x = randn<double>(m * d, rng, 2.0);
    const auto w = randn<double>(m, rng);
    std::vector<int64_t> labels(m);
    for (int64_t i = 0; i < m; ++i) labels[i] = (3 * i + 1) % d;
    std::vector<double> loss(m), save(m * d);
    auto total = [&] {
      cpu::cross_entropy_fprop<double>(m, d, x.data(), labels.data(), loss.data(), save.data());
      return dot(w, loss);
    };
    total();
    auto dx = poisoned<double>(m * d);
    cpu::cross_entropy_bprop<double>(m, d, save.data(), labels.data(), w.data(), dx.data());
    for (int64_t k = 0; k < m * d; ++k) EXPECT_NEAR(dx[k], central_diff(x, k, total), 1e-8) << "d=" << d << " k=" << k;
  }
}

}  // namespace
}  // namespace gan::kernels
