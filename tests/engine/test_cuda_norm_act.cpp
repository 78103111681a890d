// batch_norm_act (fused batch norm + relu / leaky_relu, gan/ops/norm_act.h):
//  * on the CPU, equal to the unfused composition act(batch_norm(...)) in
//    value and first-order gradient (f64), and its argument errors;
//  * on CUDA tensors against the same op on the CPU (training with running
//    stats, eval), forward and gradients, f32 and f64 — on the SIMT emulator in
//    the sim flavour; skips without a CUDA backend.
#include <gtest/gtest.h>

#include "gan/autograd.h"
#include "gan/cuda/runtime.h"
#include "gan/ops.h"
#include "cuda_compare.h"

namespace gan {
namespace {

using ops::NormActivation;
using testing::kCuda;
using testing::max_rel_err;

Tensor unfused(const Tensor& x, const Tensor& g, const Tensor& b, const Tensor& rm, const Tensor& rv, bool training,
               NormActivation act, double slope) {
  const Tensor y = ops::batch_norm(x, g, b, rm, rv, training);
  return act == NormActivation::relu ? ops::relu(y) : ops::leaky_relu(y, slope);
}

TEST(NormActOps, MatchesBatchNormThenActivation) {
  for (bool training : {true, false}) {
    for (NormActivation act : {NormActivation::relu, NormActivation::leaky_relu}) {
      SCOPED_TRACE(::testing::Message() << "training=" << training << " act=" << static_cast<int>(act));
      Generator gen(5);
      const Options o{DType::f64};
      Tensor x = Tensor::randn({4, 3, 5}, gen, o), g = Tensor::randn({3}, gen, o), b = Tensor::randn({3}, gen, o);
      const Tensor rm = Tensor::randn({3}, gen, o), rv = Tensor::rand({3}, gen, 0.5, 2.0, o);
      const Tensor w = Tensor::randn({4, 3, 5}, gen, o);  // L = sum(y * w)
      std::vector<Tensor> grads[2];
      Tensor ys[2];
      for (int fused = 0; fused < 2; ++fused) {
        Tensor xi = x.detach().clone(), gi = g.detach().clone(), bi = b.detach().clone();
        xi.requires_grad_(), gi.requires_grad_(), bi.requires_grad_();
        Tensor rmi = rm.clone(), rvi = rv.clone();
        ys[fused] = fused ? ops::batch_norm_act(xi, gi, bi, rmi, rvi, training, act, 0.2)
                          : unfused(xi, gi, bi, rmi, rvi, training, act, 0.2);
        ops::sum(ys[fused] * w).backward();
        grads[fused] = {xi.grad(), gi.grad(), bi.grad(), rmi, rvi};
      }
      EXPECT_LE(max_rel_err(ys[1], ys[0]), 1e-14) << "forward";
      for (size_t i = 0; i < 5; ++i) EXPECT_LE(max_rel_err(grads[1][i], grads[0][i]), 1e-12) << "output " << i;
    }
  }
}

TEST(NormActOps, RejectsBadArguments) {
  Generator gen(1);
  const Tensor x = Tensor::randn({4, 3}, gen);
  EXPECT_THROW(ops::batch_norm_act(x, {}, {}, {}, {}, true, NormActivation::leaky_relu, 0.0), Error);
  EXPECT_THROW(ops::batch_norm_act(x, {}, {}, {}, {}, true, static_cast<NormActivation>(7), 0.2), Error);
  EXPECT_THROW(ops::batch_norm_act(x, Tensor::ones({4}), {}, {}, {}, true, NormActivation::relu), Error);
}

void expect_same_on_both(const char* name, DType dt, const testing::OpFn& f, const std::vector<Shape>& shapes) {
  testing::expect_same_on_both(name, f, shapes, {.dtype = dt, .seed = 9, .scale = 1.5, .shift = 0.5});
}

TEST(CudaNormActOps, MatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (DType dt : {DType::f32, DType::f64}) {
    for (NormActivation act : {NormActivation::relu, NormActivation::leaky_relu}) {
      const Options oc{dt};
      Tensor rm_c = Tensor::zeros({3}, oc), rv_c = Tensor::ones({3}, oc);
      Tensor rm_d = rm_c.to(kCuda), rv_d = rv_c.to(kCuda);
      expect_same_on_both("batch_norm_act train NCHW running stats", dt, [&](const auto& in) {
        const bool cuda = in[0].device().is_cuda();
        return ops::batch_norm_act(in[0], in[1], in[2], cuda ? rm_d : rm_c, cuda ? rv_d : rv_c, true, act, 0.2);
      }, {{4, 3, 5, 6}, {3}, {3}});
      const double tol = dt == DType::f32 ? 2e-6 : 1e-12;
      EXPECT_LE(max_rel_err(rm_d, rm_c), tol);
      EXPECT_LE(max_rel_err(rv_d, rv_c), tol);
      expect_same_on_both("batch_norm_act train no affine", dt, [&](const auto& in) {
        return ops::batch_norm_act(in[0], {}, {}, {}, {}, true, act, 0.2);
      }, {{2, 4, 7}});
      expect_same_on_both("batch_norm_act eval", dt, [&](const auto& in) {
        const bool cuda = in[0].device().is_cuda();
        return ops::batch_norm_act(in[0], in[1], in[2], cuda ? rm_d : rm_c, cuda ? rv_d : rv_c, false, act, 0.2);
      }, {{5, 3, 4, 4}, {3}, {3}});
    }
  }
}

}  // namespace
}  // namespace gan
