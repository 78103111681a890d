// spectral_norm_weight and conditional_batch_norm on CUDA tensors against the
// CPU: the in-place u/v update, sigma, W / sigma and the gradient with respect
// to W (training mode from the same u, and eval mode), f32 and f64, dim 0 and
// dim 1; the SpectralNorm module moved to CUDA (its normalized weight: this build
// has no CUDA conv/matmul to run the wrapped layer); conditional batch norm forward,
// gradients and running statistics. Runs on the SIMT emulator in the sim
// flavour; skips without a CUDA backend.
#include <gtest/gtest.h>

#include <cstdio>

#include "cuda_compare.h"
#include "gan/autograd.h"
#include "gan/nn/conditional_batch_norm.h"
#include "gan/nn/spectral_norm.h"
#include "gan/ops.h"

namespace gan {
namespace {

using testing::kCuda;
using testing::max_rel_err;

struct SnCase {
  Shape w;
  int64_t dim;
  int n_iter;
};

TEST(CudaSpectralOps, TrainingStepMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (DType dt : {DType::f32, DType::f64}) {
    const double tol = dt == DType::f32 ? 2e-6 : 1e-12;
    for (const SnCase& c : {SnCase{{64, 100}, 0, 1}, SnCase{{70, 3, 3, 3}, 0, 3}, SnCase{{1, 33}, 0, 2},
                            SnCase{{6, 5, 4, 4}, 1, 2}}) {
      Generator gen(17);
      const int64_t rows = c.w[static_cast<size_t>(c.dim)];
      const Tensor w = Tensor::randn(c.w, gen).to(dt);
      Tensor uc = Tensor::randn({rows}, gen).to(dt), vc = Tensor::randn({w.numel() / rows}, gen).to(dt);
      Tensor ud = uc.to(kCuda), vd = vc.to(kCuda);
      Tensor wc = w.detach(), wd = w.to(kCuda);
      wc.requires_grad_();
      wd.requires_grad_();
      Tensor sc, sd;
      const Tensor yc = ops::spectral_norm_weight(wc, uc, vc, c.n_iter, true, c.dim, 1e-12, &sc);
      const Tensor yd = ops::spectral_norm_weight(wd, ud, vd, c.n_iter, true, c.dim, 1e-12, &sd);
      ASSERT_TRUE(yd.device().is_cuda());
      ASSERT_TRUE(ud.device().is_cuda());
      const std::string what = shape_str(c.w) + " dim " + std::to_string(c.dim) + " " + dtype_name(dt);
      EXPECT_LE(max_rel_err(yd, yc), tol) << what;
      EXPECT_LE(max_rel_err(ud, uc), tol) << what;
      EXPECT_LE(max_rel_err(vd, vc), tol) << what;
      EXPECT_LE(max_rel_err(sd, sc), tol) << what;
      const Tensor g = Tensor::randn(c.w, gen).to(dt);
      ops::sum(yc * g).backward();
      ops::sum(yd * g.to(kCuda)).backward();
      EXPECT_TRUE(wd.grad().device().is_cuda());
      const double e_grad = max_rel_err(wd.grad(), wc.grad());
      std::printf("[ cuda-vs-cpu ] spectral_norm_weight train %-28s y %.3g u %.3g v %.3g sigma %.3g dW %.3g\n",
                  what.c_str(), max_rel_err(yd, yc), max_rel_err(ud, uc), max_rel_err(vd, vc), max_rel_err(sd, sc),
                  e_grad);
      EXPECT_LE(e_grad, tol) << what << " gradient";
      // Eval with the updated vectors: forward and gradient through the shared helper.
      testing::expect_same_on_both(("spectral_norm_weight eval " + what).c_str(), [&](const auto& in) {
        const bool cuda = in[0].device().is_cuda();
        return ops::spectral_norm_weight(in[0], cuda ? ud : uc, cuda ? vd : vc, 1, false, c.dim);
      }, {c.w}, {.dtype = dt, .tol = tol, .seed = 5});
    }
  }
}

// The create_graph backward (sigma recomputed as sum(W * u v^T) with engine ops) on
// both devices: h = sum((d<y, g>/dW)^2), then dh/dW, as a gradient penalty does.
TEST(CudaSpectralOps, SecondOrderMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (DType dt : {DType::f32, DType::f64}) {
    const double tol = dt == DType::f32 ? 2e-5 : 1e-11;
    for (int64_t dim : {0, 1}) {
      Generator gen(23);
      const Shape ws = dim == 0 ? Shape{5, 2, 3, 3} : Shape{4, 6, 2, 2};
      const int64_t rows = ws[static_cast<size_t>(dim)];
      const Tensor w = Tensor::randn(ws, gen).to(dt), g = Tensor::randn(ws, gen).to(dt);
      const Tensor u = Tensor::randn({rows}, gen).to(dt), v = Tensor::randn({w.numel() / rows}, gen).to(dt);
      auto penalty_grad = [&](Device dev) {
        Tensor wl = w.to(dev).detach();
        wl.requires_grad_();
        const Tensor y = ops::spectral_norm_weight(wl, u.to(dev), v.to(dev), 1, false, dim);
        const Tensor gw = autograd::grad({ops::sum(y * g.to(dev))}, {wl}, {}, {.create_graph = true})[0];
        return autograd::grad({ops::sum(ops::square(gw))}, {wl})[0];
      };
      const Tensor hc = penalty_grad(Device::cpu()), hd = penalty_grad(kCuda);
      ASSERT_TRUE(hd.device().is_cuda());
      const double err = max_rel_err(hd, hc);
      std::printf("[ cuda-vs-cpu ] spectral_norm_weight 2nd order dim %lld %s max rel err %.3g\n",
                  static_cast<long long>(dim), dtype_name(dt), err);
      EXPECT_LE(err, tol);
    }
  }
}

TEST(CudaSpectralOps, SpectralNormModuleOnCudaMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  Generator g1(8), g2(8);
  auto a = nn::spectral_norm(std::make_shared<nn::Conv2d>(3, 16, 4, g1, 2, 1), g1);
  auto b = nn::spectral_norm(std::make_shared<nn::Conv2d>(3, 16, 4, g2, 2, 1), g2);
  b->to(kCuda);
  ASSERT_TRUE(b->weight_u.device().is_cuda());
  // This build has no CUDA conv/matmul yet: compare the normalized weight the
  // wrapper hands to the layer, step by step (each step updates u, v).
  for (int step = 0; step < 3; ++step) {
    Tensor sa, sb;
    const Tensor wa = a->compute_weight(&sa), wb = b->compute_weight(&sb);
    ASSERT_TRUE(wb.device().is_cuda());
    EXPECT_LE(max_rel_err(wb, wa), 2e-6) << "step " << step;
    EXPECT_LE(max_rel_err(sb, sa), 2e-6) << "step " << step;
  }
  b->eval();
  a->eval();
  EXPECT_LE(max_rel_err(b->compute_weight(), a->compute_weight()), 2e-6);
  EXPECT_LE(max_rel_err(b->weight_u, a->weight_u), 2e-6);
  EXPECT_LE(max_rel_err(b->weight_v, a->weight_v), 2e-6);
}

TEST(CudaSpectralOps, ConditionalBatchNormMatchesCpu) {
  GAN_REQUIRE_CUDA_DEVICE();
  for (DType dt : {DType::f32, DType::f64}) {
    const testing::CompareOptions o{.dtype = dt, .seed = 3, .scale = 1.5, .shift = 0.5};
    testing::expect_same_on_both("conditional_batch_norm train", [](const auto& in) {
      return ops::conditional_batch_norm(in[0], in[1], in[2], {}, {}, true);
    }, {{4, 3, 5, 5}, {4, 3}, {4, 3}}, o);
    // Running statistics: updated alike on both devices, then used in eval.
    const double tol = dt == DType::f32 ? 2e-6 : 1e-12;
    Generator gen(12);
    Tensor rm_c = Tensor::zeros({3}, Options{dt}), rv_c = Tensor::ones({3}, Options{dt});
    Tensor rm_d = rm_c.to(kCuda), rv_d = rv_c.to(kCuda);
    const Tensor x = (Tensor::randn({5, 3, 4, 4}, gen) * 2.0 + 1.0).to(dt);
    const Tensor gm = Tensor::randn({5, 3}, gen).to(dt), bt = Tensor::randn({5, 3}, gen).to(dt);
    const Tensor yc = ops::conditional_batch_norm(x, gm, bt, rm_c, rv_c, true);
    const Tensor yd = ops::conditional_batch_norm(x.to(kCuda), gm.to(kCuda), bt.to(kCuda), rm_d, rv_d, true);
    EXPECT_LE(max_rel_err(yd, yc), tol);
    EXPECT_LE(max_rel_err(rm_d, rm_c), tol);
    EXPECT_LE(max_rel_err(rv_d, rv_c), tol);
    testing::expect_same_on_both("conditional_batch_norm eval", [&](const auto& in) {
      const bool cuda = in[0].device().is_cuda();
      return ops::conditional_batch_norm(in[0], in[1], in[2], cuda ? rm_d : rm_c, cuda ? rv_d : rv_c, false);
    }, {{5, 3, 4, 4}, {5, 3}, {5, 3}}, o);
  }
}

}  // namespace
}  // namespace gan
