// DCGAN models (output shapes for every size and channel count, the paper's
// layer rules), the losses against hand-computed values, and the gradient
// regularizers (WGAN-GP, R1) against closed forms on a linear critic.
#include <gtest/gtest.h>

#include <cmath>

#include "gan/autograd.h"
#include "gan/models/dcgan.h"
#include "gan/models/losses.h"
#include "gan/ops.h"

namespace gan::models {
namespace {

struct ShapeCase {
  int64_t size, channels;
};

class DcganShapes : public ::testing::TestWithParam<ShapeCase> {};

TEST_P(DcganShapes, GeneratorAndDiscriminatorOutputs) {
  const auto [size, channels] = GetParam();
  Generator gen(1);
  const DcganOptions o{size, channels, 16, 4, 4};
  DcganGenerator G(o, gen);
  DcganDiscriminator D(o, gen);
  const Tensor z = Tensor::randn({3, 16}, gen);
  const Tensor x = G(z);
  EXPECT_EQ(x.shape(), (Shape{3, channels, size, size}));
  // tanh output
  for (double v : x.to_double_vector()) ASSERT_TRUE(v > -1 && v < 1);
  EXPECT_EQ(D(x).shape(), (Shape{3}));
  // [N, z, 1, 1] is accepted too.
  EXPECT_EQ(G(z.reshape({3, 16, 1, 1})).shape(), x.shape());
}

INSTANTIATE_TEST_SUITE_P(Sizes, DcganShapes,
                         ::testing::Values(ShapeCase{28, 1}, ShapeCase{28, 3}, ShapeCase{32, 1}, ShapeCase{32, 3},
                                           ShapeCase{64, 1}, ShapeCase{64, 3}),
                         [](const auto& info) {
                           return std::to_string(info.param.size) + "x" + std::to_string(info.param.channels);
                         });

TEST(Dcgan, FollowsThePaperRules) {
  Generator gen(2);
  const DcganOptions o{28, 1, 100, 32, 32};
  DcganGenerator G(o, gen);
  DcganDiscriminator D(o, gen);
  // Default 28x28 widths: G 100 -> 128 -> 64 -> 1, D 1 -> 64 -> 128 -> 1.
  EXPECT_EQ(G.parameter("main.0.weight").shape(), (Shape{100, 128, 7, 7}));
  EXPECT_EQ(G.parameter("main.3.weight").shape(), (Shape{128, 64, 4, 4}));
  EXPECT_EQ(G.parameter("main.6.weight").shape(), (Shape{64, 1, 4, 4}));
  EXPECT_EQ(D.parameter("main.0.weight").shape(), (Shape{64, 1, 4, 4}));
  EXPECT_EQ(D.parameter("main.2.weight").shape(), (Shape{128, 64, 4, 4}));
  EXPECT_EQ(D.parameter("main.5.weight").shape(), (Shape{1, 128, 7, 7}));
  // BN in G after every layer but the last, in D after every layer but the first and last.
  EXPECT_EQ(G.main->operator[](1)->type_name(), "BatchNorm2d");
  EXPECT_EQ(G.main->operator[](4)->type_name(), "BatchNorm2d");
  EXPECT_EQ(G.main->operator[](7)->type_name(), "Tanh");
  EXPECT_EQ(D.main->operator[](1)->type_name(), "LeakyReLU");
  EXPECT_EQ(D.main->operator[](3)->type_name(), "BatchNorm2d");
  EXPECT_DOUBLE_EQ(std::dynamic_pointer_cast<nn::LeakyReLU>(D.main->operator[](1))->negative_slope, 0.2);
  // N(0, 0.02) conv weights.
  const auto w = G.parameter("main.0.weight").to_double_vector();
  double ss = 0, s = 0;
  for (double v : w) s += v, ss += v * v;
  const double n = static_cast<double>(w.size()), mean = s / n, sd = std::sqrt(ss / n - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.001);
  EXPECT_NEAR(sd, 0.02, 0.001);
  // BN weight N(1, 0.02), bias 0.
  const auto g = G.parameter("main.1.weight").to_double_vector();
  for (double v : g) EXPECT_NEAR(v, 1.0, 0.1);
  for (double v : G.parameter("main.1.bias").to_double_vector()) EXPECT_EQ(v, 0.0);
}

TEST(Dcgan, RejectsBadOptionsAndInputs) {
  Generator gen(0);
  EXPECT_THROW(DcganGenerator(DcganOptions{48, 1, 8, 4, 4}, gen), Error);
  DcganGenerator G(DcganOptions{28, 1, 8, 2, 2}, gen);
  DcganDiscriminator D(DcganOptions{28, 1, 8, 2, 2}, gen);
  EXPECT_THROW(G(Tensor::zeros({2, 9})), Error);
  EXPECT_THROW(D(Tensor::zeros({2, 1, 32, 32})), Error);
}

// ---- losses -----------------------------------------------------------------------

const Tensor kReal = Tensor::from_data({2}, std::vector<float>{1.0f, -2.0f});
const Tensor kFake = Tensor::from_data({2}, std::vector<float>{0.5f, 3.0f});
double sp(double x) { return std::log1p(std::exp(x)); }

TEST(Losses, MatchHandValues) {
  const double ns_d = (sp(-1) + sp(2)) / 2 + (sp(0.5) + sp(3)) / 2;
  EXPECT_NEAR(d_loss(LossKind::non_saturating, kReal, kFake).item(), ns_d, 1e-6);
  EXPECT_NEAR(d_loss(LossKind::minimax, kReal, kFake).item(), ns_d, 1e-6);
  EXPECT_NEAR(g_loss(LossKind::non_saturating, kFake).item(), (sp(-0.5) + sp(-3)) / 2, 1e-6);
  EXPECT_NEAR(g_loss(LossKind::minimax, kFake).item(), -(sp(0.5) + sp(3)) / 2, 1e-6);
  // hinge: relu(1 - r) = {0, 3}, relu(1 + f) = {1.5, 4}
  EXPECT_NEAR(d_loss(LossKind::hinge, kReal, kFake).item(), 1.5 + 2.75, 1e-6);
  EXPECT_NEAR(g_loss(LossKind::hinge, kFake).item(), -1.75, 1e-6);
  EXPECT_NEAR(d_loss(LossKind::wasserstein, kReal, kFake).item(), 1.75 - (-0.5), 1e-6);
  EXPECT_NEAR(g_loss(LossKind::wasserstein, kFake).item(), -1.75, 1e-6);
  // LSGAN: ((0 + 9) / 2 + (0.25 + 9) / 2) / 2, and ((0.25 + 4) / 2) / 2
  EXPECT_NEAR(d_loss(LossKind::least_squares, kReal, kFake).item(), 4.5625, 1e-6);
  EXPECT_NEAR(g_loss(LossKind::least_squares, kFake).item(), 1.0625, 1e-6);
}

TEST(Losses, LogitLossesAreStableForHugeLogits) {
  const Tensor big = Tensor::from_data({2}, std::vector<float>{200.0f, -200.0f});
  EXPECT_TRUE(std::isfinite(d_loss(LossKind::non_saturating, big, big).item()));
  EXPECT_NEAR(g_loss(LossKind::non_saturating, big).item(), 100.0, 1e-3);
}

TEST(Losses, NamesRoundTripAndUnknownNamesAreErrors) {
  for (LossKind k : {LossKind::minimax, LossKind::non_saturating, LossKind::hinge, LossKind::wasserstein,
                     LossKind::least_squares})
    EXPECT_EQ(parse_loss_kind(loss_kind_name(k)), k);
  EXPECT_EQ(parse_loss_kind("lsgan"), LossKind::least_squares);
  try {
    parse_loss_kind("wgan-gpp");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("wgan-gpp"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("hinge"), std::string::npos);
  }
}

TEST(Losses, ClipWeightsClampsEveryParameter) {
  Generator gen(4);
  DcganDiscriminator D(DcganOptions{28, 1, 8, 2, 2}, gen);
  for (Tensor p : D.parameters()) {
    NoGradGuard ng;
    p.fill_(0.5);
  }
  clip_weights(D, 0.01);
  for (const Tensor& p : D.parameters())
    for (double v : p.to_double_vector()) ASSERT_LE(std::abs(v), 0.01 + 1e-9);
}

// A linear critic D(x) = <w, flatten(x)>: dD/dx = w everywhere, so the
// penalties have closed forms.
class LinearCritic : public nn::Module {
 public:
  explicit LinearCritic(Generator& gen) : Module("LinearCritic") {
    lin = register_module("lin", std::make_shared<nn::Linear>(4, 1, gen, false));
  }
  Tensor forward(const Tensor& x) override { return (*lin)(x.flatten(1)).reshape({x.size(0)}); }
  std::shared_ptr<nn::Linear> lin;
};

TEST(Penalties, GradientPenaltyMatchesClosedFormOnALinearCritic) {
  Generator gen(5);
  LinearCritic D(gen);
  const std::vector<float> w = {0.3f, -0.4f, 1.2f, 0.5f};
  {
    NoGradGuard ng;
    D.lin->weight.copy_(Tensor::from_data({1, 4}, w));
  }
  const double norm = std::sqrt(0.09 + 0.16 + 1.44 + 0.25);
  const Tensor real = Tensor::randn({3, 1, 2, 2}, gen), fake = Tensor::randn({3, 1, 2, 2}, gen);
  const Tensor gp = gradient_penalty(D, real, fake, gen);
  EXPECT_NEAR(gp.item(), (norm - 1) * (norm - 1), 1e-5);
  // d gp / d w = 2 (|w| - 1) w / |w|: the second derivative reaches the weights.
  D.zero_grad();
  gp.backward();
  const auto g = D.lin->weight.grad().to_double_vector();
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(g[i], 2 * (norm - 1) * w[i] / norm, 1e-4);
  // R1 = |w|^2 and d R1 / d w = 2 w.
  D.zero_grad();
  const Tensor r1 = r1_penalty(D, real);
  EXPECT_NEAR(r1.item(), norm * norm, 1e-5);
  r1.backward();
  const auto g1 = D.lin->weight.grad().to_double_vector();
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(g1[i], 2 * w[i], 1e-4);
  EXPECT_FALSE(real.requires_grad());
}

TEST(Penalties, GradientPenaltyOnDcganDiscriminatorIsFiniteAndDifferentiable) {
  Generator gen(6);
  const DcganOptions o{28, 1, 8, 2, 2};
  DcganGenerator G(o, gen);
  DcganDiscriminator D(o, gen);
  const Tensor real = ops::tanh(Tensor::randn({4, 1, 28, 28}, gen));
  Tensor fake;
  {
    NoGradGuard ng;
    fake = G(Tensor::randn({4, 8}, gen));
  }
  const Tensor gp = gradient_penalty(D, real, fake, gen);
  ASSERT_TRUE(std::isfinite(gp.item()));
  EXPECT_GT(gp.item(), 0.0);
  D.zero_grad();
  gp.backward();
  // Every weight gets a gradient (biases of the input gradient's path need not:
  // d/dx of D does not depend on the last conv's bias at all).
  double ss = 0;
  for (const auto& [name, p] : D.named_parameters()) {
    if (name.find("weight") == std::string::npos) continue;
    ASSERT_TRUE(p.grad().defined()) << "no gradient for " << name;
    for (double v : p.grad().to_double_vector()) {
      ASSERT_TRUE(std::isfinite(v));
      ss += v * v;
    }
  }
  EXPECT_GT(ss, 0.0);
}

}  // namespace
}  // namespace gan::models
