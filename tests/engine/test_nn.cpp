// nn: module structure and names, train/eval, state_dict round trips and errors,
// layers against the ops they wrap, initializer statistics, batch-norm running stats.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "gan/autograd.h"
#include "gan/nn/init.h"
#include "gan/nn/layers.h"
#include "gan/nn/module.h"
#include "gan/ops.h"

namespace {

using gan::DType;
using gan::Generator;
using gan::Options;
using gan::Tensor;
using testing::HasSubstr;
namespace nn = gan::nn;
using Vec = std::vector<double>;

std::vector<std::string> names_of(const gan::NamedTensors& v) {
  std::vector<std::string> out;
  for (const auto& [n, t] : v) out.push_back(n);
  return out;
}

// A small DCGAN-like discriminator with a nested Sequential under "main".
class Disc : public nn::Module {
 public:
  explicit Disc(Generator& gen) : nn::Module("Disc") {
    main = register_module("main", std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
                                       std::make_shared<nn::Conv2d>(1, 4, 3, gen, nn::Conv2dOptions{.stride = 2, .padding = 1}),
                                       std::make_shared<nn::BatchNorm2d>(4),
                                       std::make_shared<nn::LeakyReLU>(0.2),
                                       std::make_shared<nn::Flatten>(),
                                   }));
    head = register_module("head", std::make_shared<nn::Sequential>());
    head->push_back(std::make_shared<nn::Linear>(4 * 4 * 4, 3, gen));
    head->push_back(std::make_shared<nn::Sigmoid>());
  }
  Tensor forward(const Tensor& x) override { return (*head)((*main)(x)); }
  std::shared_ptr<nn::Sequential> main, head;
};

double max_abs_diff(const Tensor& a, const Tensor& b) {
  const auto va = a.to_double_vector(), vb = b.to_double_vector();
  EXPECT_EQ(va.size(), vb.size());
  double m = 0;
  for (size_t i = 0; i < va.size() && i < vb.size(); ++i) m = std::max(m, std::abs(va[i] - vb[i]));
  return m;
}

void stats(const Tensor& t, double& mean, double& std) {
  const auto v = t.to_double_vector();
  double s = 0, s2 = 0;
  for (double x : v) s += x;
  mean = s / static_cast<double>(v.size());
  for (double x : v) s2 += (x - mean) * (x - mean);
  std = std::sqrt(s2 / static_cast<double>(v.size()));
}

// ---- structure -----------------------------------------------------------------------------------

