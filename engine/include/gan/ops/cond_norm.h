// Conditional batch norm (de Vries et al. 2017; projection cGAN, BigGAN): batch
// norm without affine, then a per-sample affine whose gamma/beta come from the
// sample's class (embedding) or conditioning vector (linear projection).
//
// The family file engine/src/ops/cond_norm.cpp: xhat = batch_norm(x, no
// affine, running stats), then y = xhat * gamma[n, c] + beta[n, c] in one pass
// by the per_sample_affine kernel (kernels/cond_norm.h), an internal op whose
// backward is engine ops (dx = the same kernel with gamma, dgamma = sum over
// HW of g * xhat, dbeta = sum over HW of g), so the whole op is twice
// differentiable (batch_norm's composite create_graph backward).
//
// | op                     | backward                                          | 2nd order |
// |------------------------|---------------------------------------------------|-----------|
// | conditional_batch_norm | batch_norm (no affine) + per_sample_affine        | yes       |
#pragma once

#include "gan/tensor.h"

namespace gan::ops {

// x [N, C, ...]; gamma, beta [N, C] (one affine per sample and channel);
// running_mean, running_var [C] or both undefined. Training: batch statistics,
// running statistics (if defined) updated in place as batch_norm does (momentum,
// unbiased variance); eval: running statistics (required).
Tensor conditional_batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                              const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);

}  // namespace gan::ops
