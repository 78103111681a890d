// SpectralNorm: spectral normalization of a Linear, Conv2d, ConvTranspose2d or
// Embedding weight (Miyato et al. 2018), with PyTorch's
// torch.nn.utils.spectral_norm semantics and state_dict names.
//
//   auto d1 = nn::spectral_norm(std::make_shared<nn::Conv2d>(3, 64, 4, gen, 2, 1), gen);
//   y = (*d1)(x);   // recomputes weight = weight_orig / sigma, then runs the conv
//
// The wrapper takes over the layer's parameters: the layer's `weight` becomes
// the parameter "weight_orig" (same tensor), "bias" stays "bias", and two
// buffers hold the power-iteration vectors:
//   weight_u [rows] ~ normalize(N(0, 1)),  weight_v [cols] ~ normalize(N(0, 1))
// with rows = out features (dim 0 for Linear/Conv2d, dim 1 for ConvTranspose2d's
// [in, out, kh, kw], as PyTorch; an Embedding's [num, dim] has rows = num, as
// torch and BigGAN's SNEmbedding) and cols = numel / rows. state_dict keys:
// "bias", "weight_orig", "weight_u", "weight_v" (PyTorch's order), so a
// checkpoint of torch.nn.utils.spectral_norm(layer) loads by name.
//
// Before every forward the wrapper computes W / sigma with ops::spectral_norm_weight:
// training mode runs n_power_iterations steps updating weight_u/weight_v in
// place (no gradient); eval mode uses the stored vectors. The result is stored
// in the wrapped layer's `weight` member (a plain tensor, like PyTorch's
// module.weight attribute) and the layer's own forward runs. The wrapped layer
// is not a registered child: its parameters are reached through the wrapper.
#pragma once

#include <cstdint>
#include <memory>

#include "gan/nn/layers.h"

namespace gan::nn {

class SpectralNorm : public Module {
 public:
  SpectralNorm(std::shared_ptr<Linear> layer, Generator& gen, int n_power_iterations = 1, double eps = 1e-12);
  SpectralNorm(std::shared_ptr<Conv2d> layer, Generator& gen, int n_power_iterations = 1, double eps = 1e-12);
  SpectralNorm(std::shared_ptr<ConvTranspose2d> layer, Generator& gen, int n_power_iterations = 1,
               double eps = 1e-12);
  // An all-zero weight has sigma 0 and gives NaN (as in PyTorch): initialize it first.
  SpectralNorm(std::shared_ptr<Embedding> layer, Generator& gen, int n_power_iterations = 1, double eps = 1e-12);

  Tensor forward(const Tensor& x) override;
  // W / sigma for the current mode (training: updates weight_u/weight_v first); also stores it in the
  // layer's weight. sigma_out, if given, receives sigma (detached, []).
  Tensor compute_weight(Tensor* sigma_out = nullptr);

  ModulePtr layer;              // the wrapped Linear / Conv2d / ConvTranspose2d / Embedding
  int64_t dim;                  // 0, or 1 for ConvTranspose2d
  int n_power_iterations;
  double eps;
  Tensor weight_orig, weight_u, weight_v;

 private:
  SpectralNorm(ModulePtr layer, Tensor* weight_slot, Tensor bias, int64_t dim, Generator& gen, int n_iter,
               double eps);
  Tensor* weight_slot_;         // &layer->weight
};

// Convenience: std::make_shared<SpectralNorm>(layer, gen, ...).
template <class L>
std::shared_ptr<SpectralNorm> spectral_norm(std::shared_ptr<L> layer, Generator& gen, int n_power_iterations = 1,
                                            double eps = 1e-12) {
  return std::make_shared<SpectralNorm>(std::move(layer), gen, n_power_iterations, eps);
}

}  // namespace gan::nn
