// BigGAN-lite (Brock, Donahue & Simonyan 2019, Large scale GAN training for
// high fidelity natural image synthesis) at 32x32 on two CPU cores: what the
// paper adds to SAGAN, on the DCGAN-32 stages instead of its residual blocks.
//   G  class-conditional BN from [shared class embedding ; z chunk] in every
//      stage, hierarchical z (skip-z: z split into stages + 1 chunks, the first
//      into the first transposed conv, one per CBN), spectral norm on every
//      conv and on the CBN gain / bias Linears, BigGAN's self-attention at
//      attention_at (biggan_nets.h);
//   D  the projection discriminator (Miyato & Koyama 2018; nets/projection_d.h)
//      on the DCGAN D body with spectral norm on every conv and on the class
//      embedding (BigGAN's SNEmbedding), no batch norm, ReLU (leaky_slope 0),
//      BigGAN's self-attention at attention_at;
//   loss  hinge (required), plus on G's loss the orthogonal regularisation
//      beta * sum_W ||W W^T (.) (1 - I)||_F^2 over G's spectrally normalized
//      weights (spectral_weight_matrices: the convs, the attention's 1x1 convs
//      and the CBN Linears, each [out, in * k * k]; skipped, as in
//      BigGAN-PyTorch: the shared embedding, biases and gamma), beta =
//      ortho_beta (1e-4);
//   run keys in its config: 2 D steps per G step, Adam (0, 0.999) with
//      lr_g 1e-4 / lr_d 4e-4, EMA of G.
// Logs every step (metrics.jsonl): ortho (the unscaled penalty sum) and
// loss_adv_g (G's hinge term alone; loss_g = loss_adv_g + ortho_beta * ortho).
// The truncation trick is an evaluation-time choice: `gan sample --truncation t`
// and `gan eval --truncation t` (truncation.h).
//
// Napkin FLOPs of one step of configs/biggan-fmnist32.toml (batch 64, z 120
// in 4 chunks of 30, f = 32, attention at 16x16; FLOPs = 2 x multiply-adds,
// forward, per image):
//   G  ConvT 30->128 1->4: 0.12 M; 128->64 4->8: 4.2 M; 64->32 8->16: 4.2 M;
//      attention over 256 positions, C 32 (1x1 convs 0.66 M, Q K^T with 4
//      channels and A V with 16: 2.6 M): 3.3 M; 32->1 16->32: 0.26 M   ~ 12.1 M
//   D  Conv 1->32 32->16: 0.26 M; attention 3.3 M; 32->64 16->8: 4.2 M;
//      64->128 8->4: 4.2 M; head 0.004 M                                 ~ 12.0 M
//   backward ~ 2x forward. Per image: 2 D steps x (G forward 12.1 + D forward
//   and backward on a real and a fake, 2 x 3 x 12.0) + the G step (D forward
//   and backward 36 + G backward 24, G's forward kept from the last D step)
//   ~ 228 M, so ~ 15 GFLOP per step of 64 (spectral norm's power iterations
//   and the ortho penalty's Gram matrices: < 1 %). Attention is ~ 27 % of it.
// Measured (bench/system_steps.sh, one thread, machine quiet): 600 ms/step,
// 14.1 GFLOP counted by the profiler, ~ 23 GFLOP/s: the attention maps'
// softmax and the elementwise ops of its backward count no FLOPs.
#include <memory>
#include <string>

#include "../nets/projection_d.h"
#include "../nets/system_nets.h"
#include "gan/models/biggan_nets.h"
#include "gan/models/registry.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

