// Precision / recall, density / coverage and near-duplicates (manifold.h).
#include "gan/models/eval/manifold.h"

#include <algorithm>
#include <cmath>

#include "gan/models/eval/distances.h"

namespace gan::models::eval {

double percentile(std::vector<double> v, double p) {
  GAN_CHECK(!v.empty() && p >= 0 && p <= 100, "percentile: empty input or p = ", p, " outside [0, 100]");
  std::sort(v.begin(), v.end());
  const double pos = p / 100.0 * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos)), hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

RealManifold real_manifold(const Tensor& real, const ManifoldOptions& o) {
  RealManifold rm;
  rm.options = o;
  auto r = knn_radii(real, {o.k_precision_recall, o.k_density_coverage, 1}, o.block_rows);
  rm.radius_pr = std::move(r[0]);
  rm.radius_dc = std::move(r[1]);
  rm.nn_percentile_1 = percentile(r[2], 1.0);
  return rm;
}

ManifoldMetrics manifold_metrics(const Tensor& real, const RealManifold& rm, const Tensor& fake) {
  const ManifoldOptions& o = rm.options;
  const int64_t nr = real.size(0), nf = fake.size(0);
  GAN_CHECK(static_cast<int64_t>(rm.radius_pr.size()) == nr, "manifold_metrics: the RealManifold has ",
            rm.radius_pr.size(), " radii for ", nr, " real samples");
  GAN_CHECK(nf > o.k_precision_recall, "manifold_metrics: ", nf, " fake samples cannot have a ", o.k_precision_recall,
            "-th nearest neighbour");
  // Fake-fake: recall radii and each fake's nearest other fake.
  const auto ff = knn_radii(fake, {o.k_precision_recall, 1}, o.block_rows);
  const std::vector<double>& fake_radius = ff[0];
  ManifoldMetrics m;
  m.near_duplicate_threshold = rm.nn_percentile_1;
  int64_t dup = 0;
  for (double d : ff[1]) dup += d < rm.nn_percentile_1;
  m.near_duplicate_rate = static_cast<double>(dup) / static_cast<double>(nf);

  // Squared radii: the blocks hold squared distances.
  auto squares = [](const std::vector<double>& r) {
    std::vector<double> s(r.size());
    for (size_t i = 0; i < r.size(); ++i) s[i] = r[i] * r[i];
    return s;
  };
  const std::vector<double> rpr2 = squares(rm.radius_pr), rdc2 = squares(rm.radius_dc), fr2 = squares(fake_radius);
  std::vector<char> real_covered(static_cast<size_t>(nr), 0), real_recalled(static_cast<size_t>(nr), 0);
  int64_t precise = 0, density_count = 0;
  // Rows: fakes; columns: reals. d2[j, i] = |y_j - x_i|^2.
  for_each_distance_block(
      fake, real,
      [&](int64_t row0, const float* d2, int64_t rows, int64_t n) {
        for (int64_t jj = 0; jj < rows; ++jj) {
          const float* row = d2 + jj * n;
          const double fj = fr2[static_cast<size_t>(row0 + jj)];
          bool in_real = false;
          for (int64_t i = 0; i < n; ++i) {
            const double d = row[i];
            if (d < rpr2[static_cast<size_t>(i)]) in_real = true;
            if (d < rdc2[static_cast<size_t>(i)]) {
              ++density_count;
              real_covered[static_cast<size_t>(i)] = 1;
            }
            if (d < fj) real_recalled[static_cast<size_t>(i)] = 1;
          }
          precise += in_real;
        }
      },
      o.block_rows);
  int64_t covered = 0, recalled = 0;
  for (int64_t i = 0; i < nr; ++i) {
    covered += real_covered[static_cast<size_t>(i)];
    recalled += real_recalled[static_cast<size_t>(i)];
  }
  m.precision = static_cast<double>(precise) / static_cast<double>(nf);
  m.recall = static_cast<double>(recalled) / static_cast<double>(nr);
  m.density = static_cast<double>(density_count) / (static_cast<double>(o.k_density_coverage) * static_cast<double>(nf));
  m.coverage = static_cast<double>(covered) / static_cast<double>(nr);
  return m;
}

}  // namespace gan::models::eval
