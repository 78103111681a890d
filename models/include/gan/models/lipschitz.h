// How Lipschitz a discriminator is, measured: each spectrally normalized
// layer's sigma as its power iteration estimates it against the exact largest
// singular value (LAPACK's SVD), and the per-sample input-gradient norms
// ||d D(x) / dx||_2 on a batch. SNGAN's claims (Miyato et al. 2018) read these;
// so can any system's evaluate() hook.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "gan/nn/module.h"
#include "gan/tensor.h"

namespace gan::models {

// The largest singular value of w viewed as a matrix [w.size(dim), numel /
// w.size(dim)] (dim 0 for Linear/Conv2d weights [out, in, ...], 1 for
// ConvTranspose2d's [in, out, ...], as nn::SpectralNorm). Exact: LAPACK dgesvd
// in f64 on the CPU (w may live on any device).
double exact_spectral_norm(const Tensor& w, int64_t dim = 0);

struct LayerSigma {
  std::string name;    // the SpectralNorm module's path in D ("main.2")
  double power = 0;    // u^T W v with the stored (persistent) u and v: the sigma the layer divides by
  double exact = 0;    // exact_spectral_norm(W)
  double rel_error() const { return exact > 0 ? (power - exact) / exact : 0; }
};
// Every nn::SpectralNorm module under `m`, in module order (empty if none).
// Reads the state only: no power-iteration step, no graph.
std::vector<LayerSigma> spectral_norm_report(nn::Module& m);

// ||d D(x_i) / dx_i||_2 for each sample of x [N, ...], where D maps [N, ...]
// -> [N] (a system's adversarial output). No graph is kept; x is not changed.
std::vector<double> input_gradient_norms(const std::function<Tensor(const Tensor&)>& D, const Tensor& x);

// Mean, median, 95th percentile and maximum of a non-empty sample.
struct Spread {
  double mean = 0, median = 0, p95 = 0, max = 0;
};
Spread spread_of(std::vector<double> v);

}  // namespace gan::models
