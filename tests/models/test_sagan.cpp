// The SAGAN system: its nets (self-attention at the 16x16 maps of G and D,
// spectral norm on every conv of both, batch norm only in G; the plain DCGAN
// nets unchanged), its evaluate (each block's gamma, 0 at the start, and the
// attention entropy, without changing the run), its key errors, and the
// attention-map picture (attention_maps.h).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "gan/autograd.h"
#include "gan/models/attention_maps.h"
#include "gan/models/dcgan.h"
#include "gan/models/registry.h"
#include "gan/nn/spectral_norm.h"
#include "system_test_util.h"

namespace gan::models {
namespace {

SystemSetup sagan_setup() {
  SystemSetup s;
  s.image_size = 32;
  s.loss = LossKind::hinge;
  s.options = default_options("sagan");
  s.options.set("z_dim", "8");
  s.options.set("features_g", "8");
  s.options.set("features_d", "8");
  return s;
}

using testing::type_counts;

TEST(Sagan, AttentionAt16AndSpectralNormOnEveryConvOfBothNets) {
  Generator gen(1);
  auto sys = make_system("sagan", sagan_setup());
  auto G = sys->make_generator(gen);
  auto D = sys->make_discriminator(gen);
  // G: 4 transposed convs + the block's 3 1x1 convs, all wrapped; BN kept.
  std::map<std::string, int> g = type_counts(*G), d = type_counts(*D);
  EXPECT_EQ(g["SpectralNorm(ConvTranspose2d)"], 4);
  EXPECT_EQ(g["SpectralNorm(Conv2d)"], 3);
  EXPECT_EQ(g["BatchNorm2d"], 3);
  EXPECT_EQ(g["ConvTranspose2d"] + g["Conv2d"], 0);  // no conv outside a wrapper
  EXPECT_EQ(d["SpectralNorm(Conv2d)"], 4 + 3);
  EXPECT_EQ(d["Conv2d"] + d["BatchNorm2d"], 0);
  // One block per net, over the 16 x 16 maps (N = 256).
  const auto gb = attention_blocks(*G), db = attention_blocks(*D);
  ASSERT_EQ(gb.size(), 1u);
  ASSERT_EQ(db.size(), 1u);
  EXPECT_TRUE(gb[0]->spectral_norm && db[0]->spectral_norm);
  EXPECT_EQ(gb[0]->channels, 8);   // f = 8 at G's 16x16 stage
  EXPECT_EQ(db[0]->channels, 8);   // and at D's first stage
  gb[0]->keep_attention = db[0]->keep_attention = true;
  Generator z(2);
  const Tensor x = sys->generate(*G, sys->sample_latent(3, z, Device::cpu(), -1));
  EXPECT_EQ(x.shape(), (Shape{3, 1, 32, 32}));
  EXPECT_EQ(sys->judge(*D, x, {}).adv.shape(), (Shape{3}));
  EXPECT_EQ(gb[0]->last_attention.shape(), (Shape{3, 256, 256}));
  EXPECT_EQ(db[0]->last_attention.shape(), (Shape{3, 256, 256}));
}

TEST(Sagan, PlainDcganNetsAreUnchangedByTheNewOptions) {
  DcganOptions o;
  o.image_size = 32;
  Generator g1(5), g2(5);
  DcganGenerator a(o, g1);
  DcganDiscriminator b(o, g1);
  EXPECT_TRUE(attention_blocks(a).empty());
  EXPECT_TRUE(attention_blocks(b).empty());
  EXPECT_EQ(type_counts(a)["SpectralNorm(ConvTranspose2d)"], 0);
  // Attention elsewhere than a hidden side, or over too few channels: errors naming the field.
  o.attention_at = 12;
  EXPECT_NE(testing::error_of([&] { DcganGenerator bad(o, g2); }).find("attention_at must be 0 or the side"),
            std::string::npos);
  o.attention_at = 16;
  o.features_g = 4;
  EXPECT_NE(testing::error_of([&] { DcganGenerator bad(o, g2); }).find("multiple of 8 channels"), std::string::npos);
}

TEST(Sagan, EvaluateLogsGammaAndEntropyWithoutChangingTheRun) {
  Generator gen(4);
  auto sys = make_system("sagan", sagan_setup());
  auto G = sys->make_generator(gen);
  auto D = sys->make_discriminator(gen);
  const auto before_g = G->state_dict(), before_d = D->state_dict();
  std::map<std::string, double> out;
  for (const auto& [k, v] : sys->evaluate(*G, *D)) out[k] = v;
  EXPECT_EQ(out.at("attn_gamma_g"), 0.0);  // gamma starts at 0: the blocks begin as the identity
  EXPECT_EQ(out.at("attn_gamma_d"), 0.0);
  for (const char* k : {"attn_entropy_g", "attn_entropy_d"}) {
    EXPECT_GT(out.at(k), 0.0) << k;
    EXPECT_LE(out.at(k), 1.0 + 1e-9) << k;
  }
  const auto after_g = G->state_dict(), after_d = D->state_dict();
  for (size_t i = 0; i < before_g.size(); ++i)
    EXPECT_EQ(before_g[i].second.to_double_vector(), after_g[i].second.to_double_vector()) << before_g[i].first;
  for (size_t i = 0; i < before_d.size(); ++i)
    EXPECT_EQ(before_d[i].second.to_double_vector(), after_d[i].second.to_double_vector()) << before_d[i].first;
  EXPECT_TRUE(G->is_training() && D->is_training());
  EXPECT_FALSE(attention_blocks(*G)[0]->keep_attention);
  // A learned gamma is what is logged.
  {
    NoGradGuard ng;
    attention_blocks(*D)[0]->gamma.copy_(Tensor::full({1}, 0.25));
  }
  out.clear();
  for (const auto& [k, v] : sys->evaluate(*G, *D)) out[k] = v;
  EXPECT_EQ(out.at("attn_gamma_d"), 0.25);
}

TEST(Sagan, BadKeysNameTheTableAndKey) {
  SystemSetup s = sagan_setup();
  s.options.set("attention_at", "12");
  EXPECT_NE(testing::error_of([&] { make_system("sagan", s); }).find("[sagan] key 'attention_at'"), std::string::npos);
  s = sagan_setup();
  s.options.set("leaky_slope", "1.5");
  EXPECT_NE(testing::error_of([&] { make_system("sagan", s); }).find("[sagan] key 'leaky_slope'"), std::string::npos);
  s = sagan_setup();
  s.loss = LossKind::non_saturating;
  EXPECT_NE(testing::error_of([&] { make_system("sagan", s); }).find("'loss' = \"hinge\""), std::string::npos);
}

TEST(AttentionMaps, GeneratorAttentionOfASaganG) {
  Generator gen(6);
  auto sys = make_system("sagan", sagan_setup());
  auto G = sys->make_generator(gen);
  const GeneratorAttention a = generator_attention(*sys, *G, sys->sample_latent(2, gen, Device::cpu(), -1));
  EXPECT_EQ(a.images.shape(), (Shape{2, 1, 32, 32}));
  ASSERT_EQ(a.maps.size(), 1u);
  EXPECT_EQ(a.sides[0], 16);
  EXPECT_EQ(a.maps[0].shape(), (Shape{2, 256, 256}));
  EXPECT_TRUE(G->is_training());
  DcganOptions o;
  DcganGenerator plain(o, gen);
  EXPECT_NE(testing::error_of([&] { generator_attention(*sys, plain, sys->sample_latent(1, gen, Device::cpu(), -1)); })
                .find("has no self-attention block"),
            std::string::npos);
}

// One gray 8x8 image, a 4x4 map whose query (1, 2) attends only to cell (3, 0).
TEST(AttentionMaps, DrawsTheWeightsWhereTheyAreAndMarksTheQuery) {
  const Tensor images = Tensor::zeros({1, 1, 8, 8});  // 0 -> gray 0.5
  std::vector<float> b(16 * 16, 1.0f / 16);
  for (int i = 0; i < 16; ++i) b[static_cast<size_t>((1 * 4 + 2) * 16 + i)] = i == 3 * 4 + 0 ? 1.0f : 0.0f;
  const Tensor beta = Tensor::from_data({1, 16, 16}, b);
  const io::Image img = draw_attention_maps(images, beta, 4, {{1, 2}}, 1);
  ASSERT_EQ(img.width, 2 + 2 * (8 + 2));  // the sample, then one tile per query
  ASSERT_EQ(img.height, 2 + 8 + 2);
  ASSERT_EQ(img.channels, 3);
  const auto px = [&](int tile, int y, int x, int c) {
    return img.pixels[static_cast<size_t>(((2 + y) * img.width + 2 + tile * 10 + x) * 3 + c)];
  };
  // Query tile: white heat over cell (3, 0) = image pixels y 6..7, x 0..1
  // (0.35 * 0.5 + 0.65 * 1), none far from it (0.35 * 0.5).
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(px(1, 7, 0, c), 210) << c;
    EXPECT_EQ(px(1, 0, 7, c), 45) << c;
  }
  // The query's cell (1, 2) outlined in its colour (cyan) on both tiles; the
  // sample elsewhere gray.
  for (int tile : {0, 1}) {
    EXPECT_EQ(px(tile, 1, 3, 0), 0);
    EXPECT_EQ(px(tile, 1, 3, 1), 255);
    EXPECT_EQ(px(tile, 1, 3, 2), 255);
  }
  EXPECT_EQ(px(0, 7, 0, 0), 128);
  EXPECT_NE(testing::error_of([&] { draw_attention_maps(images, beta, 4, {{4, 0}}, 1); }).find("outside the 4x4"),
            std::string::npos);
  EXPECT_NE(testing::error_of([&] { draw_attention_maps(images, beta, 3, {{0, 0}}, 1); }).find("expected weights [1, 9, 9]"),
            std::string::npos);
}

}  // namespace
}  // namespace gan::models
