// Helpers for engine tests that run an op on CUDA tensors and on the CPU and
// compare: forward values and the gradients of sum(f(inputs) * v) for random v.
// On the sim flavour the CUDA side runs on the SIMT emulator; without a device
// the tests skip with the reason.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "gan/autograd.h"
#include "gan/cuda/runtime.h"
#include "gan/ops.h"

#define GAN_REQUIRE_CUDA_DEVICE()                                                  \
  if (!::gan::cuda::available())                                                   \
  GTEST_SKIP() << "no CUDA device (backend '" << ::gan::cuda::backend_name() << "')"

namespace gan::testing {

inline const Device kCuda = Device::cuda(0);

// max |a - b| / max(1, |b|); any NaN gives infinity.
inline double max_rel_err(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  const auto x = a.to_double_vector(), y = b.to_double_vector();
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) return INFINITY;
    m = std::max(m, std::abs(x[i] - y[i]) / std::max(1.0, std::abs(y[i])));
  }
  return m;
}

struct CompareOptions {
  DType dtype = DType::f32;
  double tol = -1;        // < 0: 2e-6 for f32, 1e-12 for f64
  uint64_t seed = 42;
  double scale = 1.0;     // inputs are randn * scale + shift
  double shift = 0.0;
};

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs f on CPU inputs and on their CUDA copies; compares outputs and the
// gradients of sum(f * v) with respect to every input.
inline void expect_same_on_both(const char* name, const OpFn& f, const std::vector<Shape>& shapes,
                                CompareOptions o = {}) {
  const double tol = o.tol >= 0 ? o.tol : (o.dtype == DType::f32 ? 2e-6 : 1e-12);
  Generator gen(o.seed);
  std::vector<Tensor> cpu, dev;
  for (const Shape& s : shapes) {
    Tensor t = (Tensor::randn(s, gen) * o.scale + o.shift).to(o.dtype);
    t.requires_grad_();
    Tensor d = t.detach().to(kCuda);
    d.requires_grad_();
    cpu.push_back(t);
    dev.push_back(d);
  }
  const Tensor yc = f(cpu), yd = f(dev);
  ASSERT_TRUE(yd.device().is_cuda()) << name;
  EXPECT_LE(max_rel_err(yd, yc), tol) << name << " forward";
  const Tensor v = Tensor::randn(yc.shape(), gen).to(o.dtype);
  ops::sum(yc * v).backward();
  ops::sum(yd * v.to(kCuda)).backward();
  for (size_t i = 0; i < cpu.size(); ++i) {
    ASSERT_TRUE(dev[i].grad().defined()) << name << " input " << i;
    EXPECT_TRUE(dev[i].grad().device().is_cuda());
    EXPECT_LE(max_rel_err(dev[i].grad(), cpu[i].grad()), tol) << name << " gradient of input " << i;
  }
}

}  // namespace gan::testing
