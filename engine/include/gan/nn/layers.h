// Layers: small Modules over the differentiable ops of gan/ops.h.
//
// Parameters are initialized as PyTorch's defaults, drawn from the Generator the
// constructor takes (so a seeded run is reproducible):
//   Linear, Conv2d, ConvTranspose2d: weight kaiming_uniform(a = sqrt(5)), i.e.
//     U(-1/sqrt(fan_in), 1/sqrt(fan_in)); bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))
//     with fan_in computed from the weight's shape as torch does (for
//     ConvTranspose2d that is (C_out/groups) * KH * KW);
//   BatchNorm2d, LayerNorm: weight 1, bias 0; Embedding: N(0, 1).
// Every parameter is created f32 unless the options say otherwise; Module::to
// converts later.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

#include "gan/nn/batch_counter.h"
#include "gan/nn/module.h"
#include "gan/random.h"

namespace gan::nn {

// ---- Linear -----------------------------------------------------------------------
// x [.., in] -> [.., out]; weight [out, in], bias [out].
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, Generator& gen, bool bias = true, DType dtype = DType::f32);
  Tensor forward(const Tensor& x) override;

  int64_t in_features, out_features;
  Tensor weight, bias;  // bias undefined when bias = false
};

// ---- Conv2d -----------------------------------------------------------------------
struct Conv2dOptions {
  int64_t stride = 1;
  int64_t padding = 0;
  int64_t dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  DType dtype = DType::f32;
};
// x [N, in, H, W] -> [N, out, H', W']; weight [out, in/groups, k, k], bias [out].
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Generator& gen, Conv2dOptions o = {});
  Conv2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Generator& gen, int64_t stride,
         int64_t padding, int64_t dilation = 1, int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& x) override;

  int64_t in_channels, out_channels, kernel_size;
  Conv2dOptions options;
  Tensor weight, bias;
};

// ---- ConvTranspose2d ----------------------------------------------------------------
struct ConvTranspose2dOptions {
  int64_t stride = 1;
  int64_t padding = 0;
  int64_t output_padding = 0;
  int64_t groups = 1;
  bool bias = true;
  int64_t dilation = 1;
  DType dtype = DType::f32;
};
// x [N, in, H, W] -> [N, out, (H-1)*stride - 2*padding + dilation*(k-1) + output_padding + 1, ...];
// weight [in, out/groups, k, k], bias [out].
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Generator& gen,
                  ConvTranspose2dOptions o = {});
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Generator& gen, int64_t stride,
                  int64_t padding, int64_t output_padding = 0, int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& x) override;

  int64_t in_channels, out_channels, kernel_size;
  ConvTranspose2dOptions options;
  Tensor weight, bias;
};

// ---- BatchNorm2d --------------------------------------------------------------------
// x [N, C, H, W]. Training (or track_running_stats = false): batch statistics; with
// tracking, running_mean/running_var are updated with `momentum` (new = (1-m)*old +
// m*batch, unbiased variance) and num_batches_tracked (i64 scalar) counts the steps.
// Eval with tracking: the running statistics.
// Buffers: running_mean [C] (0), running_var [C] (1), num_batches_tracked [] i64.
class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true,
                       bool track_running_stats = true, DType dtype = DType::f32);
  Tensor forward(const Tensor& x) override;

  int64_t num_features;
  double eps, momentum;
  bool affine, track_running_stats;
  Tensor weight, bias;                                  // [C] when affine
  Tensor running_mean, running_var, num_batches_tracked;  // when track_running_stats

 private:
  BatchCounter batches_;  // num_batches_tracked += 1 on its device
};

// ---- LayerNorm ----------------------------------------------------------------------
// Normalizes over the trailing dims equal to normalized_shape; weight/bias of that shape.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(std::vector<int64_t> normalized_shape, double eps = 1e-5, bool elementwise_affine = true,
                     DType dtype = DType::f32);
  Tensor forward(const Tensor& x) override;

  std::vector<int64_t> normalized_shape;
  double eps;
  Tensor weight, bias;
};

// ---- Embedding ----------------------------------------------------------------------
// idx [...] i64 -> [..., dim]; weight [num, dim] ~ N(0, 1).
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, Generator& gen, DType dtype = DType::f32);
  Tensor forward(const Tensor& idx) override;

  int64_t num_embeddings, embedding_dim;
  Tensor weight;
};

// ---- Upsample -------------------------------------------------------------------------
enum class UpsampleMode { nearest, bilinear };
// x [N, C, H, W] -> [N, C, floor(H*scale), floor(W*scale)]. Bilinear uses
// align_corners = false (torch's default). Output sizes are computed from the
// scale, then the op samples by size (identical to torch for integer scales).
class Upsample : public Module {
 public:
  explicit Upsample(double scale_factor, UpsampleMode mode = UpsampleMode::nearest, bool align_corners = false);
  Tensor forward(const Tensor& x) override;

  double scale_factor;
  UpsampleMode mode;
  bool align_corners;
};

// ---- activations and shape ------------------------------------------------------------
class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Tensor forward(const Tensor& x) override;
};
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : Module("LeakyReLU"), negative_slope(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  double negative_slope;
};
class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Tensor forward(const Tensor& x) override;
};
class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& x) override;
};
class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};
// Flattens dims [start_dim, end_dim] into one (a view).
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& x) override;
  int64_t start_dim, end_dim;
};

// ---- Sequential -----------------------------------------------------------------------
// Children named "0", "1", ... in order; forward chains them (empty = identity).
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<ModulePtr> modules);
  explicit Sequential(const std::vector<ModulePtr>& modules);

  // Appends m as child std::to_string(size()); returns *this for chaining.
  Sequential& push_back(ModulePtr m);
  template <class M, class... Args>
  std::shared_ptr<M> emplace_back(Args&&... args) {
    auto m = std::make_shared<M>(std::forward<Args>(args)...);
    push_back(m);
    return m;
  }
  size_t size() const { return named_children().size(); }
  const ModulePtr& operator[](size_t i) const;
  Tensor forward(const Tensor& x) override;
};

}  // namespace gan::nn
