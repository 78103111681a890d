// WGAN with gradient penalty (Gulrajani et al. 2017, "Improved training of
// Wasserstein GANs"): the Wasserstein critic of wgan.cpp, its Lipschitz
// constraint enforced softly instead of by clipping,
//   L_D = E f(G(z)) - E f(x) + lambda * E (||grad f(x_hat)||_2 - 1)^2,
//   x_hat = e x + (1 - e) G(z), e ~ U(0, 1) per sample       (losses.h: gradient_penalty)
//   L_G = -E f(G(z)),
// lambda = 10. The penalty is per sample, so the critic has no batch norm (the
// paper's §4): layer norm over [C, H, W] (its recommended drop-in), or none
// (option critic_norm). The paper's optimizer settings are the config's
// (configs/wgan-gp-fmnist.toml): Adam lr 1e-4, betas (0, 0.9), n_critic = 5.
// Logged: wasserstein_estimate (-L_D without the penalty), gradient_penalty
// (unweighted) and grad_norm_xhat, the mean ||grad f(x_hat)||, which the
// penalty drives toward 1. Leave the run's own gp_weight at 0 (it would add a
// second penalty).
#include <memory>

#include "../nets/system_nets.h"
#include "gan/autograd.h"
#include "gan/models/registry.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

class WganGp : public nets::PlainDcgan {
 public:
  explicit WganGp(SystemSetup s) : PlainDcgan(std::move(s)), lambda_(options().number("lambda")) {
    GAN_CHECK(lambda_ >= 0, "config key 'lambda' in table [wgan-gp]: must be >= 0 (the paper: 10), got ", lambda_);
    const std::string norm = options().string("critic_norm");
    GAN_CHECK(norm == "layer" || norm == "none", "config key 'critic_norm' in table [wgan-gp]: expected \"layer\" or ",
              "\"none\" (batch norm couples a batch's images, which a per-sample penalty forbids), got \"", norm, "\"");
    d_net_.d_norm = parse_dcgan_norm(norm, "config key 'critic_norm' in table [wgan-gp]");
    nets::require_loss(setup(), LossKind::wasserstein, "wgan-gp");
  }

  LossOut d_loss(const DLossInput& in) override {
    const Tensor w = wasserstein_d_loss(in.real.adv, in.fake.adv);
    const auto critic = [&](const Tensor& x) { return judge(in.D, x, in.real_labels).adv; };
    Tensor norms;
    const Tensor gp = gradient_penalty(critic, in.real_images, in.fake_images, in.gen, &norms);
    return {w + lambda_ * gp,
            {{"wasserstein_estimate", ops::neg(w)},
             {"gradient_penalty", gp},
             {"grad_norm_xhat", ops::mean(norms)}}};
  }
  LossOut g_loss(const GLossInput& in) override { return {wasserstein_g_loss(in.fake.adv), {}}; }

 private:
  double lambda_;
};

}  // namespace

SystemInfo gan_system_wgan_gp() {
  std::vector<OptionSpec> o = nets::dcgan_options();
  o.push_back({"lambda", OptionType::number, "10", "weight of the gradient penalty (the paper: 10)"});
  o.push_back({"critic_norm", OptionType::string, "layer",
               "normalization of the critic's hidden convs: layer (the paper's drop-in for batch norm) or none"});
  return {"wgan-gp", "the Wasserstein critic with a gradient penalty at interpolates instead of clipping; no batch norm",
          "Gulrajani, Ahmed, Arjovsky, Dumoulin & Courville 2017, Improved training of Wasserstein GANs", o,
          [](SystemSetup s) { return std::make_unique<WganGp>(std::move(s)); }};
}

}  // namespace gan::models
