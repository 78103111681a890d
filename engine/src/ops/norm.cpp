// Normalization: batch norm (training / eval), layer norm, instance norm.
//
// The forwards are kernels (statistics accumulated in double), CPU or CUDA by
// the tensor's device (GAN_KERNEL); running statistics are updated in place by
// the kernel on the tensor's device, never read on the host. The training
// backwards have two paths: during a plain backward (grad mode off) the fused
// first-order kernel runs; during create_graph (grad mode on inside the
// backward) the same gradient is computed as a composite of engine ops that
// recomputes the statistics from x, so the result can be differentiated again
// (R1 / WGAN-GP through a normalized discriminator).
//
// With xhat = (x - mean) * invstd over the statistic dims S, g' = gamma * g:
//   dx = invstd * (g' - mean_S(g') - xhat * mean_S(g' * xhat))
//   dgamma = sum(g * xhat), dbeta = sum(g)     (over the dims gamma is broadcast on)
//
// | op                  | backward                                          | 2nd order |
// |---------------------|---------------------------------------------------|-----------|
// | batch_norm training | batch_norm_train_bprop kernel / composite above   | yes       |
// | batch_norm eval     | g*gamma*invstd_run, sum(g*xhat_run), sum(g)       | yes       |
// | layer_norm          | layer_norm_bprop kernel / composite above         | yes       |
// | instance_norm       | (layer_norm over [N*C, H*W] + broadcast affine)   | yes       |
#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/norm.h"
#include "gan/ops.h"
#include "gan/ops/norm_act.h"

namespace gan::ops {

using Grads = std::vector<Tensor>;

namespace {

template <class T>
const T* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}
template <class T>
T* mut_ptr_or_null(const Tensor& t) {
  return t.defined() ? const_cast<Tensor&>(t).data<T>() : nullptr;
}

bool wants(const Tensor& t) { return t.defined() && t.requires_grad(); }

// Checks an optional per-feature parameter: same dtype/device as x, exact shape.
void check_param(const char* op, const char* what, const Tensor& p, const Tensor& x, const Shape& expected) {
  if (!p.defined()) return;
  check_same_device(op, x, p);
  check_same_dtype(op, x, p);
  GAN_CHECK(p.shape() == expected, op, ": ", what, " has shape ", shape_str(p.shape()), ", expected ",
            shape_str(expected), " for input ", shape_str(x.shape()));
}

struct NormGrads {
  Tensor dx, dgamma, dbeta;  // dgamma/dbeta keep the reduced dims (size 1)
};

// Composite (twice differentiable) backward of a normalization of xv over
// stat_dims; gamma_b is gamma reshaped to broadcast against xv (or undefined).
// dgamma/dbeta are summed over the same stat_dims for batch norm and over the
// complementary param_dims for layer norm.
NormGrads composite_backward(const Tensor& xv, const Tensor& gv, const Tensor& gamma_b,
                             const std::vector<int64_t>& stat_dims, const std::vector<int64_t>& param_dims,
                             double eps, bool need_x, bool need_gamma, bool need_beta) {
  const Tensor xc = sub(xv, mean(xv, stat_dims, true));
  const Tensor invstd = rsqrt(add(mean(mul(xc, xc), stat_dims, true), eps));
  const Tensor xhat = mul(xc, invstd);
  NormGrads r;
  if (need_x) {
    const Tensor gg = gamma_b.defined() ? mul(gv, gamma_b) : gv;
    r.dx = mul(invstd, sub(sub(gg, mean(gg, stat_dims, true)), mul(xhat, mean(mul(gg, xhat), stat_dims, true))));
  }
  if (need_gamma) r.dgamma = sum(mul(gv, xhat), param_dims, true);
  if (need_beta) r.dbeta = sum(gv, param_dims, true);
  return r;
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  return norm_internal::batch_norm_fused("batch_norm", x, gamma, beta, running_mean, running_var, training,
                                  kernels::NormActivation::identity, 0.0, momentum, eps);
}

// batch_norm with the output activation fused into the forward kernel (act =
// identity is batch_norm itself). Backward: g' = g * act'(y), act' read off the
// sign of the saved output y (1 where y > 0, else slope; 0 for relu) as a
// constant tensor dact [x's shape], then exactly batch_norm's backward of g'
// (kernel, or the composite under create_graph: mul(g, dact) is an engine op,
// so the second order still flows through g).
Tensor norm_internal::batch_norm_fused(const char* op, const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                const Tensor& running_mean, const Tensor& running_var, bool training,
                                kernels::NormActivation act, double slope, double momentum, double eps) {
  check_float(op, x);
  GAN_CHECK(x.dim() >= 2, op, ": expected input [N, C, ...], got ", shape_str(x.shape()));
  const int64_t n = x.size(0), c = x.size(1);
  const int64_t hw = c > 0 && n > 0 ? x.numel() / (n * c) : 0;
  const Shape cs{c};
  check_param(op, "gamma", gamma, x, cs);
  check_param(op, "beta", beta, x, cs);
  check_param(op, "running_mean", running_mean, x, cs);
  check_param(op, "running_var", running_var, x, cs);
  GAN_CHECK(running_mean.defined() == running_var.defined(), op,
            ": running_mean and running_var must both be defined or both undefined");
  GAN_CHECK(eps > 0, op, ": eps must be positive, got ", eps);

  kernels::BatchNormParams p;
  p.n = n;
  p.c = c;
  p.hw = hw;
  p.eps = eps;
  p.momentum = momentum;
  p.act = act;
  p.slope = slope;
  // Broadcast shape of per-channel tensors against x: [1, C, 1, ...].
  Shape bshape(static_cast<size_t>(x.dim()), 1);
  bshape[1] = c;
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);

