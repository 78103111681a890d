// Linear algebra: matmul and linear, on one private differentiable op.
//
// bmm(a, b, ta, tb) computes op(a) @ op(b) for a [Ba, r, c], b [Bb, r, c] with
// Ba == Bb or either batch 1 (broadcast by a GEMM batch stride of 0), where
// op(a) is a or its last-two-dims transpose (GemmParams.trans_a/trans_b). Its
// backward is two more bmm calls with other transpose flags, so matmul and
// linear are differentiable to any order without a separate transpose op.
//
// | op                      | backward (g = incoming gradient)                        | 2nd order |
// |-------------------------|---------------------------------------------------------|-----------|
// | bmm(a, b, ta=0, tb)     | da = bmm(g, b, 0, !tb)                                  | yes       |
// | bmm(a, b, ta=1, tb)     | da = bmm(b, g, tb, 1)                                   | yes       |
// | bmm(a, b, ta, tb=0)     | db = bmm(a, g, !ta, 0)                                  | yes       |
// | bmm(a, b, ta, tb=1)     | db = bmm(g, a, 1, ta)                                   | yes       |
// |   (broadcast batch)     | summed over dim 0 back to batch 1                       | yes       |
// | matmul                  | reshapes / expand around bmm                            | yes       |
// | linear(x, w, b)         | bmm(x, w, 0, 1) + b                                     | yes       |
#include <algorithm>

#include "broadcast.h"
#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/gemm.h"
#include "gan/ops.h"