TEST(NnModule, HierarchicalNamesInRegistrationOrder) {
  Generator gen(1);
  auto d = std::make_shared<Disc>(gen);
  EXPECT_EQ(names_of(d->named_parameters()),
            (std::vector<std::string>{"main.0.weight", "main.0.bias", "main.1.weight", "main.1.bias",
                                      "head.0.weight", "head.0.bias"}));
  EXPECT_EQ(names_of(d->named_buffers()),
            (std::vector<std::string>{"main.1.running_mean", "main.1.running_var", "main.1.num_batches_tracked"}));
  EXPECT_EQ(names_of(d->state_dict()),
            (std::vector<std::string>{"main.0.weight", "main.0.bias", "main.1.weight", "main.1.bias",
                                      "main.1.running_mean", "main.1.running_var", "main.1.num_batches_tracked",
                                      "head.0.weight", "head.0.bias"}));
  std::vector<std::string> mods;
  for (const auto& [n, m] : d->named_modules()) mods.push_back(n + ":" + m->type_name());
  EXPECT_EQ(mods, (std::vector<std::string>{":Disc", "main:Sequential", "main.0:Conv2d", "main.1:BatchNorm2d",
                                            "main.2:LeakyReLU", "main.3:Flatten", "head:Sequential",
                                            "head.0:Linear", "head.1:Sigmoid"}));
  EXPECT_EQ(d->parameters().size(), 6u);
  EXPECT_EQ(d->num_parameters(), 4 * 9 + 4 + 4 + 4 + 64 * 3 + 3);
  EXPECT_TRUE(d->parameter("head.0.weight").is_same(std::dynamic_pointer_cast<nn::Linear>((*d->head)[0])->weight));
  EXPECT_EQ(d->child("main.1")->type_name(), "BatchNorm2d");
  EXPECT_EQ(d->buffer("main.1.num_batches_tracked").dtype(), DType::i64);
  EXPECT_THROW(d->parameter("main.9.weight"), gan::Error);
  for (const auto& p : d->parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(NnModule, SharedParametersAreListedOnce) {
  Generator gen(2);
  auto lin = std::make_shared<nn::Linear>(3, 3, gen);
  nn::Sequential seq{lin, std::make_shared<nn::ReLU>(), lin};
  EXPECT_EQ(seq.parameters().size(), 2u);
  EXPECT_EQ(seq.state_dict().size(), 4u);  // state_dict keeps every name, as torch
  const auto mods = seq.named_modules();      // a stack-allocated root lists itself too
  ASSERT_EQ(mods.size(), 3u);
  EXPECT_EQ(mods[0].first, "");
  EXPECT_EQ(mods[0].second.get(), &seq);
  EXPECT_EQ(mods[1].first, "0");
  EXPECT_EQ(mods[2].first, "1");
}

TEST(NnModule, TrainEvalPropagates) {
  Generator gen(1);
  auto d = std::make_shared<Disc>(gen);
  for (const auto& [n, m] : d->named_modules()) EXPECT_TRUE(m->is_training()) << n;
  d->eval();
  for (const auto& [n, m] : d->named_modules()) EXPECT_FALSE(m->is_training()) << n;
  d->main->train();
  EXPECT_FALSE(d->is_training());
  EXPECT_TRUE(d->child("main.1")->is_training());
  EXPECT_FALSE(d->child("head.0")->is_training());
}

TEST(NnModule, StateDictRoundTripGivesIdenticalOutputs) {
  Generator g1(1), g2(2), gx(3);
  auto a = std::make_shared<Disc>(g1);
  auto b = std::make_shared<Disc>(g2);
  const Tensor x = Tensor::randn({5, 1, 8, 8}, gx);
  (*a)(x);  // one training step of batch-norm statistics
  a->eval();
  b->eval();
  EXPECT_GT(max_abs_diff((*a)(x), (*b)(x)), 1e-4);
  b->load_state_dict(a->state_dict());
  EXPECT_EQ((*a)(x).to_vector<float>(), (*b)(x).to_vector<float>());
  EXPECT_EQ(b->buffer("main.1.num_batches_tracked").item(), 1);
  // Handles held by the layers were written through (no re-registration).
  EXPECT_EQ(std::dynamic_pointer_cast<nn::Conv2d>((*b->main)[0])->weight.to_vector<float>(),
            a->parameter("main.0.weight").to_vector<float>());
  // state_dict entries are detached views.
  for (const auto& [n, t] : a->state_dict()) EXPECT_FALSE(t.requires_grad()) << n;
}

TEST(NnModule, LoadStateDictConvertsDtype) {
  Generator g1(1), g2(2);
  nn::Linear a(3, 2, g1), b(3, 2, g2);
  b.to(DType::f64);
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(b.weight.dtype(), DType::f64);
  EXPECT_EQ(b.weight.to_double_vector(), a.weight.to_double_vector());
}

TEST(NnModule, LoadStateDictErrorsNameKeysAndShapes) {
  Generator g1(1), g2(2);
  auto a = std::make_shared<Disc>(g1);
  auto b = std::make_shared<Disc>(g2);
  auto sd = a->state_dict();
  // missing
  auto missing = sd;
  missing.erase(missing.begin() + 1);  // main.0.bias
  missing.pop_back();                  // head.0.bias
  try {
    b->load_state_dict(missing);
    FAIL() << "expected an error";
  } catch (const gan::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("missing keys [main.0.bias, head.0.bias]"));
  }
  // unexpected
  auto unexpected = sd;
  unexpected.emplace_back("main.7.weight", Tensor::zeros({2}));
  try {
    b->load_state_dict(unexpected);
    FAIL() << "expected an error";
  } catch (const gan::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unexpected keys [main.7.weight]"));
  }
  // mis-shaped: names key and both shapes
  auto bad = sd;
  bad[0].second = Tensor::zeros({4, 1, 5, 5});
  const auto before = b->parameter("main.0.bias").to_vector<float>();
  try {
    b->load_state_dict(bad);
    FAIL() << "expected an error";
  } catch (const gan::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("main.0.weight"));
    EXPECT_THAT(e.what(), HasSubstr("[4, 1, 5, 5]"));
    EXPECT_THAT(e.what(), HasSubstr("[4, 1, 3, 3]"));
  }
  // Nothing was copied by the failed load.
  EXPECT_EQ(b->parameter("main.0.bias").to_vector<float>(), before);
  // Non-strict: missing/unexpected ignored, the rest loaded.
  b->load_state_dict(missing, /*strict=*/false);
  EXPECT_EQ(b->parameter("main.0.weight").to_vector<float>(), a->parameter("main.0.weight").to_vector<float>());
  EXPECT_NE(b->parameter("main.0.bias").to_vector<float>(), a->parameter("main.0.bias").to_vector<float>());
  EXPECT_THROW(b->load_state_dict(bad, false), gan::Error);
}