  Tensor y = empty_like(x);
  // act'(y) as a constant [x's shape] (undefined for identity): 1 where y > 0,
  // else slope (leaky_relu) / 0 (relu). Computed after the forward kernel.
  const auto act_grad = [&]() {
    if (act == kernels::NormActivation::identity) return Tensor();
    NoGradGuard ng;
    const double s = act == kernels::NormActivation::leaky_relu ? slope : 0.0;
    return add(mul(gt(y.detach(), 0.0), 1.0 - s), s);
  };
  if (training) {
    GAN_CHECK(n * hw > 1, op, ": expected more than 1 value per channel when training, got input ",
              shape_str(x.shape()));
    Tensor save_mean = empty_like(x, cs), save_invstd = empty_like(x, cs);
    dispatch_float_device(op, x, [&]<class T>() {
      GAN_KERNEL(x, batch_norm_train_fprop<T>)(p, x.data<T>(), ptr_or_null<T>(gamma), ptr_or_null<T>(beta),
                                               y.data<T>(), save_mean.data<T>(), save_invstd.data<T>(),
                                               mut_ptr_or_null<T>(running_mean), mut_ptr_or_null<T>(running_var),
                                               stream_of(x));
    });
    if (running_mean.defined()) {
      const_cast<Tensor&>(running_mean).bump_version();
      const_cast<Tensor&>(running_var).bump_version();
    }
    const Tensor dact = act_grad();
    autograd::record(y, op, {x, gamma, beta},
                     [x, gamma, beta, save_mean, save_invstd, p, bshape, dims, dact](const Tensor& g_out) {
      const Tensor g = dact.defined() ? mul(g_out, dact) : g_out;  // g' = g * act'(y)
      const bool nx = wants(x), ng = wants(gamma), nb = wants(beta);
      if (autograd::grad_enabled()) {  // create_graph: differentiable composite
        const NormGrads r = composite_backward(x, g, gamma.defined() ? gamma.reshape(bshape) : Tensor(), dims, dims,
                                               p.eps, nx, ng, nb);
        return Grads{r.dx, ng ? r.dgamma.reshape({p.c}) : Tensor(), nb ? r.dbeta.reshape({p.c}) : Tensor()};
      }
      Tensor dx = nx ? empty_like(x) : Tensor();
      Tensor dgamma = ng ? empty_like(x, {p.c}) : Tensor();
      Tensor dbeta = nb ? empty_like(x, {p.c}) : Tensor();
      dispatch_float_device("batch_norm_backward", x, [&]<class T>() {
        GAN_KERNEL(x, batch_norm_train_bprop<T>)(p, x.data<T>(), g.data<T>(), ptr_or_null<T>(gamma),
                                                 save_mean.data<T>(), save_invstd.data<T>(), mut_ptr_or_null<T>(dx),
                                                 mut_ptr_or_null<T>(dgamma), mut_ptr_or_null<T>(dbeta), stream_of(x));
      });
      return Grads{dx, dgamma, dbeta};
    });
    return y;
  }

  GAN_CHECK(running_mean.defined(), op, ": eval mode needs running_mean and running_var for input ",
            shape_str(x.shape()));
  dispatch_float_device(op, x, [&]<class T>() {
    GAN_KERNEL(x, batch_norm_eval_fprop<T>)(p, x.data<T>(), ptr_or_null<T>(gamma), ptr_or_null<T>(beta),
                                            running_mean.data<T>(), running_var.data<T>(), y.data<T>(),
                                            stream_of(x));
  });
  Tensor rm_b, invstd_b;  // constants: the running statistics get no gradient
  {
    NoGradGuard ng;
    rm_b = running_mean.detach().clone().reshape(bshape);
    invstd_b = rsqrt(add(running_var.detach(), eps)).reshape(bshape);
  }
  const Tensor dact = act_grad();
  autograd::record(y, act == kernels::NormActivation::identity ? "batch_norm_eval" : "batch_norm_act_eval",
                   {x, gamma, beta}, [x, gamma, beta, rm_b, invstd_b, bshape, dims, c, dact](const Tensor& g_out) {
    const Tensor g = dact.defined() ? mul(g_out, dact) : g_out;  // g' = g * act'(y)
    Tensor dx, dgamma, dbeta;
    if (wants(x)) dx = mul(g, gamma.defined() ? mul(gamma.reshape(bshape), invstd_b) : invstd_b);
    if (wants(gamma)) dgamma = sum(mul(g, mul(sub(x, rm_b), invstd_b)), dims).reshape({c});
    if (wants(beta)) dbeta = sum(g, dims).reshape({c});
    return Grads{dx, dgamma, dbeta};
  });
  return y;
}

