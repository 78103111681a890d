// Data-copying test (memorization.h): nearest-neighbour distances of each
// generated sample to the training and the held-out features.
#include "gan/models/eval/memorization.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "gan/error.h"
#include "gan/models/eval/distances.h"
#include "gan/models/eval/manifold.h"
#include "gan/tensor.h"

namespace gan::models::eval {
namespace {

// Distance from each row of a to its nearest row of b.
std::vector<double> nearest(const Tensor& a, const Tensor& b) {
  std::vector<double> nn(static_cast<size_t>(a.size(0)));
  for_each_distance_block(a, b, [&](int64_t row0, const float* d2, int64_t rows, int64_t n) {
    for (int64_t i = 0; i < rows; ++i) {
      const float* r = d2 + i * n;
      nn[static_cast<size_t>(row0 + i)] = std::sqrt(static_cast<double>(*std::min_element(r, r + n)));
    }
  });
  return nn;
}

}  // namespace

MemorizationReport memorization(const Tensor& fake, const Tensor& train, const Tensor& heldout) {
  GAN_CHECK(fake.dim() == 2 && train.dim() == 2 && heldout.dim() == 2 && fake.size(1) == train.size(1) &&
                train.size(1) == heldout.size(1),
            "memorization: expected features [n, d] with one d, got fake ", shape_str(fake.shape()), ", train ",
            shape_str(train.shape()), ", held-out ", shape_str(heldout.shape()));
  GAN_CHECK(train.size(0) == heldout.size(0),
            "memorization: the training and held-out sets must be the same size (a nearest-neighbour distance "
            "shrinks as its set grows), got train ",
            shape_str(train.shape()), " and held-out ", shape_str(heldout.shape()));
  GAN_CHECK(fake.size(0) > 0 && train.size(0) > 0, "memorization: empty set: fake ", shape_str(fake.shape()),
            ", train ", shape_str(train.shape()));
  const std::vector<double> dt = nearest(fake, train), dh = nearest(fake, heldout);
  MemorizationReport r;
  r.n_fake = fake.size(0);
  r.n_train = train.size(0);
  r.n_heldout = heldout.size(0);
  double closer = 0;
  std::vector<double> ratio(dt.size());
  for (size_t i = 0; i < dt.size(); ++i) {
    closer += dt[i] < dh[i] ? 1.0 : dt[i] == dh[i] ? 0.5 : 0.0;
    // On a held-out point: the largest ratio (finite, so the median interpolates);
    // on a point of both sets: no preference.
    ratio[i] = dh[i] > 0 ? dt[i] / dh[i] : dt[i] > 0 ? std::numeric_limits<double>::max() : 1.0;
  }
  r.closer_to_train = closer / static_cast<double>(dt.size());
  r.median_nn_ratio = percentile(ratio, 50);
  r.median_nn_train = percentile(dt, 50);
  r.median_nn_heldout = percentile(dh, 50);
  return r;
}

}  // namespace gan::models::eval
