// SelfAttention2d (gan/nn/self_attention.h): 1x1 projections, ops::attention
// over the H*W positions, y = gamma * o + x.
#include "gan/nn/self_attention.h"

#include "gan/error.h"
#include "gan/ops.h"

namespace gan::nn {
namespace {

std::shared_ptr<Conv2d> conv1x1(int64_t in, int64_t out, Generator& gen, bool bias, DType dtype) {
  Conv2dOptions o;
  o.bias = bias;
  o.dtype = dtype;
  return std::make_shared<Conv2d>(in, out, 1, gen, o);
}

// [B, C', H, W] -> [B, H*W, C'] (positions as rows).
Tensor positions_as_rows(const Tensor& t) {
  return ops::transpose(t.reshape({t.size(0), t.size(1), t.size(2) * t.size(3)}), 1, 2);
}

}  // namespace

SelfAttention2d::SelfAttention2d(int64_t c, Generator& gen, AttentionVariant v, DType dtype)
    : Module("SelfAttention2d"), channels(c), variant(v) {
  GAN_CHECK(c >= 8 && c % 8 == 0, "SelfAttention2d: channels must be a positive multiple of 8 (C/8 key channels), got ",
            c);
  key_channels = c / 8;
  value_channels = v == AttentionVariant::sagan ? c : c / 2;
  const bool bias = v == AttentionVariant::sagan;
  f = register_module("f", conv1x1(c, key_channels, gen, bias, dtype));
  g = register_module("g", conv1x1(c, key_channels, gen, bias, dtype));
  h = register_module("h", conv1x1(c, value_channels, gen, bias, dtype));
  if (v == AttentionVariant::biggan) o = register_module("o", conv1x1(value_channels, c, gen, false, dtype));
  gamma = register_parameter("gamma", Tensor::zeros({1}, Options{dtype}));
}

Tensor SelfAttention2d::forward(const Tensor& x) {
  GAN_CHECK(x.dim() == 4, "SelfAttention2d: expected input [N, C, H, W], got ", shape_str(x.shape()));
  GAN_CHECK(x.size(1) == channels, "SelfAttention2d: input ", shape_str(x.shape()), " has ", x.size(1),
            " channels, expected ", channels);
  const Tensor q = positions_as_rows(g->forward(x));               // [B, N, C/8]
  const Tensor k = positions_as_rows(f->forward(x));               // [B, N, C/8]
  const Tensor v = positions_as_rows(h->forward(x));               // [B, N, Cv]
  Tensor att = ops::transpose(ops::attention(q, k, v, 1.0), 1, 2)  // [B, Cv, N]
                   .reshape({x.size(0), value_channels, x.size(2), x.size(3)});
  if (o) att = o->forward(att);
  return ops::add(ops::mul(gamma, att), x);
}

}  // namespace gan::nn