class Biggan : public GanSystem {
 public:
  explicit Biggan(SystemSetup s) : GanSystem(std::move(s)), k_(setup().num_classes) {
    nets::require_loss(setup(), LossKind::hinge, "biggan");
    g_.net = nets::dcgan_net(setup());
    g_.num_classes = k_ > 0 ? k_ : 1;  // a setup without labels fails in the Trainer, naming the dataset
    g_.shared_dim = options().integer("shared_dim");
    g_.net.attention_at = options().integer("attention_at");
    ortho_beta_ = options().number("ortho_beta");
    const double slope = options().number("leaky_slope");
    GAN_CHECK(slope >= 0 && slope < 1, "config table [biggan] key 'leaky_slope': must be in [0, 1), got ", slope);
    GAN_CHECK(ortho_beta_ >= 0, "config table [biggan] key 'ortho_beta': must be >= 0, got ", ortho_beta_);
    GAN_CHECK(g_.shared_dim >= 1, "config table [biggan] key 'shared_dim': must be >= 1, got ", g_.shared_dim);
    const int64_t chunks = biggan_z_chunks(setup().image_size);
    GAN_CHECK(g_.net.z_dim % chunks == 0, "config table [biggan] key 'z_dim': must split into ", chunks,
              " equal chunks at ", setup().image_size, "x", setup().image_size, " (hierarchical z: one per stage + the first conv), got ",
              g_.net.z_dim);
    d_ = nets::dcgan_net(setup());
    d_.d_norm = DcganNorm::spectral;
    d_.d_slope = slope;
    d_.attention_at = g_.net.attention_at;
    d_.attention_variant = nn::AttentionVariant::biggan;
    try {
      check_dcgan_options(d_);
      check_biggan_g_options(g_);
    } catch (const Error& e) {
      throw Error(std::string("config table [biggan] key 'attention_at' (or features_g / features_d): ") + e.what());
    }
  }

  bool conditional() const override { return true; }
  nn::ModulePtr make_generator(Generator& init) override { return std::make_shared<BigganGenerator>(g_, init); }
  nn::ModulePtr make_discriminator(Generator& init) override {
    return std::make_shared<nets::ProjectionDiscriminator>(d_, k_, init, /*spectral_embed=*/true);
  }
  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t klass) override {
    return nets::conditional_latent(n, g_.net.z_dim, k_, gen, device, klass);
  }
  Tensor generate(nn::Module& G, const Latent& l) override {
    return nets::as<BigganGenerator>(G, "biggan").forward(l.z, l.y);
  }
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor& y) override {
    return {nets::as<nets::ProjectionDiscriminator>(D, "biggan").forward(x, y), {}, {}};
  }
  LossOut g_loss(const GLossInput& in) override {
    const Tensor adv = hinge_g_loss(in.fake.adv);
    LossOut out{adv, {{"loss_adv_g", adv}}};
    if (ortho_beta_ > 0) {
      const Tensor ortho = orthogonal_penalty(spectral_weight_matrices(in.G));
      out.loss = adv + ortho * ortho_beta_;
      out.scalars.emplace_back("ortho", ortho);
    }
    return out;
  }

 private:
  int64_t k_;
  BigganGOptions g_;
  DcganOptions d_;
  double ortho_beta_ = 1e-4;
};

}  // namespace

SystemInfo gan_system_biggan() {
  return {"biggan",
          "class-conditional BN from a shared class embedding and hierarchical z, projection D, self-attention, "
          "spectral norm in G and D, orthogonal regularisation, hinge",
          "Brock, Donahue & Simonyan 2019, Large scale GAN training for high fidelity natural image synthesis",
          {
              {"z_dim", OptionType::integer, "120",
               "length of z (the paper: 120 at 128x128, 6 chunks of 20); split into stages + 1 equal chunks "
               "(32x32: 4, 28x28: 3), so it must divide by that"},
              {"shared_dim", OptionType::integer, "128", "width of the shared class embedding fed to every CBN (the paper: 128)"},
              {"features_g", OptionType::integer, "32",
               "G's width f on the DCGAN-32 stages (32x32: 4f x 4 x 4 -> 2f x 8 x 8 -> f x 16 x 16 -> C x 32 x 32; "
               "the paper's ch = 96 on residual blocks)"},
              {"features_d", OptionType::integer, "32", "D's width f (32x32: C -> f x 16 x 16 -> 2f x 8 x 8 -> 4f x 4 x 4)"},
              {"attention_at", OptionType::integer, "16",
               "side of the hidden maps followed by self-attention in G and D (the paper: 64 at 128x128; 32x32: 4, 8 or "
               "16; 0 = none)"},
              {"ortho_beta", OptionType::number, "1e-4",
               "weight of the off-diagonal orthogonal regularisation of G's weights (the paper: 1e-4; 0 = off)"},
              {"leaky_slope", OptionType::number, "0", "D's LeakyReLU slope (the paper's D: ReLU, 0)"},
          },
          [](SystemSetup s) { return std::make_unique<Biggan>(std::move(s)); }};
}

}  // namespace gan::models
