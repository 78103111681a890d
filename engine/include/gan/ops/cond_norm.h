// Conditional batch norm (de Vries et al. 2017; projection cGAN, BigGAN): batch
// norm without affine, then a per-sample affine whose gamma/beta come from the
// sample's class (embedding) or conditioning vector (linear projection).
//
// The family file engine/src/ops/cond_norm.cpp composes existing ops (no fused
// kernel): xhat = batch_norm(x, no affine, running stats) then
// y = xhat * gamma[n, c] + beta[n, c] by the broadcasting mul/add kernels.
// Gradients and second order come from those ops (batch_norm's composite
// create_graph backward, mul/add).
//
// | op                     | backward                                          | 2nd order |
// |------------------------|---------------------------------------------------|-----------|
// | conditional_batch_norm | batch_norm (no affine) + broadcast mul/add        | yes       |
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