TEST(NnModule, ToDtypeKeepsHandlesAndZeroGradClears) {
  Generator gen(4);
  auto d = std::make_shared<Disc>(gen);
  Tensor w = d->parameter("head.0.weight");
  const auto v = w.to_double_vector();
  d->to(DType::f64);
  EXPECT_EQ(w.dtype(), DType::f64);  // the handle taken before sees the conversion
  EXPECT_EQ(w.to_double_vector(), v);
  EXPECT_TRUE(w.requires_grad());
  EXPECT_EQ(d->buffer("main.1.num_batches_tracked").dtype(), DType::i64);
  EXPECT_EQ(d->buffer("main.1.running_mean").dtype(), DType::f64);
  Tensor x = Tensor::randn({2, 1, 8, 8}, gen, Options{DType::f64});
  Tensor y = gan::ops::sum((*d)(x));
  EXPECT_EQ(y.dtype(), DType::f64);
  y.backward();
  for (const auto& [n, p] : d->named_parameters()) EXPECT_TRUE(p.grad().defined()) << n;
  d->zero_grad();
  for (const auto& [n, p] : d->named_parameters()) EXPECT_FALSE(p.grad().defined()) << n;
}

TEST(NnModule, RegistrationErrors) {
  struct Bad : nn::Module {
    Bad() : nn::Module("Bad") {}
    void twice() {
      register_parameter("w", Tensor::zeros({1}));
      register_buffer("w", Tensor::zeros({1}));
    }
    void dotted() { register_parameter("a.b", Tensor::zeros({1})); }
  };
  Bad b;
  EXPECT_THROW(b.twice(), gan::Error);
  EXPECT_THROW(b.dotted(), gan::Error);
  EXPECT_THROW(b.forward(Tensor::zeros({1})), gan::Error);
}

// ---- layers vs ops ------------------------------------------------------------------------------

