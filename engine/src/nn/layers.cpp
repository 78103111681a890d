// Layers over gan/ops.h, with PyTorch's default initialization.
#include "gan/nn/layers.h"

#include <cmath>

#include "gan/autograd.h"
#include "gan/nn/init.h"
#include "gan/ops.h"

namespace gan::nn {

namespace {
// torch's reset_parameters for Linear / ConvNd: kaiming_uniform(a = sqrt(5)) on the
// weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the bias.
void reset_linear_like(const Tensor& weight, const Tensor& bias, Generator& gen) {
  init::kaiming_uniform_(weight, gen, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t fan_in = init::fan_in_and_fan_out(weight).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, gen, -bound, bound);
  }
}

void check_positive(const char* layer, const char* what, int64_t v) {
  GAN_CHECK(v > 0, layer, ": ", what, " must be positive, got ", v);
}

void check_input_rank(const char* layer, const Tensor& x, int64_t rank, const char* layout) {
  check_defined(layer, "input", x);
  GAN_CHECK(x.dim() == rank, layer, ": expected a ", rank, "-D input ", layout, ", got ", shape_str(x.shape()));
}
}  // namespace

// ---- Linear -------------------------------------------------------------------------

Linear::Linear(int64_t in, int64_t out, Generator& gen, bool with_bias, DType dtype)
    : Module("Linear"), in_features(in), out_features(out) {
  check_positive("Linear", "in_features", in);
  check_positive("Linear", "out_features", out);
  weight = register_parameter("weight", Tensor::empty({out, in}, Options{dtype}));
  if (with_bias) bias = register_parameter("bias", Tensor::empty({out}, Options{dtype}));
  reset_linear_like(weight, bias, gen);
}

Tensor Linear::forward(const Tensor& x) {
  check_defined("Linear", "input", x);
  GAN_CHECK(x.dim() >= 1 && x.size(-1) == in_features, "Linear: input ", shape_str(x.shape()),
            " must end in in_features = ", in_features, " (weight ", shape_str(weight.shape()), ")");
  return ops::linear(x, weight, bias);
}

// ---- Conv2d -------------------------------------------------------------------------

Conv2d::Conv2d(int64_t in, int64_t out, int64_t k, Generator& gen, Conv2dOptions o)
    : Module("Conv2d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_positive("Conv2d", "in_channels", in);
  check_positive("Conv2d", "out_channels", out);
  check_positive("Conv2d", "kernel_size", k);
  check_positive("Conv2d", "stride", o.stride);
  check_positive("Conv2d", "dilation", o.dilation);
  check_positive("Conv2d", "groups", o.groups);
  GAN_CHECK(o.padding >= 0, "Conv2d: padding must be >= 0, got ", o.padding);
  GAN_CHECK(in % o.groups == 0 && out % o.groups == 0, "Conv2d: in_channels ", in, " and out_channels ", out,
            " must be divisible by groups ", o.groups);
  weight = register_parameter("weight", Tensor::empty({out, in / o.groups, k, k}, Options{o.dtype}));
  if (o.bias) bias = register_parameter("bias", Tensor::empty({out}, Options{o.dtype}));
  reset_linear_like(weight, bias, gen);
}

Conv2d::Conv2d(int64_t in, int64_t out, int64_t k, Generator& gen, int64_t stride, int64_t padding,
               int64_t dilation, int64_t groups, bool bias)
    : Conv2d(in, out, k, gen, Conv2dOptions{stride, padding, dilation, groups, bias, DType::f32}) {}

Tensor Conv2d::forward(const Tensor& x) {
  check_input_rank("Conv2d", x, 4, "[N, C, H, W]");
  GAN_CHECK(x.size(1) == in_channels, "Conv2d: input ", shape_str(x.shape()), " has ", x.size(1),
            " channels, expected in_channels = ", in_channels);
  ops::Conv2dOptions o;
  o.stride = {options.stride, options.stride};
  o.padding = {options.padding, options.padding};
  o.dilation = {options.dilation, options.dilation};
  o.groups = options.groups;
  return ops::conv2d(x, weight, bias, o);
}

