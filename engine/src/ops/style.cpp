// StyleGAN / ProGAN ops: AdaIN (+ fused noise and leaky-ReLU), noise injection,
// pixel norm, weight (de)modulation, modulated conv, minibatch stddev.
//
// Forwards are kernels (kernels/include/gan/kernels/style.h) on the tensor's
// device (GAN_KERNEL). Backwards, as norm.cpp: with grad mode off the fused
// first-order kernel runs; with grad mode on (create_graph) the same gradient
// is a composite of engine ops recomputed from the inputs, so it can be
// differentiated again.
//
// | op               | backward (g = incoming gradient)                                   | 2nd order |
// |------------------|--------------------------------------------------------------------|-----------|
// | noise_adain      | adain_bprop kernel: dx, dgamma, dbeta, per-(n,c) dscale partials;  | yes       |
// | (adain: no noise,|   dscale = sum_n partials, dnoise = sum_c dx * scale (engine ops)   |           |
// |  slope 1)        |   / composite: instance-norm backward, times leaky_relu'(p)        |           |
// | noise_injection  | composite of add/mul (broadcast)                                   | yes       |
// | pixel_norm       | pixel_norm_bprop / r * (g - y * mean_c(g * y))                     | yes       |
// | modulate_weight  | modulate_bprop / du = d * (g - wm * sum(g * wm)), dw = sum_n du*s, | yes       |
// |                  |   dstyle = sum_{o,k} du * w                                        |           |
// | modulated_conv2d | modulate_weight + conv2d (groups = N)                              | yes       |
// | minibatch_stddev | minibatch_stddev_bprop / composite:                                | yes       |
// |                  |   dx = g[:, :C] + ds[m] / F * (x - mu) / (G * sigma)              |           |
#include "gan/ops/style.h"

#include <algorithm>

#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/style.h"

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

void check_like(const char* op, const char* what, const Tensor& t, const Tensor& x, const Shape& expected) {
  GAN_CHECK(t.defined(), op, ": ", what, " is undefined (expected ", shape_str(expected), ")");
  check_same_device(op, x, t);
  check_same_dtype(op, x, t);
  GAN_CHECK(t.shape() == expected, op, ": ", what, " has shape ", shape_str(t.shape()), ", expected ",
            shape_str(expected), " for input ", shape_str(x.shape()));
}

// Dims 2.. of an [N, C, ...] tensor (the instance-statistic dims).
std::vector<int64_t> spatial_dims(const Tensor& x) {
  std::vector<int64_t> d;
  for (int64_t i = 2; i < x.dim(); ++i) d.push_back(i);
  return d;
}
// Product of dims 2.. (1 for [N, C]).
int64_t spatial_numel(const Tensor& x) {
  int64_t hw = 1;
  for (int64_t d = 2; d < x.dim(); ++d) hw *= x.size(d);
  return hw;
}
// [N, C, 1, ...] / [1, C, 1, ...] broadcast shapes for per-(n, c) and per-c tensors.
Shape nc_shape(const Tensor& x) {
  Shape s(static_cast<size_t>(x.dim()), 1);
  s[0] = x.size(0);
  s[1] = x.size(1);
  return s;
}
Shape c_shape(const Tensor& x) {
  Shape s(static_cast<size_t>(x.dim()), 1);
  s[1] = x.size(1);
  return s;
}

// 1 where p >= 0, slope elsewhere (the kernel's leaky-ReLU derivative; no gradient).
Tensor leaky_slope_factor(const Tensor& p, double slope) {
  NoGradGuard ng;
  return rsub(1.0, mul(gt(neg(p), 0.0), 1.0 - slope));
}

