// Spectral norm power iteration, CPU reference: sigma against the largest
// singular value from LAPACK (OpenBLAS's dgesvd_, computed independently) for
// random matrices and for a matrix with a known spectrum, one step against
// hand-written double loops, the dim-1 (ConvTranspose2d) view against an
// explicitly permuted copy, eval mode (n_iter = 0), a zero matrix, and the
// argument errors (raised before any write).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

#include "gan/kernels/spectral_norm.h"

extern "C" void dgesvd_(const char* jobu, const char* jobvt, const int* m, const int* n, double* a, const int* lda,
                        double* s, double* u, const int* ldu, double* vt, const int* ldvt, double* work,
                        const int* lwork, int* info);

namespace gan::kernels {
namespace {

std::vector<double> randn(size_t n, std::mt19937& rng) {
  std::normal_distribution<double> dist(0.0, 1.0);
  std::vector<double> v(n);
  for (auto& e : v) e = dist(rng);
  return v;
}

template <class T>
std::vector<T> cast(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

std::vector<double> normalized(std::vector<double> v) {
  double s = 0;
  for (double x : v) s += x * x;
  for (double& x : v) x /= std::sqrt(s);
  return v;
}

// Singular values (descending) of the row-major rows x cols matrix w.
std::vector<double> singular_values(const std::vector<double>& w, int rows, int cols) {
  // Row-major [rows, cols] is column-major [cols, rows]: the transpose, same singular values.
  std::vector<double> a = w;
  int m = cols, n = rows, lda = cols, one = 1, info = 0;
  std::vector<double> s(static_cast<size_t>(std::min(m, n)));
  double dummy = 0, query = 0;
  int lwork = -1;
  dgesvd_("N", "N", &m, &n, a.data(), &lda, s.data(), &dummy, &one, &dummy, &one, &query, &lwork, &info);
  lwork = static_cast<int>(query);
  std::vector<double> work(static_cast<size_t>(lwork));
  dgesvd_("N", "N", &m, &n, a.data(), &lda, s.data(), &dummy, &one, &dummy, &one, work.data(), &lwork, &info);
  EXPECT_EQ(info, 0) << "dgesvd_";
  return s;
}

// Orthonormal columns [n, k] (Gram-Schmidt twice on a random matrix), row-major.
std::vector<double> orthonormal(int n, int k, std::mt19937& rng) {
  std::vector<double> q = randn(static_cast<size_t>(n) * k, rng);
  for (int j = 0; j < k; ++j)
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i < j; ++i) {
        double d = 0;
        for (int r = 0; r < n; ++r) d += q[r * k + i] * q[r * k + j];
        for (int r = 0; r < n; ++r) q[r * k + j] -= d * q[r * k + i];
      }
      double s = 0;
      for (int r = 0; r < n; ++r) s += q[r * k + j] * q[r * k + j];
      for (int r = 0; r < n; ++r) q[r * k + j] /= std::sqrt(s);
    }
  return q;
}

template <class T>
T run_sigma(const SpectralNormParams& p, const std::vector<T>& w, std::vector<T>& u, std::vector<T>& v) {
  T sigma = std::numeric_limits<T>::quiet_NaN();
  cpu::spectral_norm_power_iteration<T>(p, w.data(), u.data(), v.data(), &sigma, nullptr);
  return sigma;
}

SpectralNormParams dim0(int64_t rows, int64_t cols, int n_iter) {
  SpectralNormParams p;
  p.rows = rows;
  p.lead = 1;
  p.inner = cols;
  p.n_iter = n_iter;
  return p;
}

struct Shape2 {
  int rows, cols;
  const char* what;
};

template <class T>
void sigma_matches_svd() {
  const Shape2 shapes[] = {{64, 100, "Linear 64x100"},
                           {128, 1024, "Conv 128x64x4x4 -> 128x1024"},
                           {300, 40, "tall 300x40"},
                           {20, 500, "wide 20x500"}};
  std::mt19937 rng(2024);
  for (const auto& sh : shapes) {
    const auto wd = randn(static_cast<size_t>(sh.rows) * sh.cols, rng);
    const auto w = cast<T>(wd);
    auto u = cast<T>(normalized(randn(static_cast<size_t>(sh.rows), rng)));
    std::vector<T> v(static_cast<size_t>(sh.cols), std::numeric_limits<T>::quiet_NaN());
    const double sigma = run_sigma<T>(dim0(sh.rows, sh.cols, 200), w, u, v);
    const double s1 = singular_values(cast<double>(std::vector<double>(w.begin(), w.end())), sh.rows, sh.cols)[0];
    const double rel = std::abs(sigma - s1) / s1;
    std::printf("[ sigma ] %-28s %s sigma %.9g svd %.9g rel err %.3g\n", sh.what,
                std::is_same_v<T, float> ? "f32" : "f64", sigma, s1, rel);
    EXPECT_LE(rel, 1e-3) << sh.what;
  }
}

TEST(SpectralNormCpu, SigmaMatchesLapackSvdFloat) { sigma_matches_svd<float>(); }
TEST(SpectralNormCpu, SigmaMatchesLapackSvdDouble) { sigma_matches_svd<double>(); }

// W = Q1 diag(s) Q2^T with s = 5, 4.5, 3, 1, ... : sigma -> 5 (a 0.9 ratio
// to the second value, so 200 steps converge to double precision).
TEST(SpectralNormCpu, KnownSpectrum) {
  std::mt19937 rng(77);
  const int rows = 40, cols = 70, k = 8;
  const double s[k] = {5, 4.5, 3, 1, 0.5, 0.25, 0.1, 0.01};
  const auto q1 = orthonormal(rows, k, rng), q2 = orthonormal(cols, k, rng);
  std::vector<double> w(static_cast<size_t>(rows) * cols, 0.0);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      for (int i = 0; i < k; ++i) w[r * cols + c] += q1[r * k + i] * s[i] * q2[c * k + i];
  EXPECT_NEAR(singular_values(w, rows, cols)[0], 5.0, 1e-12);  // the construction itself
  auto u = normalized(randn(rows, rng));
  std::vector<double> v(cols);
  const double sigma = run_sigma<double>(dim0(rows, cols, 200), w, u, v);
  std::printf("[ sigma ] known spectrum 40x70 f64 sigma %.15g (exact 5) rel err %.3g\n", sigma,
              std::abs(sigma - 5.0) / 5.0);
  EXPECT_NEAR(sigma, 5.0, 5e-12);
  // u, v are the leading singular vectors: W v = sigma u.
  for (int r = 0; r < rows; ++r) {
    double wv = 0;
    for (int c = 0; c < cols; ++c) wv += w[r * cols + c] * v[c];
    EXPECT_NEAR(wv, sigma * u[r], 1e-10);
  }
  auto uf = cast<float>(normalized(randn(rows, rng)));
  std::vector<float> vf(cols);
  const float sf = run_sigma<float>(dim0(rows, cols, 200), cast<float>(w), uf, vf);
  EXPECT_NEAR(sf, 5.0, 5e-6);
}

// One step against the formulas written out in double.
template <class T>
void one_step_matches_naive() {
  std::mt19937 rng(5);
  for (const auto& [rows, cols] : std::vector<std::pair<int, int>>{{1, 1}, {1, 9}, {9, 1}, {13, 70}, {70, 13}}) {
    const auto w = cast<T>(randn(static_cast<size_t>(rows) * cols, rng));
    const auto u0 = cast<T>(randn(static_cast<size_t>(rows), rng));  // not normalized: the step normalizes
    std::vector<double> v_ref(cols, 0.0), u_ref(rows, 0.0);
    for (int c = 0; c < cols; ++c)
      for (int r = 0; r < rows; ++r) v_ref[c] += double(w[r * cols + c]) * double(u0[r]);
    v_ref = normalized(v_ref);
    std::vector<T> v_t = cast<T>(v_ref);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) u_ref[r] += double(w[r * cols + c]) * double(v_t[c]);
    std::vector<double> wv = u_ref;
    u_ref = normalized(u_ref);
    std::vector<T> u_t = cast<T>(u_ref);
    double sigma_ref = 0;
    for (int r = 0; r < rows; ++r) sigma_ref += double(u_t[r]) * wv[r];
    auto u = u0;
    std::vector<T> v(cols, std::numeric_limits<T>::quiet_NaN());
    const double sigma = run_sigma<T>(dim0(rows, cols, 1), w, u, v);
    const double tol = std::is_same_v<T, float> ? 2e-7 : 1e-14;
    double err = std::abs(sigma - sigma_ref) / std::abs(sigma_ref);
    for (int c = 0; c < cols; ++c) err = std::max(err, std::abs(double(v[c]) - double(v_t[c])));
    for (int r = 0; r < rows; ++r) err = std::max(err, std::abs(double(u[r]) - double(u_t[r])));
    EXPECT_LE(err, tol) << rows << "x" << cols;
  }
}

