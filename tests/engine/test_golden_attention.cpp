// SelfAttention2d against PyTorch (tests/golden/self_attention.safetensors,
// written by scripts/golden/gen_attention.py): the SAGAN and BigGAN blocks
// with the file's weights, gamma = 0.5, on the file's input x [2, 16, 4, 5];
// f32 within 1e-5 (relative to max(1, |y|)) of the f64 reference rounded to
// f32, and f64 within 1e-12 of the f64 reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "gan/autograd.h"
#include "gan/io/safetensors.h"
#include "gan/nn/self_attention.h"
#include "gan/ops.h"

namespace gan {
namespace {

// A file tensor as a gan::Tensor of the file's dtype (F32 or F64).
Tensor to_tensor(const io::TensorData& t, const std::string& name) {
  const Shape shape(t.shape.begin(), t.shape.end());
  if (t.dtype == "F32") {
    std::vector<float> v(t.bytes.size() / sizeof(float));
    std::memcpy(v.data(), t.bytes.data(), t.bytes.size());
    return Tensor::from_data(shape, v);
  }
  EXPECT_EQ(t.dtype, "F64") << name;
  std::vector<double> v(t.bytes.size() / sizeof(double));
  std::memcpy(v.data(), t.bytes.data(), t.bytes.size());
  return Tensor::from_data(shape, v, Options{DType::f64});
}

double max_err(const Tensor& got, const Tensor& ref) {
  EXPECT_EQ(got.shape(), ref.shape());
  const auto a = got.to_double_vector(), b = ref.to_double_vector();
  double e = 0;
  for (size_t i = 0; i < a.size(); ++i)
    e = std::max(e, std::isnan(a[i]) ? INFINITY : std::abs(a[i] - b[i]) / std::max(1.0, std::abs(b[i])));
  return e;
}

void check_variant(const std::string& prefix, nn::AttentionVariant variant) {
  const io::SafetensorsFile file = io::read_safetensors(GAN_TEST_GOLDEN_DIR "/self_attention.safetensors");
  auto get = [&](const std::string& name) {
    const auto it = file.tensors.find(prefix + name);
    if (it == file.tensors.end()) throw Error("golden file has no tensor " + prefix + name);
    return to_tensor(it->second, prefix + name);
  };
  for (DType dt : {DType::f32, DType::f64}) {
    Generator gen(1);
    nn::SelfAttention2d block(16, gen, variant, dt);
    NamedTensors state;
    for (const auto& [name, _] : block.state_dict()) state.emplace_back(name, get(name));
    block.load_state_dict(state);  // converts f32 file weights to dt
    EXPECT_EQ(block.gamma.to_double_vector()[0], 0.5);
    NoGradGuard ng;
    const Tensor x = get("x").to(dt);
    const Tensor y = block.forward(x);
    const double err = max_err(y, dt == DType::f32 ? get("y") : get("y64"));
    std::printf("[golden] %-8s %s max err %.3g\n", prefix.c_str(), dt == DType::f32 ? "f32" : "f64", err);
    EXPECT_LE(err, dt == DType::f32 ? 1e-5 : 1e-12) << prefix;
    // The attention path matters: without it (gamma = 0) y would be x.
    EXPECT_GT(max_err(x, y), 1e-2) << prefix;
  }
}

TEST(GoldenSelfAttention, SaganMatchesPyTorch) { check_variant("sagan.", nn::AttentionVariant::sagan); }
TEST(GoldenSelfAttention, BigganMatchesPyTorch) { check_variant("biggan.", nn::AttentionVariant::biggan); }

}  // namespace
}  // namespace gan
