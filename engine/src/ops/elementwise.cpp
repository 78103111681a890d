// Elementwise ops: forward kernel call and backward formula side by side.
//
// Every backward is written with engine ops, so it is differentiable again.
// Masks (relu's step, clamp's window, maximum's choice) are computed by ops that
// record nothing: their derivative is zero almost everywhere.
//
// | op          | backward (g = incoming gradient, y = output)   | 2nd order |
// |-------------|-------------------------------------------------|-----------|
// | add / sub   | sum_to(±g)                                      | yes       |
// | mul         | sum_to(g*b), sum_to(g*a)                        | yes       |
// | div         | sum_to(g/b), sum_to(-g*a/b²)                    | yes       |
// | pow(a,b)    | g*b*a^(b-1), g*y*log(a)                         | yes       |
// | max/minimum | g*mask, g*(1-mask)                              | yes       |
// | exp         | g*y                                             | yes       |
// | log         | g/x                                             | yes       |
// | sqrt/rsqrt  | g/(2y), -g*y³/2                                 | yes       |
// | relu/leaky  | g*step(x) / g*(s+(1-s)*step(x))                 | yes       |
// | tanh        | g*(1-y)(1+y)                                    | yes       |
//
// relu, leaky_relu and tanh run their first-order backward as one act_grad
// kernel pass (kernels/act_grad.h: the same numbers as the composite, one pass
// instead of 2-4); under create_graph they use the composite above.
// | sigmoid     | g*y*(1-y)                                       | yes       |
// | softplus    | g*sigmoid(x)                                    | yes       |
#include "broadcast.h"
#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/act_grad.h"
#include "gan/ops.h"

namespace gan::ops {

using autograd::SavedOutput;
using kernels::BinaryOp;
using kernels::UnaryOp;
using Grads = std::vector<Tensor>;

namespace {

Tensor unary_kernel(const char* op, UnaryOp k, const Tensor& x, double alpha = 0, double beta = 0) {
  check_float(op, x);
  Tensor y = empty_like(x);
  kernels::UnaryParams p;
  p.n = x.numel();
  p.alpha = alpha;
  p.beta = beta;
  dispatch_float_device(op, x, [&]<class T>() {
    GAN_KERNEL(x, unary<T>)(p, k, x.data<T>(), y.data<T>(), stream_of(x));
  });
  return y;
}

Tensor binary_kernel(const char* op, BinaryOp k, const Tensor& a, const Tensor& b) {
  detail::check_binary(op, a, b);
  const Shape out_shape = detail::broadcast_shapes(op, a.shape(), b.shape());
  Tensor out = empty_like(a, out_shape);
  const auto p = detail::broadcast_params(op, out_shape, {a.shape(), b.shape()});
  dispatch_float_device(op, a, [&]<class T>() {
    GAN_KERNEL(a, binary<T>)(p, k, a.data<T>(), b.data<T>(), out.data<T>(), stream_of(a));
  });
  return out;
}

// g * act'(s) in one kernel pass (first-order backward only: the result records nothing).
Tensor act_grad_kernel(const char* op, kernels::ActGrad act, const Tensor& g, const Tensor& s, double slope = 0) {
  GAN_CHECK(g.shape() == s.shape() && g.dtype() == s.dtype() && g.device() == s.device(), op,
            ": gradient ", shape_str(g.shape()), " does not match the saved tensor ", shape_str(s.shape()));
  Tensor dx = empty_like(s);
  kernels::ActGradParams p;
  p.n = s.numel();
  p.act = act;
  p.slope = slope;
  dispatch_float_device(op, s, [&]<class T>() {
    GAN_KERNEL(s, act_grad<T>)(p, g.data<T>(), s.data<T>(), dx.data<T>(), stream_of(s));
  });
  return dx;
}

// Non-differentiable 0/1 masks.
Tensor step(const Tensor& x) { return unary_kernel("step", UnaryOp::step, x); }

}  // namespace

// ---- binary ------------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel("add", BinaryOp::add, a, b);
  autograd::record(out, "add", {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return Grads{sum_to(g, sa), sum_to(g, sb)};
  });
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel("sub", BinaryOp::sub, a, b);
  autograd::record(out, "sub", {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return Grads{sum_to(g, sa), sum_to(neg(g), sb)};
  });
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel("mul", BinaryOp::mul, a, b);
  autograd::record(out, "mul", {a, b}, [a, b](const Tensor& g) {
    return Grads{a.requires_grad() ? sum_to(mul(g, b), a.shape()) : Tensor(),
                 b.requires_grad() ? sum_to(mul(g, a), b.shape()) : Tensor()};
  });
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel("div", BinaryOp::div, a, b);
  autograd::record(out, "div", {a, b}, [a, b](const Tensor& g) {
    return Grads{a.requires_grad() ? sum_to(div(g, b), a.shape()) : Tensor(),
                 b.requires_grad() ? sum_to(neg(div(mul(g, a), mul(b, b))), b.shape()) : Tensor()};
  });
  return out;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel("pow", BinaryOp::pow, a, b);
  autograd::record(out, "pow", {a, b}, [a, b, y = SavedOutput(out)](const Tensor& g) {
    Tensor da, db;
    if (a.requires_grad()) da = sum_to(mul(g, mul(b, pow(a, sub(b, Tensor::ones({}, {a.dtype(), a.device()}))))), a.shape());
    if (b.requires_grad()) db = sum_to(mul(g, mul(y.get(), log(a))), b.shape());
    return Grads{da, db};
  });
  return out;
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel("maximum", BinaryOp::maximum, a, b);
  autograd::record(out, "maximum", {a, b}, [a, b](const Tensor& g) {
    const Tensor mask = ge(a, b);  // ties go to a
    return Grads{sum_to(mul(g, mask), a.shape()), sum_to(mul(g, rsub(1.0, mask)), b.shape())};
  });
  return out;
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel("minimum", BinaryOp::minimum, a, b);
  autograd::record(out, "minimum", {a, b}, [a, b](const Tensor& g) {
    const Tensor mask = le(a, b);
    return Grads{sum_to(mul(g, mask), a.shape()), sum_to(mul(g, rsub(1.0, mask)), b.shape())};
  });
  return out;
}

