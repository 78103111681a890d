// DCGAN generator and discriminator (Radford et al. 2016) for 28x28, 32x32 and
// 64x64 images with any channel count, following the paper's rules: strided
// (transposed) convolutions instead of pooling, batch norm in G and in D except
// D's first layer, ReLU in G, LeakyReLU(0.2) in D, tanh output, and weights
// drawn from N(0, 0.02) (nn::init::dcgan_init). D's batch norm can be swapped
// for layer norm or none (DcganOptions::d_norm: a gradient-penalty critic), or
// for spectral normalization of every conv (SNGAN, the projection D). SAGAN's
// nets are these with spectral norm on G's convs too (g_spectral, batch norm
// kept) and a self-attention block after the stage of side attention_at.
//
// Layouts (f = features, C = channels, z = z_dim); convs followed by BN have no bias:
//   28: G  z -> ConvT(z,4f,7,1,0) 7x7 -> ConvT(4f,2f,4,2,1) 14 -> ConvT(2f,C,4,2,1) 28, tanh
//       D  C -> Conv(C,2f,4,2,1) 14 -> Conv(2f,4f,4,2,1) 7 -> Conv(4f,1,7,1,0) 1x1
//   32: G  z -> ConvT(z,4f,4,1,0) 4 -> 2f 8 -> f 16 -> C 32        (k4 s2 p1 after the first)
//       D  C -> f 16 -> 2f 8 -> 4f 4 -> Conv(4f,1,4,1,0)
//   64: G  z -> ConvT(z,8f,4,1,0) 4 -> 4f 8 -> 2f 16 -> f 32 -> C 64
//       D  C -> f 32 -> 2f 16 -> 4f 8 -> 8f 4 -> Conv(8f,1,4,1,0)
// attention_at = s inserts nn::SelfAttention2d (SAGAN variant) after the hidden
// stage whose maps are s x s, after its activation: 32 with s = 16 gives
//   G  ... -> ConvT 2f->f 16x16, BN, ReLU -> Attn(f) -> ConvT f->C 32
//   D  C -> Conv C->f 16x16, LReLU -> Attn(f) -> Conv f->2f 8 -> ...
// Its 1x1 convs are spectrally normalized when the net's convs are.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gan/nn/layers.h"
#include "gan/nn/self_attention.h"
#include "gan/random.h"

namespace gan::models {

// Normalization of D's hidden convs: batch norm (Radford et al.); layer norm
// over [C, H, W] per image, or none — a critic under a gradient penalty must
// not couple the images of a batch (Gulrajani et al. 2017 §4), so WGAN-GP's
// critic uses one of these (a conv then keeps its bias when no norm follows).
// spectral: no batch norm; every conv of D (the head too) is wrapped in
// nn::SpectralNorm (Miyato et al. 2018: one power iteration per training
// forward, persistent u and v), its weight drawn from N(0, 0.02) before wrapping.
enum class DcganNorm { batch, layer, none, spectral };
// "batch", "layer", "none", "spectral"; else gan::Error listing them, led by
// `where`, the config key it came from (e.g. "config key 'd_norm' in table [dcgan]").
DcganNorm parse_dcgan_norm(const std::string& name, const std::string& where);
const char* dcgan_norm_name(DcganNorm n);

struct DcganOptions {
  int64_t image_size = 28;   // 28, 32 or 64
  int64_t channels = 1;
  int64_t z_dim = 100;
  int64_t features_g = 32;   // f of G (28x28: 128 and 64 channels)
  int64_t features_d = 32;   // f of D
  int64_t outputs = 1;       // D's last conv: 1 logit, or 1 + K (ACGAN's class head), or K (semi-supervised)
  DcganNorm d_norm = DcganNorm::batch;  // D's hidden normalization
  double d_slope = 0.2;      // D's LeakyReLU slope (the paper: 0.2; SNGAN: 0.1)
  int64_t d_minibatch_stddev = 0;  // > 0: D's features get ProGAN's minibatch stddev channel
                                   // (this group size) before its last conv
  bool g_spectral = false;   // every conv of G wrapped in nn::SpectralNorm, batch norm kept (SAGAN)
  int64_t attention_at = 0;  // side of the hidden stage followed by self-attention in G and D; 0 = none
  nn::AttentionVariant attention_variant = nn::AttentionVariant::sagan;  // BigGAN's D: biggan (C/2 values, W_o)
};

// Throws gan::Error naming the field if an option is out of range.
void check_dcgan_options(const DcganOptions& o);
// G's channel widths from the input side: 28 -> {4f, 2f}, 32 -> {4f, 2f, f},
// 64 -> {8f, 4f, 2f, f} (D uses them reversed); the first stage's kernel
// (28: 7x7 from 1x1, else 4x4).
std::vector<int64_t> dcgan_widths(int64_t image_size, int64_t f);
int64_t dcgan_base_kernel(int64_t image_size);
// The sides of the hidden stages (G's, from z: 32 -> {4, 8, 16}; D's are the
// same sides from the image: {16, 8, 4}) — where attention_at may point.
std::vector<int64_t> dcgan_hidden_sides(int64_t image_size);
// A transposed conv's options as the DCGAN generators use them.
nn::ConvTranspose2dOptions dcgan_convt(int64_t stride, int64_t padding, bool bias);

// z [N, z_dim] (or [N, z_dim, 1, 1]) -> images [N, C, S, S] in (-1, 1).
class DcganGenerator : public nn::Module {
 public:
  // Builds the layers and applies dcgan_init with `gen`.
  DcganGenerator(const DcganOptions& o, Generator& gen);
  Tensor forward(const Tensor& z) override;

  DcganOptions options;
  std::shared_ptr<nn::Sequential> main;
};

// images [N, C, S, S] -> one logit per image [N] (outputs = 1) or [N, outputs].
// forward(x) = head(features(x)): features are the activations before the last
// conv, [N, w, k, k] (28: w = 4f, k = 7; 32/64: k = 4), which conditional and
// feature-matching systems read.
class DcganDiscriminator : public nn::Module {
 public:
  DcganDiscriminator(const DcganOptions& o, Generator& gen);
  Tensor forward(const Tensor& x) override;
  Tensor features(const Tensor& x);     // [N, w, k, k]
  Tensor head(const Tensor& features);  // [N] or [N, outputs]

  DcganOptions options;
  std::shared_ptr<nn::Sequential> main;
};

}  // namespace gan::models
