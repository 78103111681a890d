// The BigGAN-lite system: its nets (spectral norm on every conv of G and D,
// CBN from [shared embedding ; z chunk] in every G stage, BigGAN's attention
// in both), hierarchical z (chunk k reaches the output through stage k's CBN
// and nowhere else), the orthogonal regularisation (a hand computation, its
// gradient against finite differences in f64, and G's loss = hinge + beta *
// ortho over G's spectrally normalized weights), spectral norm's sigma ~ 1,
// and its config errors.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "gan/autograd.h"
#include "gan/gradcheck.h"
#include "gan/models/attention_maps.h"
#include "gan/models/biggan_nets.h"
#include "gan/models/losses.h"
#include "gan/models/registry.h"
#include "gan/nn/spectral_norm.h"
#include "gan/ops.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

SystemSetup biggan_setup() {
  SystemSetup s;
  s.image_size = 32;
  s.num_classes = 10;
  s.loss = LossKind::hinge;
  s.options = default_options("biggan");
  s.options.set("z_dim", "12");  // 4 chunks of 3
  s.options.set("shared_dim", "6");
  s.options.set("features_g", "8");
  s.options.set("features_d", "8");
  return s;
}

using testing::type_counts;

TEST(Biggan, SpectralNormEverywhereCbnInEveryStageAttentionAt16) {
  Generator gen(1);
  auto sys = make_system("biggan", biggan_setup());
  EXPECT_TRUE(sys->conditional());
  auto G = sys->make_generator(gen);
  auto D = sys->make_discriminator(gen);
  std::map<std::string, int> g = type_counts(*G), d = type_counts(*D);
  EXPECT_EQ(g["SpectralNorm(ConvTranspose2d)"], 4);  // 3 stages + the output conv
  EXPECT_EQ(g["SpectralNorm(Conv2d)"], 4);           // BigGAN's attention: f, g, h, o
  EXPECT_EQ(g["ConditionalBatchNorm2d"], 3);
  EXPECT_EQ(g["SpectralNorm(Linear)"], 3 * 2);     // every CBN's gain and bias (BigGAN's SNLinear)
  EXPECT_EQ(g["BatchNorm2d"] + g["ConvTranspose2d"] + g["Conv2d"] + g["Linear"], 0);
  EXPECT_EQ(g["Embedding"], 1);                    // the shared class embedding stays plain
  EXPECT_EQ(d["SpectralNorm(Conv2d)"], 4 + 4);
  EXPECT_EQ(d["SpectralNorm(Embedding)"], 1);      // the projection's class embedding (SNEmbedding)
  EXPECT_EQ(d["Conv2d"] + d["BatchNorm2d"] + d["Embedding"], 0);
  auto& bg = dynamic_cast<BigganGenerator&>(*G);
  EXPECT_EQ(bg.chunk, 3);
  EXPECT_EQ(bg.shared->weight.shape(), (Shape{10, 6}));
  for (const auto& n : bg.norms) {
    EXPECT_EQ(n->source, nn::CondSource::linear_projection);
    EXPECT_EQ(n->cond_size, 6 + 3);  // [shared(y) ; z chunk]
  }
  const auto gb = attention_blocks(*G), db = attention_blocks(*D);
  ASSERT_EQ(gb.size(), 1u);
  ASSERT_EQ(db.size(), 1u);
  EXPECT_EQ(gb[0]->variant, nn::AttentionVariant::biggan);
  EXPECT_EQ(db[0]->variant, nn::AttentionVariant::biggan);
  gb[0]->keep_attention = db[0]->keep_attention = true;
  Generator z(2);
  const Latent l = sys->sample_latent(3, z, Device::cpu(), 4);
  const Tensor x = sys->generate(*G, l);
  EXPECT_EQ(x.shape(), (Shape{3, 1, 32, 32}));
  EXPECT_EQ(sys->judge(*D, x, l.y).adv.shape(), (Shape{3}));
  EXPECT_EQ(gb[0]->last_attention.shape()[1], 256);  // 16 x 16 positions
  EXPECT_EQ(db[0]->last_attention.shape()[1], 256);
}

