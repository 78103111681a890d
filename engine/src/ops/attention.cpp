// Attention (gan/ops/attention.h): validation, dispatch to the attention
// kernels (kernels/include/gan/kernels/attention.h), autograd record.
#include "gan/ops/attention.h"

#include <cmath>

#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/attention.h"
#include "gan/ops.h"

namespace gan::ops {
namespace {

using Grads = std::vector<Tensor>;

bool wants(const Tensor& t) { return t.defined() && t.requires_grad(); }

// Shapes: q [B, N, d], k [B, M, d], v [B, M, dv]; same dtype and device.
kernels::AttentionParams check_inputs(const char* op, const Tensor& q, const Tensor& k, const Tensor& v, double scale) {
  GAN_CHECK(q.defined() && k.defined() && v.defined(), op, ": q, k and v must all be defined");
  check_float(op, q);
  check_same_dtype(op, q, k);
  check_same_dtype(op, q, v);
  check_same_device(op, q, k);
  check_same_device(op, q, v);
  const auto shapes = [&] {
    return detail::concat("q ", shape_str(q.shape()), ", k ", shape_str(k.shape()), ", v ", shape_str(v.shape()));
  };
  GAN_CHECK(q.dim() == 3 && k.dim() == 3 && v.dim() == 3, op, ": expected q [B, N, d], k [B, M, d], v [B, M, dv], got ",
            shapes());
  GAN_CHECK(k.size(0) == q.size(0) && v.size(0) == q.size(0), op, ": batch sizes differ: ", shapes());
  GAN_CHECK(k.size(2) == q.size(2), op, ": q and k feature sizes differ: ", shapes());
  GAN_CHECK(v.size(1) == k.size(1), op, ": k and v must have the same number of rows M: ", shapes());
  GAN_CHECK(q.size(2) >= 1 && v.size(2) >= 1, op, ": feature sizes d and dv must be >= 1: ", shapes());
  GAN_CHECK(k.size(1) >= 1 || q.size(1) == 0 || q.size(0) == 0, op,
            ": softmax over no keys (M = 0) with N > 0: ", shapes());
  GAN_CHECK(std::isfinite(scale), op, ": scale must be finite, got ", scale);
  kernels::AttentionParams p;
  p.b = q.size(0);
  p.n = q.size(1);
  p.m = k.size(1);
  p.d = q.size(2);
  p.dv = v.size(2);
  p.scale = scale;
  return p;
}

// The differentiable composite of the gradients (see the header's formulas).
Grads composite_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& g, double scale) {
  const Tensor pr = softmax(mul(matmul(q, transpose(k, 1, 2)), scale), -1);  // [B, N, M]
  Tensor dq, dk, dv;
  if (wants(v)) dv = matmul(transpose(pr, 1, 2), g);
  if (wants(q) || wants(k)) {
    const Tensor dp = matmul(g, transpose(v, 1, 2));                   // [B, N, M]
    const Tensor ds = mul(pr, sub(dp, sum(mul(dp, pr), {-1}, true)));  // [B, N, M]
    if (wants(q)) dq = mul(matmul(ds, k), scale);
    if (wants(k)) dk = mul(matmul(transpose(ds, 1, 2), q), scale);
  }
  return Grads{dq, dk, dv};
}

}  // namespace

Tensor attention_materialized(const Tensor& q, const Tensor& k, const Tensor& v, double scale) {
  check_inputs("attention_materialized", q, k, v, scale);
  return matmul(softmax(mul(matmul(q, transpose(k, 1, 2)), scale), -1), v);
}

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, double scale) {
  const char* op = "attention";
  const kernels::AttentionParams p = check_inputs(op, q, k, v, scale);
  // Beyond the fused CUDA kernels' head size: the composite (named fallback).
  if (q.device().is_cuda() && (p.d > kernels::kAttentionMaxHeadDim || p.dv > kernels::kAttentionMaxHeadDim))
    return attention_materialized(q, k, v, scale);
  Tensor o = empty_like(q, {p.b, p.n, p.dv});
  Tensor lse = empty_like(q, {p.b, p.n});
  // S = Q K^T and O = P V: 2 b n m (d + dv).
  profiler::count_flops(op, 2.0 * static_cast<double>(p.b * p.n * p.m) * static_cast<double>(p.d + p.dv));
  dispatch_float_device(op, q, [&]<class T>() {
    GAN_KERNEL(q, attention_fprop<T>)
    (p, q.data<T>(), k.data<T>(), v.data<T>(), o.data<T>(), lse.data<T>(), stream_of(q));
  });
  autograd::record(o, op, {q, k, v}, [q, k, v, lse, p, saved = autograd::SavedOutput(o)](const Tensor& g) {
    if (autograd::grad_enabled()) return composite_backward(q, k, v, g, p.scale);  // create_graph
    const Tensor out = saved.get();
    Tensor dq = wants(q) ? empty_like(q) : Tensor();
    Tensor dk = wants(k) ? empty_like(k) : Tensor();
    Tensor dv = wants(v) ? empty_like(v) : Tensor();
    const Tensor gc = g.contiguous();
    // S recomputed (d), dV = P^T dO and dP = dO V^T (dv each), dQ and dK (d each).
    profiler::count_flops("attention_backward",
                          2.0 * static_cast<double>(p.b * p.n * p.m) * static_cast<double>(3 * p.d + 2 * p.dv));
    dispatch_float_device("attention_backward", q, [&]<class T>() {
      GAN_KERNEL(q, attention_bprop<T>)
      (p, q.data<T>(), k.data<T>(), v.data<T>(), out.data<T>(), lse.data<T>(), gc.data<T>(),
       dq.defined() ? dq.data<T>() : nullptr, dk.defined() ? dk.data<T>() : nullptr,
       dv.defined() ? dv.data<T>() : nullptr, stream_of(q));
    });
    return Grads{dq, dk, dv};
  });
  return o;
}

}  // namespace gan::ops
