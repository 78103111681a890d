// R3GAN's loss (Huang, Gokaslan, Kuleshov & Tompkin 2024, "The GAN is dead;
// long live the GAN! A modern GAN baseline"): the relativistic pairing loss
// with both zero-centred gradient penalties,
//   L_D = E softplus(D(G(z)) - D(x)) + gamma/2 E ||grad_x D(x)||^2 + gamma/2 E ||grad D(G(z))||^2
//   L_G = E softplus(D(x) - D(G(z)))                       (losses.h: relativistic_*, r1_penalty)
// real and fake paired by batch row. R1 alone does not make RpGAN converge
// locally; R1 + R2 does (the paper's §2). The loss only, on our nets: the
// DCGAN nets for images (D without batch norm by default: the penalties are
// per sample) or the 2-D MLP nets for mixtures (either_nets.h). Logged:
// relativistic_loss (L_D without penalties), r1 and r2 (unweighted). Leave the
// run's r1_weight and gp_weight at 0 (they would add a second penalty); the
// run's `loss` stays "non-saturating": D's outputs are logits for monitoring.
#include <memory>

#include "../nets/either_nets.h"
#include "gan/models/registry.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

template <class Nets>
class R3gan : public Nets {
 public:
  explicit R3gan(SystemSetup s) : Nets(std::move(s), "r3gan", 1), gamma_(this->options().number("gamma")) {
    GAN_CHECK(gamma_ >= 0, "config key 'gamma' in table [r3gan]: must be >= 0, got ", gamma_);
    GAN_CHECK(this->setup().loss == LossKind::non_saturating, "system 'r3gan' has its own loss (relativistic ",
              "pairing + R1 + R2): leave config key 'loss' = \"non-saturating\" (D's outputs are logits), got \"",
              loss_kind_name(this->setup().loss), "\"");
  }

  LossOut d_loss(const DLossInput& in) override {
    const Tensor rel = relativistic_d_loss(in.real.adv, in.fake.adv);
    const auto critic = [&](const Tensor& x) { return this->judge(in.D, x, in.real_labels).adv; };
    const Tensor r1 = r1_penalty(critic, in.real_images), r2 = r1_penalty(critic, in.fake_images);
    return {rel + 0.5 * gamma_ * (r1 + r2),
            {{"relativistic_loss", rel}, {"r1", r1}, {"r2", r2}}};
  }
  LossOut g_loss(const GLossInput& in) override { return {relativistic_g_loss(in.real.adv, in.fake.adv), {}}; }

 private:
  double gamma_;
};

}  // namespace

SystemInfo gan_system_r3gan() {
  return {"r3gan",
          "relativistic pairing loss (softplus) with R1 + R2 penalties, on the DCGAN nets (images) or the 2-D MLP "
          "nets (mixtures)",
          "Huang, Gokaslan, Kuleshov & Tompkin 2024, The GAN is dead; long live the GAN! A modern GAN baseline",
          nets::image_or_point_options(
              {{"gamma", OptionType::number, "1", "weight of each penalty: gamma/2 E|grad D|^2 on reals (R1) and fakes (R2)"},
               {"d_norm", OptionType::string, "none",
                "D's hidden normalization: none (the paper's: per-sample penalties), layer or batch (2-D nets: "
                "none or layer)"}}),
          [](SystemSetup s) { return nets::on_data_nets<R3gan>(std::move(s)); }};
}

}  // namespace gan::models
