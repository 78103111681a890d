// ops::attention on CUDA tensors (the fused kernels, on the SIMT emulator in
// the sim flavour) against the same op on the CPU (the reference): forward
// values and first-order gradients of q, k, v (the attention_bprop kernels,
// grad mode off), f32 and f64, shapes that are not multiples of the 16-row
// tile, M = 1, and every accumulator bucket (d, dv up to 256). Skips without a
// CUDA backend. (The create_graph path and SelfAttention2d need matmul and
// conv2d on CUDA, which this build does not have yet.)
#include <gtest/gtest.h>

#include "cuda_compare.h"
#include "gan/ops.h"

namespace gan {
namespace {

void expect_attention_same(DType dt, int64_t b, int64_t n, int64_t m, int64_t d, int64_t dv, double scale) {
  const std::string name = detail::concat("attention B", b, " N", n, " M", m, " d", d, " dv", dv, " scale ", scale,
                                          dt == DType::f32 ? " f32" : " f64");
  testing::expect_same_on_both(name.c_str(),
                               [scale](const auto& in) { return ops::attention(in[0], in[1], in[2], scale); },
                               {{b, n, d}, {b, m, d}, {b, m, dv}}, {.dtype = dt, .seed = 5, .scale = 0.7});
}

TEST(CudaAttentionOp, MatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (DType dt : {DType::f32, DType::f64}) {
    expect_attention_same(dt, 2, 49, 49, 8, 32, 1.0);
    expect_attention_same(dt, 1, 17, 33, 33, 130, 0.5);
    expect_attention_same(dt, 3, 5, 1, 4, 8, 1.0);
    expect_attention_same(dt, 1, 20, 7, 64, 256, 0.125);
  }
}

TEST(CudaAttentionOp, RejectsMismatchedShapesNamingTheOp) {
  GAN_REQUIRE_CUDA_DEVICE();
  const Tensor q = Tensor::zeros({1, 4, 8}, Options{DType::f32, testing::kCuda});
  const Tensor k = Tensor::zeros({1, 5, 7}, Options{DType::f32, testing::kCuda});
  const Tensor v = Tensor::zeros({1, 5, 3}, Options{DType::f32, testing::kCuda});
  try {
    ops::attention(q, k, v);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("attention: q and k feature sizes differ"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gan
