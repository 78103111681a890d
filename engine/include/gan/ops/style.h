// StyleGAN / ProGAN ops (engine/src/ops/style.cpp): AdaIN (with fused noise
// injection + leaky-ReLU), noise injection, pixel norm, StyleGAN2 weight
// (de)modulation and modulated conv, minibatch standard deviation.
//
// Every op runs on CPU and CUDA tensors (kernels/*/adain, pixel_norm,
// modulation, minibatch_stddev through GAN_KERNEL), f32 and f64. Backwards: a
// fused first-order kernel during a plain backward; during create_graph the
// same gradient as a composite of engine ops, so every op here is twice
// differentiable (R1 / WGAN-GP through a discriminator's minibatch-stddev and
// pixel-norm layers, path-length regularization through a generator).
// noise_injection is a composite of broadcasting ops (no kernel of its own);
// modulated_conv2d is modulate_weight + grouped conv2d (groups = N), on the
// CPU or the CUDA implicit-GEMM conv.
#pragma once

#include <cstdint>

#include "gan/ops.h"

namespace gan::ops {

// x [N, C, H, W] (or [N, C, ...]); gamma, beta [N, C] (per-sample styles):
// y = gamma * (x - mean) / sqrt(var + eps) + beta, instance statistics over H*W
// (biased variance, PyTorch instance_norm).
Tensor adain(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps = 1e-5);

// StyleGAN's per-layer "noise, activation, AdaIN" fused in one kernel:
//   t = leaky_relu(x + noise_scale[c] * noise[n, 0, h, w], slope),  y = adain(t, gamma, beta)
// noise [N, 1, H, W] (broadcast over channels), noise_scale [C]; slope 1 = no
// activation. Neither x + noise nor the activation is materialized.
Tensor noise_adain(const Tensor& x, const Tensor& noise, const Tensor& noise_scale, const Tensor& gamma,
                   const Tensor& beta, double slope = 0.2, double eps = 1e-5);

// Unfused noise injection: y = x + scale[c] * noise[n, 0, h, w]; x [N, C, H, W],
// noise [N, 1, H, W], scale [C].
Tensor noise_injection(const Tensor& x, const Tensor& noise, const Tensor& scale);

// ProGAN pixel norm over channels: y = x / sqrt(mean_c x^2 + eps), x [N, C, ...].
Tensor pixel_norm(const Tensor& x, double eps = 1e-8);

// StyleGAN2 weight modulation: w [O, I, KH, KW], style [N, I] ->
// [N, O, I, KH, KW] = w * style[n, i], divided by sqrt(sum_{i,kh,kw} (.)^2 + eps)
// per (n, o) when demodulate.
Tensor modulate_weight(const Tensor& w, const Tensor& style, bool demodulate = true, double eps = 1e-8);

// Modulated conv: x [N, I, H, W] convolved per sample with modulate_weight(w,
// style) -> [N, O, H_out, W_out]: one grouped conv2d (groups = N) on x viewed
// as [1, N*I, H, W]. o.groups must be 1 (the grouping is the batch).
Tensor modulated_conv2d(const Tensor& x, const Tensor& w, const Tensor& style, bool demodulate = true,
                        const Conv2dOptions& o = {}, double eps = 1e-8);

// Minibatch standard deviation: x [N, C, H, W] -> [N, C + 1, H, W], the extra
// channel the mean over (C, H, W) of the per-feature std (sqrt(biased var +
// eps)) over a group of G = min(group_size, N) samples; N % G == 0. Sample n
// is in group n % (N / G) (StyleGAN2's x.reshape(G, -1, ...)).
Tensor minibatch_stddev(const Tensor& x, int64_t group_size = 4, double eps = 1e-8);

}  // namespace gan::ops
