// Gradient checks against central finite differences, in f64 on the CPU.
//
// gradcheck: for f(inputs) -> y, compares d<y, v>/d(inputs) from autograd with
// central differences of <f(inputs), v> (v random, fixed seed), element by element.
// gradgradcheck: for the scalar h(inputs) = sum_j <d<y,v>/d(input_j), w_j> built
// with create_graph, compares autograd's dh/d(inputs) with central differences of
// h (each evaluation of h runs the first-order backward), i.e. checks the
// backward of the backward, which is what WGAN-GP and R1 differentiate.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "gan/tensor.h"

namespace gan {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  uint64_t seed = 1234;
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0;    // over all compared elements
  double max_rel_error = 0;    // |a - n| / max(|n|, 1e-3): readable only beside max_abs_error
  int64_t checked = 0;         // elements compared
  std::string first_failure;   // "input 1 element 7: analytical 0.5 numerical 0.25"
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

// inputs: f64 CPU tensors; those with requires_grad are checked.
GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, GradcheckOptions opt = {});
GradcheckResult gradgradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, GradcheckOptions opt = {});

}  // namespace gan
