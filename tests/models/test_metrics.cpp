// The metric suite on synthetic features: closed forms (Fréchet distance of an
// affine copy), brute-force references for the blocked k-NN metrics and KID,
// edge cases with clear errors (n < d, too few points, NaN features).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "gan/models/eval/class_stats.h"
#include "gan/models/eval/distances.h"
#include "gan/models/eval/evaluate.h"
#include "gan/models/eval/frechet.h"
#include "gan/models/eval/kernel_distance.h"
#include "gan/models/eval/manifold.h"
#include "gan/ops.h"

namespace gan::models::eval {
namespace {

Tensor randn(int64_t n, int64_t d, uint64_t seed, double scale = 1, double shift = 0) {
  Generator g(seed);
  return Tensor::randn({n, d}, g) * scale + shift;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SymmetricEigen, TwoByTwo) {
  std::vector<double> v;
  const auto w = symmetric_eigen({2, 1, 1, 2}, 2, &v);  // eigenvalues 1, 3
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NEAR(w[0], 1, 1e-12);
  EXPECT_NEAR(w[1], 3, 1e-12);
  EXPECT_NEAR(std::abs(v[0 * 2 + 1]), std::sqrt(0.5), 1e-12);  // eigenvector of 3: (1, 1)/sqrt 2
  EXPECT_NEAR(v[0 * 2 + 1], v[1 * 2 + 1], 1e-12);
}

// Y = 2X + 1 sample by sample: mu_Y = 2 mu_X + 1 and S_Y = 4 S_X exactly, so
// FD = |mu_X + 1|^2 + tr S + 4 tr S - 2 tr(2 S) = |mu_X + 1|^2 + tr S.
TEST(FrechetDistance, AffineCopyHasClosedForm) {
  const int64_t d = 8;
  const Tensor x = randn(400, d, 1);
  const GaussianStats sx = gaussian_stats(x), sy = gaussian_stats(x * 2.0 + 1.0);
  double tr = 0, mean_term = 0;
  for (int64_t j = 0; j < d; ++j) {
    tr += sx.cov[static_cast<size_t>(j * d + j)];
    mean_term += (sx.mean[static_cast<size_t>(j)] + 1) * (sx.mean[static_cast<size_t>(j)] + 1);
  }
  EXPECT_NEAR(frechet_distance(sx, sy), mean_term + tr, 1e-5 * (mean_term + tr));
  EXPECT_NEAR(frechet_distance(sx, sx), 0.0, 1e-6);
}

TEST(FrechetDistance, GrowsWithShift) {
  const GaussianStats a = gaussian_stats(randn(500, 4, 1));
  double last = -1;
  for (double shift : {0.0, 0.5, 1.0, 2.0}) {
    const double fd = frechet_distance(a, gaussian_stats(randn(500, 4, 2, 1, shift)));
    EXPECT_GT(fd, last) << "shift " << shift;
    last = fd;
  }
}

TEST(FrechetDistance, RefusesFewerSamplesThanDimensions) {
  const GaussianStats a = gaussian_stats(randn(20, 32, 1)), b = gaussian_stats(randn(200, 32, 2));
  const std::string msg = error_of([&] { frechet_distance(a, b); });
  EXPECT_NE(msg.find("refused with n_real = 20 and n_fake = 200"), std::string::npos) << msg;
  EXPECT_NE(msg.find("32-dimensional"), std::string::npos) << msg;
}

TEST(FrechetDistance, NonFiniteFeaturesAreAnError) {
  std::vector<float> v(64, 1.f);
  v[37] = NAN;
  const std::string msg = error_of([&] { gaussian_stats(Tensor::from_data({16, 4}, v)); });
  EXPECT_NE(msg.find("feature 1 of sample 9 is nan"), std::string::npos) << msg;
}

TEST(Distances, BlockedMatchesDirect) {
  const Tensor a = randn(37, 5, 3), b = randn(23, 5, 4);
  const auto av = a.to_vector<float>(), bv = b.to_vector<float>();
  int64_t seen = 0;
  for_each_distance_block(
      a, b,
      [&](int64_t row0, const float* d2, int64_t rows, int64_t n) {
        for (int64_t i = 0; i < rows; ++i)
          for (int64_t j = 0; j < n; ++j) {
            double s = 0;
            for (int64_t k = 0; k < 5; ++k) {
              const double t = av[static_cast<size_t>((row0 + i) * 5 + k)] - bv[static_cast<size_t>(j * 5 + k)];
              s += t * t;
            }
            ASSERT_NEAR(d2[i * n + j], s, 1e-4 * (1 + s));
            ++seen;
          }
      },
      /*block_rows=*/8);
  EXPECT_EQ(seen, 37 * 23);
}

TEST(Distances, KnnNeedsEnoughPoints) {
  const std::string msg = error_of([&] { knn_radii(randn(3, 2, 1), {3}); });
  EXPECT_NE(msg.find("3 points cannot have a 3-th nearest neighbour"), std::string::npos) << msg;
}

// Brute force of Kynkäänniemi / Naeem definitions in double, to compare with the blocked f32 path.
struct Brute {
  double precision, recall, density, coverage;
};
Brute brute_prdc(const Tensor& real, const Tensor& fake, int64_t kpr, int64_t kdc) {
  const auto r = real.to_double_vector(), f = fake.to_double_vector();
  const int64_t nr = real.size(0), nf = fake.size(0), d = real.size(1);
  auto dist = [&](const std::vector<double>& a, int64_t i, const std::vector<double>& b, int64_t j) {
    double s = 0;
    for (int64_t k = 0; k < d; ++k) s += (a[static_cast<size_t>(i * d + k)] - b[static_cast<size_t>(j * d + k)]) *
                                         (a[static_cast<size_t>(i * d + k)] - b[static_cast<size_t>(j * d + k)]);
    return std::sqrt(s);
  };
  auto radii = [&](const std::vector<double>& a, int64_t n, int64_t k) {
    std::vector<double> out(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      std::vector<double> row;
      for (int64_t j = 0; j < n; ++j) row.push_back(dist(a, i, a, j));
      std::sort(row.begin(), row.end());
      out[static_cast<size_t>(i)] = row[static_cast<size_t>(k)];
    }
    return out;
  };
  const auto rr = radii(r, nr, kpr), rd = radii(r, nr, kdc), fr = radii(f, nf, kpr);
  Brute b{0, 0, 0, 0};
  for (int64_t j = 0; j < nf; ++j) {
    bool in = false;
    for (int64_t i = 0; i < nr; ++i) {
      in |= dist(f, j, r, i) < rr[static_cast<size_t>(i)];
      b.density += dist(f, j, r, i) < rd[static_cast<size_t>(i)];
    }
    b.precision += in;
  }
  for (int64_t i = 0; i < nr; ++i) {
    bool rec = false, cov = false;
    for (int64_t j = 0; j < nf; ++j) {
      rec |= dist(r, i, f, j) < fr[static_cast<size_t>(j)];
      cov |= dist(r, i, f, j) < rd[static_cast<size_t>(i)];
    }
    b.recall += rec, b.coverage += cov;
  }
  b.precision /= nf, b.recall /= nr, b.coverage /= nr, b.density /= static_cast<double>(kdc * nf);
  return b;
}

TEST(Manifold, MatchesBruteForce) {
  const Tensor real = randn(150, 6, 5), fake = randn(120, 6, 6, 1.3, 0.4);
  ManifoldOptions mo;
  mo.block_rows = 17;  // several blocks, a ragged last one
  const RealManifold rm = real_manifold(real, mo);
  const ManifoldMetrics m = manifold_metrics(real, rm, fake);
  const Brute b = brute_prdc(real, fake, 3, 5);
  // Exact up to a sample whose distance ties its radius within f32 rounding.
  EXPECT_NEAR(m.precision, b.precision, 1.0 / 120 + 1e-12);
  EXPECT_NEAR(m.recall, b.recall, 1.0 / 150 + 1e-12);
  EXPECT_NEAR(m.density, b.density, 1.0 / (5 * 120) + 1e-12);
  EXPECT_NEAR(m.coverage, b.coverage, 1.0 / 150 + 1e-12);
  // A shifted, wider fake set is measurably imperfect (the test can fail).
  EXPECT_LT(m.precision, 0.95);
  EXPECT_GT(m.precision, 0.2);
}

TEST(Manifold, SameSetIsPerfectAndCopiesAreDuplicates) {
  const Tensor real = randn(200, 4, 7);
  const RealManifold rm = real_manifold(real);
  const ManifoldMetrics same = manifold_metrics(real, rm, real);
  EXPECT_DOUBLE_EQ(same.precision, 1.0);
  EXPECT_DOUBLE_EQ(same.recall, 1.0);
  EXPECT_DOUBLE_EQ(same.coverage, 1.0);
  // Real data's own near-duplicate rate is ~1 % by definition.
  EXPECT_LE(same.near_duplicate_rate, 0.03);
  // A "generator" that emits 10 distinct points 20 times each.
  const Tensor few = ops::cat(std::vector<Tensor>(20, real.narrow0(0, 10)), 0);
  const ManifoldMetrics dup = manifold_metrics(real, rm, few);
  EXPECT_DOUBLE_EQ(dup.near_duplicate_rate, 1.0);
  EXPECT_LT(dup.coverage, 0.3);
}

TEST(KernelDistance, MatchesBruteForceOnTheFullSet) {
  const Tensor x = randn(40, 3, 8), y = randn(30, 3, 9, 1, 0.5);
  const auto xv = x.to_double_vector(), yv = y.to_double_vector();
  auto k = [](const std::vector<double>& a, int64_t i, const std::vector<double>& b, int64_t j) {
    double s = 0;
    for (int64_t q = 0; q < 3; ++q) s += a[static_cast<size_t>(i * 3 + q)] * b[static_cast<size_t>(j * 3 + q)];
    return std::pow(s / 3 + 1, 3);
  };
  double kxx = 0, kyy = 0, kxy = 0;
  for (int64_t i = 0; i < 40; ++i)
    for (int64_t j = 0; j < 40; ++j)
      if (i != j) kxx += k(xv, i, xv, j);
  for (int64_t i = 0; i < 30; ++i)
    for (int64_t j = 0; j < 30; ++j)
      if (i != j) kyy += k(yv, i, yv, j);
  for (int64_t i = 0; i < 40; ++i)
    for (int64_t j = 0; j < 30; ++j) kxy += k(xv, i, yv, j);
  const double want = kxx / (40 * 39) + kyy / (30 * 29) - 2 * kxy / (40 * 30);
  EXPECT_NEAR(mmd2_unbiased_polynomial(x, y), want, 1e-4 * std::abs(want) + 1e-6);
  EXPECT_GT(want, 0.05);  // the shift is visible
}

TEST(KernelDistance, SubsetSizeIsClampedAndSameDistributionIsNearZero) {
  KernelDistanceOptions o;
  o.subsets = 20;
  o.subset_size = 1000;
  const KernelDistance same = kernel_distance(randn(300, 8, 1), randn(250, 8, 2), o);
  EXPECT_EQ(same.subset_size, 250);
  EXPECT_EQ(same.subsets, 20);
  const KernelDistance shifted = kernel_distance(randn(300, 8, 1), randn(250, 8, 2, 1, 0.5), o);
  // Same distribution: zero up to the finite samples' noise; a 0.5 shift: far above it.
  EXPECT_GT(shifted.mean, 10 * std::abs(same.mean) + 0.01) << same.mean << " " << shifted.mean;
  EXPECT_GT(same.std, 0);  // subsets differ
}

TEST(KernelDistance, TooFewSamplesIsAnError) {
  const std::string msg = error_of([&] { kernel_distance(randn(1, 4, 1), randn(10, 4, 2)); });
  EXPECT_NE(msg.find("needs at least 2 samples per set, got n_real = 1"), std::string::npos) << msg;
}

TEST(ClassStats, UniformConfidentAndCollapsed) {
  // 10 classes, one-hot, 5 samples each: score 10, entropy log2 10, all covered.
  std::vector<float> p(50 * 10, 0.f);
  for (int i = 0; i < 50; ++i) p[static_cast<size_t>(i * 10 + i % 10)] = 1.f;
  const Tensor requested = Tensor::from_data({50}, [] {
    std::vector<int64_t> v(50);
    for (int i = 0; i < 50; ++i) v[static_cast<size_t>(i)] = i % 10 == 3 ? 4 : i % 10;  // class 3 asked as 4
    return v;
  }());
  const ClassStats u = class_stats(Tensor::from_data({50, 10}, p), &requested);
  EXPECT_NEAR(u.classifier_score, 10, 1e-9);
  EXPECT_NEAR(u.entropy_bits, std::log2(10.0), 1e-12);
  EXPECT_EQ(u.classes_covered, 10);
  EXPECT_NEAR(u.requested_class_accuracy, 0.9, 1e-12);
  // Every sample the same class: score 1, entropy 0, one class.
  std::vector<float> q(50 * 10, 0.f);
  for (int i = 0; i < 50; ++i) q[static_cast<size_t>(i * 10 + 2)] = 1.f;
  const ClassStats c = class_stats(Tensor::from_data({50, 10}, q));
  EXPECT_NEAR(c.classifier_score, 1, 1e-9);
  EXPECT_EQ(c.entropy_bits, 0);
  EXPECT_EQ(c.classes_covered, 1);
  EXPECT_EQ(c.histogram[2], 50);
  EXPECT_TRUE(std::isnan(c.requested_class_accuracy));
}

TEST(Evaluate, ReportStatesProvenanceAndRefusesSmallFrechet) {
  const RealReference ref = reference_from_features(randn(100, 16, 1), "t10k", "abc123", 7);
  FeatureSet fake;
  fake.features = randn(60, 16, 2);
  EvalOptions o;
  o.seed = 5;
  o.kid_subsets = 3;
  const EvalReport r = evaluate_features(fake, nullptr, ref, o);
  EXPECT_EQ(r.n_real, 100);
  EXPECT_EQ(r.n_fake, 60);
  EXPECT_EQ(r.kernel_distance.subset_size, 60);
  const std::string j = to_json(r, 42);
  EXPECT_EQ(j.rfind("{\"step\":42,\"n_real\":100,\"n_fake\":60,\"split\":\"t10k\",\"extractor_sha256\":\"abc123\",\"seed\":5", 0), 0u) << j;
  EXPECT_NE(j.find("\"reference_seed\":7"), std::string::npos) << j;
  EXPECT_NE(format_table(r).find("n_real 100 (t10k, seed 7), n_fake 60, seed 5"), std::string::npos) << format_table(r);
  EXPECT_EQ(format_line(r).rfind("FCD ", 0), 0u);
  // 16 dims, 60 samples: computed. 10 samples: refused with a note, the rest still measured.
  EXPECT_TRUE(std::isfinite(r.frechet_classifier_distance));
  fake.features = randn(10, 16, 3);
  const EvalReport small = evaluate_features(fake, nullptr, ref, o);
  EXPECT_TRUE(std::isnan(small.frechet_classifier_distance));
  EXPECT_NE(small.frechet_note.find("n_fake = 10"), std::string::npos) << small.frechet_note;
  EXPECT_NE(to_json(small).find("\"frechet_classifier_distance\":null"), std::string::npos);
  EXPECT_TRUE(std::isfinite(small.manifold.precision));
}

TEST(Evaluate, NanFakesAreAnError) {
  const RealReference ref = reference_from_features(randn(50, 4, 1), "t10k", "abc", 0);
  FeatureSet fake;
  fake.features = randn(50, 4, 2) * NAN;
  EXPECT_NE(error_of([&] { evaluate_features(fake, nullptr, ref, {}); }).find("is nan"), std::string::npos);
}

TEST(Corruption, NoiseAndBlurKeepShapeAndRange) {
  Generator g(1);
  const Tensor x = Tensor::rand({2, 1, 12, 12}, g, -1, 1);
  const Tensor n = corrupt_images(x, Corruption::noise, 0.5, g);
  const Tensor b = corrupt_images(x, Corruption::blur, 1.0, g);
  EXPECT_EQ(n.shape(), x.shape());
  EXPECT_EQ(b.shape(), x.shape());
  EXPECT_LE(ops::max(ops::abs(n)).item(), 1.0);
  // A blur of a constant image is the constant (padding renormalized).
  const Tensor c = corrupt_images(Tensor::full({1, 1, 9, 9}, 0.25), Corruption::blur, 2.0, g);
  EXPECT_NEAR(ops::max(ops::abs(c - 0.25)).item(), 0.0, 1e-6);
  // Blur lowers the variance of noise-like images.
  EXPECT_LT(ops::var(b).item(), 0.5 * ops::var(x).item());
}

}  // namespace
}  // namespace gan::models::eval