// Chunk k of z (k >= 1) enters only stage k-1's CBN: with that CBN's weights
// on the z part of its conditioning zeroed, G ignores chunk k; zeroing any
// other stage's does not. Chunk 0 feeds the first conv. Eval mode, so a
// sample's output depends on that sample only.
TEST(Biggan, HierarchicalZEachChunkReachesItsStage) {
  Generator gen(3);
  auto sys = make_system("biggan", biggan_setup());
  auto G = sys->make_generator(gen);
  auto& bg = dynamic_cast<BigganGenerator&>(*G);
  G->eval();
  NoGradGuard ng;
  const Latent l = sys->sample_latent(4, gen, Device::cpu(), -1);
  const int64_t c = bg.chunk, sd = 6, chunks = 4;
  ASSERT_EQ(static_cast<int64_t>(bg.z_chunks(l.z).size()), chunks);
  auto perturbed = [&](int64_t k) {
    Latent p = l;
    std::vector<double> z = l.z.to_double_vector();
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = k * c; j < (k + 1) * c; ++j) z[static_cast<size_t>(i * 12 + j)] += 0.7;
    p.z = Tensor::from_data({4, 12}, std::vector<double>(z)).to(DType::f32);
    return p;
  };
  auto max_change = [&](int64_t k) {
    const std::vector<double> a = sys->generate(*G, l).to_double_vector();
    const std::vector<double> b = sys->generate(*G, perturbed(k)).to_double_vector();
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
    return m;
  };
  for (int64_t k = 0; k < chunks; ++k) EXPECT_GT(max_change(k), 1e-4) << "chunk " << k << " does not reach the output";
  std::vector<std::pair<std::string, Tensor>> state;  // a copy: state_dict() holds the live tensors
  for (const auto& [name, t] : G->state_dict()) state.emplace_back(name, t.clone());
  for (int64_t k = 1; k < chunks; ++k) {
    for (int64_t s = 0; s < chunks - 1; ++s) {
      G->load_state_dict(state);
      // Zero stage s's CBN gain/bias weights (the raw ones, under spectral norm) on the z columns
      // [sd, sd + c) of its conditioning.
      for (auto* sn : {bg.norms[static_cast<size_t>(s)]->gamma_sn.get(), bg.norms[static_cast<size_t>(s)]->beta_sn.get()}) {
        ASSERT_NE(sn, nullptr);
        std::vector<double> w = sn->weight_orig.to_double_vector();
        const int64_t cols = sd + c;
        for (int64_t r = 0; r < sn->weight_orig.size(0); ++r)
          for (int64_t j = sd; j < cols; ++j) w[static_cast<size_t>(r * cols + j)] = 0;
        NoGradGuard ng;
        sn->weight_orig.copy_(Tensor::from_data(sn->weight_orig.shape(), w));
      }
      if (s == k - 1) EXPECT_EQ(max_change(k), 0.0) << "chunk " << k << " reaches G elsewhere than stage " << s;
      else EXPECT_GT(max_change(k), 1e-4) << "chunk " << k << " lost by zeroing stage " << s;
    }
  }
  G->load_state_dict(state);
  // The class enters too (through the shared embedding).
  Latent other = l;
  other.y = Tensor::from_data({4}, std::vector<int64_t>{9, 9, 9, 9});
  Latent zero = l;
  zero.y = Tensor::from_data({4}, std::vector<int64_t>{0, 0, 0, 0});
  EXPECT_NE(sys->generate(*G, other).to_double_vector(), sys->generate(*G, zero).to_double_vector());
}

// sum over W of ||W W^T (.) (1 - I)||_F^2, by hand.
TEST(Biggan, OrthogonalPenaltyByHand) {
  // Rows (1, 2), (3, 4), (0, 1): off-diagonal Gram entries 11, 2, 4, each twice.
  const Tensor a = Tensor::from_data({3, 2}, std::vector<float>{1, 2, 3, 4, 0, 1});
  const Tensor b = Tensor::from_data({2, 3}, std::vector<float>{1, 0, 0, 0, 5, 0});  // orthogonal rows
  const Tensor one = Tensor::from_data({1, 4}, std::vector<float>{1, 2, 3, 4});      // no off-diagonal
  EXPECT_DOUBLE_EQ(orthogonal_penalty({a}).item(), 2 * (121 + 4 + 16));
  EXPECT_DOUBLE_EQ(orthogonal_penalty({a, b, one}).item(), 282);
  EXPECT_EQ(orthogonal_penalty({}).item(), 0.0);
  EXPECT_NE(testing::error_of([&] { orthogonal_penalty({Tensor::zeros({2, 2, 1})}); }).find("expected weight matrices"),
            std::string::npos);
  // A transposed conv's weight [in 2, out 3, 1, 1] is taken as [out, in]: rows are its output filters.
  Generator gen(1);
  nn::ConvTranspose2dOptions o;
  auto ct = std::make_shared<nn::ConvTranspose2d>(2, 3, 1, gen, o);
  auto sn = nn::spectral_norm(ct, gen);
  {
    NoGradGuard ng;
    sn->weight_orig.copy_(Tensor::from_data({2, 3, 1, 1}, std::vector<float>{1, 3, 0, 2, 4, 1}));
  }
  const std::vector<Tensor> m = spectral_weight_matrices(*sn);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(m[0].to_double_vector(), (std::vector<double>{1, 2, 3, 4, 0, 1}));
  EXPECT_DOUBLE_EQ(orthogonal_penalty(m).item(), 282);
}

