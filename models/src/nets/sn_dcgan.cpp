#include "sn_dcgan.h"

#include <algorithm>

#include "gan/nn/init.h"
#include "gan/nn/spectral_norm.h"

namespace gan::models::nets {

SnDcganDiscriminator::SnDcganDiscriminator(const DcganOptions& o, bool sn, double slope, Generator& gen)
    : Module("SnDcganDiscriminator"), options(o), spectral_norm(sn) {
  check_dcgan_options(o);
  std::vector<int64_t> w = dcgan_widths(o.image_size, o.features_d);
  std::reverse(w.begin(), w.end());  // from the image side: 32 -> {f, 2f, 4f}
  main = std::make_shared<nn::Sequential>();
  // N(0, 0.02) as DCGAN, drawn before wrapping (SpectralNorm then owns the
  // weight as weight_orig; its scale no longer matters once divided by sigma).
  auto add_conv = [&](int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad) {
    nn::Conv2dOptions c;
    c.stride = stride;
    c.padding = pad;
    c.bias = true;  // no batch norm follows, so every conv keeps its bias
    auto conv = std::make_shared<nn::Conv2d>(in, out, k, gen, c);
    nn::init::normal_(conv->weight, gen, 0.0, 0.02);
    nn::init::zeros_(conv->bias);
    if (sn) {
      main->push_back(nn::spectral_norm(conv, gen));
    } else {
      main->push_back(conv);
    }
  };
  add_conv(o.channels, w[0], 4, 2, 1);
  main->push_back(std::make_shared<nn::LeakyReLU>(slope));
  for (size_t i = 1; i < w.size(); ++i) {
    add_conv(w[i - 1], w[i], 4, 2, 1);
    main->push_back(std::make_shared<nn::LeakyReLU>(slope));
  }
  add_conv(w.back(), o.outputs, dcgan_base_kernel(o.image_size), 1, 0);  // [N, w, k, k] -> [N, outputs, 1, 1]
  register_module("main", main);
}

Tensor SnDcganDiscriminator::features(const Tensor& x) {
  const int64_t s = options.image_size;
  GAN_CHECK(x.dim() == 4 && x.size(1) == options.channels && x.size(2) == s && x.size(3) == s,
            "SnDcganDiscriminator: expected images [N, ", options.channels, ", ", s, ", ", s, "], got ",
            shape_str(x.shape()));
  Tensor h = x;
  for (size_t i = 0; i + 1 < main->size(); ++i) h = (*(*main)[i])(h);
  return h;
}

Tensor SnDcganDiscriminator::head(const Tensor& features) {
  const Tensor out = (*(*main)[main->size() - 1])(features);
  return options.outputs == 1 ? out.reshape({features.size(0)}) : out.reshape({features.size(0), options.outputs});
}

Tensor SnDcganDiscriminator::forward(const Tensor& x) { return head(features(x)); }

}  // namespace gan::models::nets
