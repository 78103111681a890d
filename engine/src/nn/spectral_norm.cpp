// SpectralNorm wrapper (gan/nn/spectral_norm.h): PyTorch's
// torch.nn.utils.spectral_norm on top of ops::spectral_norm_weight.
#include "gan/nn/spectral_norm.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "gan/autograd.h"
#include "gan/ops.h"

namespace gan::nn {

namespace {

// normalize(N(0, 1)) of length n in the weight's dtype, on the weight's device,
// drawn as torch does: new_empty(n).normal_(0, 1), then F.normalize(eps).
Tensor random_unit(int64_t n, const Tensor& like, Generator& gen, double eps) {
  NoGradGuard ng;
  Tensor r = Tensor::randn({n}, gen, Options{DType::f64});
  const double norm = std::sqrt(ops::sum(ops::square(r)).item());
  r = ops::mul(r, 1.0 / std::max(norm, eps));
  return r.to(like.dtype()).to(like.device()).detach();
}

std::string wrapper_name(const ModulePtr& layer) {
  GAN_CHECK(layer != nullptr, "SpectralNorm: the layer to wrap is null");
  return "SpectralNorm(" + layer->type_name() + ")";
}

}  // namespace

SpectralNorm::SpectralNorm(ModulePtr layer_, Tensor* weight_slot, Tensor bias, int64_t dim_, Generator& gen,
                           int n_iter, double eps_)
    : Module(wrapper_name(layer_)), layer(std::move(layer_)), dim(dim_),
      n_power_iterations(n_iter), eps(eps_), weight_slot_(weight_slot) {
  GAN_CHECK(n_iter >= 1, type_name(), ": n_power_iterations must be >= 1, got ", n_iter);
  GAN_CHECK(eps > 0, type_name(), ": eps must be positive, got ", eps);
  const Tensor w = *weight_slot_;
  GAN_CHECK(w.defined() && w.dim() > dim, type_name(), ": the layer has no weight with a dim ", dim);
  const int64_t rows = w.size(dim);
  const int64_t cols = w.numel() / rows;
  // PyTorch's order after spectral_norm(): bias, weight_orig; then the buffers.
  register_parameter("bias", bias);
  weight_orig = register_parameter("weight_orig", w);
  weight_u = register_buffer("weight_u", random_unit(rows, w, gen, eps));
  weight_v = register_buffer("weight_v", random_unit(cols, w, gen, eps));
}

SpectralNorm::SpectralNorm(std::shared_ptr<Linear> l, Generator& gen, int n_iter, double eps_)
    : SpectralNorm(l, l ? &l->weight : nullptr, l ? l->bias : Tensor(), 0, gen, n_iter, eps_) {}
SpectralNorm::SpectralNorm(std::shared_ptr<Conv2d> l, Generator& gen, int n_iter, double eps_)
    : SpectralNorm(l, l ? &l->weight : nullptr, l ? l->bias : Tensor(), 0, gen, n_iter, eps_) {}
SpectralNorm::SpectralNorm(std::shared_ptr<ConvTranspose2d> l, Generator& gen, int n_iter, double eps_)
    : SpectralNorm(l, l ? &l->weight : nullptr, l ? l->bias : Tensor(), 1, gen, n_iter, eps_) {}
SpectralNorm::SpectralNorm(std::shared_ptr<Embedding> l, Generator& gen, int n_iter, double eps_)
    : SpectralNorm(l, l ? &l->weight : nullptr, Tensor(), 0, gen, n_iter, eps_) {}

Tensor SpectralNorm::compute_weight(Tensor* sigma_out) {
  Tensor w = ops::spectral_norm_weight(weight_orig, weight_u, weight_v, n_power_iterations, is_training(), dim, eps,
                                       sigma_out);
  *weight_slot_ = w;
  return w;
}

Tensor SpectralNorm::forward(const Tensor& x) {
  compute_weight();
  return layer->forward(x);
}

}  // namespace gan::nn
