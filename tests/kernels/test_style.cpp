// CPU references of the StyleGAN / ProGAN kernels (style.h) against naive
// loops (forward: two-pass statistics written out longhand) and central
// finite differences (backward: every gradient of L = sum(y * v) for random v,
// in double). Also the KernelError cases, raised before any output is written.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "gan/kernels/style.h"

namespace gan::kernels {
namespace {

using Vec = std::vector<double>;

Vec rnd(size_t n, uint32_t seed, double lo = -2, double hi = 2) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  Vec v(n);
  for (auto& x : v) x = d(g);
  return v;
}

double max_abs_diff(const Vec& a, const Vec& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(a[i] - b[i]);
    if (std::isnan(d)) return INFINITY;
    m = std::max(m, d);
  }
  return m;
}

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Central differences of loss() with respect to every entry of `in` (modified in place and restored).
Vec numeric_grad(Vec& in, const std::function<double()>& loss, double h = 1e-6) {
  Vec g(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const double keep = in[i];
    in[i] = keep + h;
    const double up = loss();
    in[i] = keep - h;
    const double down = loss();
    in[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

void report(const char* what, double err, double tol) {
  std::printf("[ style cpu ] %-46s max abs err %.3g\n", what, err);
  EXPECT_LE(err, tol) << what;
}

// ---- AdaIN ---------------------------------------------------------------------------

TEST(StyleCpu, AdaINForwardMatchesNaiveLoops) {
  for (double slope : {1.0, 0.2}) {
    for (bool noise_on : {false, true}) {
      AdaINParams p{.n = 2, .c = 3, .hw = 35, .eps = 1e-5, .slope = slope};
      const size_t nx = 2 * 3 * 35;
      Vec x = rnd(nx, 1, 1.0, 4.0), nz = rnd(2 * 35, 2), sc = rnd(3, 3), ga = rnd(6, 4), be = rnd(6, 5);
      Vec y(nx), sm(6), si(6);
      cpu::adain_fprop<double>(p, x.data(), noise_on ? nz.data() : nullptr, noise_on ? sc.data() : nullptr, ga.data(),
                               be.data(), y.data(), sm.data(), si.data());
      Vec ref(nx), rm(6), ri(6);
      for (int64_t n = 0; n < 2; ++n)
        for (int64_t c = 0; c < 3; ++c) {
          Vec t(35);
          for (int64_t j = 0; j < 35; ++j) {
            double v = x[(n * 3 + c) * 35 + j] + (noise_on ? sc[c] * nz[n * 35 + j] : 0.0);
            t[j] = v >= 0 ? v : slope * v;
          }
          double mean = 0;
          for (double v : t) mean += v / 35;
          double var = 0;
          for (double v : t) var += (v - mean) * (v - mean) / 35;
          rm[n * 3 + c] = mean;
          ri[n * 3 + c] = 1 / std::sqrt(var + 1e-5);
          for (int64_t j = 0; j < 35; ++j)
            ref[(n * 3 + c) * 35 + j] = ga[n * 3 + c] * (t[j] - mean) / std::sqrt(var + 1e-5) + be[n * 3 + c];
        }
      report("adain_fprop y vs naive", max_abs_diff(y, ref), 1e-12);
      report("adain_fprop saved stats vs naive", std::max(max_abs_diff(sm, rm), max_abs_diff(si, ri)), 1e-12);
    }
  }
}

TEST(StyleCpu, AdaINBackwardMatchesFiniteDifferences) {
  for (double slope : {1.0, 0.2}) {
    for (bool noise_on : {false, true}) {
      AdaINParams p{.n = 2, .c = 3, .hw = 6, .eps = 1e-5, .slope = slope};
      const size_t nx = 36;
      Vec x = rnd(nx, 11), nz = rnd(12, 12), sc = rnd(3, 13), ga = rnd(6, 14), be = rnd(6, 15), v = rnd(nx, 16);
      auto loss = [&] {
        Vec y(nx);
        cpu::adain_fprop<double>(p, x.data(), noise_on ? nz.data() : nullptr, noise_on ? sc.data() : nullptr,
                                 ga.data(), be.data(), y.data(), nullptr, nullptr);
        return dot(y, v);
      };
      Vec sm(6), si(6), y(nx);
      cpu::adain_fprop<double>(p, x.data(), noise_on ? nz.data() : nullptr, noise_on ? sc.data() : nullptr, ga.data(),
                               be.data(), y.data(), sm.data(), si.data());
      Vec dx(nx), dg(6), db(6), part(6);
      cpu::adain_bprop<double>(p, x.data(), noise_on ? nz.data() : nullptr, noise_on ? sc.data() : nullptr, ga.data(),
                               v.data(), sm.data(), si.data(), dx.data(), dg.data(), db.data(), part.data());
      double err = max_abs_diff(dx, numeric_grad(x, loss));
      err = std::max(err, max_abs_diff(dg, numeric_grad(ga, loss)));
      err = std::max(err, max_abs_diff(db, numeric_grad(be, loss)));
      if (noise_on) {
        Vec dscale(3, 0.0), dnoise(12, 0.0);
        for (int64_t n = 0; n < 2; ++n)
          for (int64_t c = 0; c < 3; ++c) {
            dscale[c] += part[n * 3 + c];
            for (int64_t j = 0; j < 6; ++j) dnoise[n * 6 + j] += dx[(n * 3 + c) * 6 + j] * sc[c];
          }
        err = std::max(err, max_abs_diff(dscale, numeric_grad(sc, loss)));
        err = std::max(err, max_abs_diff(dnoise, numeric_grad(nz, loss)));
      }
      report(noise_on ? "adain_bprop (noise) vs finite differences" : "adain_bprop vs finite differences", err, 1e-6);
    }
  }
}

TEST(StyleCpu, AdaINRejectsBadParamsBeforeWriting) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Vec x(6, 1.0), y(6, nan), g(2, 1.0), nz(3, 0.0);
  AdaINParams p{.n = 1, .c = 2, .hw = 0};
  try {
    cpu::adain_fprop<double>(p, x.data(), nullptr, nullptr, g.data(), g.data(), y.data(), nullptr, nullptr);
    FAIL() << "expected KernelError";
  } catch (const KernelError& e) {
    EXPECT_NE(std::string(e.what()).find("adain_fprop: rows are empty"), std::string::npos) << e.what();
  }
  p.hw = 3;
  EXPECT_THROW(cpu::adain_fprop<double>(p, x.data(), nz.data(), nullptr, g.data(), g.data(), y.data(), nullptr,
                                        nullptr),
               KernelError);
  p.eps = -1;
  EXPECT_THROW(cpu::adain_bprop<double>(p, x.data(), nullptr, nullptr, g.data(), x.data(), g.data(), g.data(),
                                        y.data(), nullptr, nullptr, nullptr),
               KernelError);
  for (double v : y) EXPECT_TRUE(std::isnan(v));
}

// ---- pixel norm -------------------------------------------------------------------------

TEST(StyleCpu, PixelNormForwardAndBackward) {
  PixelNormParams p{.n = 3, .c = 5, .hw = 7, .eps = 1e-8};
  const size_t nx = 3 * 5 * 7;
  Vec x = rnd(nx, 21), v = rnd(nx, 22), y(nx), r(21), ref(nx);
  cpu::pixel_norm_fprop<double>(p, x.data(), y.data(), r.data());
  for (int64_t n = 0; n < 3; ++n)
    for (int64_t j = 0; j < 7; ++j) {
      double s = 0;
      for (int64_t c = 0; c < 5; ++c) s += x[(n * 5 + c) * 7 + j] * x[(n * 5 + c) * 7 + j];
      for (int64_t c = 0; c < 5; ++c) ref[(n * 5 + c) * 7 + j] = x[(n * 5 + c) * 7 + j] / std::sqrt(s / 5 + 1e-8);
    }
  report("pixel_norm_fprop vs naive", max_abs_diff(y, ref), 1e-13);
  auto loss = [&] {
    Vec yy(nx);
    cpu::pixel_norm_fprop<double>(p, x.data(), yy.data(), nullptr);
    return dot(yy, v);
  };
  Vec dx(nx);
  cpu::pixel_norm_bprop<double>(p, x.data(), v.data(), r.data(), dx.data());
  report("pixel_norm_bprop vs finite differences", max_abs_diff(dx, numeric_grad(x, loss)), 1e-7);
  PixelNormParams bad{.n = 1, .c = 0, .hw = 4};
  EXPECT_THROW(cpu::pixel_norm_fprop<double>(bad, x.data(), y.data(), nullptr), KernelError);
}

// ---- modulation --------------------------------------------------------------------------

TEST(StyleCpu, ModulationForwardAndBackward) {
  for (bool demod : {true, false}) {
    ModulationParams p{.n = 2, .o = 3, .i = 4, .k = 5, .demodulate = demod, .eps = 1e-8};
    Vec w = rnd(3 * 4 * 5, 31), s = rnd(2 * 4, 32), v = rnd(2 * 3 * 4 * 5, 33);
    Vec wm(120), d(6), ref(120);
    cpu::modulate_fprop<double>(p, w.data(), s.data(), wm.data(), d.data());
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t o = 0; o < 3; ++o) {
        double sq = 0;
        for (int64_t i = 0; i < 4; ++i)
          for (int64_t k = 0; k < 5; ++k) sq += std::pow(w[(o * 4 + i) * 5 + k] * s[n * 4 + i], 2);
        const double dd = demod ? 1 / std::sqrt(sq + 1e-8) : 1.0;
        for (int64_t i = 0; i < 4; ++i)
          for (int64_t k = 0; k < 5; ++k) ref[((n * 3 + o) * 4 + i) * 5 + k] = w[(o * 4 + i) * 5 + k] * s[n * 4 + i] * dd;
      }
    report(demod ? "modulate_fprop (demod) vs naive" : "modulate_fprop vs naive", max_abs_diff(wm, ref), 1e-13);
    auto loss = [&] {
      Vec out(120);
      cpu::modulate_fprop<double>(p, w.data(), s.data(), out.data(), nullptr);
      return dot(out, v);
    };
    Vec dw(60), ds(8), rd(6);
    cpu::modulate_bprop<double>(p, w.data(), s.data(), d.data(), v.data(), rd.data(), dw.data(), ds.data());
    const double err = std::max(max_abs_diff(dw, numeric_grad(w, loss)), max_abs_diff(ds, numeric_grad(s, loss)));
    report(demod ? "modulate_bprop (demod) vs finite differences" : "modulate_bprop vs finite differences", err, 1e-7);
  }
  ModulationParams p{.n = 1, .o = 1, .i = 1, .k = 1, .demodulate = true};
  Vec a(1, 1.0), b(1, 1.0);
  EXPECT_THROW(cpu::modulate_bprop<double>(p, a.data(), a.data(), nullptr, a.data(), nullptr, b.data(), nullptr),
               KernelError);
}

// ---- minibatch stddev -----------------------------------------------------------------------

TEST(StyleCpu, MinibatchStdDevForwardAndBackward) {
  for (int64_t group : {int64_t{2}, int64_t{3}, int64_t{1}}) {
    MinibatchStdParams p{.n = 6, .c = 3, .hw = 4, .group = group, .eps = 1e-8};
    const int64_t m = 6 / group, feat = 12;
    Vec x = rnd(6 * 12, 41 + static_cast<uint32_t>(group)), v = rnd(6 * 16, 42), y(6 * 16), s(static_cast<size_t>(m));
    cpu::minibatch_stddev_fprop<double>(p, x.data(), y.data(), s.data());
    Vec ref(6 * 16);
    for (int64_t mm = 0; mm < m; ++mm) {
      double acc = 0;
      for (int64_t f = 0; f < feat; ++f) {
        double mu = 0;
        for (int64_t g = 0; g < group; ++g) mu += x[(g * m + mm) * feat + f] / static_cast<double>(group);
        double var = 0;
        for (int64_t g = 0; g < group; ++g) var += std::pow(x[(g * m + mm) * feat + f] - mu, 2) / static_cast<double>(group);
        acc += std::sqrt(var + 1e-8);
      }
      for (int64_t g = 0; g < group; ++g) {
        const int64_t n = g * m + mm;
        for (int64_t f = 0; f < feat; ++f) ref[n * 16 + f] = x[n * feat + f];
        for (int64_t j = 0; j < 4; ++j) ref[n * 16 + feat + j] = acc / feat;
      }
    }
    report("minibatch_stddev_fprop vs naive", max_abs_diff(y, ref), 1e-13);
    auto loss = [&] {
      Vec yy(6 * 16);
      cpu::minibatch_stddev_fprop<double>(p, x.data(), yy.data(), nullptr);
      return dot(yy, v);
    };
    Vec dx(6 * 12);
    cpu::minibatch_stddev_bprop<double>(p, x.data(), v.data(), dx.data());
    // group 1: sigma = sqrt(eps) everywhere, a constant: the gradient is dy[:, :C].
    report("minibatch_stddev_bprop vs finite differences", max_abs_diff(dx, numeric_grad(x, loss)), 1e-7);
  }
  MinibatchStdParams bad{.n = 6, .c = 3, .hw = 4, .group = 4};
  Vec x(72), y(96, std::numeric_limits<double>::quiet_NaN());
  try {
    cpu::minibatch_stddev_fprop<double>(bad, x.data(), y.data(), nullptr);
    FAIL() << "expected KernelError";
  } catch (const KernelError& e) {
    EXPECT_NE(std::string(e.what()).find("batch 6 is not divisible by the group size 4"), std::string::npos)
        << e.what();
  }
  for (double v : y) EXPECT_TRUE(std::isnan(v));
}

}  // namespace
}  // namespace gan::kernels
