// Exponential moving average of weights (the EMA generator of GAN training):
//   ema[i] <- beta * ema[i] + (1 - beta) * params[i]   for every i,
// computed as torch.lerp(params[i], ema[i], beta) (StudioGAN's
// p_ema.copy_(p.lerp(p_ema, beta))): w = beta rounded to the dtype,
// diff = ema - param, w < 0.5 ? param + w * diff : ema - diff * (1 - w), each
// operation rounded to the dtype (kernels::cpu/cuda::ema_update_multi), so
// beta = 1 keeps ema and beta = 0 copies params exactly.
//
// Tensors are grouped by (dtype, device); each group is one multi-tensor kernel
// launch on CUDA (one pass per tensor on the CPU). Runs under no_grad and bumps
// each ema tensor's version. Errors (gan::Error) name the pair index and both
// shapes/dtypes/devices, and are raised before any tensor is changed.
#pragma once

#include <vector>

#include "gan/tensor.h"

namespace gan::optim {

void ema_update(const std::vector<Tensor>& ema, const std::vector<Tensor>& params, double beta);

}  // namespace gan::optim