TEST(Biggan, OrthogonalPenaltyGradientByFiniteDifferences) {
  Generator gen(5);
  Tensor w = Tensor::randn({4, 3}, gen, Options{}.with(DType::f64)).requires_grad_();
  Tensor conv = Tensor::randn({2, 3, 2, 2}, gen, Options{}.with(DType::f64)).requires_grad_();  // ConvT [in, out, k, k]
  const GradcheckResult r = gradcheck(
      [](const std::vector<Tensor>& in) {
        return orthogonal_penalty({in[0], ops::transpose(in[1], 0, 1).reshape({3, 8})});
      },
      {w, conv});
  EXPECT_TRUE(r.ok) << r.first_failure;
  EXPECT_GT(r.checked, 0);
}

// G's loss: the hinge term plus ortho_beta times the penalty over every
// spectrally normalized weight of G (recomputed here in plain double).
TEST(Biggan, GLossIsHingePlusBetaTimesOrthoOverGsWeights) {
  SystemSetup s = biggan_setup();
  s.options.set("ortho_beta", "0.5");  // large, so the term is visible
  auto sys = make_system("biggan", s);
  Generator gen(6);
  auto G = sys->make_generator(gen);
  auto D = sys->make_discriminator(gen);
  const Latent l = sys->sample_latent(4, gen, Device::cpu(), -1);
  const Tensor fake = sys->generate(*G, l);
  const Judgement jf = sys->judge(*D, fake, l.y);
  const LossOut out = sys->g_loss({jf, jf, l, *D, fake, 0, *G});
  double ortho = 0;
  int layers = 0;
  for (const auto& [name, m] : G->named_modules()) {
    auto* sn = dynamic_cast<nn::SpectralNorm*>(m.get());
    if (!sn) continue;
    ++layers;
    const Tensor w = sn->weight_orig;
    const int64_t rows = w.size(sn->dim), cols = w.numel() / rows;
    const std::vector<double> v = w.to_double_vector();
    // Element (r, j) of the [rows, cols] matrix: for ConvT [in, out, kh, kw] rows are `out`.
    auto at = [&](int64_t r, int64_t j) {
      if (sn->dim == 0) return v[static_cast<size_t>(r * cols + j)];
      const int64_t khw = w.size(2) * w.size(3), in = j / khw, k = j % khw;
      return v[static_cast<size_t>((in * rows + r) * khw + k)];
    };
    for (int64_t a = 0; a < rows; ++a)
      for (int64_t b = 0; b < rows; ++b) {
        if (a == b) continue;
        double dot = 0;
        for (int64_t j = 0; j < cols; ++j) dot += at(a, j) * at(b, j);
        ortho += dot * dot;
      }
  }
  EXPECT_EQ(layers, 8 + 6);  // convs, attention, CBN Linears
  double logged = -1, adv = -1;
  for (const Logged& l : out.scalars) {
    if (l.name == "ortho") logged = l.read();
    if (l.name == "loss_adv_g") adv = l.read();
  }
  EXPECT_NEAR(logged, ortho, 1e-4 * ortho);
  EXPECT_NEAR(adv, hinge_g_loss(jf.adv).item(), 1e-6);
  EXPECT_NEAR(out.loss.item(), adv + 0.5 * ortho, 1e-4 * (adv + 0.5 * ortho));
  // ortho_beta = 0: the hinge term alone, nothing logged for ortho.
  s.options.set("ortho_beta", "0");
  auto plain = make_system("biggan", s);
  const LossOut p = plain->g_loss({jf, jf, l, *D, fake, 0, *G});
  EXPECT_NEAR(p.loss.item(), adv, 1e-6);
  EXPECT_EQ(p.scalars.size(), 1u);
}

