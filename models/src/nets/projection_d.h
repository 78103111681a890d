// The projection discriminator (Miyato & Koyama 2018), shared by the
// projection and BigGAN systems: D(x, y) = psi(phi(x)) + <embed(y), pool(phi(x))>.
// phi is a DCGAN D body (dcgan.h; its DcganOptions pick batch norm or spectral
// norm, and self-attention), psi its last conv, pool the sum over positions
// (the paper's global sum pooling). The class embedding [K, w] starts at zero,
// so D starts unconditional and learns the class term; with spectral_embed
// (BigGAN's SNEmbedding) it starts at N(0, 1) instead, since a zero table has
// no spectral norm, and is used as E / sigma(E).
//
//   x [N, C, S, S], y [N] i64 in [0, K)  ->  [N]
#pragma once

#include <cstdint>
#include <memory>

#include "gan/models/dcgan.h"
#include "gan/nn/layers.h"
#include "gan/nn/spectral_norm.h"

namespace gan::models::nets {

class ProjectionDiscriminator : public nn::Module {
 public:
  ProjectionDiscriminator(const DcganOptions& o, int64_t num_classes, Generator& gen, bool spectral_embed = false);
  Tensor forward(const Tensor& x, const Tensor& y);

  std::shared_ptr<DcganDiscriminator> body;
  std::shared_ptr<nn::Embedding> embed;
  std::shared_ptr<nn::SpectralNorm> embed_sn;  // its wrapper with spectral_embed, else null
};

}  // namespace gan::models::nets
