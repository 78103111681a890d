// BigGAN-lite's generator (Brock et al. 2019, Large scale GAN training for
// high fidelity natural image synthesis), on the DCGAN-32 stages: BigGAN's
// residual up-blocks are replaced by the DCGAN stages (one transposed conv,
// batch norm, ReLU each) to keep the CPU cost low; what makes it BigGAN is
// kept:
//   * class-conditional BN from a vector: every BN is a ConditionalBatchNorm2d
//     with CondSource::linear_projection, y = (1 + gamma(e)) * xhat + beta(e),
//     e = [shared(y) ; z_{i+1}] — one class embedding `shared` [K, shared_dim]
//     for all stages (the paper's shared embedding), and
//   * hierarchical z (skip-z): z [N, z_dim] split into stages + 1 equal chunks
//     z_0 .. z_stages; z_0 feeds the first transposed conv, z_{i+1} the CBN of
//     stage i;
//   * spectral norm on every conv (the attention's 1x1 convs too), weights
//     drawn from N(0, 0.02) before wrapping (the paper's G_init is orthogonal;
//     N(0, 0.02) is BigGAN-PyTorch's "N02" choice, as the rest of the zoo);
//   * BigGAN's self-attention block (nn::AttentionVariant::biggan) after the
//     stage whose maps are attention_at x attention_at.
//   * spectral norm on the CBN's gain / bias Linears too (spectral_cbn, on by
//     default: BigGAN-PyTorch's SNLinear gains), so orthogonal regularisation
//     reaches them as in its utils.ortho; the shared embedding stays plain
//     (not normalized, not regularised), as there.
//
// 32x32, f = features_g, c = z_dim / 4, d = shared_dim:
//   z_0 [N, c] -> SN ConvT(c, 4f, 4, 1, 0) 4x4 -> CBN([shared(y); z_1]) -> ReLU
//              -> SN ConvT(4f, 2f, 4, 2, 1) 8x8 -> CBN([shared(y); z_2]) -> ReLU
//              -> SN ConvT(2f, f, 4, 2, 1) 16x16 -> CBN([shared(y); z_3]) -> ReLU -> Attn(f) (attention_at 16)
//              -> SN ConvT(f, C, 4, 2, 1) 32x32 -> tanh
// 28x28 has two stages (7x7, 14x14) and three chunks; 64x64 four and five.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gan/models/dcgan.h"
#include "gan/nn/conditional_batch_norm.h"
#include "gan/nn/self_attention.h"
#include "gan/nn/spectral_norm.h"

namespace gan::models {

struct BigganGOptions {
  DcganOptions net;          // image_size, channels, z_dim, features_g, attention_at (the rest unused)
  int64_t num_classes = 10;
  int64_t shared_dim = 128;  // the paper's shared embedding width
  bool spectral_cbn = true;  // spectral norm on the CBN gain / bias Linears
};

// How many chunks z is split into: the stages of the image size, + 1.
int64_t biggan_z_chunks(int64_t image_size);
// gan::Error naming the field (z_dim not divisible by the chunks, a bad
// attention_at, ...).
void check_biggan_g_options(const BigganGOptions& o);

class BigganGenerator : public nn::Module {
 public:
  BigganGenerator(const BigganGOptions& o, Generator& gen);
  // z [N, z_dim], y [N] i64 in [0, K) -> images [N, C, S, S] in (-1, 1).
  Tensor forward(const Tensor& z, const Tensor& y);
  // z [N, z_dim] -> its chunks, each [N, z_dim / chunks].
  std::vector<Tensor> z_chunks(const Tensor& z) const;

  BigganGOptions options;
  int64_t chunk;                                                   // z_dim / chunks
  std::shared_ptr<nn::Embedding> shared;                           // [K, shared_dim]
  std::vector<std::shared_ptr<nn::SpectralNorm>> convs;            // one per stage, then the output conv
  std::vector<std::shared_ptr<nn::ConditionalBatchNorm2d>> norms;  // one per stage, cond [shared_dim + chunk]
  std::shared_ptr<nn::SelfAttention2d> attention;                  // null when attention_at = 0
  int64_t attention_stage = -1;                                    // the stage it follows
};

// The weight matrices that orthogonal regularisation acts on: every
// spectrally normalized layer's raw weight (weight_orig) as [rows, cols],
// rows = its output units (SpectralNorm's dim: 0 for Conv2d / Linear, 1 for
// ConvTranspose2d's [in, out, k, k]), cols = the rest flattened. With graph:
// the penalty's gradient reaches the parameters. In BigGAN's G these are the
// convs, the attention's 1x1 convs and the CBN's gain / bias Linears; not
// included: the shared class embedding (BigGAN-PyTorch's blacklist) and
// every 1-D parameter (biases, attention gamma).
std::vector<Tensor> spectral_weight_matrices(nn::Module& m);

}  // namespace gan::models
