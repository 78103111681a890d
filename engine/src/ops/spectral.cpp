// Spectral normalization: W / sigma (gan/ops/spectral.h).
//
// Forward: the power-iteration kernel (kernels/spectral_norm.h) on the tensor's
// device updates u, v in place (training) or only reads them (eval) and writes
// sigma without a host round trip; then W / sigma.
//
// Backward, with u, v constants and P = u v^T reshaped to w's layout:
//   y = W / sigma,  sigma = <W, P>  (u^T W v is linear in W)
//   dL/dW = G / sigma - <G, W> / sigma^2 * P = (G - (<G, W> / sigma) P) / sigma
// During a plain backward sigma is the forward's value; under create_graph it
// is recomputed as sum(W * P) with engine ops, so the gradient's own graph
// depends on W through sigma (the second derivative of a penalty through an
// SN layer: d/dW of <G, W>/sigma^2 etc.). u and v are cloned at the forward,
// so a later training step updating the buffers in place cannot change a
// pending backward.
#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/spectral_norm.h"
#include "gan/ops.h"

namespace gan::ops {

namespace {

// P = u v^T laid out like w [lead, rows, inner]: P[l, r, k] = u[r] * v[l * inner + k]
// (a broadcast product, no matmul: it runs on every backend).
Tensor outer_like_weight(const Tensor& u, const Tensor& v, const Tensor& w, const kernels::SpectralNormParams& p) {
  return mul(v.reshape({p.lead, 1, p.inner}), u.reshape({1, p.rows, 1})).reshape(w.shape());
}

}  // namespace

Tensor spectral_norm_weight(const Tensor& w, const Tensor& u, const Tensor& v, int n_iter, bool training,
                            int64_t dim, double eps, Tensor* sigma_out) {
  const char* op = "spectral_norm_weight";
  check_float(op, w);
  check_defined(op, "u", u);
  check_defined(op, "v", v);
  check_same_device(op, w, u);
  check_same_device(op, w, v);
  check_same_dtype(op, w, u);
  check_same_dtype(op, w, v);
  GAN_CHECK(dim == 0 || dim == 1, op, ": dim must be 0 (Linear, Conv2d) or 1 (ConvTranspose2d), got ", dim);
  GAN_CHECK(w.dim() > dim, op, ": weight ", shape_str(w.shape()), " has no dim ", dim);
  GAN_CHECK(w.numel() > 0, op, ": empty weight ", shape_str(w.shape()));
  GAN_CHECK(!training || n_iter >= 1, op, ": n_iter must be >= 1 in training mode, got ", n_iter);
  GAN_CHECK(eps > 0, op, ": eps must be positive, got ", eps);

  kernels::SpectralNormParams p;
  p.rows = w.size(dim);
  p.lead = dim == 0 ? 1 : w.size(0);
  p.inner = w.numel() / (p.rows * p.lead);
  p.n_iter = training ? n_iter : 0;
  p.eps = eps;
  GAN_CHECK(u.shape() == Shape{p.rows}, op, ": u has shape ", shape_str(u.shape()), ", expected [", p.rows,
            "] for weight ", shape_str(w.shape()), " (dim ", dim, ")");
  GAN_CHECK(v.shape() == Shape{p.cols()}, op, ": v has shape ", shape_str(v.shape()), ", expected [", p.cols(),
            "] for weight ", shape_str(w.shape()), " (dim ", dim, ")");

  Tensor sigma = empty_like(w, {});
  Tensor y, u_saved, v_saved;
  {
    NoGradGuard ng;
    // The CPU reference needs no workspace; the CUDA launcher gets it on the device.
    Tensor ws;
    if (!w.device().is_cpu())
      ws = Tensor::empty({kernels::spectral_norm_workspace_doubles(p)}, Options{DType::f64, w.device()});
    dispatch_float_device(op, w, [&]<class T>() {
      GAN_KERNEL(w, spectral_norm_power_iteration<T>)(p, w.data<T>(), const_cast<Tensor&>(u).data<T>(),
                                                     const_cast<Tensor&>(v).data<T>(), sigma.data<T>(),
                                                     ws.defined() ? ws.data<double>() : nullptr, stream_of(w));
    });
    if (training) {
      const_cast<Tensor&>(u).bump_version();
      const_cast<Tensor&>(v).bump_version();
    }
    y = div(w.detach(), sigma);
    u_saved = u.detach().clone();
    v_saved = v.detach().clone();
  }
  if (sigma_out != nullptr) *sigma_out = sigma;
  autograd::record(y, op, {w}, [w, u_saved, v_saved, sigma, p](const Tensor& g) {
    Tensor pm;
    {
      NoGradGuard ng;  // u, v are constants
      pm = outer_like_weight(u_saved, v_saved, w, p);
    }
    // create_graph: sigma as a differentiable function of W; otherwise the forward's value.
    const Tensor s = autograd::grad_enabled() ? sum(mul(w, pm)) : sigma;
    const Tensor coef = div(sum(mul(g, w)), s);
    return std::vector<Tensor>{div(sub(g, mul(pm, coef)), s)};
  });
  return y;
}

}  // namespace gan::ops
