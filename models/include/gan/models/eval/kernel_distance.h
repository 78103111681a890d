// Kernel distance (Bińkowski et al. 2018's KID, on our classifier's features):
// the unbiased estimator of the squared maximum mean discrepancy with the
// polynomial kernel k(x, y) = (x^T y / d + 1)^3, averaged over random subsets.
//
// Per subset of m real X and m fake Y (drawn without replacement):
//   MMD^2_u = sum_{i!=j} k(x_i,x_j) / (m(m-1)) + sum_{i!=j} k(y_i,y_j) / (m(m-1))
//             - 2 sum_{i,j} k(x_i,y_j) / m^2
// The Gram matrices are engine GEMMs (f32, on the features' device); the sums
// are accumulated in f64 on the host. Unbiased: can be slightly negative when
// the sets match. Reported: mean and (population, ddof 0) std over subsets.
#pragma once

#include <cstdint>

#include "gan/tensor.h"

namespace gan::models::eval {

struct KernelDistanceOptions {
  int64_t subsets = 100;
  int64_t subset_size = 1000;  // clamped to min(n_real, n_fake)
  uint64_t seed = 0;           // of the subset draws
};

struct KernelDistance {
  double mean = 0, std = 0;
  int64_t subsets = 0, subset_size = 0;  // as used (subset_size after clamping)
};

// real [n_r, d], fake [n_f, d] on one device. gan::Error if min(n_r, n_f) < 2.
// With subset_size >= both n and subsets = 1 the result is the full-set
// estimator (deterministic: the subset is every sample).
KernelDistance kernel_distance(const Tensor& real, const Tensor& fake, const KernelDistanceOptions& o = {});

// The unbiased MMD^2 of two sets, each used whole (one "subset").
double mmd2_unbiased_polynomial(const Tensor& x, const Tensor& y);

}  // namespace gan::models::eval
