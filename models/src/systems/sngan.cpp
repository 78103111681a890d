// SNGAN (Miyato, Kataoka, Koyama & Yoshida 2018): spectral normalization on
// every layer of D — each weight divided by its largest singular value, found
// by one power iteration per step with u and v kept across steps — so every
// layer of D is 1-Lipschitz and so is D (its activations are 1-Lipschitz).
// Hinge loss and the paper's Adam setting C (2e-4, (0.5, 0.999), one D step)
// in its config. G is the DCGAN generator (batch norm, as the paper's).
//
// Every eval interval it logs what the claim rests on (metrics.jsonl):
//   sn_sigma_rel_err_max   max over layers of |sigma_power - sigma_exact| / sigma_exact,
//                          sigma_exact from LAPACK's SVD of W (lipschitz.h)
//   sn_sigma_layer<i>      sigma_exact of layer i's unnormalized weight (how far
//                          the raw weights drift; the normalized ones stay at 1)
//   sn_rel_err_layer<i>    (sigma_power - sigma_exact) / sigma_exact of layer i
//                          (negative: the layer is divided by too little)
//   grad_norm_real_*, grad_norm_fake_*   ||dD(x)/dx|| over 256 fixed real images
//                          and 256 samples of G (mean, median, p95, max)
// `spectral_norm = false` gives the same D without normalization: the ablation.
#include <memory>

#include "../nets/system_nets.h"
#include "gan/models/data.h"
#include "gan/models/lipschitz.h"
#include "gan/autograd.h"
#include "gan/models/registry.h"

namespace gan::models {

namespace {

constexpr int64_t kProbe = 256;  // images (and samples) whose input gradients are measured

class Sngan : public GanSystem {
 public:
  explicit Sngan(SystemSetup s)
      : GanSystem(std::move(s)),
        z_dim_(options().integer("z_dim")),
        sn_(options().boolean("spectral_norm")),
        slope_(options().number("leaky_slope")) {
    GAN_CHECK(slope_ >= 0 && slope_ < 1, "config table [sngan] key 'leaky_slope': must be in [0, 1), got ", slope_);
  }

  nn::ModulePtr make_generator(Generator& init) override {
    return std::make_shared<DcganGenerator>(nets::dcgan_net(setup()), init);
  }
  nn::ModulePtr make_discriminator(Generator& init) override {
    DcganOptions o = nets::dcgan_net(setup());
    o.d_norm = sn_ ? DcganNorm::spectral : DcganNorm::none;  // no batch norm either way
    o.d_slope = slope_;
    return std::make_shared<DcganDiscriminator>(o, init);
  }
  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t) override {
    return {nets::normal_noise(n, z_dim_, gen, device), {}, {}};
  }
  Tensor generate(nn::Module& G, const Latent& l) override { return G(l.z); }
  Judgement judge(nn::Module& D, const Tensor& x, const Tensor&) override { return {D(x), {}, {}}; }

  void attach_data(const std::shared_ptr<const Dataset>& data) override {
    probe_ = data->images.narrow0(0, std::min<int64_t>(kProbe, data->size())).clone();
  }

  std::vector<std::pair<std::string, double>> evaluate(nn::Module& G, nn::Module& D) override {
    std::vector<std::pair<std::string, double>> out;
    // Eval mode: the measurement must not step the power iteration (it would
    // change the run) and G's batch norm uses its running statistics.
    const bool d_was = D.is_training(), g_was = G.is_training();
    D.eval();
    G.eval();
    double worst = 0;
    const std::vector<LayerSigma> sig = spectral_norm_report(D);
    for (size_t i = 0; i < sig.size(); ++i) {
      worst = std::max(worst, std::abs(sig[i].rel_error()));
      out.emplace_back("sn_sigma_layer" + std::to_string(i), sig[i].exact);
      out.emplace_back("sn_rel_err_layer" + std::to_string(i), sig[i].rel_error());
    }
    if (!sig.empty()) out.emplace_back("sn_sigma_rel_err_max", worst);
    const Device dev = D.parameters().front().device();
    const auto critic = [&](const Tensor& x) { return judge(D, x, {}).adv; };
    Tensor fake;
    {
      NoGradGuard ng;
      Generator gen(1234);  // the same latents at every evaluation
      fake = generate(G, sample_latent(kProbe, gen, dev, -1));
    }
    const auto add = [&](const std::string& who, const Tensor& x) {
      const Spread s = spread_of(input_gradient_norms(critic, x));
      out.emplace_back("grad_norm_" + who + "_mean", s.mean);
      out.emplace_back("grad_norm_" + who + "_median", s.median);
      out.emplace_back("grad_norm_" + who + "_p95", s.p95);
      out.emplace_back("grad_norm_" + who + "_max", s.max);
    };
    if (probe_.defined()) add("real", probe_.to(dev));
    add("fake", fake);
    D.train(d_was);
    G.train(g_was);
    return out;
  }

 private:
  int64_t z_dim_;
  bool sn_;
  double slope_;
  Tensor probe_;  // [<=256, C, S, S] the first training images
};

}  // namespace

SystemInfo gan_system_sngan() {
  std::vector<OptionSpec> o = nets::dcgan_options();
  o.push_back({"spectral_norm", OptionType::boolean, "true",
               "divide every D weight by its spectral norm (false: the same D unnormalized, the ablation)"});
  o.push_back({"leaky_slope", OptionType::number, "0.1", "LeakyReLU slope in D (the paper: 0.1)"});
  return {"sngan", "spectral normalization on every D layer (one power iteration per step): a 1-Lipschitz D",
          "Miyato, Kataoka, Koyama & Yoshida 2018, Spectral normalization for generative adversarial networks", o,
          [](SystemSetup s) { return std::make_unique<Sngan>(std::move(s)); }};
}

}  // namespace gan::models
