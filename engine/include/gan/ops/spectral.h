// Spectral normalization of a weight (Miyato et al. 2018; torch.nn.utils.spectral_norm).
//
// The family file engine/src/ops/spectral.cpp:
//
// | op                   | forward                                   | backward (u, v constants)                      | 2nd order |
// |----------------------|-------------------------------------------|------------------------------------------------|-----------|
// | spectral_norm_weight | W / sigma, sigma = u^T W v by the power-  | dW = (G - (sum(G*W) / sigma) u v^T) / sigma    | yes       |
// |                      | iteration kernel (spectral_norm.h)        | with sigma = sum(W * u v^T) as engine ops       |           |
#pragma once

#include <cstdint>

#include "gan/tensor.h"

namespace gan::ops {

// w: a weight viewed as the matrix W [rows, cols]:
//   dim 0 (Linear [out, in], Conv2d [out, in, kh, kw]): rows = w.size(0);
//   dim 1 (ConvTranspose2d [in, out, kh, kw]): rows = w.size(1), W = w.transpose(0, 1).reshape(rows, -1),
// as PyTorch's spectral_norm(module, dim=...) does.
// u [rows], v [cols]: the persistent power-iteration vectors (module buffers), same dtype and device as w.
// training: n_iter >= 1 steps v = normalize(W^T u), u = normalize(W v) update u and v IN PLACE (no
//   gradient, not part of the graph), then sigma = u^T W v;
// eval: u and v are read, not updated, and sigma = u^T W v (n_iter is ignored).
// Returns W / sigma with w's shape. The gradient treats u and v as constants (dsigma/dW = u v^T, as in the
// paper and PyTorch), written with engine ops, so it can be differentiated again (gradient penalties).
// If sigma_out is non-null it receives sigma as a detached [] tensor on w's device.
Tensor spectral_norm_weight(const Tensor& w, const Tensor& u, const Tensor& v, int n_iter, bool training,
                            int64_t dim = 0, double eps = 1e-12, Tensor* sigma_out = nullptr);

}  // namespace gan::ops
