// Conditional batch norm (gan/ops/cond_norm.h): batch_norm without affine
// (kernels with double statistics, running-stat update on the tensor's device),
// then the per-sample affine y = xhat * gamma[n, c] + beta[n, c] in one pass
// (the per_sample_affine kernel, kernels/cond_norm.h) instead of a broadcast
// mul and add (two passes).
//
// | op (internal)     | backward                                                        | 2nd order |
// |-------------------|-----------------------------------------------------------------|-----------|
// | per_sample_affine | dx = per_sample_affine(g, gamma, none), dgamma = sum_HW(g * x), | yes       |
// |                   | dbeta = sum_HW(g)  (engine ops)                                 |           |
#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/cond_norm.h"
#include "gan/ops.h"

namespace gan::ops {

namespace {

// y = x * gamma[n, c] + beta[n, c] over x [N, C, ...]; gamma [N, C]; beta [N, C] or undefined.
// Shapes, dtypes and devices are checked by the caller.
Tensor per_sample_affine(const Tensor& x, const Tensor& gamma, const Tensor& beta) {
  kernels::PerSampleAffineParams p;
  p.n = x.size(0);
  p.c = x.size(1);
  p.hw = p.n * p.c > 0 ? x.numel() / (p.n * p.c) : 0;
  Tensor y = empty_like(x);
  dispatch_float_device("per_sample_affine", x, [&]<class T>() {
    GAN_KERNEL(x, per_sample_affine<T>)(p, x.data<T>(), gamma.data<T>(), beta.defined() ? beta.data<T>() : nullptr,
                                        y.data<T>(), stream_of(x));
  });
  autograd::record(y, "per_sample_affine", {x, gamma, beta}, [x, gamma, beta](const Tensor& g) {
    std::vector<int64_t> spatial;  // the dims after [N, C]
    for (int64_t d = 2; d < x.dim(); ++d) spatial.push_back(d);
    auto sum_spatial = [&](const Tensor& t) { return spatial.empty() ? t : sum(t, spatial); };
    Tensor dx, dgamma, dbeta;
    if (x.requires_grad()) dx = per_sample_affine(g, gamma, {});
    if (gamma.requires_grad()) dgamma = sum_spatial(mul(g, x));
    if (beta.defined() && beta.requires_grad()) dbeta = sum_spatial(g);
    return std::vector<Tensor>{dx, dgamma, dbeta};
  });
  return y;
}

}  // namespace

Tensor conditional_batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                              const Tensor& running_var, bool training, double momentum, double eps) {
  const char* op = "conditional_batch_norm";
  check_float(op, x);
  GAN_CHECK(x.dim() >= 2, op, ": expected input [N, C, ...], got ", shape_str(x.shape()));
  check_defined(op, "gamma", gamma);
  check_defined(op, "beta", beta);
  const Shape nc{x.size(0), x.size(1)};
  for (const Tensor* t : {&gamma, &beta}) {
    check_same_device(op, x, *t);
    check_same_dtype(op, x, *t);
  }
  GAN_CHECK(gamma.shape() == nc, op, ": gamma has shape ", shape_str(gamma.shape()), ", expected ", shape_str(nc),
            " (one value per sample and channel) for input ", shape_str(x.shape()));
  GAN_CHECK(beta.shape() == nc, op, ": beta has shape ", shape_str(beta.shape()), ", expected ", shape_str(nc),
            " (one value per sample and channel) for input ", shape_str(x.shape()));
  GAN_CHECK(running_mean.defined() == running_var.defined(), op,
            ": running_mean and running_var must both be defined or both undefined");
  GAN_CHECK(training || running_mean.defined(), op, ": eval mode needs running_mean and running_var for input ",
            shape_str(x.shape()));
  for (const Tensor* t : {&running_mean, &running_var}) {
    if (!t->defined()) continue;
    check_same_device(op, x, *t);
    check_same_dtype(op, x, *t);
    GAN_CHECK(t->shape() == Shape{nc[1]}, op, ": running statistics have shape ", shape_str(t->shape()),
              ", expected [", nc[1], "] for input ", shape_str(x.shape()));
  }
  // batch_norm updates the running statistics (training) or uses them (eval).
  const Tensor xhat = batch_norm(x, {}, {}, running_mean, running_var, training, momentum, eps);
  return per_sample_affine(xhat, gamma, beta);
}

}  // namespace gan::ops