TEST(NnLayers, OutputsMatchTheOps) {
  Generator gen(7);
  {
    nn::Linear lin(5, 3, gen);
    Tensor x = Tensor::randn({4, 5}, gen);
    EXPECT_EQ(lin(x).to_vector<float>(), gan::ops::linear(x, lin.weight, lin.bias).to_vector<float>());
    nn::Linear nobias(5, 3, gen, false);
    EXPECT_FALSE(nobias.bias.defined());
    EXPECT_EQ(nobias.parameters().size(), 1u);
    EXPECT_THROW(lin(Tensor::randn({4, 6}, gen)), gan::Error);
  }
  {
    nn::Conv2d conv(4, 6, 3, gen, /*stride=*/2, /*padding=*/1, /*dilation=*/1, /*groups=*/2, /*bias=*/true);
    EXPECT_EQ(conv.weight.shape(), (gan::Shape{6, 2, 3, 3}));
    Tensor x = Tensor::randn({2, 4, 7, 7}, gen);
    gan::ops::Conv2dOptions o;
    o.stride = {2, 2};
    o.padding = {1, 1};
    o.groups = 2;
    Tensor y = conv(x);
    EXPECT_EQ(y.shape(), (gan::Shape{2, 6, 4, 4}));
    EXPECT_EQ(y.to_vector<float>(), gan::ops::conv2d(x, conv.weight, conv.bias, o).to_vector<float>());
  }
  {
    nn::ConvTranspose2d convt(4, 2, 4, gen, nn::ConvTranspose2dOptions{.stride = 2, .padding = 1, .bias = false});
    EXPECT_EQ(convt.weight.shape(), (gan::Shape{4, 2, 4, 4}));
    Tensor x = Tensor::randn({2, 4, 3, 3}, gen);
    gan::ops::ConvTranspose2dOptions o;
    o.stride = {2, 2};
    o.padding = {1, 1};
    Tensor y = convt(x);
    EXPECT_EQ(y.shape(), (gan::Shape{2, 2, 6, 6}));
    EXPECT_EQ(y.to_vector<float>(), gan::ops::conv_transpose2d(x, convt.weight, {}, o).to_vector<float>());
  }
  {
    nn::LayerNorm ln({3, 4});
    Tensor x = Tensor::randn({2, 3, 4}, gen);
    EXPECT_EQ(ln(x).to_vector<float>(), gan::ops::layer_norm(x, 2, ln.weight, ln.bias).to_vector<float>());
    EXPECT_THROW(ln(Tensor::randn({2, 4, 3}, gen)), gan::Error);
  }
  {
    nn::Embedding emb(10, 4, gen);
    Tensor idx = Tensor::from_data({3}, std::vector<int64_t>{0, 9, 3});
    Tensor y = emb(idx);
    EXPECT_EQ(y.shape(), (gan::Shape{3, 4}));
    const auto w = emb.weight.to_vector<float>(), yv = y.to_vector<float>();
    for (int j = 0; j < 4; ++j) EXPECT_EQ(yv[4 + j], w[36 + j]);
    EXPECT_THROW(emb(Tensor::zeros({3})), gan::Error);
  }
  {
    Tensor x = Tensor::randn({1, 2, 3, 3}, gen);
    EXPECT_EQ(nn::Upsample(2)(x).to_vector<float>(), gan::ops::upsample_nearest2d(x, 6, 6).to_vector<float>());
    EXPECT_EQ(nn::Upsample(2, nn::UpsampleMode::bilinear)(x).to_vector<float>(),
              gan::ops::upsample_bilinear2d(x, 6, 6, false).to_vector<float>());
  }
  {
    Tensor x = Tensor::randn({2, 3, 2, 2}, gen);
    EXPECT_EQ(nn::ReLU()(x).to_vector<float>(), gan::ops::relu(x).to_vector<float>());
    EXPECT_EQ(nn::LeakyReLU(0.2)(x).to_vector<float>(), gan::ops::leaky_relu(x, 0.2).to_vector<float>());
    EXPECT_EQ(nn::Tanh()(x).to_vector<float>(), gan::ops::tanh(x).to_vector<float>());
    EXPECT_EQ(nn::Sigmoid()(x).to_vector<float>(), gan::ops::sigmoid(x).to_vector<float>());
    EXPECT_EQ(nn::Flatten()(x).shape(), (gan::Shape{2, 12}));
    nn::Sequential seq{std::make_shared<nn::Tanh>(), std::make_shared<nn::Flatten>()};
    EXPECT_EQ(seq(x).to_vector<float>(), gan::ops::tanh(x).flatten(1).to_vector<float>());
    EXPECT_EQ(nn::Sequential()(x).to_vector<float>(), x.to_vector<float>());
  }
}

TEST(NnLayers, DefaultInitIsReproducibleAndBounded) {
  Generator g1(11), g2(11);
  nn::Conv2d a(8, 16, 3, g1), b(8, 16, 3, g2);
  EXPECT_EQ(a.weight.to_vector<float>(), b.weight.to_vector<float>());
  EXPECT_EQ(a.bias.to_vector<float>(), b.bias.to_vector<float>());
  const double bound = 1.0 / std::sqrt(8.0 * 9.0);  // kaiming_uniform(a=sqrt(5)) == U(-1/sqrt(fan_in), ..)
  double mx = 0;
  for (double v : a.weight.to_double_vector()) mx = std::max(mx, std::abs(v));
  EXPECT_LE(mx, bound);
  EXPECT_GT(mx, 0.9 * bound);
  for (double v : a.bias.to_double_vector()) EXPECT_LE(std::abs(v), bound);
  // ConvTranspose2d's fan_in is computed from weight [in, out, k, k] as torch: out * k * k.
  nn::ConvTranspose2d ct(32, 4, 4, g1);
  const double bt = 1.0 / std::sqrt(4.0 * 16.0);
  mx = 0;
  for (double v : ct.weight.to_double_vector()) mx = std::max(mx, std::abs(v));
  EXPECT_LE(mx, bt);
  EXPECT_GT(mx, 0.9 * bt);
}

// ---- init -----------------------------------------------------------------------------------------

