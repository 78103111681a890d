// Conditional batch norm (gan/ops/cond_norm.h): batch_norm without affine
// (kernels with double statistics, running-stat update on the tensor's device),
// then the per-sample affine y = xhat * gamma[n, c] + beta[n, c] with gamma and
// beta reshaped to [N, C, 1, ...] and broadcast by mul/add. Every piece is an
// engine op with its own backward, so the composite is differentiable twice.
// Cost: the affine is two elementwise passes (mul, add) over x where a fused
// kernel would take one; fusing is left for when a profile shows it matters.
#include "gan/dispatch.h"
#include "gan/ops.h"

namespace gan::ops {

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
  Shape bshape(static_cast<size_t>(x.dim()), 1);
  bshape[0] = nc[0];
  bshape[1] = nc[1];
  return add(mul(xhat, gamma.reshape(bshape)), beta.reshape(bshape));
}

}  // namespace gan::ops
