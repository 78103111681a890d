// Parameter initialization, in place under no_grad, formulas as torch.nn.init.
// Every random initializer takes the Generator explicitly (reproducible runs).
// The tensor argument is a handle: its data is overwritten (version bumped).
#pragma once

#include <cstdint>
#include <utility>

#include "gan/random.h"
#include "gan/tensor.h"

namespace gan::nn {
class Module;
}

namespace gan::nn::init {

enum class FanMode { fan_in, fan_out };
enum class Nonlinearity { linear, conv, sigmoid, tanh, relu, leaky_relu };

// torch.nn.init.calculate_gain: linear/conv/sigmoid 1, tanh 5/3, relu sqrt(2),
// leaky_relu sqrt(2 / (1 + param^2)).
double calculate_gain(Nonlinearity nl, double param = 0.01);
// fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (dim >= 2).
std::pair<int64_t, int64_t> fan_in_and_fan_out(const Tensor& t);

Tensor normal_(const Tensor& t, Generator& gen, double mean = 0.0, double std = 1.0);
Tensor uniform_(const Tensor& t, Generator& gen, double a = 0.0, double b = 1.0);
Tensor constant_(const Tensor& t, double value);
Tensor zeros_(const Tensor& t);
Tensor ones_(const Tensor& t);
// U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)); N(0, gain * sqrt(2 / (fan_in + fan_out))).
Tensor xavier_uniform_(const Tensor& t, Generator& gen, double gain = 1.0);
Tensor xavier_normal_(const Tensor& t, Generator& gen, double gain = 1.0);
// std = gain(nl, a) / sqrt(fan); uniform bound sqrt(3) * std.
Tensor kaiming_uniform_(const Tensor& t, Generator& gen, double a = 0.0, FanMode mode = FanMode::fan_in,
                        Nonlinearity nl = Nonlinearity::leaky_relu);
Tensor kaiming_normal_(const Tensor& t, Generator& gen, double a = 0.0, FanMode mode = FanMode::fan_in,
                       Nonlinearity nl = Nonlinearity::leaky_relu);
// (Semi-)orthogonal matrix on the [size(0), numel/size(0)] flattening, times gain:
// N(0,1) draw, QR by modified Gram-Schmidt in double on the tall orientation, Q's
// columns signed so R's diagonal is positive (torch's sign correction).
Tensor orthogonal_(const Tensor& t, Generator& gen, double gain = 1.0);

// The DCGAN paper's rule over every submodule: Conv2d / ConvTranspose2d weights
// N(0, 0.02); BatchNorm2d weight N(1, 0.02) and bias 0. Other modules untouched.
void dcgan_init(Module& m, Generator& gen);

}  // namespace gan::nn::init