TEST(NnInit, NormalStatistics) {
  Generator gen(5);
  Tensor t = Tensor::empty({100000});
  nn::init::normal_(t, gen, 0.0, 0.02);
  double m, s;
  stats(t, m, s);
  EXPECT_NEAR(m, 0.0, 0.02 * 5 / std::sqrt(1e5));
  EXPECT_NEAR(s, 0.02, 0.02 * 0.02);
  Tensor u = Tensor::empty({100000}, Options{DType::f64});
  nn::init::uniform_(u, gen, -2, 3);
  stats(u, m, s);
  EXPECT_NEAR(m, 0.5, 0.05);
  EXPECT_NEAR(s, 5 / std::sqrt(12.0), 0.02);
  nn::init::constant_(u, 1.5);
  EXPECT_EQ(u.to_double_vector()[77], 1.5);
}

TEST(NnInit, OrthogonalRowsOrColumnsAreOrthonormal) {
  for (auto shape : {gan::Shape{64, 128}, gan::Shape{128, 64}, gan::Shape{16, 4, 2, 2}}) {
    Generator gen(9);
    Tensor w = Tensor::empty(shape);
    nn::init::orthogonal_(w, gen, 1.0);
    Tensor w2 = w.reshape({shape[0], -1});
    const bool wide = w2.size(0) <= w2.size(1);
    // W W^T = I when rows <= cols, W^T W = I otherwise.
    Tensor g = wide ? gan::ops::matmul(w2, gan::ops::transpose(w2, 0, 1))
                    : gan::ops::matmul(gan::ops::transpose(w2, 0, 1), w2);
    const int64_t n = g.size(0);
    const auto v = g.to_double_vector();
    double err = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) err = std::max(err, std::abs(v[i * n + j] - (i == j ? 1.0 : 0.0)));
    EXPECT_LT(err, 1e-5) << gan::shape_str(shape);
  }
  Generator gen(9);
  Tensor w = Tensor::empty({8, 8}, Options{DType::f64});
  nn::init::orthogonal_(w, gen, 2.0);
  const auto v = gan::ops::matmul(w, gan::ops::transpose(w, 0, 1)).to_double_vector();
  EXPECT_NEAR(v[0], 4.0, 1e-12);
  EXPECT_NEAR(v[1], 0.0, 1e-12);
}

TEST(NnInit, XavierAndKaimingBounds) {
  Generator gen(3);
  Tensor w = Tensor::empty({200, 300});
  nn::init::xavier_uniform_(w, gen, 1.0);
  const double xb = std::sqrt(6.0 / 500.0);
  double mx = 0, m, s;
  for (double v : w.to_double_vector()) mx = std::max(mx, std::abs(v));
  EXPECT_LE(mx, xb);
  EXPECT_GT(mx, 0.99 * xb);
  nn::init::xavier_normal_(w, gen, 2.0);
  stats(w, m, s);
  EXPECT_NEAR(s, 2.0 * std::sqrt(2.0 / 500.0), 0.02 * s);

  Tensor c = Tensor::empty({64, 32, 3, 3});  // fan_in 288, fan_out 576
  nn::init::kaiming_uniform_(c, gen, 0.0, nn::init::FanMode::fan_in, nn::init::Nonlinearity::relu);
  const double kb = std::sqrt(3.0) * std::sqrt(2.0) / std::sqrt(288.0);
  mx = 0;
  for (double v : c.to_double_vector()) mx = std::max(mx, std::abs(v));
  EXPECT_LE(mx, kb);
  EXPECT_GT(mx, 0.99 * kb);
  nn::init::kaiming_normal_(c, gen, 0.2, nn::init::FanMode::fan_out, nn::init::Nonlinearity::leaky_relu);
  stats(c, m, s);
  EXPECT_NEAR(s, std::sqrt(2.0 / 1.04) / std::sqrt(576.0), 0.02 * s);
  EXPECT_NEAR(nn::init::calculate_gain(nn::init::Nonlinearity::tanh), 5.0 / 3.0, 1e-15);
  EXPECT_EQ(nn::init::fan_in_and_fan_out(c), (std::pair<int64_t, int64_t>{288, 576}));
  Tensor vec = Tensor::empty({5});
  EXPECT_THROW(nn::init::xavier_uniform_(vec, gen), gan::Error);
}

