// batch_norm_act: batch norm with the output activation fused into the forward
// kernel (gan/ops/norm_act.h). Checks the activation arguments here; shapes,
// dtypes and devices are checked by the shared body (norm.cpp) under this op's name.
#include <string>

#include "gan/ops.h"
#include "gan/ops/norm_act.h"

namespace gan::ops {

Tensor batch_norm_act(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                      const Tensor& running_var, bool training, NormActivation act, double slope, double momentum,
                      double eps) {
  const char* op = "batch_norm_act";
  GAN_CHECK(act == NormActivation::identity || act == NormActivation::relu || act == NormActivation::leaky_relu,
            op, ": unknown activation ", static_cast<int>(act), " for input ", shape_str(x.shape()));
  GAN_CHECK(act != NormActivation::leaky_relu || slope > 0, op,
            ": leaky_relu needs slope > 0 (the backward reads act' off the sign of y), got ", slope,
            " for input ", shape_str(x.shape()));
  return norm_internal::batch_norm_fused(op, x, gamma, beta, running_mean, running_var, training, act, slope, momentum,
                                  eps);
}

}  // namespace gan::ops
