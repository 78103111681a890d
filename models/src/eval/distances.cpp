// Blocked pairwise distances (distances.h).
#include "gan/models/eval/distances.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "gan/autograd.h"
#include "gan/ops.h"

namespace gan::models::eval {

Tensor squared_distances(const Tensor& a, const Tensor& b) {
  GAN_CHECK(a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(1), "squared_distances: expected [m, d] and [n, d], got ",
            shape_str(a.shape()), " and ", shape_str(b.shape()));
  NoGradGuard ng;
  const Tensor na = ops::sum(ops::square(a), {1}, true);                  // [m, 1]
  const Tensor nb = ops::sum(ops::square(b), {1}, true).reshape({1, -1});  // [1, n]
  const Tensor ab = ops::matmul(a, ops::transpose(b, 0, 1));               // [m, n]
  // Cancellation can leave tiny negatives for (near-)identical points.
  return ops::clamp(na + nb - ab * 2.0, 0.0, std::numeric_limits<double>::infinity());
}

void for_each_distance_block(const Tensor& a, const Tensor& b, const DistanceBlockFn& fn, int64_t block_rows) {
  GAN_CHECK(block_rows >= 1, "for_each_distance_block: block_rows must be >= 1");
  const int64_t m = a.size(0), n = b.size(0);
  for (int64_t r = 0; r < m; r += block_rows) {
    const int64_t rows = std::min(block_rows, m - r);
    const Tensor d2 = squared_distances(a.narrow0(r, rows), b).to(Device::cpu());
    fn(r, d2.data<float>(), rows, n);
  }
}

std::vector<std::vector<double>> knn_radii(const Tensor& x, const std::vector<int64_t>& ks, int64_t block_rows) {
  const int64_t n = x.size(0);
  int64_t kmax = 0;
  for (int64_t k : ks) {
    GAN_CHECK(k >= 1, "knn_radii: k must be >= 1, got ", k);
    kmax = std::max(kmax, k);
  }
  GAN_CHECK(n > kmax, "knn_radii: ", n, " points cannot have a ", kmax, "-th nearest neighbour (need at least ",
            kmax + 1, ")");
  std::vector<std::vector<double>> out(ks.size(), std::vector<double>(static_cast<size_t>(n)));
  std::vector<float> row(static_cast<size_t>(n));
  for_each_distance_block(
      x, x,
      [&](int64_t row0, const float* d2, int64_t rows, int64_t cols) {
        for (int64_t i = 0; i < rows; ++i) {
          std::copy(d2 + i * cols, d2 + (i + 1) * cols, row.begin());
          // The kmax+1 smallest, sorted: index 0 is the point itself (distance 0).
          std::partial_sort(row.begin(), row.begin() + kmax + 1, row.end());
          for (size_t q = 0; q < ks.size(); ++q)
            out[q][static_cast<size_t>(row0 + i)] = std::sqrt(static_cast<double>(row[static_cast<size_t>(ks[q])]));
        }
      },
      block_rows);
  return out;
}

}  // namespace gan::models::eval