Tensor layer_norm(const Tensor& x, int64_t normalized_dims, const Tensor& gamma, const Tensor& beta, double eps) {
  const char* op = "layer_norm";
  check_float(op, x);
  GAN_CHECK(normalized_dims >= 1 && normalized_dims <= x.dim(), op, ": normalized_dims ", normalized_dims,
            " out of range for input ", shape_str(x.shape()));
  GAN_CHECK(eps > 0, op, ": eps must be positive, got ", eps);
  const Shape tail(x.shape().end() - normalized_dims, x.shape().end());
  check_param(op, "gamma", gamma, x, tail);
  check_param(op, "beta", beta, x, tail);
  kernels::LayerNormParams p;
  p.d = shape_numel(tail);
  p.m = p.d > 0 ? x.numel() / p.d : 0;
  p.eps = eps;
  GAN_CHECK(p.m == 0 || p.d > 0, op, ": empty normalized shape ", shape_str(tail), " for input ",
            shape_str(x.shape()));
  Tensor y = empty_like(x);
  Tensor save_mean = empty_like(x, {p.m}), save_invstd = empty_like(x, {p.m});
  dispatch_float_device(op, x, [&]<class T>() {
    GAN_KERNEL(x, layer_norm_fprop<T>)(p, x.data<T>(), ptr_or_null<T>(gamma), ptr_or_null<T>(beta), y.data<T>(),
                                       save_mean.data<T>(), save_invstd.data<T>(), stream_of(x));
  });
  autograd::record(y, "layer_norm", {x, gamma, beta}, [x, gamma, beta, save_mean, save_invstd, p](const Tensor& g) {
    const bool nx = wants(x), ng = wants(gamma), nb = wants(beta);
    if (autograd::grad_enabled()) {  // create_graph: differentiable composite on the [M, D] view
      const NormGrads r = composite_backward(x.reshape({p.m, p.d}), g.reshape({p.m, p.d}),
                                             gamma.defined() ? gamma.reshape({1, p.d}) : Tensor(), {1}, {0}, p.eps,
                                             nx, ng, nb);
      return Grads{nx ? r.dx.reshape(x.shape()) : Tensor(), ng ? r.dgamma.reshape(gamma.shape()) : Tensor(),
                   nb ? r.dbeta.reshape(beta.shape()) : Tensor()};
    }
    Tensor dx = nx ? empty_like(x) : Tensor();
    Tensor dgamma = ng ? empty_like(gamma) : Tensor();
    Tensor dbeta = nb ? empty_like(beta) : Tensor();
    dispatch_float_device("layer_norm_backward", x, [&]<class T>() {
      GAN_KERNEL(x, layer_norm_bprop<T>)(p, x.data<T>(), g.data<T>(), ptr_or_null<T>(gamma), save_mean.data<T>(),
                                         save_invstd.data<T>(), mut_ptr_or_null<T>(dx), mut_ptr_or_null<T>(dgamma),
                                         mut_ptr_or_null<T>(dbeta), stream_of(x));
    });
    return Grads{dx, dgamma, dbeta};
  });
  return y;
}

Tensor instance_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  const char* op = "instance_norm";
  check_float(op, x);
  GAN_CHECK(x.dim() >= 3, op, ": expected input [N, C, H, W] (or [N, C, L]), got ", shape_str(x.shape()));
  const int64_t n = x.size(0), c = x.size(1);
  check_param(op, "gamma", gamma, x, {c});
  check_param(op, "beta", beta, x, {c});
  int64_t hw = 1;
  for (int64_t d = 2; d < x.dim(); ++d) hw *= x.size(d);
  Tensor y = layer_norm(x.reshape({n * c, hw}), 1, {}, {}, eps).reshape(x.shape());
  Shape bshape(static_cast<size_t>(x.dim()), 1);
  bshape[1] = c;
  if (gamma.defined()) y = mul(y, gamma.reshape(bshape));
  if (beta.defined()) y = add(y, beta.reshape(bshape));
  return y;
}

}  // namespace gan::ops
