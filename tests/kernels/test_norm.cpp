// Batch norm and layer norm CPU references against naive loops, hand formulas
// and central finite differences (double).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gan/kernels/norm.h"

namespace gan::kernels {
namespace {

template <class T>
std::vector<T> randn(size_t n, std::mt19937& rng, double mean = 0.0, double stddev = 1.0) {
  std::normal_distribution<double> dist(mean, stddev);
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
  return std::is_same_v<T, float> ? 2e-5 : 1e-11;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Central difference of f with respect to v[i].
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

void expect_fd_close(double analytic, double fd, const char* what, size_t i) {
  EXPECT_NEAR(analytic, fd, 1e-6 * (1.0 + std::abs(fd))) << what << "[" << i << "]";
}

struct BnShape {
  int64_t n, c, hw;
};
const BnShape kBnShapes[] = {{5, 3, 1}, {1, 3, 35}, {5, 3, 35}, {2, 1, 7}};

// Naive training forward in double: y, batch mean, biased var, unbiased var.
template <class T>
void naive_bn_train(const BnShape& s, const std::vector<T>& x, const T* gamma, const T* beta, double eps,
                    std::vector<double>& y, std::vector<double>& mean, std::vector<double>& var,
                    std::vector<double>& uvar) {
  const int64_t m = s.n * s.hw;
  y.assign(x.size(), 0);
  mean.assign(s.c, 0);
  var.assign(s.c, 0);
  uvar.assign(s.c, 0);
  for (int64_t c = 0; c < s.c; ++c) {
    for (int64_t i = 0; i < s.n; ++i)
      for (int64_t j = 0; j < s.hw; ++j) mean[c] += x[(i * s.c + c) * s.hw + j];
    mean[c] /= m;
    for (int64_t i = 0; i < s.n; ++i)
      for (int64_t j = 0; j < s.hw; ++j) {
        const double d = x[(i * s.c + c) * s.hw + j] - mean[c];
        var[c] += d * d;
      }
    uvar[c] = m > 1 ? var[c] / (m - 1) : 0;
    var[c] /= m;
    const double g = gamma ? gamma[c] : 1.0, b = beta ? beta[c] : 0.0;
    for (int64_t i = 0; i < s.n; ++i)
      for (int64_t j = 0; j < s.hw; ++j) {
        const int64_t k = (i * s.c + c) * s.hw + j;
        y[k] = g * (x[k] - mean[c]) / std::sqrt(var[c] + eps) + b;
      }
  }
}

template <class T>
class BatchNormTest : public ::testing::Test {};
template <class T>
class LayerNormTest : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(BatchNormTest, FloatTypes);
TYPED_TEST_SUITE(LayerNormTest, FloatTypes);

TYPED_TEST(BatchNormTest, TrainForwardNormalizesAndUpdatesRunningStats) {
  using T = TypeParam;
  std::mt19937 rng(11);
  for (const BnShape& s : kBnShapes) {
    SCOPED_TRACE(::testing::Message() << "n=" << s.n << " c=" << s.c << " hw=" << s.hw);
    const size_t total = static_cast<size_t>(s.n * s.c * s.hw);
    // Offset 3, spread 2: a one-pass E[x^2]-E[x]^2 would lose digits here.
    const auto x = randn<T>(total, rng, 3.0, 2.0);
    const auto gamma = randn<T>(s.c, rng, 1.0, 0.5);
    const auto beta = randn<T>(s.c, rng);
    BatchNormParams p;
    p.n = s.n, p.c = s.c, p.hw = s.hw, p.eps = 1e-5, p.momentum = 0.1;

    // Without affine: every channel has mean ~0 and biased variance ~1 (up to eps).
    auto y = poisoned<T>(total);
    auto mean = poisoned<T>(s.c), invstd = poisoned<T>(s.c);
    cpu::batch_norm_train_fprop<T>(p, x.data(), nullptr, nullptr, y.data(), mean.data(), invstd.data(), nullptr,
                                   nullptr);
    const int64_t m = s.n * s.hw;
    for (int64_t c = 0; c < s.c; ++c) {
      double sum = 0, sq = 0;
      for (int64_t i = 0; i < s.n; ++i)
        for (int64_t j = 0; j < s.hw; ++j) sum += y[(i * s.c + c) * s.hw + j];
      const double mu = sum / m;
      for (int64_t i = 0; i < s.n; ++i)
        for (int64_t j = 0; j < s.hw; ++j) sq += std::pow(y[(i * s.c + c) * s.hw + j] - mu, 2);
      EXPECT_NEAR(mu, 0.0, 1e-5) << "channel " << c;
      EXPECT_NEAR(sq / m, 1.0, 1e-4) << "channel " << c;  // var/(var+eps), var ~ 4
    }

    // With affine and running stats, against the naive double loop.
    std::vector<double> ry, rmean, rvar, ruvar;
    naive_bn_train(s, x, gamma.data(), beta.data(), p.eps, ry, rmean, rvar, ruvar);
    std::vector<T> run_mean(s.c), run_var(s.c);
    for (int64_t c = 0; c < s.c; ++c) run_mean[c] = T(0.5) * c, run_var[c] = T(1) + c;
    const auto run_mean0 = run_mean, run_var0 = run_var;
    y = poisoned<T>(total);
    mean = poisoned<T>(s.c), invstd = poisoned<T>(s.c);
    cpu::batch_norm_train_fprop<T>(p, x.data(), gamma.data(), beta.data(), y.data(), mean.data(), invstd.data(),
                                   run_mean.data(), run_var.data());
    for (size_t k = 0; k < total; ++k) EXPECT_NEAR(y[k], ry[k], tol<T>() * 10 * (1 + std::abs(ry[k]))) << k;
    for (int64_t c = 0; c < s.c; ++c) {
      EXPECT_NEAR(mean[c], rmean[c], tol<T>() * 10 * (1 + std::abs(rmean[c])));
      EXPECT_NEAR(invstd[c], 1.0 / std::sqrt(rvar[c] + p.eps), tol<T>() * 10);
      EXPECT_NEAR(run_mean[c], 0.9 * run_mean0[c] + 0.1 * rmean[c], tol<T>() * 10);
      // Running variance uses the UNBIASED batch variance (as PyTorch).
      EXPECT_NEAR(run_var[c], 0.9 * run_var0[c] + 0.1 * ruvar[c], tol<T>() * 10 * (1 + ruvar[c]));
    }
  }
}

TYPED_TEST(BatchNormTest, SingleValuePerChannel) {
  using T = TypeParam;
  BatchNormParams p;
  p.n = 1, p.c = 3, p.hw = 1;
  const std::vector<T> x = {1, -2, 3}, beta = {0.5, -0.5, 2};
  auto y = poisoned<T>(3);
  std::vector<T> rm(3, 0), rv(3, 1);
  // The unbiased variance of one value is undefined: refuse to update running_var.
  EXPECT_THROW(cpu::batch_norm_train_fprop<T>(p, x.data(), nullptr, beta.data(), y.data(), nullptr, nullptr,
                                              rm.data(), rv.data()),
               KernelError);
  // Without running stats it is well defined: x - mean = 0, so y = beta.
  cpu::batch_norm_train_fprop<T>(p, x.data(), nullptr, beta.data(), y.data(), nullptr, nullptr, nullptr, nullptr);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(y[k], beta[k]);
}

TYPED_TEST(BatchNormTest, EvalForwardUsesRunningStats) {
  using T = TypeParam;
  std::mt19937 rng(12);
  for (const BnShape& s : kBnShapes) {
    const size_t total = static_cast<size_t>(s.n * s.c * s.hw);
    const auto x = randn<T>(total, rng);
    const auto gamma = randn<T>(s.c, rng), beta = randn<T>(s.c, rng), rm = randn<T>(s.c, rng);
    std::vector<T> rv(s.c);
    for (auto& v : rv) v = static_cast<T>(0.2 + std::abs(randn<double>(1, rng)[0]));
    BatchNormParams p;
    p.n = s.n, p.c = s.c, p.hw = s.hw, p.eps = 1e-3;
    auto y = poisoned<T>(total);
    cpu::batch_norm_eval_fprop<T>(p, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(), y.data());
    for (int64_t i = 0; i < s.n; ++i)
      for (int64_t c = 0; c < s.c; ++c)
        for (int64_t j = 0; j < s.hw; ++j) {
          const int64_t k = (i * s.c + c) * s.hw + j;
          const double ref = double(gamma[c]) * (double(x[k]) - rm[c]) / std::sqrt(double(rv[c]) + p.eps) + beta[c];
          EXPECT_NEAR(y[k], ref, tol<T>() * 10 * (1 + std::abs(ref)));
        }
    // Null gamma/beta mean 1/0.
    cpu::batch_norm_eval_fprop<T>(p, x.data(), nullptr, nullptr, rm.data(), rv.data(), y.data());
    EXPECT_NEAR(y[0], (double(x[0]) - rm[0]) / std::sqrt(double(rv[0]) + p.eps), tol<T>() * 10);
  }
}

// Fused activation: each forward with act = relu / leaky_relu(slope) equals the
// same forward with identity followed by the activation applied by hand. relu
// is exact (rounding keeps the sign); leaky differs by one rounding of slope*v.
// Saved and running statistics are those of the pre-activation normalization.
TYPED_TEST(BatchNormTest, FusedActivationMatchesForwardThenActivation) {
  using T = TypeParam;
  std::mt19937 rng(13);
  for (const BnShape& s : kBnShapes) {
    SCOPED_TRACE(::testing::Message() << "n=" << s.n << " c=" << s.c << " hw=" << s.hw);
    const size_t total = static_cast<size_t>(s.n * s.c * s.hw);
    const auto x = randn<T>(total, rng, 3.0, 2.0);
    const auto gamma = randn<T>(s.c, rng, 1.0, 0.5), beta = randn<T>(s.c, rng), rm = randn<T>(s.c, rng);
    std::vector<T> rv(s.c);
    for (auto& v : rv) v = static_cast<T>(0.2 + std::abs(randn<double>(1, rng)[0]));
    BatchNormParams p;
    p.n = s.n, p.c = s.c, p.hw = s.hw, p.eps = 1e-5, p.momentum = 0.1;
    const bool running = s.n * s.hw >= 2;
    // References without activation: train (with stats) and eval.
    auto y0 = poisoned<T>(total), ye0 = poisoned<T>(total);
    auto m0 = poisoned<T>(s.c), i0 = poisoned<T>(s.c);
    auto rm0 = rm, rv0 = rv;
    cpu::batch_norm_train_fprop<T>(p, x.data(), gamma.data(), beta.data(), y0.data(), m0.data(), i0.data(),
                                   running ? rm0.data() : nullptr, running ? rv0.data() : nullptr);
    cpu::batch_norm_eval_fprop<T>(p, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(), ye0.data());
    for (NormActivation act : {NormActivation::relu, NormActivation::leaky_relu}) {
      for (double slope : {0.2, 0.01}) {
        if (act == NormActivation::relu && slope != 0.2) continue;
        SCOPED_TRACE(::testing::Message() << "act=" << static_cast<int>(act) << " slope=" << slope);
        BatchNormParams pa = p;
        pa.act = act, pa.slope = slope;
        auto y = poisoned<T>(total), ye = poisoned<T>(total);
        auto m = poisoned<T>(s.c), is = poisoned<T>(s.c);
        auto rma = rm, rva = rv;
        cpu::batch_norm_train_fprop<T>(pa, x.data(), gamma.data(), beta.data(), y.data(), m.data(), is.data(),
                                       running ? rma.data() : nullptr, running ? rva.data() : nullptr);
        cpu::batch_norm_eval_fprop<T>(pa, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(), ye.data());
        size_t negatives = 0;
        for (size_t k = 0; k < total; ++k) {
          for (auto [out, ref] : {std::pair{y[k], y0[k]}, std::pair{ye[k], ye0[k]}}) {
            if (ref < 0) ++negatives;
            if (act == NormActivation::relu) {
              EXPECT_EQ(out, ref > 0 ? ref : T(0)) << k;
            } else {
              const double want = ref > 0 ? double(ref) : slope * double(ref);
              EXPECT_NEAR(out, want, tol<T>() * (1 + std::abs(want))) << k;
            }
          }
        }
        EXPECT_GT(negatives, 0u) << "the shape never exercises the negative branch";
        for (int64_t c = 0; c < s.c; ++c) {
          EXPECT_EQ(m[c], m0[c]);
          EXPECT_EQ(is[c], i0[c]);
          EXPECT_EQ(rma[c], rm0[c]);
          EXPECT_EQ(rva[c], rv0[c]);
        }
      }
    }
  }
}

// Training backward vs central differences of L = sum(dy * y) through the full
// training forward (the batch statistics depend on x).
TEST(BatchNormGradTest, TrainBackwardMatchesFiniteDifferences) {
  std::mt19937 rng(13);
  for (const BnShape& s : {BnShape{2, 3, 5}, BnShape{5, 3, 1}, BnShape{1, 2, 6}}) {
    SCOPED_TRACE(::testing::Message() << "n=" << s.n << " c=" << s.c << " hw=" << s.hw);
    const size_t total = static_cast<size_t>(s.n * s.c * s.hw);
    auto x = randn<double>(total, rng, 1.0, 1.5);
    auto gamma = randn<double>(s.c, rng, 1.0, 0.5), beta = randn<double>(s.c, rng);
    const auto dy = randn<double>(total, rng);
    BatchNormParams p;
    p.n = s.n, p.c = s.c, p.hw = s.hw, p.eps = 1e-5;
    std::vector<double> y(total), mean(s.c), invstd(s.c);
    auto loss = [&] {
      cpu::batch_norm_train_fprop<double>(p, x.data(), gamma.data(), beta.data(), y.data(), mean.data(),
                                          invstd.data(), nullptr, nullptr);
      return dot(dy, y);
    };
    loss();
    auto dx = poisoned<double>(total), dgamma = poisoned<double>(s.c), dbeta = poisoned<double>(s.c);
    cpu::batch_norm_train_bprop<double>(p, x.data(), dy.data(), gamma.data(), mean.data(), invstd.data(), dx.data(),
                                        dgamma.data(), dbeta.data());
    for (size_t k = 0; k < total; ++k) expect_fd_close(dx[k], central_diff(x, k, loss), "dx", k);
    for (int64_t c = 0; c < s.c; ++c) {
      expect_fd_close(dgamma[c], central_diff(gamma, c, loss), "dgamma", c);
      expect_fd_close(dbeta[c], central_diff(beta, c, loss), "dbeta", c);
    }
    // Skipping outputs with nullptr leaves dx unchanged in value.
    auto dx2 = poisoned<double>(total);
    cpu::batch_norm_train_bprop<double>(p, x.data(), dy.data(), gamma.data(), mean.data(), invstd.data(),
                                        dx2.data(), nullptr, nullptr);
    for (size_t k = 0; k < total; ++k) EXPECT_EQ(dx2[k], dx[k]);
  }
}

TEST(BatchNormGradTest, EvalBackwardMatchesFiniteDifferences) {
  std::mt19937 rng(14);
  const BnShape s{2, 3, 4};
  const size_t total = 24;
  auto x = randn<double>(total, rng);
  auto gamma = randn<double>(3, rng), beta = randn<double>(3, rng);
  const auto rm = randn<double>(3, rng), dy = randn<double>(total, rng);
  const std::vector<double> rv = {0.5, 1.5, 2.0};
  BatchNormParams p;
  p.n = s.n, p.c = s.c, p.hw = s.hw;
  std::vector<double> y(total);
  auto loss = [&] {
    cpu::batch_norm_eval_fprop<double>(p, x.data(), gamma.data(), beta.data(), rm.data(), rv.data(), y.data());
    return dot(dy, y);
  };
  auto dx = poisoned<double>(total), dgamma = poisoned<double>(3), dbeta = poisoned<double>(3);
  cpu::batch_norm_eval_bprop<double>(p, x.data(), dy.data(), gamma.data(), rm.data(), rv.data(), dx.data(),
                                     dgamma.data(), dbeta.data());
  for (size_t k = 0; k < total; ++k) expect_fd_close(dx[k], central_diff(x, k, loss), "dx", k);
  for (size_t c = 0; c < 3; ++c) {
    expect_fd_close(dgamma[c], central_diff(gamma, c, loss), "dgamma", c);
    expect_fd_close(dbeta[c], central_diff(beta, c, loss), "dbeta", c);
  }
}

// The float backward agrees with the double one (statistics accumulate in double).
TEST(BatchNormGradTest, FloatBackwardMatchesDouble) {
  std::mt19937 rng(15);
  const BnShape s{5, 3, 35};
  const size_t total = static_cast<size_t>(s.n * s.c * s.hw);
  const auto xd = randn<double>(total, rng, 2.0, 1.0), dyd = randn<double>(total, rng), gd = randn<double>(3, rng);
  const std::vector<float> xf(xd.begin(), xd.end()), dyf(dyd.begin(), dyd.end()), gf(gd.begin(), gd.end());
  // Round the double inputs to float values so both see identical data.
  const std::vector<double> xr(xf.begin(), xf.end()), dyr(dyf.begin(), dyf.end()), gr(gf.begin(), gf.end());
  BatchNormParams p;
  p.n = s.n, p.c = s.c, p.hw = s.hw;
  std::vector<double> yd(total), md(3), isd(3), dxd(total), dgd(3), dbd(3);
  std::vector<float> yf(total), mf(3), isf(3), dxf = poisoned<float>(total), dgf = poisoned<float>(3),
                                               dbf = poisoned<float>(3);
  cpu::batch_norm_train_fprop<double>(p, xr.data(), gr.data(), nullptr, yd.data(), md.data(), isd.data(), nullptr,
                                      nullptr);
  cpu::batch_norm_train_fprop<float>(p, xf.data(), gf.data(), nullptr, yf.data(), mf.data(), isf.data(), nullptr,
                                     nullptr);
  cpu::batch_norm_train_bprop<double>(p, xr.data(), dyr.data(), gr.data(), md.data(), isd.data(), dxd.data(),
                                      dgd.data(), dbd.data());
  cpu::batch_norm_train_bprop<float>(p, xf.data(), dyf.data(), gf.data(), mf.data(), isf.data(), dxf.data(),
                                     dgf.data(), dbf.data());
  for (size_t k = 0; k < total; ++k) EXPECT_NEAR(dxf[k], dxd[k], 1e-5 * (1 + std::abs(dxd[k])));
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(dgf[c], dgd[c], 1e-4 * (1 + std::abs(dgd[c])));
    EXPECT_NEAR(dbf[c], dbd[c], 1e-4 * (1 + std::abs(dbd[c])));
  }
}

TYPED_TEST(LayerNormTest, ForwardMatchesNaive) {
  using T = TypeParam;
  std::mt19937 rng(21);
  for (int64_t m : {1, 5}) {
    for (int64_t d : {1, 37}) {
      SCOPED_TRACE(::testing::Message() << "m=" << m << " d=" << d);
      const size_t total = static_cast<size_t>(m * d);
      const auto x = randn<T>(total, rng, -4.0, 3.0);
      const auto gamma = randn<T>(d, rng, 1.0, 0.5), beta = randn<T>(d, rng);
      LayerNormParams p;
      p.m = m, p.d = d, p.eps = 1e-5;
      auto y = poisoned<T>(total), mean = poisoned<T>(m), invstd = poisoned<T>(m);
      cpu::layer_norm_fprop<T>(p, x.data(), gamma.data(), beta.data(), y.data(), mean.data(), invstd.data());
      auto yn = poisoned<T>(total);
      cpu::layer_norm_fprop<T>(p, x.data(), nullptr, nullptr, yn.data(), nullptr, nullptr);
      for (int64_t i = 0; i < m; ++i) {
        double mu = 0, var = 0;
        for (int64_t j = 0; j < d; ++j) mu += x[i * d + j];
        mu /= d;
        for (int64_t j = 0; j < d; ++j) var += std::pow(x[i * d + j] - mu, 2);
        var /= d;
        EXPECT_NEAR(mean[i], mu, tol<T>() * 10 * (1 + std::abs(mu)));
        EXPECT_NEAR(invstd[i], 1 / std::sqrt(var + p.eps), tol<T>() * 10 / std::sqrt(p.eps));
        double ymu = 0, yvar = 0;
        for (int64_t j = 0; j < d; ++j) {
          const double ref = gamma[j] * (x[i * d + j] - mu) / std::sqrt(var + p.eps) + beta[j];
          EXPECT_NEAR(y[i * d + j], ref, tol<T>() * 10 * (1 + std::abs(ref)));
          ymu += yn[i * d + j];
        }
        ymu /= d;
        for (int64_t j = 0; j < d; ++j) yvar += std::pow(yn[i * d + j] - ymu, 2);
        EXPECT_NEAR(ymu, 0.0, 1e-5);
        // d = 1: x - mean = 0, so the normalized row is 0; otherwise variance ~1.
        EXPECT_NEAR(yvar / d, d == 1 ? 0.0 : 1.0, 1e-4);
      }
    }
  }
}

TEST(LayerNormGradTest, BackwardMatchesFiniteDifferences) {
  std::mt19937 rng(22);
  for (int64_t m : {1, 4}) {
    for (int64_t d : {1, 37}) {
      SCOPED_TRACE(::testing::Message() << "m=" << m << " d=" << d);
      const size_t total = static_cast<size_t>(m * d);
      auto x = randn<double>(total, rng, 0.5, 2.0);
      auto gamma = randn<double>(d, rng, 1.0, 0.5), beta = randn<double>(d, rng);
      const auto dy = randn<double>(total, rng);
      LayerNormParams p;
      p.m = m, p.d = d, p.eps = 1e-5;
      std::vector<double> y(total), mean(m), invstd(m);
      auto loss = [&] {
        cpu::layer_norm_fprop<double>(p, x.data(), gamma.data(), beta.data(), y.data(), mean.data(), invstd.data());
        return dot(dy, y);
      };
      loss();
      auto dx = poisoned<double>(total), dgamma = poisoned<double>(d), dbeta = poisoned<double>(d);
      cpu::layer_norm_bprop<double>(p, x.data(), dy.data(), gamma.data(), mean.data(), invstd.data(), dx.data(),
                                    dgamma.data(), dbeta.data());
      for (size_t k = 0; k < total; ++k) expect_fd_close(dx[k], central_diff(x, k, loss), "dx", k);
      for (int64_t j = 0; j < d; ++j) {
        expect_fd_close(dgamma[j], central_diff(gamma, j, loss), "dgamma", j);
        expect_fd_close(dbeta[j], central_diff(beta, j, loss), "dbeta", j);
      }
    }
  }
}

// Instance norm use: rows of an [N*C, H*W] view, no affine; float vs double backward.
TEST(LayerNormGradTest, InstanceNormViewFloatMatchesDouble) {
  std::mt19937 rng(23);
  const int64_t m = 2 * 3, d = 7 * 5;
  const auto xd = randn<double>(m * d, rng, 1.0, 2.0), dyd = randn<double>(m * d, rng);
  const std::vector<float> xf(xd.begin(), xd.end()), dyf(dyd.begin(), dyd.end());
  const std::vector<double> xr(xf.begin(), xf.end()), dyr(dyf.begin(), dyf.end());
  LayerNormParams p;
  p.m = m, p.d = d;
  std::vector<double> yd(m * d), md(m), isd(m), dxd(m * d);
  std::vector<float> yf(m * d), mf(m), isf(m), dxf = poisoned<float>(m * d);
  cpu::layer_norm_fprop<double>(p, xr.data(), nullptr, nullptr, yd.data(), md.data(), isd.data());
  cpu::layer_norm_fprop<float>(p, xf.data(), nullptr, nullptr, yf.data(), mf.data(), isf.data());
  cpu::layer_norm_bprop<double>(p, xr.data(), dyr.data(), nullptr, md.data(), isd.data(), dxd.data(), nullptr,
                                nullptr);
  cpu::layer_norm_bprop<float>(p, xf.data(), dyf.data(), nullptr, mf.data(), isf.data(), dxf.data(), nullptr,
                               nullptr);
  for (int64_t k = 0; k < m * d; ++k) {
    EXPECT_NEAR(yf[k], yd[k], 1e-5 * (1 + std::abs(yd[k])));
    EXPECT_NEAR(dxf[k], dxd[k], 1e-5 * (1 + std::abs(dxd[k])));
  }
}

TEST(LayerNormGradTest, EmptyRowsThrow) {
  LayerNormParams p;
  p.m = 2, p.d = 0;
  float x = 0, y = 0;
  EXPECT_THROW(cpu::layer_norm_fprop<float>(p, &x, nullptr, nullptr, &y, nullptr, nullptr), KernelError);
}

}  // namespace
}  // namespace gan::kernels
