// SelfAttention2d with spectral_norm = true (SAGAN: spectral norm on every
// conv, the attention's 1x1 convs included): the PyTorch names of
// spectral_norm(conv), the same conv weights as the plain block, every
// conv's normalized weight at sigma ~ 1 after power iterations (sigma measured
// here by a long power iteration in double), and keep_attention's weights.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "gan/autograd.h"
#include "gan/nn/self_attention.h"
#include "gan/ops.h"

namespace gan {
namespace {

// Largest singular value of w viewed as [rows = size(0), cols], by 500 power
// iterations in double from a fixed start.
double largest_singular_value(const Tensor& w) {
  const std::vector<double> a = w.detach().to_double_vector();
  const auto rows = static_cast<size_t>(w.size(0)), cols = a.size() / rows;
  std::vector<double> v(cols, 1.0), u(rows);
  double sigma = 0;
  for (int it = 0; it < 500; ++it) {
    double nu = 0, nv = 0;
    for (size_t r = 0; r < rows; ++r) {
      u[r] = 0;
      for (size_t c = 0; c < cols; ++c) u[r] += a[r * cols + c] * v[c];
      nu += u[r] * u[r];
    }
    for (double& x : u) x /= std::sqrt(nu);
    for (size_t c = 0; c < cols; ++c) {
      v[c] = 0;
      for (size_t r = 0; r < rows; ++r) v[c] += a[r * cols + c] * u[r];
      nv += v[c] * v[c];
    }
    sigma = std::sqrt(nv);
    for (double& x : v) x /= sigma;
  }
  return sigma;
}

TEST(SelfAttention2dSpectral, PyTorchNamesAndThePlainBlocksWeights) {
  Generator g1(7), g2(7);
  nn::SelfAttention2d plain(16, g1), sn(16, g2, nn::AttentionVariant::sagan, DType::f32, true);
  std::vector<std::string> names;
  for (const auto& [name, t] : sn.state_dict()) names.push_back(name + " " + shape_str(t.shape()));
  EXPECT_EQ(names, (std::vector<std::string>{
                       "gamma [1]", "f.bias [2]", "f.weight_orig [2, 16, 1, 1]", "f.weight_u [2]", "f.weight_v [16]",
                       "g.bias [2]", "g.weight_orig [2, 16, 1, 1]", "g.weight_u [2]", "g.weight_v [16]",
                       "h.bias [16]", "h.weight_orig [16, 16, 1, 1]", "h.weight_u [16]", "h.weight_v [16]"}));
  // The convs are drawn before the wrappers' u and v: the same weights.
  EXPECT_EQ(sn.f->weight.to_double_vector(), plain.f->weight.to_double_vector());
  EXPECT_EQ(sn.h->bias.to_double_vector(), plain.h->bias.to_double_vector());
  // gamma = 0: the identity with or without spectral norm.
  const Tensor x = Tensor::randn({2, 16, 3, 3}, g1);
  EXPECT_EQ(sn.forward(x).to_double_vector(), x.to_double_vector());
  EXPECT_FALSE(plain.spectral_norm);
  EXPECT_TRUE(sn.spectral_norm);
}

TEST(SelfAttention2dSpectral, EveryConvIsNormalizedToSigmaOne) {
  for (auto variant : {nn::AttentionVariant::sagan, nn::AttentionVariant::biggan}) {
    Generator gen(3);
    nn::SelfAttention2d block(16, gen, variant, DType::f32, true);
    std::vector<std::shared_ptr<nn::Conv2d>> convs = {block.f, block.g, block.h};
    if (block.o) convs.push_back(block.o);
    // Scale the raw weights far from 1 so the normalization has work to do.
    {
      NoGradGuard ng;
      for (const auto& [name, t] : block.named_parameters())
        if (name.find("weight_orig") != std::string::npos) {
          Tensor w = t;  // the parameter's storage
          w.copy_(w * 7.0);
        }
    }
    const Tensor x = Tensor::randn({2, 16, 4, 4}, gen);
    for (int i = 0; i < 200; ++i) block.forward(x);  // one power iteration per training forward
    for (size_t i = 0; i < convs.size(); ++i) {
      // The conv's weight member is what its forward used: weight_orig / sigma.
      const double sigma = largest_singular_value(convs[i]->weight);
      EXPECT_NEAR(sigma, 1.0, 1e-3) << "conv " << i << " of the " << (block.o ? "BigGAN" : "SAGAN") << " block";
    }
    // The raw weights are far from sigma 1: the normalization did it.
    for (const auto& [name, t] : block.named_parameters()) {
      if (name.find("weight_orig") != std::string::npos) {
        EXPECT_GT(largest_singular_value(t), 1.5) << name;
      }
    }
  }
}

TEST(SelfAttention2dSpectral, KeepAttentionStoresTheSoftmaxRows) {
  Generator gen(9);
  nn::SelfAttention2d block(8, gen);
  const Tensor x = Tensor::randn({2, 8, 3, 4}, gen);
  block.forward(x);
  EXPECT_FALSE(block.last_attention.defined());  // off by default
  block.keep_attention = true;
  block.forward(x);
  const Tensor beta = block.last_attention;
  ASSERT_EQ(beta.shape(), (Shape{2, 12, 12}));
  // Row j = softmax over i of g_j . f_i (gan/nn/self_attention.h).
  const auto rows = [](const Tensor& t) {
    return ops::transpose(t.reshape({t.size(0), t.size(1), t.size(2) * t.size(3)}), 1, 2);
  };
  NoGradGuard ng;
  const Tensor want = ops::softmax(ops::matmul(rows(block.g->forward(x)), ops::transpose(rows(block.f->forward(x)), 1, 2)), -1);
  const auto a = beta.to_double_vector(), b = want.to_double_vector();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << i;
  for (int64_t r = 0; r < 24; ++r) {
    double s = 0;
    for (int64_t c = 0; c < 12; ++c) s += a[static_cast<size_t>(r * 12 + c)];
    EXPECT_NEAR(s, 1.0, 1e-5) << "row " << r;
  }
}

}  // namespace
}  // namespace gan
