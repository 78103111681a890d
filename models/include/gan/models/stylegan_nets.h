// StyleGAN-lite's nets (Karras, Laine & Aila 2019, A style-based generator
// architecture for GANs; with StyleGAN2's weight demodulation as an option,
// Karras et al. 2020, Analyzing and improving the image quality of StyleGAN),
// at 28x28 / 32x32 / 64x64 without progressive growing.
//
// Mapping  z [N, z_dim] -> PixelNorm -> mapping_layers x (EqualizedLinear(w_dim,
//          lr_mul) -> leaky 0.2 x sqrt 2) -> w [N, w_dim]  (w_dim = z_dim).
//          lr_mul 0.01 (the paper): the mapping learns 100x slower than the
//          synthesis (equalized.h stores its weights as N(0, 1 / lr_mul^2)).
// Synthesis from a learned constant [1, C(s0), s0, s0], s0 = 4 (7 at 28x28),
// doubling to the image size: 32x32 has sides {4, 8, 16, 32}, two style
// layers per side, so num_ws = 8; layer i reads w_i [N, w_dim] and noise map i
// [N, 1, s, s]. Widths C(s) = min(4f, f * S / s), f = features:
// 32x32, f = 16 -> 64, 64, 32, 16.
//   adain (StyleGAN): layer 0 = const; every other layer = [bilinear x2 up
//          on the first layer of a side] EqualizedConv2d 3x3 (with bias) ->
//          then, fused in ops::noise_adain: + noise_scale[c] * noise ->
//          leaky 0.2 -> AdaIN(gamma = 1 + s[:, :C], beta = s[:, C:]), s =
//          Linear(w_i) (nn::AdaIN's style). Layer 0 adds a learned bias [C]
//          before the noise instead of a conv. Output: one EqualizedConv2d 1x1
//          toRGB on the last layer (StyleGAN without growing), linear.
//   demod (StyleGAN2): every layer (layer 0 on the constant) = [bilinear x2
//          up] ModulatedConv2d 3x3 (style = affine(w_i), demodulated) ->
//          + noise_scale[c] * noise -> + bias -> leaky 0.2 x sqrt 2. Output:
//          StyleGAN2's skip generator: per side a ModulatedConv2d 1x1 toRGB
//          (not demodulated, + bias) reading that side's second w, summed
//          into rgb = up(rgb) + toRGB_s(h), linear.
//   The bilinear up-sampling stands in for StyleGAN's nearest x2 + [1 2 1]
//   blur (a low-pass of the same kind, one op).
// Every noise scale is zero-initialized (StyleGAN), so at init the noise
// changes nothing.
//
// w_avg [w_dim], a buffer: an EMA (decay 0.995) of the batch mean of the
// mapping's outputs, updated by every forward of the mapping in training mode;
// the truncation trick in W pulls w toward it: w' = w_avg + psi (w - w_avg).
//
// D (StyleganDiscriminator): fromRGB EqualizedConv2d 1x1 -> per side S .. 2 s0
// two EqualizedConv2d 3x3 (C(s) -> C(s) -> C(s / 2)) then avg-pool 2 -> at s0
// minibatch stddev (group mbstd_group; 0 = off) -> EqualizedConv2d 3x3 ->
// flatten -> EqualizedLinear(C s0^2, C) -> EqualizedLinear(C, 1); leaky 0.2 x
// sqrt 2 after every conv and the first linear; no normalization (R1 is per
// sample).
//
// The randomness of one sample lives in its latent, not in the forward pass
// (generate draws nothing, so the Trainer's checkpointed streams make runs
// resume exactly): StyleganCodes packs it into Latent::c.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gan/nn/equalized.h"
#include "gan/nn/module.h"
#include "gan/nn/style.h"
#include "gan/random.h"
#include "gan/tensor.h"

