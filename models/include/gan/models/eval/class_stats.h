// What the classifier's softmax says about a set of samples.
//
//   classifier score = exp(E_x KL(p(y|x) || p(y))), p(y) = mean_x p(y|x): the
//     Inception-score analogue on our classifier; 1 (every sample alike or
//     every sample ambiguous) .. number of classes (confident and balanced).
//     Computed over the whole set (no 10-split average).
//   class histogram of argmax p(y|x); its entropy in bits (log2(classes) when
//     uniform); classes covered = classes holding at least `covered_fraction`
//     of their uniform share (default 0.1, i.e. >= 1 % of the samples with 10
//     classes), so a handful of stray samples does not count as coverage;
//   requested-class accuracy (conditional generators): fraction of samples whose
//     argmax equals the class they were generated for.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "gan/tensor.h"

namespace gan::models::eval {

struct ClassStats {
  std::vector<int64_t> histogram;  // [classes]
  double entropy_bits = 0;
  int64_t classes_covered = 0;
  double classifier_score = 0;
  double requested_class_accuracy = std::numeric_limits<double>::quiet_NaN();  // NaN: not conditional
  std::vector<double> requested_accuracy_per_class;  // [classes]: accuracy among samples requested as k (NaN: none)
};

// probs [n, classes] (rows sum to 1, any device); requested [n] i64 or null.
ClassStats class_stats(const Tensor& probs, const Tensor* requested = nullptr, double covered_fraction = 0.1);

}  // namespace gan::models::eval
