// SelfAttention2d (gan/nn/self_attention.h): 1x1 projections, ops::attention
// over the H*W positions, y = gamma * o + x.
#include "gan/nn/self_attention.h"

#include "gan/autograd.h"
#include "gan/error.h"
#include "gan/nn/spectral_norm.h"
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

SelfAttention2d::SelfAttention2d(int64_t c, Generator& gen, AttentionVariant v, DType dtype, bool sn)
    : Module("SelfAttention2d"), channels(c), variant(v), spectral_norm(sn) {
  GAN_CHECK(c >= 8 && c % 8 == 0, "SelfAttention2d: channels must be a positive multiple of 8 (C/8 key channels), got ",
            c);
  key_channels = c / 8;
  value_channels = v == AttentionVariant::sagan ? c : c / 2;
  const bool bias = v == AttentionVariant::sagan;
  // Every conv is drawn before any wrapper draws its u and v, so the conv
  // weights are the same with and without spectral norm.
  f = conv1x1(c, key_channels, gen, bias, dtype);
  g = conv1x1(c, key_channels, gen, bias, dtype);
  h = conv1x1(c, value_channels, gen, bias, dtype);
  if (v == AttentionVariant::biggan) o = conv1x1(value_channels, c, gen, false, dtype);
  gamma = register_parameter("gamma", Tensor::zeros({1}, Options{dtype}));
  const auto add = [&](const char* name, const std::shared_ptr<Conv2d>& conv) -> ModulePtr {
    if (!conv) return nullptr;
    if (!sn) return register_module(name, conv);
    return register_module(name, nn::spectral_norm(conv, gen));
  };
  f_run_ = add("f", f);
  g_run_ = add("g", g);
  h_run_ = add("h", h);
  o_run_ = add("o", o);
}

Tensor SelfAttention2d::forward(const Tensor& x) {
  GAN_CHECK(x.dim() == 4, "SelfAttention2d: expected input [N, C, H, W], got ", shape_str(x.shape()));
  GAN_CHECK(x.size(1) == channels, "SelfAttention2d: input ", shape_str(x.shape()), " has ", x.size(1),
            " channels, expected ", channels);
  const Tensor q = positions_as_rows(g_run_->forward(x));          // [B, N, C/8]
  const Tensor k = positions_as_rows(f_run_->forward(x));          // [B, N, C/8]
  const Tensor v = positions_as_rows(h_run_->forward(x));          // [B, N, Cv]
  if (keep_attention) {
    NoGradGuard ng;
    last_attention = ops::softmax(ops::matmul(q.detach(), ops::transpose(k.detach(), 1, 2)), -1);  // [B, N, N]
  }
  // On the CPU the BLAS matmuls of the materialized form beat the fused
  // kernel, which is the double-precision oracle (SAGAN at 16x16, B = 64: a
  // 6-step run's CPU time 11.5 s -> 6.5 s); CUDA runs the fused kernel.
  const Tensor o_rows = x.device().is_cpu() ? ops::attention_materialized(q, k, v, 1.0) : ops::attention(q, k, v, 1.0);
  Tensor att = ops::transpose(o_rows, 1, 2)  // [B, Cv, N]
                   .reshape({x.size(0), value_channels, x.size(2), x.size(3)});
  if (o_run_) att = o_run_->forward(att);
  return ops::add(ops::mul(gamma, att), x);
}

}  // namespace gan::nn