// The whole AdaIN family (noise and scale undefined for plain adain).
Tensor adain_impl(const char* op, const Tensor& x, const Tensor& noise, const Tensor& scale, const Tensor& gamma,
                  const Tensor& beta, double slope, double eps) {
  check_float(op, x);
  GAN_CHECK(x.dim() >= 3, op, ": expected input [N, C, H, W] (or [N, C, L]), got ", shape_str(x.shape()));
  GAN_CHECK(eps > 0, op, ": eps must be positive, got ", eps);
  GAN_CHECK(slope == slope && slope - slope == 0, op, ": slope must be finite, got ", slope);
  const int64_t n = x.size(0), c = x.size(1);
  check_like(op, "gamma", gamma, x, {n, c});
  check_like(op, "beta", beta, x, {n, c});
  const bool has_noise = noise.defined() || scale.defined();
  if (has_noise) {
    Shape ns = x.shape();
    ns[1] = 1;
    check_like(op, "noise", noise, x, ns);
    check_like(op, "noise_scale", scale, x, {c});
  }
  kernels::AdaINParams p;
  p.n = n;
  p.c = c;
  p.hw = spatial_numel(x);
  p.eps = eps;
  p.slope = slope;
  GAN_CHECK(n * c == 0 || p.hw > 0, op, ": empty spatial dims in input ", shape_str(x.shape()));
  Tensor y = empty_like(x);
  Tensor save_mean = empty_like(x, {n, c}), save_invstd = empty_like(x, {n, c});
  dispatch_float_device(op, x, [&]<class T>() {
    GAN_KERNEL(x, adain_fprop<T>)(p, x.data<T>(), ptr_or_null<T>(noise), ptr_or_null<T>(scale), gamma.data<T>(),
                                  beta.data<T>(), y.data<T>(), save_mean.data<T>(), save_invstd.data<T>(),
                                  stream_of(x));
  });
  autograd::record(y, op, {x, gamma, beta, noise, scale},
                   [x, noise, scale, gamma, beta, save_mean, save_invstd, p, has_noise](const Tensor& g) {
    const bool nx = wants(x), ng = wants(gamma), nb = wants(beta), nn = wants(noise), ns = wants(scale);
    const Shape ncb = nc_shape(x), cb = c_shape(x);
    const std::vector<int64_t> sd = spatial_dims(x);
    Tensor dx, dgamma, dbeta, dnoise, dscale;
    if (autograd::grad_enabled()) {  // create_graph: composite, recomputed from the inputs
      Tensor pre = has_noise ? add(x, mul(scale.reshape(cb), noise)) : x;
      Tensor t = p.slope == 1.0 ? pre : leaky_relu(pre, p.slope);
      const Tensor tc = sub(t, mean(t, sd, true));
      const Tensor invstd = rsqrt(add(mean(mul(tc, tc), sd, true), p.eps));
      const Tensor that = mul(tc, invstd);
      if (ng) dgamma = sum(mul(g, that), sd);
      if (nb) dbeta = sum(g, sd);
      if (nx || nn || ns) {
        const Tensor gg = mul(g, gamma.reshape(ncb));
        Tensor dp = mul(invstd, sub(sub(gg, mean(gg, sd, true)), mul(that, mean(mul(gg, that), sd, true))));
        if (p.slope != 1.0) dp = mul(dp, leaky_slope_factor(pre, p.slope));
        if (nx) dx = dp;
        if (nn) dnoise = sum(mul(dp, scale.reshape(cb)), {1}, true);
        if (ns) {
          std::vector<int64_t> red{0};
          red.insert(red.end(), sd.begin(), sd.end());
          dscale = sum(mul(dp, noise), red);
        }
      }
      return Grads{dx, dgamma, dbeta, dnoise, dscale};
    }
    Tensor dpre = nx || nn ? empty_like(x) : Tensor();
    Tensor part = ns ? empty_like(x, {p.n, p.c}) : Tensor();
    if (ng) dgamma = empty_like(x, {p.n, p.c});
    if (nb) dbeta = empty_like(x, {p.n, p.c});
    dispatch_float_device("adain_backward", x, [&]<class T>() {
      GAN_KERNEL(x, adain_bprop<T>)(p, x.data<T>(), ptr_or_null<T>(noise), ptr_or_null<T>(scale), gamma.data<T>(),
                                    g.data<T>(), save_mean.data<T>(), save_invstd.data<T>(), mut_ptr_or_null<T>(dpre),
                                    mut_ptr_or_null<T>(dgamma), mut_ptr_or_null<T>(dbeta), mut_ptr_or_null<T>(part),
                                    stream_of(x));
    });
    if (nx) dx = dpre;
    if (nn) dnoise = sum(mul(dpre, scale.reshape(cb)), {1}, true);
    if (ns) dscale = sum(part, {0});
    return Grads{dx, dgamma, dbeta, dnoise, dscale};
  });
  return y;
}

}  // namespace

Tensor adain(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  return adain_impl("adain", x, {}, {}, gamma, beta, 1.0, eps);
}

Tensor noise_adain(const Tensor& x, const Tensor& noise, const Tensor& noise_scale, const Tensor& gamma,
                   const Tensor& beta, double slope, double eps) {
  GAN_CHECK(noise.defined() && noise_scale.defined(), "noise_adain: noise and noise_scale must both be defined");
  return adain_impl("noise_adain", x, noise, noise_scale, gamma, beta, slope, eps);
}

Tensor noise_injection(const Tensor& x, const Tensor& noise, const Tensor& scale) {
  const char* op = "noise_injection";
  check_float(op, x);
  GAN_CHECK(x.dim() >= 3, op, ": expected input [N, C, H, W], got ", shape_str(x.shape()));
  Shape ns = x.shape();
  ns[1] = 1;
  check_like(op, "noise", noise, x, ns);
  check_like(op, "scale", scale, x, {x.size(1)});
  return add(x, mul(scale.reshape(c_shape(x)), noise));
}

