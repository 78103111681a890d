// ProGAN (Karras, Aila, Laine & Lehtinen 2018, Progressive growing of GANs
// for improved quality, stability, and variation): G and D grow together
// from 4x4 to the data's resolution, each new resolution faded in smoothly,
// on the paper's nets (gan/models/progan_nets.h: equalized learning rate,
// pixel norm in G, minibatch stddev in D's head, no batch norm).
//
// Schedule (progan_phase, keys fade_steps and stable_steps): stage 0 (4x4)
// for stable_steps, then per new resolution a fade-in of fade_steps (alpha
// 0 -> 1) and stable_steps at alpha = 1; the last stage then stays. The
// paper's phases are 800k real images each (12,500 steps at batch 64);
// here they are scaled down to what two CPU cores afford (the config).
// on_step(step) sets the stage and alpha as a pure function of the step, so
// a resumed run is exactly where it was (nothing more to checkpoint), and a
// checkpoint's G is sampled at its step's stage (load_trained_generator).
//
// Everything that crosses the Trainer stays at the data's full S x S, so the
// sample grids, the metrics and the checkpoints work at every stage:
//   generate      G's output at r = r_stage, upsampled (nearest) to S;
//   prepare_real  reals avg-pooled to r; during a fade blended as the paper
//                 does, lerp(upsample2(avgpool2(x_r)), x_r, alpha) (so D's
//                 two input paths see consistent reals), then upsampled
//                 (nearest) back to S;
//   judge         D avg-pools its S x S input to r first: the exact inverse
//                 of nearest upsampling, so D sees G's r x r output exactly.
//
// Loss: WGAN-GP (losses.h: gradient_penalty, the function wgan-gp uses, with
// lambda = 10, target norm 1) plus the paper's drift term,
//   L_D = E D(G(z)) - E D(x) + lambda * E (||grad D(x_hat)|| - 1)^2 + eps_drift * E D(x)^2,
//   L_G = -E D(G(z)),
// eps_drift = 0.001. The penalty is taken at the current resolution r (the
// interpolates pooled to r x r, as the paper's D sees them): through D's
// avg-pool from S the input gradient's norm would shrink by S / r, and the
// penalty would then ask for an r/S times flatter D. Leave the run's own
// gp_weight at 0 (it would add a second penalty).
// Logged every step: progan_resolution, progan_alpha, wasserstein_estimate,
// gradient_penalty (unweighted), grad_norm_xhat, drift (E D(x)^2, unweighted).
//
// The run keys minibatch_stddev (group size in D's head, 0 = off; the paper:
// 4 in its code, the whole batch in its text) and pack (D's from_rgb layers
// take pack * C channels) are honoured: supports_d_remedies().
//
// Napkin FLOPs of configs/progan-fmnist32.toml (batch 64, z 128, widths 128,
// 128, 64, 32 at 4, 8, 16, 32; FLOPs = 2 x multiply-adds, forward, per image):
//   G at 32x32: dense 0.5 M; 4x4 conv 4.7 M; 8x8 two convs 37.7 M; 16x16 56.6 M;
//     32x32 56.6 M; to_rgb 0.07 M                                    ~ 156 M
//   D at 32x32 (mirror): from_rgb 0.07 M; blocks 32, 16, 8: 56.6 + 56.6 +
//     37.7 M; head (3x3 with the stddev channel, 4x4, dense) 5.3 M     ~ 156 M
//   one step per image: G forward 1x, D forward + backward on a real and a
//   fake 2 x 3x, the penalty (forward, input gradient, and the backward
//   through both) ~ 6x D, the G step (D forward + input gradient 2x, G
//   backward 2x): ~ 17 forward passes ~ 2.66 GFLOP, so ~ 170 GFLOP per step at 32x32
//   (16x16: ~ 108, 8x8: ~ 47, 4x4: ~ 6 GFLOP per step).
// Measured (bench/system_steps.sh per stage, one thread, machine quiet):
//   4x4 0.11 s, 8x8 0.78 s, 16x16 1.77 s, 32x32 3.12 s per step; counted by the
//   profiler 5.4, 49, 114, 180 GFLOP (47-65 GFLOP/s).
#include <memory>
#include <string>

#include "../nets/system_nets.h"
#include "gan/models/progan_nets.h"
#include "gan/models/registry.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

class Progan : public GanSystem {
 public:
  explicit Progan(SystemSetup s) : GanSystem(std::move(s)) {
    nets::require_loss(setup(), LossKind::wasserstein, "progan");
    const auto key = [&](const char* k, bool ok, const std::string& why, double got) {
      GAN_CHECK(ok, "config table [progan] key '", k, "': ", why, ", got ", got);
    };
    net_.image_size = setup().image_size;
    net_.channels = setup().channels;
    net_.z_dim = options().integer("z_dim");
    net_.features_g = options().integer("features_g");
    net_.features_d = options().integer("features_d");
    net_.features_max = options().integer("features_max");
    net_.minibatch_stddev = setup().minibatch_stddev;
    net_.pack = setup().pack;
    fade_steps_ = options().integer("fade_steps");
    stable_steps_ = options().integer("stable_steps");
    lambda_ = options().number("lambda");
    drift_ = options().number("drift");
    const int64_t size = setup().image_size;
    GAN_CHECK(size >= 4 && (size & (size - 1)) == 0, "config key 'image_size': progan grows from 4x4 by doubling, ",
              "so it must be 4 * 2^k (8, 16, 32, 64, ...; Fashion-MNIST: 32, resized), got ", size);
    key("z_dim", net_.z_dim >= 1, "must be >= 1", static_cast<double>(net_.z_dim));
    key("features_g", net_.features_g >= 1, "must be >= 1", static_cast<double>(net_.features_g));
    key("features_d", net_.features_d >= 1, "must be >= 1", static_cast<double>(net_.features_d));
    key("features_max", net_.features_max >= net_.features_g && net_.features_max >= net_.features_d,
        "must be >= features_g and features_d (it caps the widths of the low resolutions)",
        static_cast<double>(net_.features_max));
    key("fade_steps", fade_steps_ >= 0, "must be >= 0 (0: a new resolution replaces the old at once)",
        static_cast<double>(fade_steps_));
    key("stable_steps", stable_steps_ >= 0, "must be >= 0", static_cast<double>(stable_steps_));
    key("lambda", lambda_ >= 0, "must be >= 0 (the paper: 10)", lambda_);
    key("drift", drift_ >= 0, "must be >= 0 (the paper: 0.001)", drift_);
    check_progan_options(net_);
    stages_ = progan_stages(net_.image_size);
    on_step(0);
  }