namespace gan::ops {

using Grads = std::vector<Tensor>;

namespace {

// op(a) @ op(b) on rank-3 operands; batches equal or 1.
Tensor bmm(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const char* op = "matmul";
  GAN_CHECK(a.dim() == 3 && b.dim() == 3, op, ": internal bmm expects rank-3 operands, got ", shape_str(a.shape()),
            " and ", shape_str(b.shape()));
  const int64_t ba = a.size(0), bb = b.size(0);
  GAN_CHECK(ba == bb || ba == 1 || bb == 1, op, ": batch sizes ", ba, " and ", bb, " do not broadcast (",
            shape_str(a.shape()), " and ", shape_str(b.shape()), ")");
  const int64_t m = ta ? a.size(2) : a.size(1);
  const int64_t ka = ta ? a.size(1) : a.size(2);
  const int64_t kb = tb ? b.size(2) : b.size(1);
  const int64_t n = tb ? b.size(1) : b.size(2);
  GAN_CHECK(ka == kb, op, ": inner dimensions differ: ", shape_str(a.shape()), " and ", shape_str(b.shape()));
  const int64_t batch = std::max(ba, bb);
  Tensor out = empty_like(a, {batch, m, n});
  kernels::GemmParams p;
  p.batch = batch;
  p.m = m;
  p.n = n;
  p.k = ka;
  p.trans_a = ta;
  p.trans_b = tb;
  p.stride_a = ba == 1 ? 0 : m * ka;
  p.stride_b = bb == 1 ? 0 : ka * n;
  p.stride_c = m * n;
  if (out.numel() > 0) {
    profiler::count_flops(op, 2.0 * static_cast<double>(batch * m) * static_cast<double>(n * ka));
    dispatch_float_device(op, a, [&]<class T>() {
      GAN_KERNEL(a, gemm<T>)(p, a.data<T>(), b.data<T>(), out.data<T>(), stream_of(a));
    });
  }
  autograd::record(out, "matmul", {a, b}, [a, b, ta, tb](const Tensor& g) {
    Tensor da, db;
    if (a.requires_grad()) {
      da = ta ? bmm(b, g, tb, true) : bmm(g, b, false, !tb);
      if (da.size(0) != a.size(0)) da = sum(da, {0}, true);
    }
    if (b.requires_grad()) {
      db = tb ? bmm(g, a, true, ta) : bmm(a, g, !ta, false);
      if (db.size(0) != b.size(0)) db = sum(db, {0}, true);
    }
    return Grads{da, db};
  });
  return out;
}

Shape batch_of(const Shape& s) { return Shape(s.begin(), s.end() - 2); }

}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  const char* op = "matmul";
  check_defined(op, "a", a_in);
  check_defined(op, "b", b_in);
  detail::check_binary(op, a_in, b_in);
  check_float(op, a_in);
  GAN_CHECK(a_in.dim() >= 1 && b_in.dim() >= 1, op, ": operands must have at least 1 dim, got ",
            shape_str(a_in.shape()), " and ", shape_str(b_in.shape()));
  const bool a_vec = a_in.dim() == 1, b_vec = b_in.dim() == 1;
  const Tensor a = a_vec ? a_in.reshape({1, a_in.size(0)}) : a_in;
  const Tensor b = b_vec ? b_in.reshape({b_in.size(0), 1}) : b_in;
  const int64_t n = a.size(-2), k = a.size(-1), m = b.size(-1);
  GAN_CHECK(b.size(-2) == k, op, ": inner dimensions differ: ", shape_str(a_in.shape()), " @ ",
            shape_str(b_in.shape()), " (", k, " vs ", b.size(-2), ")");
  const Shape ba = batch_of(a.shape()), bb = batch_of(b.shape());
  Shape batch;
  try {
    batch = detail::broadcast_shapes(op, ba, bb);
  } catch (const Error&) {
    throw Error(gan::detail::concat(op, ": batch dims do not broadcast: ", shape_str(a_in.shape()), " @ ",
                               shape_str(b_in.shape())));
  }
  const int64_t nbatch = shape_numel(batch);
  Tensor y;
  if (shape_numel(bb) == 1) {
    // One right-hand matrix: fold a's batch into its rows (one large GEMM).
    // (bb all ones: the broadcast batch has ba's element count.)
    y = bmm(a.reshape({1, nbatch * n, k}), b.reshape({1, k, m}), false, false);
  } else {
    auto as3 = [&](const Tensor& t, const Shape& tb, int64_t r, int64_t c) {
      if (shape_numel(tb) == 1) return t.reshape({1, r, c});
      if (tb == batch) return t.reshape({nbatch, r, c});
      Shape full = batch;
      full.push_back(r);
      full.push_back(c);
      return expand(t, full).reshape({nbatch, r, c});
    };
    y = bmm(as3(a, ba, n, k), as3(b, bb, k, m), false, false);
  }
  Shape out = batch;
  if (!a_vec) out.push_back(n);
  if (!b_vec) out.push_back(m);
  return y.reshape(out);
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  const char* op = "linear";
  check_defined(op, "input", x);
  check_defined(op, "weight", w);
  detail::check_binary(op, x, w);
  check_float(op, x);
  GAN_CHECK(w.dim() == 2, op, ": weight must be [out, in], got ", shape_str(w.shape()), " (input ",
            shape_str(x.shape()), ")");
  GAN_CHECK(x.dim() >= 1 && x.size(-1) == w.size(1), op, ": input ", shape_str(x.shape()),
            " does not match weight ", shape_str(w.shape()), " (last input dim must be ", w.size(1), ")");
  const int64_t in = w.size(1), outf = w.size(0);
  Shape out_shape(x.shape().begin(), x.shape().end() - 1);
  const int64_t rows = shape_numel(out_shape);
  out_shape.push_back(outf);
  Tensor y = bmm(x.reshape({1, rows, in}), w.reshape({1, outf, in}), false, true)
                 .reshape(out_shape);
  if (b.defined()) {
    detail::check_binary(op, x, b);
    GAN_CHECK(b.dim() == 1 && b.size(0) == outf, op, ": bias ", shape_str(b.shape()), " does not match weight ",
              shape_str(w.shape()), " (expected [", outf, "])");
    y = add(y, b);
  }
  return y;
}

}  // namespace gan::ops
