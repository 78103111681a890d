// SAGAN (Zhang, Goodfellow, Metaxas & Odena 2019, Self-attention generative
// adversarial networks): a self-attention block (nn::SelfAttention2d,
// y = gamma * attention(x) + x, gamma starting at 0) in G and in D at the
// attention_at x attention_at feature maps, so a position can draw on distant
// ones, not only on its convolution's neighbourhood; spectral norm on every
// conv of both nets (the attention's 1x1 convs too; G keeps batch norm); the
// hinge loss; and TTUR (the paper: lr_g 1e-4, lr_d 4e-4, Adam (0, 0.9), one D
// step — run keys, set in its config). The nets are the DCGAN ones with
// DcganOptions::g_spectral / attention_at (dcgan.h): 32 with attention_at 16:
//   G  z -> 4f 4x4 -> 2f 8x8 -> f 16x16 -> Attn(f) -> C 32x32     (SN convs, BN, ReLU)
//   D  C 32x32 -> f 16x16 -> Attn(f) -> 2f 8x8 -> 4f 4x4 -> 1     (SN convs, LeakyReLU)
//
// Every eval interval it logs what the claim rests on (metrics.jsonl):
//   attn_gamma_g, attn_gamma_d   each block's gamma (how much of the block's
//                                output is attention: 0 at the start)
//   attn_entropy_g, attn_entropy_d   mean entropy of the attention rows over
//                                64 fixed samples of G, divided by ln N
//                                (1 = uniform over the N positions; lower = focused)
// `gan attention` draws the attention maps of a trained G (attention_maps.h).
#include <cmath>
#include <memory>

#include "../nets/system_nets.h"
#include "gan/autograd.h"
#include "gan/models/attention_maps.h"
#include "gan/models/registry.h"
#include "gan/nn/self_attention.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

constexpr int64_t kProbe = 64;  // samples of G whose attention rows are measured

// Mean over rows of beta [B, N, N] of -sum p ln p / ln N.
double normalized_entropy(const Tensor& beta) {
  const Tensor p = beta.to(Device::cpu()).to(DType::f64);
  const double* d = p.data<double>();
  const int64_t n = p.size(2), rows = p.size(0) * p.size(1);
  double sum = 0;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < n; ++i) {
      const double x = d[r * n + i];
      if (x > 0) sum -= x * std::log(x);
    }
  return sum / static_cast<double>(rows) / std::log(static_cast<double>(n));
}

class Sagan : public nets::PlainDcgan {
 public:
  explicit Sagan(SystemSetup s) : PlainDcgan(std::move(s)) {
    nets::require_loss(setup(), LossKind::hinge, "sagan");
    const double slope = options().number("leaky_slope");
    GAN_CHECK(slope >= 0 && slope < 1, "config table [sagan] key 'leaky_slope': must be in [0, 1), got ", slope);
    const int64_t at = options().integer("attention_at");
    GAN_CHECK(at >= 1, "config table [sagan] key 'attention_at': must be the side of a hidden feature map, got ", at);
    d_net_.d_norm = DcganNorm::spectral;
    d_net_.d_slope = slope;
    d_net_.attention_at = at;
    try {
      check_dcgan_options(d_net_);
    } catch (const Error& e) {
      throw Error(std::string("config table [sagan] key 'attention_at' (or features_g / features_d): ") + e.what());
    }
  }

  nn::ModulePtr make_generator(Generator& init) override {
    DcganOptions o = nets::dcgan_net(setup());
    o.g_spectral = true;
    o.attention_at = d_net_.attention_at;
    return std::make_shared<DcganGenerator>(o, init);
  }

  std::vector<std::pair<std::string, double>> evaluate(nn::Module& G, nn::Module& D) override {
    std::vector<std::pair<std::string, double>> out;
    const auto g_blocks = attention_blocks(G), d_blocks = attention_blocks(D);
    add_gammas(out, "g", g_blocks);
    add_gammas(out, "d", d_blocks);
    // Eval mode: no power-iteration step, G's batch norm on its running
    // statistics — the measurement leaves the run as it was.
    const bool d_was = D.is_training(), g_was = G.is_training();
    D.eval();
    G.eval();
    {
      NoGradGuard ng;
      for (auto* b : g_blocks) b->keep_attention = true;
      for (auto* b : d_blocks) b->keep_attention = true;
      Generator gen(1234);  // the same latents at every evaluation
      const Device dev = G.parameters().front().device();
      D(generate(G, sample_latent(kProbe, gen, dev, -1)));
      add_entropies(out, "g", g_blocks);
      add_entropies(out, "d", d_blocks);
    }
    D.train(d_was);
    G.train(g_was);
    return out;
  }

 private:
  static void add_gammas(std::vector<std::pair<std::string, double>>& out, const std::string& net,
                         const std::vector<nn::SelfAttention2d*>& blocks) {
    for (size_t i = 0; i < blocks.size(); ++i)
      out.emplace_back(name("attn_gamma_", net, i, blocks.size()), blocks[i]->gamma.to(Device::cpu()).item());
  }
  static void add_entropies(std::vector<std::pair<std::string, double>>& out, const std::string& net,
                            const std::vector<nn::SelfAttention2d*>& blocks) {
    for (size_t i = 0; i < blocks.size(); ++i) {
      out.emplace_back(name("attn_entropy_", net, i, blocks.size()), normalized_entropy(blocks[i]->last_attention));
      blocks[i]->keep_attention = false;
      blocks[i]->last_attention = Tensor();
    }
  }
  // attn_gamma_g, or attn_gamma_g0, attn_gamma_g1, ... when a net has several blocks.
  static std::string name(const char* what, const std::string& net, size_t i, size_t n) {
    return what + net + (n > 1 ? std::to_string(i) : "");
  }
};

}  // namespace

SystemInfo gan_system_sagan() {
  std::vector<OptionSpec> o = nets::dcgan_options();
  o.push_back({"attention_at", OptionType::integer, "16",
               "side of the hidden feature maps followed by self-attention in G and D (32x32: 4, 8 or 16)"});
  o.push_back({"leaky_slope", OptionType::number, "0.1", "LeakyReLU slope in D (SAGAN's reference code: 0.1)"});
  return {"sagan",
          "self-attention at one feature-map size in G and D, spectral norm on every conv of both, hinge loss, TTUR",
          "Zhang, Goodfellow, Metaxas & Odena 2019, Self-attention generative adversarial networks", o,
          [](SystemSetup s) { return std::make_unique<Sagan>(std::move(s)); }};
}

}  // namespace gan::models
