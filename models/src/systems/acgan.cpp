// Auxiliary-classifier GAN (Odena, Olah & Shlens 2017): G takes z and a class
// (one-hot, concatenated to z); D has two heads on one body — the real/fake
// logit and K class logits (the DCGAN D with 1 + K outputs). Both players add
// the class cross-entropy:
//   L_D = adv_D(real, fake) + w * (CE(class(x), y) + CE(class(G(z, c)), c))
//   L_G = adv_G(fake)       + w *  CE(class(G(z, c)), c)
#include <memory>

#include "../nets/system_nets.h"
#include "gan/autograd.h"
#include "gan/models/registry.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

class Acgan : public GanSystem {
 public:
  explicit Acgan(SystemSetup s)
      : GanSystem(std::move(s)),
        z_dim_(options().integer("z_dim")),
        k_(setup().num_classes),
        w_(options().number("class_weight")) {}

  bool conditional() const override { return true; }
  nn::ModulePtr make_generator(Generator& init) override {
    return std::make_shared<DcganGenerator>(nets::dcgan_net(setup(), k_), init);
  }
  nn::ModulePtr make_discriminator(Generator& init) override {
    return std::make_shared<DcganDiscriminator>(nets::dcgan_net(setup(), 0, 0, 1 + k_), init);
  }
  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t klass) override {
    return nets::conditional_latent(n, z_dim_, k_, gen, device, klass);
  }
  Tensor generate(nn::Module& G, const Latent& l) override { return G(ops::cat({l.z, nets::one_hot(l.y, k_)}, 1)); }
  // D(x) [N, 1 + K] -> adv [N] (column 0), class logits [N, K].
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor&) override {
    const Tensor out = D(x);
    return {ops::slice(out, 1, 0, 1).reshape({x.size(0)}), ops::slice(out, 1, 1, 1 + k_), {}};
  }
  LossOut d_loss(const DLossInput& in) override {
    const Tensor ce_real = labelled_cross_entropy(in.real.class_logits, in.real_labels);
    const Tensor ce_fake = ops::cross_entropy(in.fake.class_logits, in.latent.y);
    const Tensor loss = models::d_loss(setup().loss, in.real.adv, in.fake.adv) + w_ * (ce_real + ce_fake);
    return {loss, {{"class_loss_real", ce_real},
                   {"class_loss_fake", ce_fake},
                   {"class_acc_real", nets::class_accuracy(in.real.class_logits, in.real_labels)}}};
  }
  LossOut g_loss(const GLossInput& in) override {
    const Tensor ce = ops::cross_entropy(in.fake.class_logits, in.latent.y);
    return {models::g_loss(setup().loss, in.fake.adv) + w_ * ce,
            {{"class_loss_g", ce}, {"class_acc_fake", nets::class_accuracy(in.fake.class_logits, in.latent.y)}}};
  }

 private:
  int64_t z_dim_, k_;
  double w_;
};

}  // namespace

SystemInfo gan_system_acgan() {
  std::vector<OptionSpec> o = nets::dcgan_options();
  o.push_back({"class_weight", OptionType::number, "1.0",
               "weight of the class cross-entropy in both players' losses (the paper: 1)"});
  return {"acgan", "D also classifies: a real/fake head and a K-class head; both players add the class loss",
          "Odena, Olah & Shlens 2017, Conditional image synthesis with auxiliary classifier GANs", o,
          [](SystemSetup s) { return std::make_unique<Acgan>(std::move(s)); }};
}

}  // namespace gan::models
