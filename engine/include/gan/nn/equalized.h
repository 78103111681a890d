// Equalized learning rate (Karras et al. 2018, ProGAN §4.1; StyleGAN's lr
// multiplier): a weight is stored as w ~ N(0, 1 / lr_mul²) and used as
// w · (lr_mul / sqrt(fan_in)) at run time. The He scale then sits in the
// forward pass instead of the initialization, so Adam's per-parameter step
// (≈ lr, whatever the gradient's scale) moves every layer's effective weight
// at the same relative rate; lr_mul < 1 (StyleGAN's mapping net, 0.01) slows
// a layer down without a second optimizer. The bias is stored as b / lr_mul
// (initialized to bias_init / lr_mul) and used as b · lr_mul.
//
//   EqualizedLinear  x [.., in] -> [.., out]; weight [out, in], bias [out]
//   EqualizedConv2d  x [N, in, H, W] -> [N, out, H', W']; weight [out, in, k, k],
//                    bias [out]; stride and padding as Conv2d
//
// Gradients flow through ops::mul, so they are exact and second-order
// (WGAN-GP / R1 through an equalized D) for free.
#pragma once

#include <cstdint>

#include "gan/nn/module.h"
#include "gan/random.h"

namespace gan::nn {

class EqualizedLinear : public Module {
 public:
  EqualizedLinear(int64_t in_features, int64_t out_features, Generator& gen, double lr_mul = 1.0,
                  double bias_init = 0.0, bool bias = true, DType dtype = DType::f32);
  Tensor forward(const Tensor& x) override;
  // The weight as the forward pass uses it: weight · lr_mul / sqrt(in).
  Tensor effective_weight() const;

  int64_t in_features, out_features;
  double lr_mul;
  Tensor weight, bias;  // bias undefined when bias = false
};

class EqualizedConv2d : public Module {
 public:
  EqualizedConv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Generator& gen,
                  int64_t stride = 1, int64_t padding = 0, bool bias = true, DType dtype = DType::f32);
  Tensor forward(const Tensor& x) override;
  Tensor effective_weight() const;  // weight / sqrt(in · k · k)

  int64_t in_channels, out_channels, kernel_size, stride, padding;
  Tensor weight, bias;
};

}  // namespace gan::nn
