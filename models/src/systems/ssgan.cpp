// Self-supervised GAN (Chen, Zhai, Ritter, Lucic & Houlsby 2019): D also
// predicts which of 4 rotations (0, 90, 180, 270 degrees) an image was turned
// by — a 4-way linear head on D's penultimate features beside the real/fake
// one (the DCGAN D with 1 + 4 outputs) — so D keeps learning features that do
// not depend on the current G, which the paper finds mitigates discriminator
// forgetting. With Q_D the rotation softmax and x^r an image rotated by r:
//   L_D = adv_D(real, fake) + beta  * E_x E_r [-log Q_D(r | x^r)]      (real images only)
//   L_G = adv_G(fake)       + alpha * E_z E_r [-log Q_D(r | G(z)^r)]
// beta = 1, alpha = 0.2 (the paper's values). Every image of the batch is used
// at all 4 rotations (rotation 0 is the adversarial judgement's own forward).
// Logged: rotation_loss_real / rotation_acc_real (D step), rotation_loss_fake /
// rotation_acc_fake (G step). The paper's claim metric, a linear probe of D's
// features, is the run key probe_samples (eval/probe.h): any system can log it.
#include <memory>
#include <vector>

#include "../nets/system_nets.h"
#include "gan/autograd.h"
#include "gan/models/registry.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

class Ssgan : public GanSystem {
 public:
  explicit Ssgan(SystemSetup s)
      : GanSystem(std::move(s)),
        z_dim_(options().integer("z_dim")),
        beta_(options().number("rotation_weight_d")),
        alpha_(options().number("rotation_weight_g")) {
    GAN_CHECK(beta_ >= 0, "config key 'rotation_weight_d' in table [ssgan]: must be >= 0 (the paper: 1), got ", beta_);
    GAN_CHECK(alpha_ >= 0, "config key 'rotation_weight_g' in table [ssgan]: must be >= 0 (the paper: 0.2), got ",
              alpha_);
    GAN_CHECK(setup().image_size >= 2, "system 'ssgan' rotates images: image_size must be >= 2");
  }

  nn::ModulePtr make_generator(Generator& init) override {
    return std::make_shared<DcganGenerator>(nets::dcgan_net(setup()), init);
  }
  nn::ModulePtr make_discriminator(Generator& init) override {
    return std::make_shared<DcganDiscriminator>(nets::dcgan_net(setup(), 0, 0, 1 + kRotations), init);
  }
  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t) override {
    return {nets::normal_noise(n, z_dim_, gen, device), {}, {}};
  }
  Tensor generate(nn::Module& G, const Latent& l) override { return G(l.z); }
  // D(x) [N, 1 + 4] -> adv [N] (column 0), the rotation logits [N, 4] (as class_logits), features [N, w, k, k].
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor&) override {
    auto& d = nets::as<DcganDiscriminator>(D, "ssgan");
    const Tensor h = d.features(x);
    const Tensor out = d.head(h);
    return {ops::slice(out, 1, 0, 1).reshape({x.size(0)}), ops::slice(out, 1, 1, 1 + kRotations), h};
  }

  LossOut d_loss(const DLossInput& in) override {
    const Rotation r = rotation_loss(in.D, in.real_images, in.real.class_logits);
    return {models::d_loss(setup().loss, in.real.adv, in.fake.adv) + beta_ * r.loss,
            {{"rotation_loss_real", r.loss}, {"rotation_acc_real", r.accuracy}}};
  }
  LossOut g_loss(const GLossInput& in) override {
    const Rotation r = rotation_loss(in.D, in.fake_images, in.fake.class_logits);
    return {models::g_loss(setup().loss, in.fake.adv) + alpha_ * r.loss,
            {{"rotation_loss_fake", r.loss}, {"rotation_acc_fake", r.accuracy}}};
  }

  static constexpr int64_t kRotations = 4;

 private:
  struct Rotation {
    Tensor loss;      // [] mean cross-entropy over the 4N rotated images
    Tensor accuracy;  // [] share of the 4N whose rotation D's logits pick
  };
  // x [N, C, S, S] with its rotation-0 logits [N, 4] (already judged): the
  // other 3 rotations in one forward, cross-entropy against r.
  Rotation rotation_loss(nn::Module& D, const Tensor& x, const Tensor& logits0) {
    const int64_t n = x.size(0);
    const Tensor turned = ops::cat({rotate90(x, 1), rotate90(x, 2), rotate90(x, 3)}, 0);
    const Tensor logits = ops::cat({logits0, judge(D, turned, {}).class_logits}, 0);  // [4N, 4]
    // Targets [4N]: n zeros, n ones, ... made on x's device (no upload).
    std::vector<Tensor> parts;
    for (int64_t r = 0; r < kRotations; ++r)
      parts.push_back(Tensor::full({n}, static_cast<double>(r), Options{DType::i64, x.device()}));
    const Tensor target = ops::cat(parts, 0);
    return {ops::cross_entropy(logits, target), nets::class_accuracy(logits, target)};
  }

  int64_t z_dim_;
  double beta_, alpha_;
};

}  // namespace

SystemInfo gan_system_ssgan() {
  std::vector<OptionSpec> o = nets::dcgan_options();
  o.push_back({"rotation_weight_d", OptionType::number, "1",
               "beta: weight of D's rotation loss on real images (the paper: 1)"});
  o.push_back({"rotation_weight_g", OptionType::number, "0.2",
               "alpha: weight of G's rotation loss on its fakes (the paper: 0.2)"});
  return {"ssgan", "D also predicts the rotation (0/90/180/270) of real images; G makes rotatable fakes",
          "Chen, Zhai, Ritter, Lucic & Houlsby 2019, Self-supervised GANs via auxiliary rotation loss", o,
          [](SystemSetup s) { return std::make_unique<Ssgan>(std::move(s)); }};
}

}  // namespace gan::models
