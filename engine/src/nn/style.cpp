// StyleGAN / ProGAN layers (gan/nn/style.h).
#include "gan/nn/style.h"

#include <cmath>

#include "gan/nn/init.h"
#include "gan/ops.h"

namespace gan::nn {

namespace {
void check_positive(const char* layer, const char* what, int64_t v) {
  GAN_CHECK(v > 0, layer, ": ", what, " must be positive, got ", v);
}
}  // namespace

AdaIN::AdaIN(int64_t c, int64_t wd, Generator& gen, double e, DType dtype)
    : Module("AdaIN"), channels(c), w_dim(wd), eps(e) {
  check_positive("AdaIN", "channels", c);
  check_positive("AdaIN", "w_dim", wd);
  style = register_module("style", std::make_shared<Linear>(wd, 2 * c, gen, true, dtype));
}

Tensor AdaIN::forward(const Tensor& x, const Tensor& w) {
  check_defined("AdaIN", "input", x);
  check_defined("AdaIN", "w", w);
  GAN_CHECK(x.dim() == 4 && x.size(1) == channels, "AdaIN: expected input [N, ", channels, ", H, W], got ",
            shape_str(x.shape()));
  GAN_CHECK(w.dim() == 2 && w.size(0) == x.size(0) && w.size(1) == w_dim, "AdaIN: expected w [", x.size(0), ", ",
            w_dim, "] for input ", shape_str(x.shape()), ", got ", shape_str(w.shape()));
  const Tensor s = style->forward(w);  // [N, 2C]
  const Tensor gamma = ops::add(ops::slice(s, 1, 0, channels), 1.0);
  const Tensor beta = ops::slice(s, 1, channels, 2 * channels);
  return ops::adain(x, gamma, beta, eps);
}

NoiseInjection::NoiseInjection(int64_t c, DType dtype) : Module("NoiseInjection"), channels(c) {
  check_positive("NoiseInjection", "channels", c);
  weight = register_parameter("weight", Tensor::zeros({c}, Options{dtype}));
}

Tensor NoiseInjection::forward(const Tensor& x, const Tensor& noise) {
  check_defined("NoiseInjection", "input", x);
  return ops::noise_injection(x, noise, weight);
}

Tensor NoiseInjection::forward(const Tensor& x, Generator& gen) {
  check_defined("NoiseInjection", "input", x);
  GAN_CHECK(x.dim() == 4, "NoiseInjection: expected input [N, C, H, W], got ", shape_str(x.shape()));
  const Tensor noise = Tensor::randn({x.size(0), 1, x.size(2), x.size(3)}, gen, Options{x.dtype()}).to(x.device());
  return ops::noise_injection(x, noise, weight);
}

PixelNorm::PixelNorm(double e) : Module("PixelNorm"), eps(e) {}

Tensor PixelNorm::forward(const Tensor& x) {
  check_defined("PixelNorm", "input", x);
  return ops::pixel_norm(x, eps);
}

MinibatchStdDev::MinibatchStdDev(int64_t g, double e) : Module("MinibatchStdDev"), group_size(g), eps(e) {
  check_positive("MinibatchStdDev", "group_size", g);
}

Tensor MinibatchStdDev::forward(const Tensor& x) {
  check_defined("MinibatchStdDev", "input", x);
  return ops::minibatch_stddev(x, group_size, eps);
}

ModulatedConv2d::ModulatedConv2d(int64_t in, int64_t out, int64_t k, int64_t wd, Generator& gen, bool demod,
                                 DType dtype)
    : Module("ModulatedConv2d"), in_channels(in), out_channels(out), kernel_size(k), w_dim(wd), demodulate(demod) {
  check_positive("ModulatedConv2d", "in_channels", in);
  check_positive("ModulatedConv2d", "out_channels", out);
  check_positive("ModulatedConv2d", "kernel_size", k);
  check_positive("ModulatedConv2d", "w_dim", wd);
  GAN_CHECK(k % 2 == 1, "ModulatedConv2d: kernel_size must be odd for 'same' padding, got ", k);
  weight = register_parameter("weight", Tensor::empty({out, in, k, k}, Options{dtype}));
  init::normal_(weight, gen);
  affine = register_module("affine", std::make_shared<Linear>(wd, in, gen, true, dtype));
  init::ones_(affine->bias);
}

Tensor ModulatedConv2d::forward(const Tensor& x, const Tensor& w) {
  check_defined("ModulatedConv2d", "input", x);
  check_defined("ModulatedConv2d", "w", w);
  GAN_CHECK(w.dim() == 2 && w.size(1) == w_dim, "ModulatedConv2d: expected w [N, ", w_dim, "], got ",
            shape_str(w.shape()));
  const Tensor style = affine->forward(w);
  const double gain = 1.0 / std::sqrt(static_cast<double>(in_channels * kernel_size * kernel_size));
  ops::Conv2dOptions o;
  o.padding = {kernel_size / 2, kernel_size / 2};
  return ops::modulated_conv2d(x, ops::mul(weight, gain), style, demodulate, o);
}

}  // namespace gan::nn