// ---- ConvTranspose2d ------------------------------------------------------------------

ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, int64_t k, Generator& gen, ConvTranspose2dOptions o)
    : Module("ConvTranspose2d"), in_channels(in), out_channels(out), kernel_size(k), options(o) {
  check_positive("ConvTranspose2d", "in_channels", in);
  check_positive("ConvTranspose2d", "out_channels", out);
  check_positive("ConvTranspose2d", "kernel_size", k);
  check_positive("ConvTranspose2d", "stride", o.stride);
  check_positive("ConvTranspose2d", "dilation", o.dilation);
  check_positive("ConvTranspose2d", "groups", o.groups);
  GAN_CHECK(o.padding >= 0, "ConvTranspose2d: padding must be >= 0, got ", o.padding);
  GAN_CHECK(o.output_padding >= 0 && (o.output_padding < o.stride || o.output_padding < o.dilation),
            "ConvTranspose2d: output_padding ", o.output_padding, " must be smaller than stride ", o.stride,
            " or dilation ", o.dilation);
  GAN_CHECK(in % o.groups == 0 && out % o.groups == 0, "ConvTranspose2d: in_channels ", in, " and out_channels ",
            out, " must be divisible by groups ", o.groups);
  weight = register_parameter("weight", Tensor::empty({in, out / o.groups, k, k}, Options{o.dtype}));
  if (o.bias) bias = register_parameter("bias", Tensor::empty({out}, Options{o.dtype}));
  reset_linear_like(weight, bias, gen);
}

ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, int64_t k, Generator& gen, int64_t stride,
                                 int64_t padding, int64_t output_padding, int64_t groups, bool bias)
    : ConvTranspose2d(in, out, k, gen,
                      ConvTranspose2dOptions{stride, padding, output_padding, groups, bias, 1, DType::f32}) {}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  check_input_rank("ConvTranspose2d", x, 4, "[N, C, H, W]");
  GAN_CHECK(x.size(1) == in_channels, "ConvTranspose2d: input ", shape_str(x.shape()), " has ", x.size(1),
            " channels, expected in_channels = ", in_channels);
  ops::ConvTranspose2dOptions o;
  o.stride = {options.stride, options.stride};
  o.padding = {options.padding, options.padding};
  o.output_padding = {options.output_padding, options.output_padding};
  o.dilation = {options.dilation, options.dilation};
  o.groups = options.groups;
  return ops::conv_transpose2d(x, weight, bias, o);
}

// ---- BatchNorm2d --------------------------------------------------------------------

BatchNorm2d::BatchNorm2d(int64_t c, double eps_, double momentum_, bool affine_, bool track, DType dtype)
    : Module("BatchNorm2d"), num_features(c), eps(eps_), momentum(momentum_), affine(affine_),
      track_running_stats(track) {
  check_positive("BatchNorm2d", "num_features", c);
  GAN_CHECK(eps > 0, "BatchNorm2d: eps must be positive, got ", eps);
  if (affine) {
    weight = register_parameter("weight", Tensor::ones({c}, Options{dtype}));
    bias = register_parameter("bias", Tensor::zeros({c}, Options{dtype}));
  }
  if (track) {
    running_mean = register_buffer("running_mean", Tensor::zeros({c}, Options{dtype}));
    running_var = register_buffer("running_var", Tensor::ones({c}, Options{dtype}));
    num_batches_tracked = register_buffer("num_batches_tracked", Tensor::zeros({}, Options{DType::i64}));
  }
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  check_input_rank("BatchNorm2d", x, 4, "[N, C, H, W]");
  GAN_CHECK(x.size(1) == num_features, "BatchNorm2d: input ", shape_str(x.shape()), " has ", x.size(1),
            " channels, expected num_features = ", num_features);
  const bool use_batch_stats = is_training() || !track_running_stats;
  if (is_training() && track_running_stats) {
    batches_.increment(num_batches_tracked);  // on its device, no read back
  }
  // Running statistics are passed when they are updated (training) or used (eval).
  const bool pass_running = track_running_stats;
  return ops::batch_norm(x, weight, bias, pass_running ? running_mean : Tensor(),
                         pass_running ? running_var : Tensor(), use_batch_stats, momentum, eps);
}

