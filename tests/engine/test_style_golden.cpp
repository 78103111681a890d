// StyleGAN / ProGAN ops against PyTorch golden values
// (tests/golden/style_ops.safetensors, written by scripts/golden/gen_adain.py):
// adain, noise_adain (leaky-ReLU 0.2), pixel_norm, minibatch_stddev (G = 4)
// and modulated_conv2d — forward values and the gradients of sum(y * v) — on
// CPU f32 and f64 and, where a CUDA backend exists (the emulator in sim), on
// CUDA f32. modulated_conv2d runs on the CPU only (conv2d has no CUDA kernel).
// Tolerance 1e-5 of max(1, |ref|).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gan/autograd.h"
#include "gan/cuda/runtime.h"
#include "gan/io/safetensors.h"
#include "gan/ops/style.h"

namespace gan {
namespace {

const io::SafetensorsFile& golden() {
  static const io::SafetensorsFile file = io::read_safetensors(std::string(GAN_TEST_GOLDEN_DIR) + "/style_ops.safetensors");
  return file;
}

Tensor load(const std::string& name, DType dt, Device dev) {
  const auto it = golden().tensors.find(name);
  if (it == golden().tensors.end()) throw std::runtime_error("golden tensor missing: " + name);
  const io::TensorData& t = it->second;
  EXPECT_EQ(t.dtype, "F32") << name;
  std::vector<float> v(t.bytes.size() / sizeof(float));
  std::memcpy(v.data(), t.bytes.data(), v.size() * sizeof(float));
  return Tensor::from_data(Shape(t.shape.begin(), t.shape.end()), v).to(dt).to(dev);
}

double err_vs(const Tensor& got, const std::string& name) {
  const Tensor ref = load(name, DType::f64, Device::cpu());
  EXPECT_EQ(got.shape(), ref.shape()) << name;
  const auto a = got.to(Device::cpu()).to_double_vector(), b = ref.to_double_vector();
  double m = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (std::isnan(a[i])) return INFINITY;
    m = std::max(m, std::abs(a[i] - b[i]) / std::max(1.0, std::abs(b[i])));
  }
  return m;
}

struct Case {
  std::string prefix;
  std::vector<std::string> inputs;    // golden names of the leaves, in op order
  std::vector<std::string> grads;     // golden names of their gradients ("" = not compared)
  std::function<Tensor(const std::vector<Tensor>&)> f;
  bool cuda = true;
};

std::vector<Case> cases() {
  return {
      {"adain.", {"x", "gamma", "beta"}, {"dx", "dgamma", "dbeta"},
       [](const auto& in) { return ops::adain(in[0], in[1], in[2]); }},
      {"noise_adain.", {"x", "noise", "scale", "gamma", "beta"}, {"dx", "dnoise", "dscale", "dgamma", "dbeta"},
       [](const auto& in) { return ops::noise_adain(in[0], in[1], in[2], in[3], in[4], 0.2); }},
      {"pixel_norm.", {"x"}, {"dx"}, [](const auto& in) { return ops::pixel_norm(in[0]); }},
      {"minibatch_stddev.", {"x"}, {"dx"}, [](const auto& in) { return ops::minibatch_stddev(in[0], 4); }},
      {"modulated_conv2d.", {"x", "w", "style"}, {"dx", "dw", "dstyle"},
       [](const auto& in) {
         ops::Conv2dOptions o;
         o.padding = {1, 1};
         return ops::modulated_conv2d(in[0], in[1], in[2], true, o);
       },
       false},
  };
}

void run(const Case& c, DType dt, Device dev, const char* label) {
  std::vector<Tensor> in;
  for (const auto& n : c.inputs) {
    Tensor t = load(c.prefix + n, dt, dev);
    t.requires_grad_();
    in.push_back(t);
  }
  const Tensor y = c.f(in);
  double err = err_vs(y, c.prefix + "y");
  ops::sum(ops::mul(y, load(c.prefix + "v", dt, dev))).backward();
  for (size_t i = 0; i < in.size(); ++i) {
    ASSERT_TRUE(in[i].grad().defined()) << c.prefix << c.inputs[i];
    err = std::max(err, err_vs(in[i].grad(), c.prefix + c.grads[i]));
  }
  std::printf("[ golden ] %-20s %-9s max rel err vs PyTorch %.3g (y and %zu gradients)\n", c.prefix.c_str(), label,
              err, in.size());
  EXPECT_LE(err, 1e-5) << c.prefix << " " << label;
}

TEST(StyleGolden, CpuMatchesPyTorch) {
  for (const Case& c : cases()) {
    run(c, DType::f32, Device::cpu(), "cpu f32");
    run(c, DType::f64, Device::cpu(), "cpu f64");
  }
}

TEST(StyleGolden, CudaMatchesPyTorch) {
  if (!cuda::available()) GTEST_SKIP() << "no CUDA device (backend '" << cuda::backend_name() << "')";
  for (const Case& c : cases())
    if (c.cuda) run(c, DType::f32, Device::cuda(0), "cuda f32");
}

}  // namespace
}  // namespace gan
