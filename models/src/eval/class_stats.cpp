// Classifier score, class histogram, entropy, coverage, requested-class accuracy (class_stats.h).
#include "gan/models/eval/class_stats.h"

#include <cmath>

namespace gan::models::eval {

ClassStats class_stats(const Tensor& probs, const Tensor* requested, double covered_fraction) {
  GAN_CHECK(probs.dim() == 2 && probs.size(0) >= 1, "class_stats: expected probabilities [n, classes], got ",
            shape_str(probs.shape()));
  const int64_t n = probs.size(0), c = probs.size(1);
  const std::vector<double> p = probs.to_double_vector();
  ClassStats s;
  s.histogram.assign(static_cast<size_t>(c), 0);
  std::vector<double> marginal(static_cast<size_t>(c), 0.0);
  std::vector<int64_t> argmax(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;
    for (int64_t k = 0; k < c; ++k) {
      marginal[static_cast<size_t>(k)] += p[static_cast<size_t>(i * c + k)];
      if (p[static_cast<size_t>(i * c + k)] > p[static_cast<size_t>(i * c + best)]) best = k;
    }
    argmax[static_cast<size_t>(i)] = best;
    ++s.histogram[static_cast<size_t>(best)];
  }
  for (double& m : marginal) m /= static_cast<double>(n);
  // E_x KL(p(y|x) || p(y)); 0 log 0 = 0.
  double kl = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < c; ++k) {
      const double q = p[static_cast<size_t>(i * c + k)];
      if (q > 0) kl += q * (std::log(q) - std::log(marginal[static_cast<size_t>(k)]));
    }
  s.classifier_score = std::exp(kl / static_cast<double>(n));
  const double share = static_cast<double>(n) / static_cast<double>(c);
  for (int64_t h : s.histogram) {
    if (h == 0) continue;
    const double f = static_cast<double>(h) / static_cast<double>(n);
    s.entropy_bits -= f * std::log2(f);
    s.classes_covered += static_cast<double>(h) >= covered_fraction * share;
  }
  if (requested != nullptr && requested->defined()) {
    GAN_CHECK(requested->dim() == 1 && requested->size(0) == n, "class_stats: requested labels ",
              shape_str(requested->shape()), " do not match ", n, " samples");
    const std::vector<int64_t> want = requested->to(Device::cpu()).to_vector<int64_t>();
    int64_t ok = 0;
    std::vector<int64_t> hit(static_cast<size_t>(c), 0), asked(static_cast<size_t>(c), 0);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t w = want[static_cast<size_t>(i)];
      GAN_CHECK(w >= 0 && w < c, "class_stats: requested label ", w, " of sample ", i, " is not a class of ", c);
      const bool right = argmax[static_cast<size_t>(i)] == w;
      ok += right;
      hit[static_cast<size_t>(w)] += right;
      ++asked[static_cast<size_t>(w)];
    }
    s.requested_class_accuracy = static_cast<double>(ok) / static_cast<double>(n);
    for (int64_t k = 0; k < c; ++k)
      s.requested_accuracy_per_class.push_back(asked[static_cast<size_t>(k)]
                                                   ? static_cast<double>(hit[static_cast<size_t>(k)]) /
                                                         static_cast<double>(asked[static_cast<size_t>(k)])
                                                   : std::nan(""));
  }
  return s;
}

}  // namespace gan::models::eval