// ---- LayerNorm ----------------------------------------------------------------------

LayerNorm::LayerNorm(std::vector<int64_t> shape, double eps_, bool affine, DType dtype)
    : Module("LayerNorm"), normalized_shape(std::move(shape)), eps(eps_) {
  GAN_CHECK(!normalized_shape.empty(), "LayerNorm: normalized_shape must not be empty");
  for (int64_t d : normalized_shape) check_positive("LayerNorm", "normalized_shape entries", d);
  if (affine) {
    weight = register_parameter("weight", Tensor::ones(normalized_shape, Options{dtype}));
    bias = register_parameter("bias", Tensor::zeros(normalized_shape, Options{dtype}));
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  check_defined("LayerNorm", "input", x);
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool ok = x.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = x.size(x.dim() - k + i) == normalized_shape[static_cast<size_t>(i)];
  GAN_CHECK(ok, "LayerNorm: input ", shape_str(x.shape()), " does not end in normalized_shape ",
            shape_str(normalized_shape));
  return ops::layer_norm(x, k, weight, bias, eps);
}

// ---- Embedding ----------------------------------------------------------------------

Embedding::Embedding(int64_t num, int64_t dim, Generator& gen, DType dtype)
    : Module("Embedding"), num_embeddings(num), embedding_dim(dim) {
  check_positive("Embedding", "num_embeddings", num);
  check_positive("Embedding", "embedding_dim", dim);
  weight = register_parameter("weight", Tensor::empty({num, dim}, Options{dtype}));
  init::normal_(weight, gen, 0.0, 1.0);
}

Tensor Embedding::forward(const Tensor& idx) {
  check_defined("Embedding", "indices", idx);
  check_dtype("Embedding", "indices", idx, DType::i64);
  return ops::embedding(idx, weight);
}

// ---- Upsample -------------------------------------------------------------------------

Upsample::Upsample(double scale, UpsampleMode m, bool ac)
    : Module("Upsample"), scale_factor(scale), mode(m), align_corners(ac) {
  GAN_CHECK(scale > 0, "Upsample: scale_factor must be positive, got ", scale);
}

Tensor Upsample::forward(const Tensor& x) {
  check_input_rank("Upsample", x, 4, "[N, C, H, W]");
  const auto h = static_cast<int64_t>(std::floor(static_cast<double>(x.size(2)) * scale_factor));
  const auto w = static_cast<int64_t>(std::floor(static_cast<double>(x.size(3)) * scale_factor));
  if (mode == UpsampleMode::nearest) return ops::upsample_nearest2d(x, h, w);
  return ops::upsample_bilinear2d(x, h, w, align_corners);
}

// ---- activations ----------------------------------------------------------------------

Tensor ReLU::forward(const Tensor& x) { return ops::relu(x); }
Tensor LeakyReLU::forward(const Tensor& x) { return ops::leaky_relu(x, negative_slope); }
Tensor Tanh::forward(const Tensor& x) { return ops::tanh(x); }
Tensor Sigmoid::forward(const Tensor& x) { return ops::sigmoid(x); }
Tensor Flatten::forward(const Tensor& x) { return x.flatten(start_dim, end_dim); }

// ---- Sequential -------------------------------------------------------------------------

Sequential::Sequential(std::initializer_list<ModulePtr> modules) : Module("Sequential") {
  for (const auto& m : modules) push_back(m);
}

Sequential::Sequential(const std::vector<ModulePtr>& modules) : Module("Sequential") {
  for (const auto& m : modules) push_back(m);
}

Sequential& Sequential::push_back(ModulePtr m) {
  register_module(std::to_string(size()), std::move(m));
  return *this;
}

const ModulePtr& Sequential::operator[](size_t i) const {
  GAN_CHECK(i < size(), "Sequential: index ", i, " out of range for ", size(), " modules");
  return named_children()[i].second;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& [n, m] : named_children()) y = m->forward(y);
  return y;
}

}  // namespace gan::nn
