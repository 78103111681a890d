// Helpers shared by the trainer and system tests: labelled synthetic images
// and an element-wise comparison of two backends' parameters.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <memory>
#include <vector>

#include "gan/error.h"
#include "gan/models/data.h"
#include "gan/nn/module.h"

namespace gan::models::testing {

// Module type name -> count, over a net's tree.
inline std::map<std::string, int> type_counts(nn::Module& m) {
  std::map<std::string, int> n;
  for (const auto& [name, c] : m.named_modules()) ++n[c->type_name()];
  return n;
}

// n smooth size x size images in (-1, 1), image i of class i % k (its
// pattern's frequency depends on the class, so the classes are learnable).
inline std::shared_ptr<const Dataset> labelled_images(int64_t n, int64_t k = 10, int64_t size = 28) {
  auto d = std::make_shared<Dataset>();
  std::vector<float> px(static_cast<size_t>(n * size * size));
  std::vector<int64_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    y[static_cast<size_t>(i)] = i % k;
    for (int64_t r = 0; r < size; ++r)
      for (int64_t c = 0; c < size; ++c)
        px[static_cast<size_t>((i * size + r) * size + c)] =
            static_cast<float>(std::sin(0.2 * c * (1 + i % k) + 0.3 * r + 0.1 * (i / k)) * 0.9);
  }
  d->images = Tensor::from_data({n, 1, size, size}, px);
  d->labels = Tensor::from_data({n}, y);
  d->num_classes = k;
  d->source = "synthetic";
  return d;
}

// What f throws as a gan::Error, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

struct ParamDiff {
  double max_abs = 0;       // over all elements
  double sum_abs = 0;
  int64_t over_floor = 0;   // elements differing by more than 1e-5
  int64_t total = 0;
};

inline void compare_params(ParamDiff& d, const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const std::vector<double> x = a[i].detach().to(Device::cpu()).to_double_vector();
    const std::vector<double> y = b[i].detach().to(Device::cpu()).to_double_vector();
    ASSERT_EQ(x.size(), y.size());
    for (size_t j = 0; j < x.size(); ++j) {
      const double e = std::abs(x[j] - y[j]);
      ASSERT_FALSE(std::isnan(e)) << "parameter " << i << " element " << j << " is NaN on one backend";
      d.max_abs = std::max(d.max_abs, e);
      d.sum_abs += e;
      d.over_floor += e > 1e-5;
      ++d.total;
    }
  }
}

}  // namespace gan::models::testing
