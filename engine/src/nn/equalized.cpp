// Equalized-learning-rate layers: the He constant applied at run time.
#include "gan/nn/equalized.h"

#include <cmath>

#include "gan/nn/init.h"
#include "gan/ops.h"

namespace gan::nn {

namespace {
void check_positive(const char* layer, const char* what, int64_t v) {
  GAN_CHECK(v > 0, layer, ": ", what, " must be positive, got ", v);
}
}  // namespace

EqualizedLinear::EqualizedLinear(int64_t in, int64_t out, Generator& gen, double mul, double bias_init,
                                 bool with_bias, DType dtype)
    : Module("EqualizedLinear"), in_features(in), out_features(out), lr_mul(mul) {
  check_positive("EqualizedLinear", "in_features", in);
  check_positive("EqualizedLinear", "out_features", out);
  GAN_CHECK(std::isfinite(mul) && mul > 0, "EqualizedLinear: lr_mul must be positive, got ", mul);
  weight = register_parameter("weight", Tensor::empty({out, in}, Options{dtype}));
  init::normal_(weight, gen, 0.0, 1.0 / mul);
  if (with_bias) {
    bias = register_parameter("bias", Tensor::empty({out}, Options{dtype}));
    init::constant_(bias, bias_init / mul);
  }
}

Tensor EqualizedLinear::effective_weight() const {
  return ops::mul(weight, lr_mul / std::sqrt(static_cast<double>(in_features)));
}

Tensor EqualizedLinear::forward(const Tensor& x) {
  check_defined("EqualizedLinear", "input", x);
  GAN_CHECK(x.dim() >= 1 && x.size(-1) == in_features, "EqualizedLinear: input ", shape_str(x.shape()),
            " must end in in_features = ", in_features, " (weight ", shape_str(weight.shape()), ")");
  const Tensor b = bias.defined() ? (lr_mul == 1.0 ? bias : ops::mul(bias, lr_mul)) : Tensor{};
  return ops::linear(x, effective_weight(), b);
}

EqualizedConv2d::EqualizedConv2d(int64_t in, int64_t out, int64_t k, Generator& gen, int64_t s, int64_t p,
                                 bool with_bias, DType dtype)
    : Module("EqualizedConv2d"), in_channels(in), out_channels(out), kernel_size(k), stride(s), padding(p) {
  check_positive("EqualizedConv2d", "in_channels", in);
  check_positive("EqualizedConv2d", "out_channels", out);
  check_positive("EqualizedConv2d", "kernel_size", k);
  check_positive("EqualizedConv2d", "stride", s);
  GAN_CHECK(p >= 0, "EqualizedConv2d: padding must be >= 0, got ", p);
  weight = register_parameter("weight", Tensor::empty({out, in, k, k}, Options{dtype}));
  init::normal_(weight, gen);
  if (with_bias) {
    bias = register_parameter("bias", Tensor::empty({out}, Options{dtype}));
    init::zeros_(bias);
  }
}

Tensor EqualizedConv2d::effective_weight() const {
  return ops::mul(weight, 1.0 / std::sqrt(static_cast<double>(in_channels * kernel_size * kernel_size)));
}

Tensor EqualizedConv2d::forward(const Tensor& x) {
  check_defined("EqualizedConv2d", "input", x);
  GAN_CHECK(x.dim() == 4 && x.size(1) == in_channels, "EqualizedConv2d: input ", shape_str(x.shape()),
            " must be [N, ", in_channels, ", H, W] (weight ", shape_str(weight.shape()), ")");
  ops::Conv2dOptions o;
  o.stride = {stride, stride};
  o.padding = {padding, padding};
  return ops::conv2d(x, effective_weight(), bias, o);
}

}  // namespace gan::nn
