// ConditionalBatchNorm2d: batch norm without affine followed by a per-sample
// affine taken from the conditioning (ops::conditional_batch_norm).
//
//   class_embedding   (projection cGAN / SNGAN-cond): cond = labels [N] i64,
//                     y = gamma[label] * xhat + beta[label];
//                     children "gamma", "beta": Embedding [num_classes, C],
//                     initialized to ones / zeros (so it starts as plain BN).
//   linear_projection (BigGAN): cond = e [N, d] float (shared class embedding
//                     concatenated with a z chunk), y = (1 + gamma(e)) * xhat + beta(e);
//                     children "gamma", "beta": Linear(d -> C) with PyTorch's default init;
//                     spectral = true wraps both in SpectralNorm (BigGAN's SNLinear
//                     gains and biases: children "gamma", "beta" then hold
//                     weight_orig / weight_u / weight_v).
// Buffers as BatchNorm2d: running_mean [C] (0), running_var [C] (1),
// num_batches_tracked [] i64; training updates them (momentum, unbiased
// variance), eval normalizes with them.
#pragma once

#include <cstdint>
#include <memory>

#include "gan/nn/layers.h"
#include "gan/nn/spectral_norm.h"

namespace gan::nn {

enum class CondSource { class_embedding, linear_projection };

class ConditionalBatchNorm2d : public Module {
 public:
  // cond_size: num_classes (class_embedding) or the conditioning vector's length d (linear_projection).
  // spectral: linear_projection only (the class_embedding tables start at ones / zeros, and an all-zero
  // table has no spectral norm).
  ConditionalBatchNorm2d(int64_t num_features, int64_t cond_size, CondSource source, Generator& gen,
                         double eps = 1e-5, double momentum = 0.1, DType dtype = DType::f32, bool spectral = false);

  // x [N, C, H, W]; cond: labels [N] i64 or e [N, d].
  Tensor forward(const Tensor& x, const Tensor& cond);
  Tensor operator()(const Tensor& x, const Tensor& cond) { return forward(x, cond); }

  int64_t num_features, cond_size;
  CondSource source;
  double eps, momentum;
  std::shared_ptr<Embedding> gamma_embedding, beta_embedding;  // class_embedding
  std::shared_ptr<Linear> gamma_linear, beta_linear;           // linear_projection
  std::shared_ptr<SpectralNorm> gamma_sn, beta_sn;             // their wrappers when spectral, else null
  Tensor running_mean, running_var, num_batches_tracked;

 private:
  BatchCounter batches_;  // num_batches_tracked += 1 on its device
};

}  // namespace gan::nn