Tensor pixel_norm(const Tensor& x, double eps) {
  const char* op = "pixel_norm";
  check_float(op, x);
  GAN_CHECK(x.dim() >= 2, op, ": expected input [N, C, ...], got ", shape_str(x.shape()));
  GAN_CHECK(eps > 0, op, ": eps must be positive, got ", eps);
  kernels::PixelNormParams p;
  p.n = x.size(0);
  p.c = x.size(1);
  p.hw = spatial_numel(x);
  p.eps = eps;
  GAN_CHECK(p.c > 0 || p.n * p.hw == 0, op, ": input ", shape_str(x.shape()), " has no channels");
  Tensor y = empty_like(x);
  Tensor rnorm = empty_like(x, {p.n, p.hw});
  dispatch_float_device(op, x, [&]<class T>() {
    GAN_KERNEL(x, pixel_norm_fprop<T>)(p, x.data<T>(), y.data<T>(), rnorm.data<T>(), stream_of(x));
  });
  autograd::record(y, op, {x}, [x, rnorm, p](const Tensor& g) {
    if (autograd::grad_enabled()) {
      const Tensor r = rsqrt(add(mean(mul(x, x), {1}, true), p.eps));
      const Tensor yv = mul(x, r);
      return Grads{mul(r, sub(g, mul(yv, mean(mul(g, yv), {1}, true))))};
    }
    Tensor dx = empty_like(x);
    dispatch_float_device("pixel_norm_backward", x, [&]<class T>() {
      GAN_KERNEL(x, pixel_norm_bprop<T>)(p, x.data<T>(), g.data<T>(), rnorm.data<T>(), dx.data<T>(), stream_of(x));
    });
    return Grads{dx};
  });
  return y;
}

Tensor modulate_weight(const Tensor& w, const Tensor& style, bool demodulate, double eps) {
  const char* op = "modulate_weight";
  check_float(op, w);
  GAN_CHECK(w.dim() == 4, op, ": expected weight [O, I, KH, KW], got ", shape_str(w.shape()));
  GAN_CHECK(style.defined() && style.dim() == 2 && style.size(1) == w.size(1), op, ": style must be [N, ", w.size(1),
            "] for weight ", shape_str(w.shape()), ", got ", style.defined() ? shape_str(style.shape()) : "undefined");
  check_same_device(op, w, style);
  check_same_dtype(op, w, style);
  GAN_CHECK(eps > 0, op, ": eps must be positive, got ", eps);
  kernels::ModulationParams p;
  p.n = style.size(0);
  p.o = w.size(0);
  p.i = w.size(1);
  p.k = w.size(2) * w.size(3);
  p.demodulate = demodulate;
  p.eps = eps;
  const Shape out{p.n, p.o, p.i, w.size(2), w.size(3)};
  Tensor wm = empty_like(w, out);
  Tensor save_d = demodulate ? empty_like(w, {p.n, p.o}) : Tensor();
  dispatch_float_device(op, w, [&]<class T>() {
    GAN_KERNEL(w, modulate_fprop<T>)(p, w.data<T>(), style.data<T>(), wm.data<T>(), mut_ptr_or_null<T>(save_d),
                                     stream_of(w));
  });
  autograd::record(wm, op, {w, style}, [w, style, save_d, p, out](const Tensor& g) {
    const bool nw = wants(w), ns = wants(style);
    if (autograd::grad_enabled()) {
      const Tensor w5 = w.reshape({1, p.o, p.i, out[3], out[4]});
      const Tensor s5 = style.reshape({p.n, 1, p.i, 1, 1});
      Tensor du = g;
      if (p.demodulate) {
        const Tensor u = mul(w5, s5);
        const Tensor d = rsqrt(add(sum(mul(u, u), {2, 3, 4}, true), p.eps));
        const Tensor wm5 = mul(u, d);
        du = mul(d, sub(g, mul(wm5, sum(mul(g, wm5), {2, 3, 4}, true))));
      }
      return Grads{nw ? sum(mul(du, s5), {0}) : Tensor(), ns ? sum(mul(du, w5), {1, 3, 4}) : Tensor()};
    }
    Tensor dw = nw ? empty_like(w) : Tensor();
    Tensor dstyle = ns ? empty_like(style) : Tensor();
    Tensor row_dot = p.demodulate ? empty_like(w, {p.n, p.o}) : Tensor();
    dispatch_float_device("modulate_weight_backward", w, [&]<class T>() {
      GAN_KERNEL(w, modulate_bprop<T>)(p, w.data<T>(), style.data<T>(), ptr_or_null<T>(save_d), g.data<T>(),
                                       mut_ptr_or_null<T>(row_dot), mut_ptr_or_null<T>(dw),
                                       mut_ptr_or_null<T>(dstyle), stream_of(w));
    });
    return Grads{dw, dstyle};
  });
  return wm;
}

