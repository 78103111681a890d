// The DCGAN discriminator's layout with spectral normalization (Miyato et al.
// 2018) on every conv and no batch norm: SNGAN's recipe on the DCGAN body that
// fits a CPU budget (the paper's "standard CNN" has 7 convs at 64..512
// channels, ~16 GFLOP per forward of a 32x32 batch of 64; this body ~0.2).
//
//   x [N, C, S, S] -> conv 4x4 s2 -> LeakyReLU(slope) -> ... -> features [N, w, k, k]
//                  -> conv k x k -> [N] (outputs = 1) or [N, outputs]
// Every conv is wrapped in nn::SpectralNorm (one power iteration per training
// forward, persistent u and v in the state) when `spectral_norm` is on; off,
// the same D without any normalization (the ablation of SNGAN's claim).
#pragma once

#include <memory>

#include "gan/models/dcgan.h"
#include "gan/nn/layers.h"
#include "gan/random.h"

namespace gan::models::nets {

class SnDcganDiscriminator : public nn::Module {
 public:
  SnDcganDiscriminator(const DcganOptions& o, bool spectral_norm, double slope, Generator& gen);
  Tensor forward(const Tensor& x) override;
  Tensor features(const Tensor& x);     // [N, w, k, k]
  Tensor head(const Tensor& features);  // [N] or [N, outputs]

  DcganOptions options;
  bool spectral_norm;
  std::shared_ptr<nn::Sequential> main;
};

}  // namespace gan::models::nets