  bool supports_d_remedies() const override { return true; }
  nn::ModulePtr make_generator(Generator& init) override { return std::make_shared<ProganGenerator>(net_, init); }
  nn::ModulePtr make_discriminator(Generator& init) override {
    return std::make_shared<ProganDiscriminator>(net_, init);
  }
  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t) override {
    return {nets::normal_noise(n, net_.z_dim, gen, device), {}, {}};
  }

  // [N, C, r, r] upsampled (nearest) to [N, C, S, S].
  Tensor generate(nn::Module& G, const Latent& l) override {
    return to_full(nets::as<ProganGenerator>(G, "progan").forward(l.z, phase_.stage, phase_.alpha));
  }
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor&) override {
    Judgement j;
    j.adv = nets::as<ProganDiscriminator>(D, "progan").forward(x, phase_.stage, phase_.alpha, &j.features);
    return j;
  }

  // x [B, C, S, S] -> the reals at r (blended during a fade), upsampled to S.
  Tensor prepare_real(const Tensor& x) override {
    const int64_t r = phase_.resolution();
    Tensor xr = progan_pool_to(x, r);  // [B, C, r, r]
    if (phase_.stage > 0 && phase_.alpha < 1.0)
      xr = progan_lerp(ops::upsample_nearest2d(progan_pool_to(xr, r / 2), r, r), xr, phase_.alpha);
    return to_full(xr);
  }

  void on_step(int64_t step) override { phase_ = progan_phase(step, stages_, fade_steps_, stable_steps_); }

  LossOut d_loss(const DLossInput& in) override {
    const Tensor w = wasserstein_d_loss(in.real.adv, in.fake.adv);
    // The penalty at D's own resolution (the header says why): D pools nothing
    // from an r x r input.
    const int64_t r = phase_.resolution();
    const auto critic = [&](const Tensor& x) { return judge(in.D, x, in.real_labels).adv; };
    Tensor norms;
    const Tensor gp = gradient_penalty(critic, progan_pool_to(in.real_images, r), progan_pool_to(in.fake_images, r),
                                       in.gen, &norms);
    const Tensor drift = ops::mean(ops::square(in.real.adv));
    return {w + lambda_ * gp + drift_ * drift,
            {{"progan_resolution", static_cast<double>(r)},
             {"progan_alpha", phase_.alpha},
             {"wasserstein_estimate", ops::neg(w)},
             {"gradient_penalty", gp},
             {"grad_norm_xhat", ops::mean(norms)},
             {"drift", drift}}};
  }
  LossOut g_loss(const GLossInput& in) override { return {wasserstein_g_loss(in.fake.adv), {}}; }

 private:
  Tensor to_full(const Tensor& x) const {
    const int64_t s = net_.image_size;
    return x.size(2) == s ? x : ops::upsample_nearest2d(x, s, s);
  }

  ProganOptions net_;
  int64_t stages_ = 1, fade_steps_ = 0, stable_steps_ = 0;
  double lambda_ = 10, drift_ = 0.001;
  ProganPhase phase_;
};

}  // namespace

SystemInfo gan_system_progan() {
  return {"progan",
          "G and D grown from 4x4 to the data's size, each resolution faded in; equalized learning rate, pixel norm in "
          "G, minibatch stddev in D (run key minibatch_stddev), WGAN-GP with the drift term",
          "Karras, Aila, Laine & Lehtinen 2018, Progressive growing of GANs for improved quality, stability, and variation",
          {
              {"z_dim", OptionType::integer, "128",
               "length of z, normalized onto the sphere by pixel norm (the paper: 512, its 4x4 width; 128 here, this "
               "G's 4x4 width)"},
              {"features_g", OptionType::integer, "32",
               "G's width at the final resolution, doubled per halving up to features_max (32x32: 128, 128, 64, 32 at "
               "4, 8, 16, 32; the paper: min(8192 / 2^k, 512))"},
              {"features_d", OptionType::integer, "32", "D's width at the final resolution (as features_g)"},
              {"features_max", OptionType::integer, "128", "the cap on G's and D's widths (the paper: 512)"},
              {"fade_steps", OptionType::integer, "500",
               "G steps of each fade-in (alpha 0 -> 1; the paper: 800k images, 12,500 steps at batch 64; 0 = none)"},
              {"stable_steps", OptionType::integer, "500",
               "G steps at 4x4 and after each fade-in at alpha 1 (the paper: 800k images)"},
              {"lambda", OptionType::number, "10", "weight of the WGAN-GP gradient penalty (the paper: 10)"},
              {"drift", OptionType::number, "0.001", "eps_drift, the weight of E D(x_real)^2 in D's loss (the paper: 0.001)"},
          },
          [](SystemSetup s) { return std::make_unique<Progan>(std::move(s)); }};
}

}  // namespace gan::models
