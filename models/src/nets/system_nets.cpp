// Helpers shared by the system files (system_nets.h).
#include "system_nets.h"

#include <limits>

#include "gan/autograd.h"
#include "gan/ops.h"

namespace gan::models::nets {

std::vector<OptionSpec> dcgan_options() {
  return {
      {"z_dim", OptionType::integer, "100", "length of the noise vector z (Radford et al.: 100)"},
      {"features_g", OptionType::integer, "32", "G's width f (28x28: 100 -> 4f x 7 x 7 -> 2f x 14 x 14 -> C x 28 x 28)"},
      {"features_d", OptionType::integer, "32", "D's width f (28x28: C -> 2f x 14 x 14 -> 4f x 7 x 7 -> 1)"},
  };
}

DcganOptions dcgan_net(const SystemSetup& s, int64_t extra_z, int64_t extra_channels, int64_t outputs) {
  DcganOptions o;
  o.image_size = s.image_size;
  o.channels = s.channels + extra_channels;
  o.z_dim = s.options.integer("z_dim") + extra_z;
  o.features_g = s.options.integer("features_g");
  o.features_d = s.options.integer("features_d");
  o.outputs = outputs;
  return o;
}

Tensor normal_noise(int64_t n, int64_t z_dim, Generator& gen, Device device) {
  return Tensor::randn({n, z_dim}, gen, Options{}.with(device));
}

Latent conditional_latent(int64_t n, int64_t z_dim, int64_t k, Generator& gen, Device device, int64_t klass) {
  Tensor z = normal_noise(n, z_dim, gen, device);  // z first: the same draws as an unconditional system's
  return {z, sample_classes(n, k, gen, device, klass), {}};
}

Tensor one_hot(const Tensor& y, int64_t k) {
  GAN_CHECK(y.defined() && y.dim() == 1 && y.dtype() == DType::i64, "one_hot: expected labels [N] i64, got ",
            y.defined() ? shape_str(y.shape()) : std::string("none"));
  // The identity [k, k], made on y's device (an upload would wait for the
  // device's queued work: this runs several times a conditional GAN step).
  const Tensor ramp = Tensor::arange(k, Options{DType::f32, y.device()});
  const Tensor table = ops::eq(ramp.reshape({k, 1}), ramp.reshape({1, k}));
  return ops::embedding(y, table);  // rows of the identity (a bad label: embedding names it)
}

PlainDcgan::PlainDcgan(SystemSetup s)
    : GanSystem(std::move(s)), d_net_(dcgan_net(setup())), z_dim_(options().integer("z_dim")) {
  d_net_.channels *= setup().pack;  // PacGAN: pack samples stacked on channels
  d_net_.d_minibatch_stddev = setup().minibatch_stddev;
  if (options().has("d_norm")) {  // a system with the key (dcgan, r3gan, spheregan)
    const std::string where = "config key 'd_norm' in table [" + options().table() + "]";
    d_net_.d_norm = parse_dcgan_norm(options().string("d_norm"), where);
  }
}
PlainDcgan::PlainDcgan(SystemSetup s, const std::string&, int64_t d_outputs) : PlainDcgan(std::move(s)) {
  d_net_.outputs = d_outputs;
}

nn::ModulePtr PlainDcgan::make_generator(Generator& init) {
  return std::make_shared<DcganGenerator>(dcgan_net(setup()), init);
}
nn::ModulePtr PlainDcgan::make_discriminator(Generator& init) {
  return std::make_shared<DcganDiscriminator>(d_net_, init);
}
Latent PlainDcgan::sample_latent(int64_t n, Generator& gen, Device device, int64_t) {
  return {normal_noise(n, z_dim_, gen, device), {}, {}};
}
Tensor PlainDcgan::generate(nn::Module& G, const Latent& l) { return G(l.z); }
Judgement PlainDcgan::judge(nn::Module& D, const Tensor& x, const Tensor&) {
  auto& d = as<DcganDiscriminator>(D, "a DCGAN system");
  const Tensor h = d.features(x);  // D(x) = head(features(x)), as DcganDiscriminator::forward
  return {d.head(h), {}, h};  // features: the map [N, w, k, k]
}

void require_loss(const SystemSetup& s, LossKind kind, const char* system) {
  GAN_CHECK(s.loss == kind, "system '", system, "' trains with the ", loss_kind_name(kind), " loss of its paper: set ",
            "config key 'loss' = \"", loss_kind_name(kind), "\" (got \"", loss_kind_name(s.loss), "\")");
}

Tensor class_accuracy(const Tensor& logits, const Tensor& labels) {
  NoGradGuard ng;
  const Tensor l = logits.detach();  // [N, K]
  const int64_t k = l.size(1);
  const Tensor y = labels.to(l.device()).to(l.dtype());                          // [N], -1: unlabelled
  const Tensor labelled = ops::gt(y, -0.5);                                      // [N] 0 / 1
  // Unlabelled rows (-1) look up class 0 at weight 0; a label >= K is passed on (one_hot names it).
  const Tensor hot = one_hot(ops::clamp(y, 0, std::numeric_limits<double>::infinity()).to(DType::i64), k).to(l.dtype());  // [N, K]
  const Tensor at_label = ops::sum(l * hot, {1});                                // [N]
  const Tensor best_other = ops::max(l - hot * 1e30, {1});                       // [N] (-1e30 when K = 1)
  const Tensor hits = ops::sum(ops::gt(at_label, best_other) * labelled);        // []
  return hits / ops::clamp(ops::sum(labelled), 1, static_cast<double>(l.size(0) + 1));
}

}  // namespace gan::models::nets
