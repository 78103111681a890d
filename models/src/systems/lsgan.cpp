// Least-squares GAN (Mao et al. 2017): D's raw output is regressed onto codes
// instead of classified — real to b, fake to a, and G pulls its fakes toward
// c — with the paper's 0-1 coding a = 0, b = c = 1:
//   L_D = ((D(x) - 1)^2 + D(G(z))^2) / 2        L_G = (D(G(z)) - 1)^2 / 2
// (losses.h: least_squares). Unlike the sigmoid loss, the penalty keeps
// growing for fakes far on the correct side of the boundary, so G's gradient
// does not vanish there. Over the DCGAN nets (the paper's own nets differ).
#include <memory>

#include "../nets/system_nets.h"
#include "gan/models/registry.h"

namespace gan::models {

namespace {

class Lsgan : public nets::PlainDcgan {
 public:
  explicit Lsgan(SystemSetup s) : PlainDcgan(std::move(s)) {
    nets::require_loss(setup(), LossKind::least_squares, "lsgan");
  }
  LossOut d_loss(const DLossInput& in) override { return {least_squares_d_loss(in.real.adv, in.fake.adv), {}}; }
  LossOut g_loss(const GLossInput& in) override { return {least_squares_g_loss(in.fake.adv), {}}; }
};

}  // namespace

SystemInfo gan_system_lsgan() {
  return {"lsgan", "DCGAN nets; D regresses real to 1 and fake to 0, G pulls fakes to 1 (least squares)",
          "Mao, Li, Xie, Lau, Wang & Smolley 2017, Least squares generative adversarial networks",
          nets::dcgan_options(), [](SystemSetup s) { return std::make_unique<Lsgan>(std::move(s)); }};
}

}  // namespace gan::models