TEST(NnInit, DcganRule) {
  Generator gen(21);
  nn::Sequential g;
  auto ct = g.emplace_back<nn::ConvTranspose2d>(64, 128, 4, gen, 1, 0, 0, 1, false);
  auto bn = g.emplace_back<nn::BatchNorm2d>(128);
  g.emplace_back<nn::ReLU>();
  auto conv = g.emplace_back<nn::Conv2d>(128, 64, 4, gen);
  const auto conv_bias = conv->bias.to_vector<float>();
  nn::init::dcgan_init(g, gen);
  double m, s;
  stats(ct->weight, m, s);
  EXPECT_NEAR(m, 0.0, 0.001);
  EXPECT_NEAR(s, 0.02, 0.001);
  stats(conv->weight, m, s);
  EXPECT_NEAR(s, 0.02, 0.001);
  stats(bn->weight, m, s);
  EXPECT_NEAR(m, 1.0, 0.01);
  EXPECT_NEAR(s, 0.02, 0.005);
  for (double v : bn->bias.to_double_vector()) EXPECT_EQ(v, 0.0);
  EXPECT_EQ(conv->bias.to_vector<float>(), conv_bias);  // conv biases untouched
}

// ---- batch norm ------------------------------------------------------------------------------------

TEST(NnBatchNorm, RunningStatsUpdateInTrainAndAreUsedInEval) {
  Generator gen(13);
  nn::BatchNorm2d bn(2, 1e-5, 0.1, true, true, DType::f64);
  nn::init::normal_(bn.weight, gen, 1.0, 0.5);
  nn::init::normal_(bn.bias, gen, 0.0, 0.5);
  Tensor x = Tensor::randn({3, 2, 2, 2}, gen, Options{DType::f64}) * 2.0 + 1.0;
  const auto xv = x.to_double_vector();
  // Per-channel batch mean and unbiased variance, by hand.
  Vec mean(2, 0), var(2, 0);
  for (int c = 0; c < 2; ++c) {
    Vec vals;
    for (int n = 0; n < 3; ++n)
      for (int k = 0; k < 4; ++k) vals.push_back(xv[(n * 2 + c) * 4 + k]);
    for (double v : vals) mean[c] += v / 12;
    for (double v : vals) var[c] += (v - mean[c]) * (v - mean[c]) / 11;
  }
  Tensor y = bn(x);
  const auto rm = bn.running_mean.to_double_vector(), rv = bn.running_var.to_double_vector();
  for (int c = 0; c < 2; ++c) {
    EXPECT_NEAR(rm[c], 0.1 * mean[c], 1e-12);
    EXPECT_NEAR(rv[c], 0.9 + 0.1 * var[c], 1e-12);
  }
  EXPECT_EQ(bn.num_batches_tracked.item(), 1);
  // Train mode output uses batch statistics (biased variance).
  const auto yv = y.to_double_vector(), w = bn.weight.to_double_vector(), b = bn.bias.to_double_vector();
  const double bvar0 = var[0] * 11 / 12;
  EXPECT_NEAR(yv[0], (xv[0] - mean[0]) / std::sqrt(bvar0 + 1e-5) * w[0] + b[0], 1e-10);

  bn.eval();
  Tensor ye = bn(x);
  EXPECT_EQ(bn.num_batches_tracked.item(), 1);  // no update in eval
  EXPECT_EQ(bn.running_mean.to_double_vector(), rm);
  const auto yev = ye.to_double_vector();
  for (int n = 0; n < 3; ++n)
    for (int c = 0; c < 2; ++c)
      for (int k = 0; k < 4; ++k) {
        const int i = (n * 2 + c) * 4 + k;
        EXPECT_NEAR(yev[i], (xv[i] - rm[c]) / std::sqrt(rv[c] + 1e-5) * w[c] + b[c], 1e-10);
      }
  // Without tracked statistics, eval still normalizes by the batch.
  nn::BatchNorm2d nb(2, 1e-5, 0.1, false, false, DType::f64);
  EXPECT_TRUE(nb.named_buffers().empty());
  EXPECT_TRUE(nb.parameters().empty());
  nb.eval();
  EXPECT_NEAR(nb(x).to_double_vector()[0], (xv[0] - mean[0]) / std::sqrt(bvar0 + 1e-5), 1e-10);
  EXPECT_THROW(bn(Tensor::zeros({2, 3, 2, 2}, Options{DType::f64})), gan::Error);
}

}  // namespace
