// Links against the installed gan package and differentiates a tiny expression.
#include <cmath>
#include <cstdio>

#include "gan/autograd.h"
#include "gan/build_info.h"
#include "gan/ops.h"

int main() {
  gan::Tensor x = gan::Tensor::from_data({3}, std::vector<double>{1, 2, 3}, {gan::DType::f64});
  x.requires_grad_();
  gan::Tensor y = gan::ops::sum(gan::ops::tanh(x) * x);
  y.backward();
  const auto g = x.grad().to_vector<double>();
  // d/dx (x tanh x) = tanh x + x (1 - tanh^2 x)
  for (int i = 0; i < 3; ++i) {
    const double v = i + 1.0, t = std::tanh(v);
    if (std::abs(g[i] - (t + v * (1 - t * t))) > 1e-12) {
      std::printf("consumer: wrong gradient %d: %g\n", i, g[i]);
      return 1;
    }
  }
  std::printf("consumer: gan %s (%s) linked and differentiated correctly\n", gan::build_info().version.c_str(),
              gan::build_info().flavour.c_str());
  return 0;
}
