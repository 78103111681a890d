// StyleGAN / ProGAN layers over gan/ops/style.h.
//
//   AdaIN            x [N, C, H, W], w [N, w_dim]: (gamma, beta) = style(w) with
//                    gamma = 1 + s[:, :C], beta = s[:, C:] (StyleGAN's ApplyStyle,
//                    so a zero-initialized style is the identity affine);
//                    y = adain(x, gamma, beta). style: Linear(w_dim, 2C), PyTorch init.
//   NoiseInjection   y = x + weight[c] * noise[n, 0, h, w]; weight [C] zero-initialized
//                    (StyleGAN), noise given or drawn N(0, 1) from a Generator.
//   PixelNorm        y = x / sqrt(mean_c x^2 + eps).
//   MinibatchStdDev  x [N, C, H, W] -> [N, C + 1, H, W] (group_size, eps).
//   ModulatedConv2d  StyleGAN2: weight [out, in, k, k] ~ N(0, 1) scaled by
//                    1/sqrt(in*k*k) at run time (equalized learning rate),
//                    style = affine(w) with affine = Linear(w_dim, in), bias 1;
//                    y = modulated_conv2d(x, weight * gain, style, demodulate), "same" padding.
#pragma once

#include <cstdint>
#include <memory>

#include "gan/nn/layers.h"
#include "gan/nn/module.h"
#include "gan/random.h"

namespace gan::nn {

class AdaIN : public Module {
 public:
  AdaIN(int64_t channels, int64_t w_dim, Generator& gen, double eps = 1e-5, DType dtype = DType::f32);
  Tensor forward(const Tensor& x, const Tensor& w);

  int64_t channels, w_dim;
  double eps;
  std::shared_ptr<Linear> style;
};

class NoiseInjection : public Module {
 public:
  explicit NoiseInjection(int64_t channels, DType dtype = DType::f32);
  Tensor forward(const Tensor& x, const Tensor& noise);  // noise [N, 1, H, W]
  Tensor forward(const Tensor& x, Generator& gen);       // fresh N(0, 1) noise

  int64_t channels;
  Tensor weight;  // [C], zeros
};

class PixelNorm : public Module {
 public:
  explicit PixelNorm(double eps = 1e-8);
  Tensor forward(const Tensor& x) override;

  double eps;
};

class MinibatchStdDev : public Module {
 public:
  explicit MinibatchStdDev(int64_t group_size = 4, double eps = 1e-8);
  Tensor forward(const Tensor& x) override;

  int64_t group_size;
  double eps;
};

class ModulatedConv2d : public Module {
 public:
  ModulatedConv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t w_dim, Generator& gen,
                  bool demodulate = true, DType dtype = DType::f32);
  Tensor forward(const Tensor& x, const Tensor& w);

  int64_t in_channels, out_channels, kernel_size, w_dim;
  bool demodulate;
  Tensor weight;  // [out, in, k, k], N(0, 1)
  std::shared_ptr<Linear> affine;
};

}  // namespace gan::nn
