// DCGAN generator and discriminator: the layer stacks of dcgan.h built from
// the image size, then initialized with the paper's N(0, 0.02) rule.
#include "gan/models/dcgan.h"

#include <algorithm>

#include "gan/nn/init.h"
#include "gan/nn/self_attention.h"
#include "gan/nn/spectral_norm.h"
#include "gan/ops/style.h"

namespace gan::models {

DcganNorm parse_dcgan_norm(const std::string& name, const std::string& where) {
  if (name == "batch") return DcganNorm::batch;
  if (name == "layer") return DcganNorm::layer;
  if (name == "none") return DcganNorm::none;
  if (name == "spectral") return DcganNorm::spectral;
  throw Error(where + ": expected batch, layer, none or spectral, got \"" + name + "\"");
}

const char* dcgan_norm_name(DcganNorm n) {
  switch (n) {
    case DcganNorm::batch: return "batch";
    case DcganNorm::layer: return "layer";
    case DcganNorm::none: return "none";
    case DcganNorm::spectral: return "spectral";
  }
  return "?";
}

void check_dcgan_options(const DcganOptions& o) {
  GAN_CHECK(o.image_size == 28 || o.image_size == 32 || o.image_size == 64,
            "dcgan: image_size must be 28, 32 or 64, got ", o.image_size);
  GAN_CHECK(o.channels >= 1, "dcgan: channels must be >= 1, got ", o.channels);
  GAN_CHECK(o.z_dim >= 1, "dcgan: z_dim must be >= 1, got ", o.z_dim);
  GAN_CHECK(o.features_g >= 1, "dcgan: features_g must be >= 1, got ", o.features_g);
  GAN_CHECK(o.features_d >= 1, "dcgan: features_d must be >= 1, got ", o.features_d);
  GAN_CHECK(o.outputs >= 1, "dcgan: outputs must be >= 1, got ", o.outputs);
  GAN_CHECK(o.d_minibatch_stddev >= 0, "dcgan: d_minibatch_stddev must be >= 0, got ", o.d_minibatch_stddev);
  if (o.attention_at == 0) return;
  const std::vector<int64_t> sides = dcgan_hidden_sides(o.image_size);
  const auto at = std::find(sides.begin(), sides.end(), o.attention_at);
  std::string list;
  for (int64_t s : sides) list += (list.empty() ? "" : ", ") + std::to_string(s);
  GAN_CHECK(at != sides.end(), "dcgan: attention_at must be 0 or the side of a hidden stage of the ", o.image_size,
            "x", o.image_size, " nets (", list, "), got ", o.attention_at);
  // D mirrors G: the stage of side sides[i] has widths[i] channels in both nets.
  const size_t i = static_cast<size_t>(at - sides.begin());
  const int64_t wg = dcgan_widths(o.image_size, o.features_g)[i];
  const int64_t wd = dcgan_widths(o.image_size, o.features_d)[i];
  GAN_CHECK(wg % 8 == 0 && wd % 8 == 0, "dcgan: self-attention at ", o.attention_at, "x", o.attention_at,
            " needs a multiple of 8 channels (C/8 query/key channels); G has ", wg, " (features_g ", o.features_g,
            "), D has ", wd, " (features_d ", o.features_d, ")");
}

std::vector<int64_t> dcgan_hidden_sides(int64_t image_size) {
  std::vector<int64_t> sides;
  int64_t s = dcgan_base_kernel(image_size);
  for (size_t i = 0; i < dcgan_widths(image_size, 1).size(); ++i, s *= 2) sides.push_back(s);
  return sides;
}

std::vector<int64_t> dcgan_widths(int64_t image_size, int64_t f) {
  if (image_size == 28) return {4 * f, 2 * f};
  if (image_size == 32) return {4 * f, 2 * f, f};
  return {8 * f, 4 * f, 2 * f, f};
}

int64_t dcgan_base_kernel(int64_t image_size) { return image_size == 28 ? 7 : 4; }

nn::ConvTranspose2dOptions dcgan_convt(int64_t stride, int64_t padding, bool bias) {
  nn::ConvTranspose2dOptions o;
  o.stride = stride;
  o.padding = padding;
  o.bias = bias;
  return o;
}

namespace {

using nn::ModulePtr;

nn::Conv2dOptions conv(int64_t stride, int64_t padding, bool bias) {
  nn::Conv2dOptions o;
  o.stride = stride;
  o.padding = padding;
  o.bias = bias;
  return o;
}

}  // namespace

DcganGenerator::DcganGenerator(const DcganOptions& o, Generator& gen) : Module("DcganGenerator"), options(o) {
  check_dcgan_options(o);
  const std::vector<int64_t> w = dcgan_widths(o.image_size, o.features_g);
  main = std::make_shared<nn::Sequential>();
  // As in D: a normalized conv gets its N(0, 0.02) weight before wrapping.
  auto add_convt = [&](int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad, bool bias) {
    auto c = std::make_shared<nn::ConvTranspose2d>(in, out, k, gen, dcgan_convt(stride, pad, bias));
    if (!o.g_spectral) {
      main->push_back(c);
      return;
    }
    nn::init::normal_(c->weight, gen, 0.0, 0.02);
    if (c->bias.defined()) nn::init::zeros_(c->bias);
    main->push_back(nn::spectral_norm(c, gen));
  };
  // [N, z, 1, 1] -> [N, w0, k, k]; each later stage doubles H and W.
  int64_t side = dcgan_base_kernel(o.image_size);
  for (size_t i = 0; i < w.size(); ++i, side *= 2) {
    if (i == 0) add_convt(o.z_dim, w[0], side, 1, 0, false);
    else add_convt(w[i - 1], w[i], 4, 2, 1, false);
    main->push_back(std::make_shared<nn::BatchNorm2d>(w[i]));
    main->push_back(std::make_shared<nn::ReLU>());
    if (side == o.attention_at)
      main->push_back(std::make_shared<nn::SelfAttention2d>(w[i], gen, o.attention_variant, DType::f32, o.g_spectral));
  }
  add_convt(w.back(), o.channels, 4, 2, 1, true);
  main->push_back(std::make_shared<nn::Tanh>());
  register_module("main", main);
  nn::init::dcgan_init(*this, gen);
}

Tensor DcganGenerator::forward(const Tensor& z) {
  GAN_CHECK((z.dim() == 2 && z.size(1) == options.z_dim) ||
                (z.dim() == 4 && z.size(1) == options.z_dim && z.size(2) == 1 && z.size(3) == 1),
            "DcganGenerator: expected z [N, ", options.z_dim, "] or [N, ", options.z_dim, ", 1, 1], got ",
            shape_str(z.shape()));
  return main->forward(z.dim() == 4 ? z : z.reshape({z.size(0), options.z_dim, 1, 1}));
}

DcganDiscriminator::DcganDiscriminator(const DcganOptions& o, Generator& gen)
    : Module("DcganDiscriminator"), options(o) {
  check_dcgan_options(o);
  std::vector<int64_t> w = dcgan_widths(o.image_size, o.features_d);
  std::reverse(w.begin(), w.end());  // from the image side: 28 -> {2f, 4f}
  const bool spectral = o.d_norm == DcganNorm::spectral;
  main = std::make_shared<nn::Sequential>();
  // A spectrally normalized conv gets its N(0, 0.02) weight before wrapping:
  // SpectralNorm then owns it as weight_orig, which dcgan_init does not reach.
  auto add_conv = [&](int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad, bool bias) {
    auto c = std::make_shared<nn::Conv2d>(in, out, k, gen, conv(stride, pad, bias));
    if (!spectral) {
      main->push_back(c);
      return;
    }
    nn::init::normal_(c->weight, gen, 0.0, 0.02);
    nn::init::zeros_(c->bias);
    main->push_back(nn::spectral_norm(c, gen));
  };
  auto add_attention = [&](int64_t channels, int64_t side) {
    if (side == o.attention_at)
      main->push_back(std::make_shared<nn::SelfAttention2d>(channels, gen, o.attention_variant, DType::f32, spectral));
  };
  // First layer: no batch norm (the paper), so it keeps its bias.
  add_conv(o.channels, w[0], 4, 2, 1, true);
  main->push_back(std::make_shared<nn::LeakyReLU>(o.d_slope));
  add_attention(w[0], o.image_size / 2);
  for (size_t i = 1; i < w.size(); ++i) {
    add_conv(w[i - 1], w[i], 4, 2, 1, o.d_norm != DcganNorm::batch && o.d_norm != DcganNorm::layer);
    const int64_t side = o.image_size >> (i + 1);  // each conv halves: 28 -> 14 -> 7, 64 -> 32 -> ... -> 4
    if (o.d_norm == DcganNorm::batch) main->push_back(std::make_shared<nn::BatchNorm2d>(w[i]));
    if (o.d_norm == DcganNorm::layer) main->push_back(std::make_shared<nn::LayerNorm>(std::vector<int64_t>{w[i], side, side}));
    main->push_back(std::make_shared<nn::LeakyReLU>(o.d_slope));
    add_attention(w[i], side);
  }
  // [N, w_last (+ 1: minibatch stddev), k, k] -> [N, outputs, 1, 1]
  add_conv(w.back() + (o.d_minibatch_stddev > 0), o.outputs, dcgan_base_kernel(o.image_size), 1, 0, true);
  register_module("main", main);
  nn::init::dcgan_init(*this, gen);
}

Tensor DcganDiscriminator::features(const Tensor& x) {
  const int64_t s = options.image_size;
  GAN_CHECK(x.dim() == 4 && x.size(1) == options.channels && x.size(2) == s && x.size(3) == s,
            "DcganDiscriminator: expected images [N, ", options.channels, ", ", s, ", ", s, "], got ",
            shape_str(x.shape()));
  Tensor h = x;
  for (size_t i = 0; i + 1 < main->size(); ++i) h = (*(*main)[i])(h);
  // ProGAN: how much the batch varies, as one more feature map, so D can tell
  // a batch of too-similar fakes (mode collapse) from a real one.
  return options.d_minibatch_stddev > 0 ? ops::minibatch_stddev(h, options.d_minibatch_stddev) : h;
}

Tensor DcganDiscriminator::head(const Tensor& features) {
  const Tensor out = (*(*main)[main->size() - 1])(features);  // [N, outputs, 1, 1]
  return options.outputs == 1 ? out.reshape({features.size(0)}) : out.reshape({features.size(0), options.outputs});
}

Tensor DcganDiscriminator::forward(const Tensor& x) { return head(features(x)); }

}  // namespace gan::models
