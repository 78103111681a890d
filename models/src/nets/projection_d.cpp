// ProjectionDiscriminator (projection_d.h).
#include "projection_d.h"

#include "gan/nn/init.h"
#include "gan/ops.h"

namespace gan::models::nets {

ProjectionDiscriminator::ProjectionDiscriminator(const DcganOptions& o, int64_t num_classes, Generator& gen,
                                                 bool spectral_embed)
    : Module("ProjectionDiscriminator"), body(std::make_shared<DcganDiscriminator>(o, gen)) {
  register_module("body", body);
  const int64_t w = dcgan_widths(o.image_size, o.features_d).front();  // channels of phi(x)
  embed = std::make_shared<nn::Embedding>(num_classes, w, gen);  // N(0, 1)
  if (spectral_embed) {
    embed_sn = register_module("embed", nn::spectral_norm(embed, gen));
  } else {
    nn::init::zeros_(embed->weight);
    register_module("embed", embed);
  }
}

Tensor ProjectionDiscriminator::forward(const Tensor& x, const Tensor& y) {
  const Tensor h = body->features(x);                       // [N, w, k, k]
  const Tensor pooled = ops::sum(h, {2, 3});                // [N, w]
  const Tensor e = embed_sn ? (*embed_sn)(y) : (*embed)(y);  // [N, w]
  const Tensor proj = ops::sum(e * pooled, {1});              // [N]
  return body->head(h) + proj;
}

}  // namespace gan::models::nets