TEST(SpectralNormCpu, OneStepMatchesNaiveFloat) { one_step_matches_naive<float>(); }
TEST(SpectralNormCpu, OneStepMatchesNaiveDouble) { one_step_matches_naive<double>(); }

// ConvTranspose2d weight [in = 6, out = 5, 3, 3] with dim 1: the same as the
// kernel on the permuted copy [out, in * 9] with dim 0.
TEST(SpectralNormCpu, Dim1ViewEqualsPermutedCopy) {
  std::mt19937 rng(9);
  const int in = 6, out = 5, kk = 9;
  const auto w = randn(static_cast<size_t>(in) * out * kk, rng);
  std::vector<double> wp(w.size());
  for (int i = 0; i < in; ++i)
    for (int o = 0; o < out; ++o)
      for (int k = 0; k < kk; ++k) wp[(o * in + i) * kk + k] = w[(i * out + o) * kk + k];
  const auto u0 = normalized(randn(out, rng));
  SpectralNormParams p1;
  p1.rows = out;
  p1.lead = in;
  p1.inner = kk;
  p1.n_iter = 3;
  auto u1 = u0, u2 = u0;
  std::vector<double> v1(in * kk), v2(in * kk);
  const double s1 = run_sigma<double>(p1, w, u1, v1);
  const double s2 = run_sigma<double>(dim0(out, in * kk, 3), wp, u2, v2);
  EXPECT_NEAR(s1, s2, 1e-13 * s2);
  for (size_t i = 0; i < u1.size(); ++i) EXPECT_NEAR(u1[i], u2[i], 1e-14);
  for (size_t i = 0; i < v1.size(); ++i) EXPECT_NEAR(v1[i], v2[i], 1e-14);
  // And sigma converges to the permuted matrix's largest singular value.
  p1.n_iter = 300;
  const double s300 = run_sigma<double>(p1, w, u1, v1);
  EXPECT_NEAR(s300, singular_values(wp, out, in * kk)[0], 1e-6 * s300);
}

