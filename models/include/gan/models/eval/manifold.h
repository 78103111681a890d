// k-NN manifold metrics on feature sets.
//
// Improved precision / recall (Kynkäänniemi et al. 2019, k = 3): each set's
// manifold is the union of balls around its points with radius = distance to
// the point's k-th nearest neighbour in the same set.
//   precision = fraction of fakes inside the real manifold
//   recall    = fraction of reals inside the fake manifold
// Density / coverage (Naeem et al. 2020, k = 5), on the real balls only:
//   density  = (1 / (k M)) sum_j #{i : |y_j - x_i| < r_i}   (can exceed 1)
//   coverage = fraction of reals whose ball holds at least one fake
// "Inside" is a strict `<` as in Naeem et al.'s reference code (prdc).
//
// Near-duplicate rate (ours, documented here because no paper fixes it): the
// fraction of fakes whose nearest *other* fake is closer than t, where t is the
// 1st percentile of the reals' nearest-neighbour distances (real-real, same
// features). Real data then scores about 1 % by construction (at equal n);
// a collapsing generator that emits copies scores far above it. Compare it at
// equal n_real and n_fake: NN distances shrink as n grows.
#pragma once

#include <cstdint>
#include <vector>

#include "gan/tensor.h"

namespace gan::models::eval {

struct ManifoldOptions {
  int64_t k_precision_recall = 3;
  int64_t k_density_coverage = 5;
  int64_t block_rows = 1024;
};

// What the real side needs, computed once (RealReference keeps it).
struct RealManifold {
  std::vector<double> radius_pr;  // k_precision_recall-th NN distance of each real
  std::vector<double> radius_dc;  // k_density_coverage-th NN distance of each real
  double nn_percentile_1 = 0;     // 1st percentile of real NN (k = 1) distances
  ManifoldOptions options;
};
RealManifold real_manifold(const Tensor& real, const ManifoldOptions& o = {});

struct ManifoldMetrics {
  double precision = 0, recall = 0, density = 0, coverage = 0;
  double near_duplicate_rate = 0;
  double near_duplicate_threshold = 0;  // the distance t used
};
// real [n_r, d] with its RealManifold, fake [n_f, d] (same device).
ManifoldMetrics manifold_metrics(const Tensor& real, const RealManifold& rm, const Tensor& fake);

// Linear-interpolation percentile (numpy's default), p in [0, 100].
double percentile(std::vector<double> v, double p);

}  // namespace gan::models::eval
