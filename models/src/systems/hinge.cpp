// Hinge-loss GAN (Lim & Ye 2017, Geometric GAN; the loss of Miyato et al.
// 2018's SN-GAN and later BigGAN): D is a soft-margin classifier on its raw
// output, G moves its fakes along D's normal:
//   L_D = E relu(1 - D(x)) + E relu(1 + D(G(z)))        L_G = -E D(G(z))
// (losses.h: hinge). Over the DCGAN nets, without spectral normalization.
#include <memory>

#include "../nets/system_nets.h"
#include "gan/models/registry.h"

namespace gan::models {

namespace {

class Hinge : public nets::PlainDcgan {
 public:
  explicit Hinge(SystemSetup s) : PlainDcgan(std::move(s)) { nets::require_loss(setup(), LossKind::hinge, "hinge"); }
  LossOut d_loss(const DLossInput& in) override { return {hinge_d_loss(in.real.adv, in.fake.adv), {}}; }
  LossOut g_loss(const GLossInput& in) override { return {hinge_g_loss(in.fake.adv), {}}; }
};

}  // namespace

SystemInfo gan_system_hinge() {
  return {"hinge", "DCGAN nets; D a soft-margin (hinge) classifier on its raw output, G raises D(G(z))",
          "Lim & Ye 2017, Geometric GAN; Miyato, Kataoka, Koyama & Yoshida 2018, Spectral normalization for GANs",
          nets::dcgan_options(), [](SystemSetup s) { return std::make_unique<Hinge>(std::move(s)); }};
}

}  // namespace gan::models
