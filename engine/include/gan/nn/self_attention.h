// SelfAttention2d: the self-attention block of SAGAN (Zhang et al. 2019) and
// BigGAN (Brock et al. 2019) over the H*W positions of a feature map.
//
// x [B, C, H, W], N = H*W. 1x1 convolutions
//   f = W_f x  [B, C/8, N]   (keys)      g = W_g x  [B, C/8, N]   (queries)
//   h = W_h x  [B, Cv, N]    (values; Cv = C for SAGAN, C/2 for BigGAN)
// and, as in the paper, s[i, j] = f_i . g_j (no 1/sqrt(d) scaling),
//   beta[j, i] = softmax over i of s[i, j]   (for each output position j),
//   o_j = sum_i beta[j, i] h_i,
// which is ops::attention(q = g^T, k = f^T, v = h^T) with scale 1 (on CPU
// tensors ops::attention_materialized, the same result by BLAS matmuls: the
// fused CPU kernel is the double-precision oracle and slower): the same
// axis as the reference implementations (SAGAN-pytorch: energy =
// bmm(query^T, key), softmax(dim = -1), out = bmm(value, attention^T)).
// BigGAN then maps o back to C channels with a 1x1 W_o. Output:
//   y = gamma * o + x,   gamma a learned scalar initialized to 0.
//
// Parameters (state_dict names): f.weight, g.weight, h.weight (+ .bias for
// SAGAN, whose reference convs have biases), o.weight (BigGAN, no biases, as
// BigGAN's SNConv2d(bias=False)), gamma [1].
//
// spectral_norm = true (SAGAN and BigGAN put spectral norm on every conv, the
// attention's 1x1 convs included): each conv is wrapped in nn::SpectralNorm
// (one power iteration per training forward, persistent u and v), so the
// names become f.weight_orig, f.bias, f.weight_u, f.weight_v, ... as PyTorch's
// spectral_norm(conv) gives. The default (false) is the plain block above.
//
// keep_attention = true makes forward also store the attention weights
// beta [B, N, N] (row j: query position j's softmax over the N key positions,
// positions row-major over H x W) in last_attention, detached — what an
// attention-map picture draws. It costs one materialized [B, N, N] product.
// Not done: BigGAN's 2x2 max-pooling of the keys and values (M = N/4).
#pragma once

#include <cstdint>
#include <memory>

#include "gan/nn/layers.h"
#include "gan/nn/module.h"
#include "gan/random.h"

namespace gan::nn {

enum class AttentionVariant { sagan, biggan };

class SelfAttention2d : public Module {
 public:
  // channels must be divisible by 8 (C/8 query/key channels).
  SelfAttention2d(int64_t channels, Generator& gen, AttentionVariant variant = AttentionVariant::sagan,
                  DType dtype = DType::f32, bool spectral_norm = false);
  Tensor forward(const Tensor& x) override;

  int64_t channels, key_channels, value_channels;
  AttentionVariant variant;
  bool spectral_norm;
  // The 1x1 convs (o is null for SAGAN). With spectral_norm their `weight` is
  // recomputed as weight_orig / sigma by the wrapper at every forward.
  std::shared_ptr<Conv2d> f, g, h, o;
  Tensor gamma;                        // [1], starts at 0: the block begins as the identity
  bool keep_attention = false;
  Tensor last_attention;               // [B, N, N] of the last forward when keep_attention

 private:
  ModulePtr f_run_, g_run_, h_run_, o_run_;  // what forward calls: the conv, or its SpectralNorm wrapper
};

}  // namespace gan::nn
