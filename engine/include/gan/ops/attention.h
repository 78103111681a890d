// Attention over positions (issue #5): the engine op behind SelfAttention2d.
//
// | op                     | backward                                              | 2nd order |
// |------------------------|-------------------------------------------------------|-----------|
// | attention              | attention_bprop kernel (grad mode off) / composite    | yes       |
// | attention_materialized | composite of matmul / softmax / transpose (autograd)  | yes       |
//
// attention runs the fused kernel (CUDA: online softmax, the [N, M] matrix
// never in global memory; CPU: the reference) and saves o and the row
// logsumexp. Its backward has two paths, as the normalizations do: during a
// plain backward the recomputing attention_bprop kernel; during create_graph
// (grad mode on inside the backward: R1 / WGAN-GP through a SAGAN
// discriminator) the same gradient written with engine ops, materializing
//   P = softmax(scale q k^T), dv = P^T g, dP = g v^T,
//   dS = P * (dP - rowsum(dP * P)), dq = scale dS k, dk = scale dS^T q,
// so the gradient is itself differentiable.
#pragma once

#include "gan/tensor.h"

namespace gan::ops {

// q [B, N, d], k [B, M, d], v [B, M, dv] -> o [B, N, dv],
// o[b, n] = sum_m softmax_m(scale * q[b, n] . k[b, m]) v[b, m]. M >= 1 when N > 0.
// On CUDA tensors with d or dv > 256 (beyond the fused kernels) it runs
// attention_materialized instead.
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, double scale = 1.0);

// The same result from engine ops (scores [B, N, M] materialized): the
// reference path and the fallback.
Tensor attention_materialized(const Tensor& q, const Tensor& k, const Tensor& v, double scale = 1.0);

}  // namespace gan::ops
