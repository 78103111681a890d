// The projection discriminator (Miyato & Koyama 2018), shared by the
// projection and BigGAN systems: D(x, y) = psi(phi(x)) + <embed(y), pool(phi(x))>.
// phi is a DCGAN D body (dcgan.h; its DcganOptions pick batch norm or spectral
// norm, and self-attention), psi its last conv, pool the sum over positions
// (the paper's global sum pooling). The class embedding [K, w] starts at zero,
// so D starts unconditional and learns the class term. It is a plain
// Embedding (no spectral norm: nn::SpectralNorm wraps Linear and convs only).
//
//   x [N, C, S, S], y [N] i64 in [0, K)  ->  [N]
#pragma once

#include <cstdint>
#include <memory>

#include "gan/models/dcgan.h"
#include "gan/nn/layers.h"

namespace gan::models::nets {

class ProjectionDiscriminator : public nn::Module {
 public:
  ProjectionDiscriminator(const DcganOptions& o, int64_t num_classes, Generator& gen);
  Tensor forward(const Tensor& x, const Tensor& y);

  std::shared_ptr<DcganDiscriminator> body;
  std::shared_ptr<nn::Embedding> embed;
};

}  // namespace gan::models::nets
