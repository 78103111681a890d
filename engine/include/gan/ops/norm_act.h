// Fused batch norm + activation (issue #4): a DCGAN `BatchNorm -> ReLU /
// LeakyReLU(slope)` layer as one forward kernel that writes y once
// (kernels/norm.h, BatchNormParams::act), CPU or CUDA by x's device.
//
// The family file engine/src/ops/norm_act.cpp; the shared body is
// norm_internal::batch_norm_fused in engine/src/ops/norm.cpp (batch_norm is its
// identity case).
//
// | op             | backward                                               | 2nd order |
// |----------------|--------------------------------------------------------|-----------|
// | batch_norm_act | g' = g * act'(y) (sign of saved y), then batch_norm's  | yes       |
// |                | backward of g' (kernel / composite under create_graph) |           |
#pragma once

#include "gan/kernels/norm.h"
#include "gan/tensor.h"

namespace gan::ops {

using kernels::NormActivation;

// act(batch_norm(x, ...)) with act = identity, relu or leaky_relu(slope).
// x [N, C, ...]; gamma/beta [C] or undefined; running_mean/var [C] updated in
// place when training (as batch_norm). leaky_relu needs slope > 0 (act' is read
// off the sign of y, which loses the sign of the input for slope <= 0).
Tensor batch_norm_act(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                      const Tensor& running_var, bool training, NormActivation act, double slope = 0.2,
                      double momentum = 0.1, double eps = 1e-5);

namespace norm_internal {
// Shared body of batch_norm and batch_norm_act (norm.cpp); op names errors and the graph node.
Tensor batch_norm_fused(const char* op, const Tensor& x, const Tensor& gamma, const Tensor& beta,
                        const Tensor& running_mean, const Tensor& running_var, bool training,
                        NormActivation act, double slope, double momentum, double eps);
}  // namespace norm_internal

}  // namespace gan::ops