// Eval mode: sigma = u^T W v from the given vectors, which stay bit-identical.
TEST(SpectralNormCpu, EvalModeReadsUAndVOnly) {
  std::mt19937 rng(3);
  const int rows = 7, cols = 11;
  const auto w = randn(static_cast<size_t>(rows) * cols, rng);
  const auto u0 = randn(rows, rng), v0 = randn(cols, rng);
  auto u = u0, v = v0;
  const double sigma = run_sigma<double>(dim0(rows, cols, 0), w, u, v);
  double ref = 0;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) ref += u0[r] * w[r * cols + c] * v0[c];
  EXPECT_NEAR(sigma, ref, 1e-13 * std::abs(ref));
  EXPECT_EQ(u, u0);
  EXPECT_EQ(v, v0);
}

// A zero weight: normalize divides by eps instead of 0, so u = v = 0 and sigma = 0 (no NaN).
TEST(SpectralNormCpu, ZeroWeightGivesZeroNotNan) {
  std::vector<float> w(12, 0.0f), u{0.6f, 0.8f, 0.0f}, v(4, std::numeric_limits<float>::quiet_NaN());
  const float sigma = run_sigma<float>(dim0(3, 4, 2), w, u, v);
  EXPECT_EQ(sigma, 0.0f);
  for (float x : u) EXPECT_EQ(x, 0.0f);
  for (float x : v) EXPECT_EQ(x, 0.0f);
}

TEST(SpectralNormCpu, BadArgumentsThrowBeforeWriting) {
  std::vector<float> w(6, 1.0f), u(2, 0.5f), v(3, 0.25f);
  float sigma = -7.0f;
  auto expect_fail = [&](SpectralNormParams p, const char* text) {
    try {
      cpu::spectral_norm_power_iteration<float>(p, w.data(), u.data(), v.data(), &sigma, nullptr);
      ADD_FAILURE() << "expected KernelError: " << text;
    } catch (const KernelError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("spectral_norm_power_iteration"), std::string::npos) << what;
      EXPECT_NE(what.find(text), std::string::npos) << what;
    }
    EXPECT_EQ(sigma, -7.0f);
    EXPECT_EQ(u, std::vector<float>(2, 0.5f));
    EXPECT_EQ(v, std::vector<float>(3, 0.25f));
  };
  expect_fail(dim0(0, 3, 1), "rows=0");
  expect_fail(dim0(2, 0, 1), "inner=0");
  expect_fail(dim0(2, 3, -1), "n_iter");
  SpectralNormParams p = dim0(2, 3, 1);
  p.eps = -1;
  expect_fail(p, "eps");
  p = dim0(2, 3, 1);
  p.lead = 0;
  expect_fail(p, "lead=0");
}

}  // namespace
}  // namespace gan::kernels
