// BigganGenerator (biggan_nets.h): DCGAN stages, shared-embedding CBN, skip-z.
#include "gan/models/biggan_nets.h"

#include <string>

#include "gan/nn/init.h"
#include "gan/ops.h"

namespace gan::models {

int64_t biggan_z_chunks(int64_t image_size) {
  return static_cast<int64_t>(dcgan_widths(image_size, 1).size()) + 1;
}

void check_biggan_g_options(const BigganGOptions& o) {
  check_dcgan_options(o.net);
  GAN_CHECK(o.num_classes >= 1, "biggan: G needs class labels (num_classes >= 1), got ", o.num_classes);
  GAN_CHECK(o.shared_dim >= 1, "biggan: shared_dim must be >= 1, got ", o.shared_dim);
  const int64_t n = biggan_z_chunks(o.net.image_size);
  GAN_CHECK(o.net.z_dim % n == 0, "biggan: z_dim must split into ", n, " equal chunks (", n - 1,
            " stages + the first conv) at ", o.net.image_size, "x", o.net.image_size, ", got ", o.net.z_dim);
}

BigganGenerator::BigganGenerator(const BigganGOptions& o, Generator& gen)
    : Module("BigganGenerator"), options(o), chunk(0) {
  check_biggan_g_options(o);
  const DcganOptions& d = o.net;
  chunk = d.z_dim / biggan_z_chunks(d.image_size);
  const std::vector<int64_t> w = dcgan_widths(d.image_size, d.features_g);
  shared = std::make_shared<nn::Embedding>(o.num_classes, o.shared_dim, gen);  // N(0, 1), as torch's nn.Embedding
  register_module("shared", shared);
  auto sn_convt = [&](int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad, bool bias) {
    auto c = std::make_shared<nn::ConvTranspose2d>(in, out, k, gen, dcgan_convt(stride, pad, bias));
    nn::init::normal_(c->weight, gen, 0.0, 0.02);
    if (c->bias.defined()) nn::init::zeros_(c->bias);
    return nn::spectral_norm(c, gen);
  };
  int64_t side = dcgan_base_kernel(d.image_size);
  for (size_t i = 0; i < w.size(); ++i, side *= 2) {
    // Stage 0: [N, chunk, 1, 1] -> [N, w0, k0, k0]; later stages double H and W. No bias: BN follows.
    convs.push_back(i == 0 ? sn_convt(chunk, w[0], side, 1, 0, false) : sn_convt(w[i - 1], w[i], 4, 2, 1, false));
    norms.push_back(std::make_shared<nn::ConditionalBatchNorm2d>(
        w[i], o.shared_dim + chunk, nn::CondSource::linear_projection, gen, 1e-5, 0.1, DType::f32, o.spectral_cbn));
    register_module("conv" + std::to_string(i), convs.back());
    register_module("norm" + std::to_string(i), norms.back());
    if (side == d.attention_at) {
      attention = std::make_shared<nn::SelfAttention2d>(w[i], gen, nn::AttentionVariant::biggan, DType::f32, true);
      attention_stage = static_cast<int64_t>(i);
      register_module("attention", attention);
    }
  }
  convs.push_back(sn_convt(w.back(), d.channels, 4, 2, 1, true));
  register_module("conv" + std::to_string(w.size()), convs.back());
}

std::vector<Tensor> BigganGenerator::z_chunks(const Tensor& z) const {
  std::vector<Tensor> out;
  for (int64_t s = 0; s < options.net.z_dim; s += chunk) out.push_back(ops::slice(z, 1, s, s + chunk));
  return out;
}

Tensor BigganGenerator::forward(const Tensor& z, const Tensor& y) {
  GAN_CHECK(z.dim() == 2 && z.size(1) == options.net.z_dim, "BigganGenerator: expected z [N, ", options.net.z_dim,
            "], got ", shape_str(z.shape()));
  GAN_CHECK(y.defined() && y.dim() == 1 && y.size(0) == z.size(0) && y.dtype() == DType::i64,
            "BigganGenerator: expected labels [", z.size(0), "] i64, got ",
            y.defined() ? shape_str(y.shape()) : std::string("none"));
  const int64_t n = z.size(0);
  const std::vector<Tensor> zs = z_chunks(z);
  const Tensor e = (*shared)(y);  // [N, shared_dim]
  Tensor h = zs[0].reshape({n, chunk, 1, 1});
  for (size_t i = 0; i < norms.size(); ++i) {
    h = ops::relu((*norms[i])((*convs[i])(h), ops::cat({e, zs[i + 1]}, 1)));
    if (static_cast<int64_t>(i) == attention_stage) h = (*attention)(h);
  }
  return ops::tanh((*convs.back())(h));
}

std::vector<Tensor> spectral_weight_matrices(nn::Module& m) {
  std::vector<Tensor> out;
  for (const auto& [name, child] : m.named_modules()) {
    auto* sn = dynamic_cast<nn::SpectralNorm*>(child.get());
    if (sn == nullptr) continue;
    const Tensor& w = sn->weight_orig;
    const Tensor rows_first = sn->dim == 0 ? w : ops::transpose(w, 0, sn->dim);
    const int64_t rows = w.size(sn->dim);
    out.push_back(rows_first.reshape({rows, w.numel() / rows}));
  }
  return out;
}

}  // namespace gan::models
