// The gradient-check table: one row per op (or op configuration), checked
// first order against finite differences in f64, and second order where the
// row says a gradient penalty can pass through it. Each family's test file
// defines its rows with GAN_GRADCHECK_ROWS and the table test runs them all.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "gan/autograd.h"
#include "gan/gradcheck.h"
#include "gan/ops.h"
#include "gan/random.h"

namespace gan::testing {

struct GradcheckRow {
  std::string name;              // "conv2d stride 2 pad 1 groups 2"
  std::function<std::vector<Tensor>(Generator&)> make_inputs;  // f64 leaves (requires_grad set)
  GradcheckFn f;
  bool second_order = false;     // gradgradcheck too
  GradcheckOptions opt = {};
};

// Registry filled at static-initialization time by each family file.
std::vector<GradcheckRow>& gradcheck_rows();
struct RegisterRows {
  explicit RegisterRows(std::vector<GradcheckRow> rows) {
    for (auto& r : rows) gradcheck_rows().push_back(std::move(r));
  }
};

// f64 leaf with standard-normal entries (scaled), requiring grad.
inline Tensor rand_leaf(Generator& g, const Shape& s, double scale = 1.0, double shift = 0.0) {
  Tensor t = Tensor::randn(s, g, {DType::f64});
  {
    NoGradGuard ng;
    t = ops::add(ops::mul(t, scale), shift);
  }
  t = t.detach();
  t.requires_grad_();
  return t;
}
// Positive entries in [lo, hi) (for log, sqrt, pow, div denominators).
inline Tensor pos_leaf(Generator& g, const Shape& s, double lo = 0.5, double hi = 2.0) {
  Tensor t = Tensor::rand(s, g, lo, hi, {DType::f64});
  t.requires_grad_();
  return t;
}

}  // namespace gan::testing
