// Wasserstein GAN (Arjovsky, Chintala & Bottou 2017): D is a critic — the
// DCGAN D with no sigmoid, its raw output f(x) — trained to maximize
// E f(x_real) - E f(G(z)), an estimate (up to the Lipschitz constant) of the
// Earth-Mover distance, while G maximizes E f(G(z)):
//   L_D = E f(G(z)) - E f(x)        L_G = -E f(G(z))          (losses.h: wasserstein)
// The critic is kept K-Lipschitz by clipping every weight to [-c, c] after each
// critic update (c = 0.01; clip_weights of losses.h). The paper's optimizer
// settings are the config's (configs/wgan-fmnist.toml): RMSprop, lr 5e-5,
// n_critic = 5. Logged: wasserstein_estimate = -L_D, the quantity the paper
// shows tracking sample quality.
#include <memory>

#include "../nets/system_nets.h"
#include "gan/autograd.h"
#include "gan/models/registry.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

class Wgan : public nets::PlainDcgan {
 public:
  explicit Wgan(SystemSetup s) : PlainDcgan(std::move(s)), clip_(options().number("clip")) {
    GAN_CHECK(clip_ > 0, "config key 'clip' in table [wgan]: must be > 0 (the paper: 0.01), got ", clip_);
    nets::require_loss(setup(), LossKind::wasserstein, "wgan");
  }

  LossOut d_loss(const DLossInput& in) override {
    const Tensor loss = wasserstein_d_loss(in.real.adv, in.fake.adv);
    return {loss, {{"wasserstein_estimate", ops::neg(loss)}}};
  }
  LossOut g_loss(const GLossInput& in) override { return {wasserstein_g_loss(in.fake.adv), {}}; }
  void after_d_step(nn::Module& D) override { clip_weights(D, clip_); }

 private:
  double clip_;
};

}  // namespace

SystemInfo gan_system_wgan() {
  std::vector<OptionSpec> o = nets::dcgan_options();
  o.push_back({"clip", OptionType::number, "0.01",
               "the critic's weights are clipped to [-clip, clip] after each critic step (the paper: 0.01)"});
  return {"wgan", "a critic (raw D output) trained on the Wasserstein loss, weights clipped after each critic step",
          "Arjovsky, Chintala & Bottou 2017, Wasserstein GAN", o,
          [](SystemSetup s) { return std::make_unique<Wgan>(std::move(s)); }};
}

}  // namespace gan::models