// Every SN layer of G and D: after power iterations, W / sigma has largest
// singular value ~ 1 (measured here by 500 f64 power iterations), with the
// raw weights first scaled to sigma 5.
TEST(Biggan, SpectralNormGivesSigmaNearOne) {
  Generator gen(8);
  auto sys = make_system("biggan", biggan_setup());
  auto G = sys->make_generator(gen);
  auto D = sys->make_discriminator(gen);
  int layers = 0;
  for (nn::Module* net : {G.get(), D.get()}) {
    for (const auto& [name, m] : net->named_modules()) {
      auto* sn = dynamic_cast<nn::SpectralNorm*>(m.get());
      if (!sn) continue;
      ++layers;
      const int64_t rows = sn->weight_orig.size(sn->dim), cols = sn->weight_orig.numel() / rows;
      // Largest singular value of a [rows, cols] f64 matrix by 500 power iterations.
      auto sigma_of = [&](const Tensor& a) {
        Tensor v = Tensor::ones({cols, 1}, Options{}.with(DType::f64));
        double s = 0;
        for (int i = 0; i < 500; ++i) {
          const Tensor at_u = ops::matmul(ops::transpose(a, 0, 1), ops::matmul(a, v));
          v = at_u * (1.0 / std::sqrt(ops::sum(ops::square(at_u)).item()));
          s = std::sqrt(ops::sum(ops::square(ops::matmul(a, v))).item());
        }
        return s;
      };
      auto as_matrix = [&](const Tensor& w) {
        return (sn->dim == 0 ? w : ops::transpose(w, 0, sn->dim)).detach().to(DType::f64).reshape({rows, cols});
      };
      {
        // Raw sigma 5, far from 1, so only the normalization can bring it there.
        NoGradGuard ng;
        sn->weight_orig.copy_(sn->weight_orig * (5.0 / sigma_of(as_matrix(sn->weight_orig))));
      }
      Tensor w;
      {
        NoGradGuard ng;
        for (int i = 0; i < 30; ++i) w = sn->compute_weight();  // training mode: one power iteration each
      }
      const Tensor mat = as_matrix(w);
      EXPECT_NEAR(sigma_of(mat), 1.0, 0.02) << name << " [" << rows << ", " << cols << "]";
    }
  }
  EXPECT_EQ(layers, 8 + 6 + 8 + 1);  // G: convs, attention, CBN Linears; D: convs, attention, embedding
}

TEST(Biggan, BadKeysNameTheTableAndKey) {
  auto err = [](const SystemSetup& s) { return testing::error_of([&] { make_system("biggan", s); }); };
  SystemSetup s = biggan_setup();
  s.options.set("z_dim", "10");  // not 4 equal chunks at 32x32
  EXPECT_NE(err(s).find("[biggan] key 'z_dim': must split into 4 equal chunks"), std::string::npos) << err(s);
  s = biggan_setup();
  s.options.set("attention_at", "12");
  EXPECT_NE(err(s).find("[biggan] key 'attention_at'"), std::string::npos) << err(s);
  s = biggan_setup();
  s.options.set("features_g", "4");  // 4 channels at 16x16: no C/8 query channels
  EXPECT_NE(err(s).find("[biggan] key 'attention_at' (or features_g / features_d)"), std::string::npos) << err(s);
  s = biggan_setup();
  s.options.set("ortho_beta", "-1");
  EXPECT_NE(err(s).find("[biggan] key 'ortho_beta'"), std::string::npos) << err(s);
  s = biggan_setup();
  s.options.set("leaky_slope", "1.5");
  EXPECT_NE(err(s).find("[biggan] key 'leaky_slope'"), std::string::npos) << err(s);
  s = biggan_setup();
  s.options.set("shared_dim", "0");
  EXPECT_NE(err(s).find("[biggan] key 'shared_dim'"), std::string::npos) << err(s);
  s = biggan_setup();
  s.loss = LossKind::non_saturating;
  EXPECT_NE(err(s).find("'loss' = \"hinge\""), std::string::npos) << err(s);
}

}  // namespace
}  // namespace gan::models