namespace gan::models {

enum class StyleModulation { adain, demod };
// "adain" or "demod"; anything else -> gan::Error listing both.
StyleModulation parse_style_modulation(const std::string& name);

struct StyleganGOptions {
  int64_t image_size = 32;  // 28, 32 or 64
  int64_t channels = 1;
  int64_t w_dim = 128;      // = z_dim
  int64_t mapping_layers = 4;
  double mapping_lr_mul = 0.01;
  int64_t features = 16;    // f of the widths C(s) = min(4f, f S / s)
  StyleModulation modulation = StyleModulation::adain;
};

struct StyleganDOptions {
  int64_t image_size = 32;
  int64_t channels = 1;
  int64_t features = 16;
  int64_t mbstd_group = 4;  // 0 = no minibatch stddev
};

// The sides of the synthesis: 28 -> {7, 14, 28}, 32 -> {4, 8, 16, 32}, 64 -> {4, .., 64}.
std::vector<int64_t> stylegan_sides(int64_t image_size);
// C(s) = min(4f, f * image_size / s).
int64_t stylegan_width(int64_t side, int64_t image_size, int64_t f);

// The random part of a StyleGAN latent beyond z, in Latent::c [N, K] f32,
// columns in this order:
//   noise      [N, sum_i s_i^2]  the per-pixel noise maps of style layers
//                                0 .. num_ws-1, each s_i x s_i flattened
//                                row-major (32x32: 2 x (16+64+256+1024) = 2720)
//   z2         [N, z_dim]        the second latent of style mixing
//   crossover  [N, 1]            k as a float: layers < k read w(z), layers >= k
//                                read w(z2); k = num_ws is no mixing
// K = noise + z_dim + 1 (32x32, z_dim 128: 2849).
struct StyleganCodes {
  Tensor noise, z2, crossover;
};
int64_t stylegan_noise_numel(int64_t image_size);  // sum_i s_i^2 over the style layers
Tensor pack_stylegan_codes(const StyleganCodes& c);  // -> [N, K]
// c [N, K] -> its parts (slices, on c's device); gan::Error naming the
// expected width otherwise.
StyleganCodes unpack_stylegan_codes(const Tensor& c, int64_t image_size, int64_t z_dim);

class MappingNetwork : public nn::Module {
 public:
  MappingNetwork(int64_t w_dim, int64_t layers, double lr_mul, Generator& gen);
  Tensor forward(const Tensor& z) override;  // [N, w_dim] -> [N, w_dim]

  std::vector<std::shared_ptr<nn::EqualizedLinear>> layers;
};

class StyleganGenerator : public nn::Module {
 public:
  StyleganGenerator(const StyleganGOptions& o, Generator& gen);

  int64_t num_ws() const { return 2 * static_cast<int64_t>(sides.size()); }
  int64_t noise_numel() const;  // stylegan_noise_numel(image_size)

  // z [N, w_dim] -> w [N, w_dim]; in training mode also moves w_avg toward
  // the batch mean of w (decay kWAvgDecay, no graph).
  Tensor map(const Tensor& z);
  // w' = w_avg + psi (w - w_avg) (psi = 1: w itself, the same tensor).
  Tensor truncate(const Tensor& w, double psi) const;
  // The per-layer styles of a latent: ws[i] = w(z) where i < crossover[n],
  // else w(z2) (crossover [N, 1] as in StyleganCodes; undefined z2: no mixing).
  std::vector<Tensor> styles(const Tensor& z, const Tensor& z2 = {}, const Tensor& crossover = {});
  // ws: num_ws tensors [N, w_dim]; noise [N, noise_numel()] -> images [N, C, S, S] (linear output).
  Tensor synthesize(const std::vector<Tensor>& ws, const Tensor& noise);

  static constexpr double kWAvgDecay = 0.995;

  StyleganGOptions options;
  std::vector<int64_t> sides;  // of the synthesis, s0 .. image_size
  std::shared_ptr<MappingNetwork> mapping;
  Tensor const_input;          // [1, C(s0), s0, s0], N(0, 1)
  Tensor w_avg;                // [w_dim] buffer
  // Per style layer i (num_ws of each; unused entries null / undefined):
  std::vector<std::shared_ptr<nn::EqualizedConv2d>> convs;     // adain: layers 1..; [0] null
  std::vector<std::shared_ptr<nn::AdaIN>> adains;              // adain: every layer (its style Linear)
  std::vector<std::shared_ptr<nn::ModulatedConv2d>> modconvs;  // demod: every layer
  std::vector<std::shared_ptr<nn::NoiseInjection>> noises;     // every layer: weight [C], zeros
  std::vector<Tensor> biases;                                  // demod: every layer; adain: layer 0 only
  std::shared_ptr<nn::EqualizedConv2d> to_rgb;                 // adain
  std::vector<std::shared_ptr<nn::ModulatedConv2d>> to_rgbs;   // demod: one per side
  std::vector<Tensor> rgb_biases;                              // demod: [channels] per side
};

class StyleganDiscriminator : public nn::Module {
 public:
  StyleganDiscriminator(const StyleganDOptions& o, Generator& gen);
  Tensor forward(const Tensor& x) override;  // [N, C, S, S] -> [N] logits
  // The same pass, also returning the penultimate features [N, C(s0)].
  Tensor forward(const Tensor& x, Tensor* features);

  StyleganDOptions options;
  std::vector<int64_t> sides;
  std::shared_ptr<nn::EqualizedConv2d> from_rgb;
  std::vector<std::shared_ptr<nn::EqualizedConv2d>> convs;  // two per side above s0
  std::shared_ptr<nn::MinibatchStdDev> mbstd;               // null when mbstd_group = 0
  std::shared_ptr<nn::EqualizedConv2d> final_conv;
  std::shared_ptr<nn::EqualizedLinear> fc, out;
};

}  // namespace gan::models
