// CondDcganGenerator (cond_dcgan.h): DCGAN's stages with class-conditional BN.
#include "gan/models/cond_dcgan.h"

#include <string>

#include "gan/nn/init.h"
#include "gan/ops.h"
#include "system_nets.h"

namespace gan::models {

CondDcganGenerator::CondDcganGenerator(const DcganOptions& o, int64_t k, Generator& gen, bool class_input)
    : Module("CondDcganGenerator"), options(o), num_classes(k), class_input(class_input) {
  check_dcgan_options(o);
  GAN_CHECK(k >= 1, "CondDcganGenerator: num_classes must be >= 1, got ", k);
  const std::vector<int64_t> w = dcgan_widths(o.image_size, o.features_g);
  const int64_t k0 = dcgan_base_kernel(o.image_size);
  for (size_t i = 0; i < w.size(); ++i) {
    // Stage 0: [N, z (+ K), 1, 1] -> [N, w0, k0, k0]; later stages double H and W.
    convs.push_back(i == 0 ? std::make_shared<nn::ConvTranspose2d>(o.z_dim + (class_input ? k : 0), w[0], k0, gen, dcgan_convt(1, 0, false))
                           : std::make_shared<nn::ConvTranspose2d>(w[i - 1], w[i], 4, gen, dcgan_convt(2, 1, false)));
    norms.push_back(std::make_shared<nn::ConditionalBatchNorm2d>(w[i], k, nn::CondSource::class_embedding, gen));
    register_module("conv" + std::to_string(i), convs.back());
    register_module("norm" + std::to_string(i), norms.back());
  }
  convs.push_back(std::make_shared<nn::ConvTranspose2d>(w.back(), o.channels, 4, gen, dcgan_convt(2, 1, true)));
  register_module("conv" + std::to_string(w.size()), convs.back());
  nn::init::dcgan_init(*this, gen);  // convs N(0, 0.02); the class tables keep 1 / 0
}

Tensor CondDcganGenerator::forward(const Tensor& z, const Tensor& y) {
  GAN_CHECK(z.dim() == 2 && z.size(1) == options.z_dim, "CondDcganGenerator: expected z [N, ", options.z_dim,
            "], got ", shape_str(z.shape()));
  GAN_CHECK(y.defined() && y.dim() == 1 && y.size(0) == z.size(0) && y.dtype() == DType::i64,
            "CondDcganGenerator: expected labels [", z.size(0), "] i64, got ",
            y.defined() ? shape_str(y.shape()) : std::string("none"));
  const Tensor in = class_input ? ops::cat({z, nets::one_hot(y, num_classes)}, 1) : z;
  Tensor h = in.reshape({z.size(0), in.size(1), 1, 1});
  for (size_t i = 0; i < norms.size(); ++i) h = ops::relu((*norms[i])((*convs[i])(h), y));
  return ops::tanh((*convs.back())(h));
}

}  // namespace gan::models