Tensor gt(const Tensor& a, const Tensor& b) { return binary_kernel("gt", BinaryOp::gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary_kernel("ge", BinaryOp::ge, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary_kernel("lt", BinaryOp::lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary_kernel("le", BinaryOp::le, a, b); }
Tensor eq(const Tensor& a, const Tensor& b) { return binary_kernel("eq", BinaryOp::eq, a, b); }
Tensor gt(const Tensor& a, double s) { return unary_kernel("gt", UnaryOp::gt_scalar, a, s); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  detail::check_binary("where", a, b);
  check_defined("where", "condition", cond);
  check_same_device("where", cond, a);
  check_same_dtype("where", cond, a);
  const Shape out_shape =
      detail::broadcast_shapes("where", cond.shape(), detail::broadcast_shapes("where", a.shape(), b.shape()));
  Tensor out = empty_like(a, out_shape);
  const auto p = detail::broadcast_params("where", out_shape, {cond.shape(), a.shape(), b.shape()});
  dispatch_float_device("where", a, [&]<class T>() {
    GAN_KERNEL(a, where<T>)(p, cond.data<T>(), a.data<T>(), b.data<T>(), out.data<T>(), stream_of(a));
  });
  autograd::record(out, "where", {a, b}, [cond, sa = a.shape(), sb = b.shape()](const Tensor& g) {
    const Tensor zero = Tensor::zeros({}, {g.dtype(), g.device()});
    return Grads{sum_to(where(cond, g, zero), sa), sum_to(where(cond, zero, g), sb)};
  });
  return out;
}

// ---- scalar ------------------------------------------------------------------------------

Tensor add(const Tensor& a, double s) {
  Tensor out = unary_kernel("add", UnaryOp::add_scalar, a, s);
  autograd::record(out, "add_scalar", {a}, [](const Tensor& g) { return Grads{g}; });
  return out;
}

Tensor mul(const Tensor& a, double s) {
  Tensor out = unary_kernel("mul", UnaryOp::mul_scalar, a, s);
  autograd::record(out, "mul_scalar", {a}, [s](const Tensor& g) { return Grads{mul(g, s)}; });
  return out;
}

Tensor rsub(double s, const Tensor& a) {
  Tensor out = unary_kernel("rsub", UnaryOp::rsub_scalar, a, s);
  autograd::record(out, "rsub_scalar", {a}, [](const Tensor& g) { return Grads{neg(g)}; });
  return out;
}

Tensor pow(const Tensor& a, double e) {
  Tensor out = unary_kernel("pow", UnaryOp::pow_scalar, a, e);
  autograd::record(out, "pow_scalar", {a}, [a, e](const Tensor& g) {
    if (e == 0.0) return Grads{mul(g, 0.0)};
    if (e == 1.0) return Grads{g};
    if (e == 2.0) return Grads{mul(g, mul(a, 2.0))};
    return Grads{mul(g, mul(pow(a, e - 1.0), e))};
  });
  return out;
}

// ---- unary ------------------------------------------------------------------------------

Tensor neg(const Tensor& x) {
  Tensor y = unary_kernel("neg", UnaryOp::neg, x);
  autograd::record(y, "neg", {x}, [](const Tensor& g) { return Grads{neg(g)}; });
  return y;
}

Tensor exp(const Tensor& x) {
  Tensor y = unary_kernel("exp", UnaryOp::exp, x);
  autograd::record(y, "exp", {x}, [y = SavedOutput(y)](const Tensor& g) { return Grads{mul(g, y.get())}; });
  return y;
}

Tensor log(const Tensor& x) {
  Tensor y = unary_kernel("log", UnaryOp::log, x);
  autograd::record(y, "log", {x}, [x](const Tensor& g) { return Grads{div(g, x)}; });
  return y;
}

Tensor sqrt(const Tensor& x) {
  Tensor y = unary_kernel("sqrt", UnaryOp::sqrt, x);
  autograd::record(y, "sqrt", {x}, [y = SavedOutput(y)](const Tensor& g) { return Grads{div(g, mul(y.get(), 2.0))}; });
  return y;
}

Tensor rsqrt(const Tensor& x) {
  Tensor y = unary_kernel("rsqrt", UnaryOp::rsqrt, x);
  autograd::record(y, "rsqrt", {x}, [y = SavedOutput(y)](const Tensor& g) {
    const Tensor r = y.get();
    return Grads{mul(g, mul(mul(r, mul(r, r)), -0.5))};
  });
  return y;
}

Tensor abs(const Tensor& x) {
  Tensor y = unary_kernel("abs", UnaryOp::abs, x);
  autograd::record(y, "abs", {x}, [x](const Tensor& g) { return Grads{mul(g, sign(x))}; });
  return y;
}

Tensor sign(const Tensor& x) { return unary_kernel("sign", UnaryOp::sign, x); }

Tensor square(const Tensor& x) {
  Tensor y = unary_kernel("square", UnaryOp::square, x);
  autograd::record(y, "square", {x}, [x](const Tensor& g) { return Grads{mul(g, mul(x, 2.0))}; });
  return y;
}

Tensor reciprocal(const Tensor& x) {
  Tensor y = unary_kernel("reciprocal", UnaryOp::reciprocal, x);
  autograd::record(y, "reciprocal", {x}, [y = SavedOutput(y)](const Tensor& g) {
    const Tensor r = y.get();
    return Grads{neg(mul(g, mul(r, r)))};
  });
  return y;
}

Tensor clamp(const Tensor& x, double lo, double hi) {
  GAN_CHECK(lo <= hi, "clamp: lower bound ", lo, " exceeds upper bound ", hi);
  Tensor y = unary_kernel("clamp", UnaryOp::clamp, x, lo, hi);
  autograd::record(y, "clamp", {x}, [x, lo, hi](const Tensor& g) {
    // Inside [lo, hi] the gradient passes (PyTorch's convention at the bounds).
    const Tensor inside = mul(rsub(1.0, gt(neg(x), -lo)), rsub(1.0, gt(x, hi)));
    return Grads{mul(g, inside)};
  });
  return y;
}

Tensor relu(const Tensor& x) {
  Tensor y = unary_kernel("relu", UnaryOp::relu, x);
  autograd::record(y, "relu", {x}, [x](const Tensor& g) {
    if (!autograd::grad_enabled()) return Grads{act_grad_kernel("relu_backward", kernels::ActGrad::relu, g, x)};
    return Grads{mul(g, step(x))};
  });
  return y;
}

Tensor leaky_relu(const Tensor& x, double slope) {
  Tensor y = unary_kernel("leaky_relu", UnaryOp::leaky_relu, x, slope);
  autograd::record(y, "leaky_relu", {x}, [x, slope](const Tensor& g) {
    if (!autograd::grad_enabled()) {
      return Grads{act_grad_kernel("leaky_relu_backward", kernels::ActGrad::leaky_relu, g, x, slope)};
    }
    return Grads{mul(g, add(mul(step(x), 1.0 - slope), slope))};
  });
  return y;
}

Tensor tanh(const Tensor& x) {
  Tensor y = unary_kernel("tanh", UnaryOp::tanh, x);
  autograd::record(y, "tanh", {x}, [y = SavedOutput(y)](const Tensor& g) {
    const Tensor t = y.get();
    if (!autograd::grad_enabled()) return Grads{act_grad_kernel("tanh_backward", kernels::ActGrad::tanh, g, t)};
    return Grads{mul(g, mul(rsub(1.0, t), add(t, 1.0)))};  // (1 - y)(1 + y), as act_grad
  });
  return y;
}

Tensor sigmoid(const Tensor& x) {
  Tensor y = unary_kernel("sigmoid", UnaryOp::sigmoid, x);
  autograd::record(y, "sigmoid", {x}, [y = SavedOutput(y)](const Tensor& g) {
    const Tensor s = y.get();
    return Grads{mul(g, mul(s, rsub(1.0, s)))};
  });
  return y;
}

Tensor softplus(const Tensor& x) {
  Tensor y = unary_kernel("softplus", UnaryOp::softplus, x);
  autograd::record(y, "softplus", {x}, [x](const Tensor& g) { return Grads{mul(g, sigmoid(x))}; });
  return y;
}

Tensor randn_like(const Tensor& x, Generator& gen) { return Tensor::randn(x.shape(), gen, {x.dtype(), x.device()}); }
Tensor rand_like(const Tensor& x, Generator& gen) { return Tensor::rand(x.shape(), gen, 0, 1, {x.dtype(), x.device()}); }

}  // namespace gan::ops
