// SelfAttention2d: the self-attention block of SAGAN (Zhang et al. 2019) and
// BigGAN (Brock et al. 2019) over the H*W positions of a feature map.
//
// x [B, C, H, W], N = H*W. 1x1 convolutions
//   f = W_f x  [B, C/8, N]   (keys)      g = W_g x  [B, C/8, N]   (queries)
//   h = W_h x  [B, Cv, N]    (values; Cv = C for SAGAN, C/2 for BigGAN)
// and, as in the paper, s[i, j] = f_i . g_j (no 1/sqrt(d) scaling),
//   beta[j, i] = softmax over i of s[i, j]   (for each output position j),
//   o_j = sum_i beta[j, i] h_i,
// which is ops::attention(q = g^T, k = f^T, v = h^T) with scale 1: the same
// axis as the reference implementations (SAGAN-pytorch: energy =
// bmm(query^T, key), softmax(dim = -1), out = bmm(value, attention^T)).
// BigGAN then maps o back to C channels with a 1x1 W_o. Output:
//   y = gamma * o + x,   gamma a learned scalar initialized to 0.
//
// Parameters (state_dict names): f.weight, g.weight, h.weight (+ .bias for
// SAGAN, whose reference convs have biases), o.weight (BigGAN, no biases, as
// BigGAN's SNConv2d(bias=False)), gamma [1]. The convolutions are plain Conv2d
// members so a spectral-norm parametrization can wrap them later.
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
                  DType dtype = DType::f32);
  Tensor forward(const Tensor& x) override;

  int64_t channels, key_channels, value_channels;
  AttentionVariant variant;
  std::shared_ptr<Conv2d> f, g, h, o;  // o is null for SAGAN
  Tensor gamma;                        // [1], starts at 0: the block begins as the identity
};

}  // namespace gan::nn
