// DCGAN generator and discriminator: the layer stacks of dcgan.h built from
// the image size, then initialized with the paper's N(0, 0.02) rule.
#include "gan/models/dcgan.h"

#include <algorithm>

#include "gan/nn/init.h"
#include "gan/nn/spectral_norm.h"
#include "gan/ops/style.h"

namespace gan::models {

DcganNorm parse_dcgan_norm(const std::string& name) {
  if (name == "batch") return DcganNorm::batch;
  if (name == "layer") return DcganNorm::layer;
  if (name == "none") return DcganNorm::none;
  if (name == "spectral") return DcganNorm::spectral;
  throw Error("unknown normalization '" + name + "' (expected one of: batch, layer, none, spectral)");
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
  // [N, z, 1, 1] -> [N, w0, k, k]
  main->push_back(std::make_shared<nn::ConvTranspose2d>(o.z_dim, w[0], dcgan_base_kernel(o.image_size), gen, dcgan_convt(1, 0, false)));
  main->push_back(std::make_shared<nn::BatchNorm2d>(w[0]));
  main->push_back(std::make_shared<nn::ReLU>());
  // Each stage doubles H and W.
  for (size_t i = 1; i < w.size(); ++i) {
    main->push_back(std::make_shared<nn::ConvTranspose2d>(w[i - 1], w[i], 4, gen, dcgan_convt(2, 1, false)));
    main->push_back(std::make_shared<nn::BatchNorm2d>(w[i]));
    main->push_back(std::make_shared<nn::ReLU>());
  }
  main->push_back(std::make_shared<nn::ConvTranspose2d>(w.back(), o.channels, 4, gen, dcgan_convt(2, 1, true)));
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
  // First layer: no batch norm (the paper), so it keeps its bias.
  add_conv(o.channels, w[0], 4, 2, 1, true);
  main->push_back(std::make_shared<nn::LeakyReLU>(o.d_slope));
  for (size_t i = 1; i < w.size(); ++i) {
    add_conv(w[i - 1], w[i], 4, 2, 1, o.d_norm != DcganNorm::batch && o.d_norm != DcganNorm::layer);
    const int64_t side = o.image_size >> (i + 1);  // each conv halves: 28 -> 14 -> 7, 64 -> 32 -> ... -> 4
    if (o.d_norm == DcganNorm::batch) main->push_back(std::make_shared<nn::BatchNorm2d>(w[i]));
    if (o.d_norm == DcganNorm::layer) main->push_back(std::make_shared<nn::LayerNorm>(std::vector<int64_t>{w[i], side, side}));
    main->push_back(std::make_shared<nn::LeakyReLU>(o.d_slope));
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
