// Attention CPU reference (kernels/cpu/attention.cpp) against naive loops that
// build the whole score matrix (double), the materialized variant against the
// fused one, the backward against central finite differences of a random
// projection of o (double), and the size checks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include "gan/kernels/attention.h"

namespace gan::kernels {
namespace {

std::vector<double> randu(size_t n, std::mt19937& rng, double lo = -1.0, double hi = 1.0) {
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(n);
  for (auto& e : v) e = dist(rng);
  return v;
}

template <class T>
std::vector<T> cast(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

// Naive: S = scale q k^T [N, M] per batch, P = softmax rows, o = P v, lse.
void naive(const AttentionParams& p, const std::vector<double>& q, const std::vector<double>& k,
           const std::vector<double>& v, std::vector<double>& o, std::vector<double>& lse, std::vector<double>& probs) {
  o.assign(static_cast<size_t>(p.b * p.n * p.dv), 0.0);
  lse.assign(static_cast<size_t>(p.b * p.n), 0.0);
  probs.assign(static_cast<size_t>(p.b * p.n * p.m), 0.0);
  for (int64_t b = 0; b < p.b; ++b) {
    std::vector<double> s(static_cast<size_t>(p.n * p.m));
    for (int64_t i = 0; i < p.n; ++i)
      for (int64_t j = 0; j < p.m; ++j) {
        double acc = 0;
        for (int64_t c = 0; c < p.d; ++c) acc += q[(b * p.n + i) * p.d + c] * k[(b * p.m + j) * p.d + c];
        s[i * p.m + j] = p.scale * acc;
      }
    for (int64_t i = 0; i < p.n; ++i) {
      double mx = -INFINITY;
      for (int64_t j = 0; j < p.m; ++j) mx = std::max(mx, s[i * p.m + j]);
      double l = 0;
      for (int64_t j = 0; j < p.m; ++j) l += std::exp(s[i * p.m + j] - mx);
      lse[b * p.n + i] = mx + std::log(l);
      for (int64_t j = 0; j < p.m; ++j) probs[(b * p.n + i) * p.m + j] = std::exp(s[i * p.m + j] - mx) / l;
      for (int64_t c = 0; c < p.dv; ++c) {
        double acc = 0;
        for (int64_t j = 0; j < p.m; ++j) acc += probs[(b * p.n + i) * p.m + j] * v[(b * p.m + j) * p.dv + c];
        o[(b * p.n + i) * p.dv + c] = acc;
      }
    }
  }
}

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double e = 0;
  for (size_t i = 0; i < a.size(); ++i) e = std::max(e, std::isnan(a[i]) ? INFINITY : std::abs(a[i] - b[i]));
  return a.size() == b.size() ? e : INFINITY;
}

template <class T>
std::vector<double> widen(const std::vector<T>& v) {
  return std::vector<double>(v.begin(), v.end());
}

const AttentionParams kShapes[] = {
    {1, 5, 7, 3, 4, 1.0}, {2, 9, 1, 8, 5, 1.0}, {3, 1, 6, 2, 2, 0.5}, {2, 4, 4, 16, 3, 0.125}, {1, 0, 3, 2, 2, 1.0}};

template <class T>
void forward_vs_naive(double tol) {
  std::mt19937 rng(7);
  for (const auto& p : kShapes) {
    const auto q = randu(static_cast<size_t>(p.b * p.n * p.d), rng);
    const auto k = randu(static_cast<size_t>(p.b * p.m * p.d), rng);
    const auto v = randu(static_cast<size_t>(p.b * p.m * p.dv), rng);
    // Round inputs to T first so the naive double loops see the same values.
    const auto qt = cast<T>(q), kt = cast<T>(k), vt = cast<T>(v);
    std::vector<double> o_ref, lse_ref, p_ref;
    naive(p, widen(qt), widen(kt), widen(vt), o_ref, lse_ref, p_ref);
    const T nan = std::numeric_limits<T>::quiet_NaN();
    std::vector<T> o(o_ref.size(), nan), lse(lse_ref.size(), nan), probs(p_ref.size(), nan);
    cpu::attention_fprop<T>(p, qt.data(), kt.data(), vt.data(), o.data(), lse.data());
    std::printf("[attention cpu] %s b%lld n%lld m%lld d%lld dv%lld: max |o - naive| %.3g\n",
                sizeof(T) == 4 ? "f32" : "f64", static_cast<long long>(p.b), static_cast<long long>(p.n),
                static_cast<long long>(p.m), static_cast<long long>(p.d), static_cast<long long>(p.dv),
                max_abs_diff(widen(o), o_ref));
    EXPECT_LE(max_abs_diff(widen(o), o_ref), tol) << "o b" << p.b << " n" << p.n << " m" << p.m;
    EXPECT_LE(max_abs_diff(widen(lse), lse_ref), tol) << "lse";
    std::fill(o.begin(), o.end(), nan);
    std::fill(lse.begin(), lse.end(), nan);
    cpu::attention_fprop_materialized<T>(p, qt.data(), kt.data(), vt.data(), probs.data(), o.data(), lse.data());
    EXPECT_LE(max_abs_diff(widen(o), o_ref), tol) << "materialized o";
    EXPECT_LE(max_abs_diff(widen(lse), lse_ref), tol) << "materialized lse";
    EXPECT_LE(max_abs_diff(widen(probs), p_ref), tol) << "materialized P";
  }
}

TEST(AttentionCpu, ForwardMatchesNaiveDouble) { forward_vs_naive<double>(1e-14); }
TEST(AttentionCpu, ForwardMatchesNaiveFloat) { forward_vs_naive<float>(3e-7); }

// Large scores: the max subtraction keeps exp finite (scores ~ +-400).
TEST(AttentionCpu, LargeScoresStayFinite) {
  AttentionParams p{1, 2, 3, 1, 1, 1.0};
  std::vector<double> q{20, -20}, k{20, 19, -20}, v{1, 2, 3}, o(2), lse(2);
  cpu::attention_fprop<double>(p, q.data(), k.data(), v.data(), o.data(), lse.data());
  EXPECT_NEAR(o[0], (1 + 2 * std::exp(-20.0)) / (1 + std::exp(-20.0)), 1e-12);
  EXPECT_NEAR(o[1], 3.0, 1e-12);  // the third key wins with a margin of 400
  EXPECT_NEAR(lse[0], 400.0 + std::log1p(std::exp(-20.0)), 1e-12);
}

// Backward vs central differences of L = sum(w * o) for every input element.
TEST(AttentionCpu, BackwardMatchesFiniteDifferences) {
  std::mt19937 rng(11);
  const AttentionParams shapes[] = {{2, 5, 4, 3, 2, 1.0}, {1, 3, 6, 2, 4, 0.5}, {1, 4, 1, 2, 3, 1.0}};
  for (const auto& p : shapes) {
    auto q = randu(static_cast<size_t>(p.b * p.n * p.d), rng);
    auto k = randu(static_cast<size_t>(p.b * p.m * p.d), rng);
    auto v = randu(static_cast<size_t>(p.b * p.m * p.dv), rng);
    const auto w = randu(static_cast<size_t>(p.b * p.n * p.dv), rng);
    auto loss = [&]() {
      std::vector<double> o(w.size()), lse(static_cast<size_t>(p.b * p.n));
      cpu::attention_fprop<double>(p, q.data(), k.data(), v.data(), o.data(), lse.data());
      double s = 0;
      for (size_t i = 0; i < o.size(); ++i) s += w[i] * o[i];
      return s;
    };
    std::vector<double> o(w.size()), lse(static_cast<size_t>(p.b * p.n));
    cpu::attention_fprop<double>(p, q.data(), k.data(), v.data(), o.data(), lse.data());
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> dq(q.size(), nan), dk(k.size(), nan), dv(v.size(), nan);
    cpu::attention_bprop<double>(p, q.data(), k.data(), v.data(), o.data(), lse.data(), w.data(), dq.data(), dk.data(),
                                 dv.data());
    const double h = 1e-6;
    auto check = [&](std::vector<double>& x, const std::vector<double>& g, const char* what) {
      double err = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        const double x0 = x[i];
        x[i] = x0 + h;
        const double lp = loss();
        x[i] = x0 - h;
        const double lm = loss();
        x[i] = x0;
        err = std::max(err, std::isnan(g[i]) ? INFINITY : std::abs((lp - lm) / (2 * h) - g[i]));
      }
      std::printf("[attention cpu] %s vs central differences (b%lld n%lld m%lld): max abs err %.3g\n", what,
                  static_cast<long long>(p.b), static_cast<long long>(p.n), static_cast<long long>(p.m), err);
      EXPECT_LE(err, 1e-8) << what << " b" << p.b << " n" << p.n << " m" << p.m;
    };
    check(q, dq, "dq");
    check(k, dk, "dk");
    check(v, dv, "dv");
  }
}

TEST(AttentionCpu, RejectsBadSizes) {
  std::vector<float> buf(64, 0.0f);
  AttentionParams p{1, 2, 0, 2, 2, 1.0};  // n > 0 with no keys
  EXPECT_THROW(cpu::attention_fprop<float>(p, buf.data(), buf.data(), buf.data(), buf.data(), buf.data()), KernelError);
  p = {1, 2, 2, 0, 2, 1.0};  // d = 0
  EXPECT_THROW(cpu::attention_bprop<float>(p, buf.data(), buf.data(), buf.data(), buf.data(), buf.data(), buf.data(),
                                           buf.data(), buf.data(), buf.data()),
               KernelError);
  p = {1, 2, 2, 2, 2, INFINITY};
  EXPECT_THROW(cpu::attention_fprop<float>(p, buf.data(), buf.data(), buf.data(), buf.data(), buf.data()), KernelError);
  p = {1, 2, 2, 2, 2, 1.0};
  EXPECT_THROW(
      cpu::attention_fprop_materialized<float>(p, buf.data(), buf.data(), buf.data(), nullptr, buf.data(), buf.data()),
      KernelError);
}

}  // namespace
}  // namespace gan::kernels