Tensor modulated_conv2d(const Tensor& x, const Tensor& w, const Tensor& style, bool demodulate,
                        const Conv2dOptions& o, double eps) {
  const char* op = "modulated_conv2d";
  check_float(op, x);
  GAN_CHECK(x.dim() == 4 && w.defined() && w.dim() == 4, op, ": expected input [N, I, H, W] and weight [O, I, KH, KW], got ",
            shape_str(x.shape()), " and ", w.defined() ? shape_str(w.shape()) : "undefined");
  GAN_CHECK(o.groups == 1, op, ": groups must be 1 (the batch is the grouping), got ", o.groups);
  GAN_CHECK(x.size(1) == w.size(1), op, ": input ", shape_str(x.shape()), " has ", x.size(1),
            " channels but weight ", shape_str(w.shape()), " expects ", w.size(1));
  GAN_CHECK(style.defined() && style.dim() == 2 && style.size(0) == x.size(0), op, ": style must be [",
            x.size(0), ", ", w.size(1), "] for input ", shape_str(x.shape()), ", got ",
            style.defined() ? shape_str(style.shape()) : "undefined");
  const int64_t n = x.size(0);
  GAN_CHECK(n > 0, op, ": empty batch in input ", shape_str(x.shape()));
  const Tensor wm = modulate_weight(w, style, demodulate, eps).reshape({n * w.size(0), w.size(1), w.size(2), w.size(3)});
  Conv2dOptions g = o;
  g.groups = n;
  const Tensor y = conv2d(x.reshape({1, n * x.size(1), x.size(2), x.size(3)}), wm, {}, g);
  return y.reshape({n, w.size(0), y.size(2), y.size(3)});
}

Tensor minibatch_stddev(const Tensor& x, int64_t group_size, double eps) {
  const char* op = "minibatch_stddev";
  check_float(op, x);
  GAN_CHECK(x.dim() == 4, op, ": expected input [N, C, H, W], got ", shape_str(x.shape()));
  GAN_CHECK(group_size >= 1, op, ": group_size must be >= 1, got ", group_size);
  GAN_CHECK(eps > 0, op, ": eps must be positive, got ", eps);
  const int64_t n = x.size(0), c = x.size(1), hw = x.size(2) * x.size(3);
  GAN_CHECK(n > 0 && c * hw > 0, op, ": empty input ", shape_str(x.shape()));
  kernels::MinibatchStdParams p;
  p.n = n;
  p.c = c;
  p.hw = hw;
  p.group = std::min(group_size, n);
  p.eps = eps;
  GAN_CHECK(n % p.group == 0, op, ": batch ", n, " of input ", shape_str(x.shape()),
            " is not divisible by the group size ", p.group, " (min(group_size=", group_size, ", N))");
  Tensor y = empty_like(x, {n, c + 1, x.size(2), x.size(3)});
  dispatch_float_device(op, x, [&]<class T>() {
    GAN_KERNEL(x, minibatch_stddev_fprop<T>)(p, x.data<T>(), y.data<T>(), nullptr, stream_of(x));
  });
  autograd::record(y, op, {x}, [x, p](const Tensor& g) {
    if (autograd::grad_enabled()) {
      const int64_t m = p.n / p.group, feat = p.c * p.hw;
      const Tensor xv = x.reshape({p.group, m, feat});
      const Tensor xc = sub(xv, mean(xv, {0}, true));
      const Tensor sigma = sqrt(add(mean(mul(xc, xc), {0}, true), p.eps));
      const Tensor ds = sum(slice(g, 1, p.c, p.c + 1).reshape({p.group, m, p.hw}), {0, 2}).reshape({1, m, 1});
      const Tensor dxv = add(slice(g, 1, 0, p.c).reshape({p.group, m, feat}),
                             mul(mul(ds, 1.0 / static_cast<double>(feat * p.group)), div(xc, sigma)));
      return Grads{dxv.reshape(x.shape())};
    }
    Tensor dx = empty_like(x);
    dispatch_float_device("minibatch_stddev_backward", x, [&]<class T>() {
      GAN_KERNEL(x, minibatch_stddev_bprop<T>)(p, x.data<T>(), g.data<T>(), dx.data<T>(), stream_of(x));
    });
    return Grads{dx};
  });
  return y;
}

}  // namespace gan::ops
