#include "conv_cases.h"

#include <cstdio>

namespace gan::bench_cuda {
namespace {

using kernels::Conv2dParams;
using kernels::ConvTranspose2dParams;

// snprintf, not `"k" + std::to_string(..)`: GCC 12 reports a false -Wrestrict on
// operator+(const char*, std::string&&) when inlined.
std::string hw(int64_t c, int64_t s) {
  char b[64];
  std::snprintf(b, sizeof b, "%lldx%lldx%lld", static_cast<long long>(c), static_cast<long long>(s),
                static_cast<long long>(s));
  return b;
}
std::string ksp(int64_t k, int64_t s, int64_t p) {
  char b[64];
  std::snprintf(b, sizeof b, "k%llds%lldp%lld", static_cast<long long>(k), static_cast<long long>(s),
                static_cast<long long>(p));
  return b;
}

ConvCase conv(const std::string& net, const std::string& layer, int64_t n, int64_t c_in, int64_t size_in,
              int64_t c_out, int64_t k, int64_t s, int64_t p) {
  ConvCase c;
  c.conv.n = n;
  c.conv.c_in = c_in;
  c.conv.h_in = c.conv.w_in = size_in;
  c.conv.c_out = c_out;
  c.conv.kh = c.conv.kw = k;
  c.conv.stride_h = c.conv.stride_w = s;
  c.conv.pad_h = c.conv.pad_w = p;
  kernels::conv2d_infer(c.conv);
  c.name = net + "/" + layer + "_conv_" + hw(c_in, size_in) + "_to_" + hw(c_out, c.conv.h_out) + "_" +
           ksp(k, s, p) + "/n" + std::to_string(n);
  return c;
}

ConvCase convt(const std::string& net, const std::string& layer, int64_t n, int64_t c_in, int64_t size_in,
               int64_t c_out, int64_t k, int64_t s, int64_t p) {
  ConvCase c;
  c.transposed = true;
  c.convt.n = n;
  c.convt.c_in = c_in;
  c.convt.h_in = c.convt.w_in = size_in;
  c.convt.c_out = c_out;
  c.convt.kh = c.convt.kw = k;
  c.convt.stride_h = c.convt.stride_w = s;
  c.convt.pad_h = c.convt.pad_w = p;
  kernels::conv_transpose2d_infer(c.convt);
  c.conv = kernels::conv_transpose2d_as_conv2d(c.convt);
  c.name = net + "/" + layer + "_convT_" + hw(c_in, size_in) + "_to_" + hw(c_out, c.convt.h_out) + "_" +
           ksp(k, s, p) + "/n" + std::to_string(n);
  return c;
}

}  // namespace

const char* pass_name(Pass p) {
  switch (p) {
    case Pass::fprop: return "fprop";
    case Pass::dgrad: return "dgrad";
    case Pass::wgrad: return "wgrad";
  }
  return "?";
}

ConvPass ConvCase::conv_pass(Pass layer_pass) const {
  if (!transposed) return static_cast<ConvPass>(layer_pass);
  switch (layer_pass) {
    case Pass::fprop: return ConvPass::dgrad;
    case Pass::dgrad: return ConvPass::fprop;
    case Pass::wgrad: return ConvPass::wgrad;
  }
  return ConvPass::fprop;
}

int64_t ConvCase::result_count(Pass layer_pass) const {
  switch (conv_pass(layer_pass)) {
    case ConvPass::fprop: return out_count();
    case ConvPass::dgrad: return in_count();
    case ConvPass::wgrad: return w_count();
  }
  return 0;
}

const std::vector<ConvCase>& dcgan_conv_cases() {
  static const std::vector<ConvCase> cases = [] {
    std::vector<ConvCase> v;
    for (const int64_t n : {64, 128}) {
      // DCGAN-64: G  z -> 512 4x4 -> 256 8 -> 128 16 -> 64 32 -> 3 64;  D the mirror.
      v.push_back(convt("dcgan64", "G1", n, 100, 1, 512, 4, 1, 0));
      v.push_back(convt("dcgan64", "G2", n, 512, 4, 256, 4, 2, 1));
      v.push_back(convt("dcgan64", "G3", n, 256, 8, 128, 4, 2, 1));
      v.push_back(convt("dcgan64", "G4", n, 128, 16, 64, 4, 2, 1));
      v.push_back(convt("dcgan64", "G5", n, 64, 32, 3, 4, 2, 1));
      v.push_back(conv("dcgan64", "D1", n, 3, 64, 64, 4, 2, 1));
      v.push_back(conv("dcgan64", "D2", n, 64, 32, 128, 4, 2, 1));
      v.push_back(conv("dcgan64", "D3", n, 128, 16, 256, 4, 2, 1));
      v.push_back(conv("dcgan64", "D4", n, 256, 8, 512, 4, 2, 1));
      v.push_back(conv("dcgan64", "D5", n, 512, 4, 1, 4, 1, 0));
      // DCGAN-28 as models/dcgan.h builds it with features 32 (the training default):
      // G  z -> 128 7x7 -> 64 14 -> 1 28;  D  1 -> 64 14 -> 128 7 -> 1 (k7).
      v.push_back(convt("dcgan28", "G1", n, 100, 1, 128, 7, 1, 0));
      v.push_back(convt("dcgan28", "G2", n, 128, 7, 64, 4, 2, 1));
      v.push_back(convt("dcgan28", "G3", n, 64, 14, 1, 4, 2, 1));
      v.push_back(conv("dcgan28", "D1", n, 1, 28, 64, 4, 2, 1));
      v.push_back(conv("dcgan28", "D2", n, 64, 14, 128, 4, 2, 1));
      v.push_back(conv("dcgan28", "D3", n, 128, 7, 1, 7, 1, 0));
      // SphereGAN-28's head (configs/spheregan-fmnist.toml, sphere_dim 1024): a full-window
      // conv with 1024 outputs, whose dgrad the generic implicit GEMM ran with K = 1024*49.
      v.push_back(conv("spheregan28", "D3", n, 64, 7, 1024, 7, 1, 0));
    }
    return v;
  }();
  return cases;
}

}  // namespace gan::bench_cuda
