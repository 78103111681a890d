// Convolution: conv2d and conv_transpose2d on three private differentiable ops.
//
// One conv geometry q (kernels::Conv2dParams) defines three bilinear maps:
//   fwd(x, w)    = conv2d                 x [N, C_in, H_in, W_in] -> y [N, C_out, H_out, W_out]
//   dgrad(dy, w) = conv2d's input grad    y-shaped -> x-shaped   ("conv2d_input_grad")
//   wgrad(x, dy) = conv2d's weight grad   -> w [C_out, C_in/G, KH, KW] ("conv2d_weight_grad")
// with <dy, fwd(x, w)> = <dgrad(dy, w), x> = <wgrad(x, dy), w>. Each one's backward
// is written with the other two, so the whole family is differentiable to any order:
//
// | op                      | backward (g = incoming gradient)                         | 2nd order |
// |-------------------------|----------------------------------------------------------|-----------|
// | conv2d(x, w, b)         | dx = dgrad(g, w), dw = wgrad(x, g), db = sum(g, {0,2,3})  | yes       |
// | dgrad(dy, w)            | d(dy) = fwd(g, w), dw = wgrad(g, dy)                     | yes       |
// | wgrad(x, dy)            | dx = dgrad(dy, g), d(dy) = fwd(x, g)                     | yes       |
// | conv_transpose2d(x,w,b) | = dgrad(x, w) + b of the conv it is the adjoint of:       | yes       |
// |                         | dx = fwd(g, w), dw = wgrad(g, x), db = sum(g, {0,2,3})    |           |
//
// The ops call the kernels' *_gemm algorithms directly (no re-check), because the
// conv that a transposed conv with output_padding is the adjoint of has an output
// smaller than conv2d_infer would give; the public ops validate everything first.
#include <array>
#include <string>

#include "broadcast.h"
#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/conv.h"
#include "gan/ops.h"

namespace gan::ops {

using Grads = std::vector<Tensor>;
using kernels::Conv2dParams;

namespace {

Shape x_shape(const Conv2dParams& q) { return {q.n, q.c_in, q.h_in, q.w_in}; }
Shape y_shape(const Conv2dParams& q) { return {q.n, q.c_out, q.h_out, q.w_out}; }
Shape w_shape(const Conv2dParams& q) { return {q.c_out, q.c_in / q.groups, q.kh, q.kw}; }

void expect_shape(const char* op, const char* what, const Tensor& t, const Shape& s) {
  GAN_CHECK(t.shape() == s, op, ": internal ", what, " has shape ", shape_str(t.shape()), ", expected ", shape_str(s));
}

// Multiply-adds x 2 of one pass; the same for the forward and both gradients
// (each is one GEMM of N*P*Q x K x C/groups*R*S, transposed differently).
double conv_flops(const Conv2dParams& q) {
  return 2.0 * static_cast<double>(q.n * q.c_out * q.h_out * q.w_out) *
         static_cast<double>((q.c_in / q.groups) * q.kh * q.kw);
}

Tensor conv_dgrad(const Conv2dParams& q, const Tensor& dy, const Tensor& w);
Tensor conv_wgrad(const Conv2dParams& q, const Tensor& x, const Tensor& dy);

// y = conv2d(x, w) (+ bias); bias may be undefined.
Tensor conv_fwd(const Conv2dParams& q, const Tensor& x, const Tensor& w, const Tensor& b = {}) {
  const char* op = "conv2d";
  expect_shape(op, "input", x, x_shape(q));
  expect_shape(op, "weight", w, w_shape(q));
  Tensor y = empty_like(x, y_shape(q));
  profiler::count_flops(op, conv_flops(q));
  dispatch_float_device(op, x, [&]<class T>() {
    GAN_KERNEL(x, conv2d_fprop_im2col_gemm<T>)(
        q, x.data<T>(), w.data<T>(), b.defined() ? b.data<T>() : nullptr, y.data<T>(), stream_of(x));
  });
  autograd::record(y, op, {x, w, b}, [q, x, w, has_b = b.defined()](const Tensor& g) {
    return Grads{x.requires_grad() ? conv_dgrad(q, g, w) : Tensor(),
                 w.requires_grad() ? conv_wgrad(q, x, g) : Tensor(),
                 has_b ? sum(g, {0, 2, 3}) : Tensor()};
  });
  return y;
}

// dx = conv2d input gradient of dy (the transposed conv without bias).
Tensor conv_dgrad(const Conv2dParams& q, const Tensor& dy, const Tensor& w) {
  const char* op = "conv2d_input_grad";
  expect_shape(op, "output gradient", dy, y_shape(q));
  expect_shape(op, "weight", w, w_shape(q));
  Tensor dx = empty_like(dy, x_shape(q));
  profiler::count_flops(op, conv_flops(q));
  dispatch_float_device(op, dy, [&]<class T>() {
    GAN_KERNEL(dy, conv2d_dgrad_gemm_col2im<T>)(q, dy.data<T>(), w.data<T>(),
                                                                            dx.data<T>(), stream_of(dy));
  });
  autograd::record(dx, op, {dy, w}, [q, dy, w](const Tensor& g) {
    return Grads{dy.requires_grad() ? conv_fwd(q, g, w) : Tensor(), w.requires_grad() ? conv_wgrad(q, g, dy) : Tensor()};
  });
  return dx;
}

// dw = conv2d weight gradient from input x and output gradient dy.
Tensor conv_wgrad(const Conv2dParams& q, const Tensor& x, const Tensor& dy) {
  const char* op = "conv2d_weight_grad";
  expect_shape(op, "input", x, x_shape(q));
  expect_shape(op, "output gradient", dy, y_shape(q));
  Tensor dw = empty_like(x, w_shape(q));
  profiler::count_flops(op, conv_flops(q));
  dispatch_float_device(op, x, [&]<class T>() {
    GAN_KERNEL(x, conv2d_wgrad_im2col_gemm<T>)(q, x.data<T>(), dy.data<T>(),
                                                                           dw.data<T>(), stream_of(x));
  });
  autograd::record(dw, op, {x, dy}, [q, x, dy](const Tensor& g) {
    return Grads{x.requires_grad() ? conv_dgrad(q, dy, g) : Tensor(), dy.requires_grad() ? conv_fwd(q, x, g) : Tensor()};
  });
  return dw;
}

std::string geometry(const std::array<int64_t, 2>& stride, const std::array<int64_t, 2>& padding,
                     const std::array<int64_t, 2>& dilation, int64_t groups) {
  return gan::detail::concat("stride ", stride[0], "x", stride[1], ", padding ", padding[0], "x", padding[1],
                        ", dilation ", dilation[0], "x", dilation[1], ", groups ", groups);
}

void check_common(const char* op, const Tensor& x, const Tensor& w, const Tensor& b) {
  check_defined(op, "input", x);
  check_defined(op, "weight", w);
  detail::check_binary(op, x, w);
  if (b.defined()) detail::check_binary(op, x, b);
  GAN_CHECK(x.dim() == 4 && w.dim() == 4, op, ": expected a 4-D input [N, C, H, W] and a 4-D weight, got input ",
            shape_str(x.shape()), " and weight ", shape_str(w.shape()));
}

void check_geometry(const char* op, const Tensor& x, const Tensor& w, const std::array<int64_t, 2>& stride,
                    const std::array<int64_t, 2>& padding, const std::array<int64_t, 2>& dilation, int64_t groups) {
  const bool ok = stride[0] >= 1 && stride[1] >= 1 && dilation[0] >= 1 && dilation[1] >= 1 && padding[0] >= 0 &&
                  padding[1] >= 0 && groups >= 1;
  GAN_CHECK(ok, op, ": stride and dilation must be >= 1, padding >= 0 and groups >= 1; got ",
            geometry(stride, padding, dilation, groups), " for input ", shape_str(x.shape()), " and weight ",
            shape_str(w.shape()));
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dOptions& o) {
  const char* op = "conv2d";
  check_common(op, x, w, b);
  check_geometry(op, x, w, o.stride, o.padding, o.dilation, o.groups);
  const std::string shapes = gan::detail::concat("input ", shape_str(x.shape()), " and weight ", shape_str(w.shape()));
  const int64_t c_in = x.size(1), c_out = w.size(0);
  GAN_CHECK(c_in == w.size(1) * o.groups, op, ": channel mismatch: input ", shape_str(x.shape()), " has ", c_in,
            " channels but weight ", shape_str(w.shape()), " with groups ", o.groups, " expects ",
            w.size(1) * o.groups, " (C_in/groups = ", w.size(1), ")");
  GAN_CHECK(c_out % o.groups == 0, op, ": weight ", shape_str(w.shape()), " has ", c_out,
            " output channels, not divisible by groups ", o.groups, " (input ", shape_str(x.shape()), ")");
  if (b.defined())
    GAN_CHECK(b.dim() == 1 && b.size(0) == c_out, op, ": bias ", shape_str(b.shape()), " does not match weight ",
              shape_str(w.shape()), " (expected [", c_out, "]; input ", shape_str(x.shape()), ")");
  Conv2dParams q;
  q.n = x.size(0);
  q.c_in = c_in;
  q.h_in = x.size(2);
  q.w_in = x.size(3);
  q.c_out = c_out;
  q.kh = w.size(2);
  q.kw = w.size(3);
  q.stride_h = o.stride[0];
  q.stride_w = o.stride[1];
  q.pad_h = o.padding[0];
  q.pad_w = o.padding[1];
  q.dil_h = o.dilation[0];
  q.dil_w = o.dilation[1];
  q.groups = o.groups;
  const int64_t h = (q.h_in + 2 * q.pad_h - q.dil_h * (q.kh - 1) - 1);
  const int64_t wd = (q.w_in + 2 * q.pad_w - q.dil_w * (q.kw - 1) - 1);
  GAN_CHECK(h >= 0 && wd >= 0 && q.h_in >= 1 && q.w_in >= 1, op,
            ": output size would be < 1: padded input is smaller than the dilated kernel for ", shapes, " with ",
            geometry(o.stride, o.padding, o.dilation, o.groups));
  try {
    kernels::conv2d_infer(q);
  } catch (const kernels::KernelError& e) {
    throw Error(gan::detail::concat(e.what(), " (", shapes, ", ", geometry(o.stride, o.padding, o.dilation, o.groups),
                               ")"));
  }
  return conv_fwd(q, x, w, b);
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, const ConvTranspose2dOptions& o) {
  const char* op = "conv_transpose2d";
  check_common(op, x, w, b);
  check_geometry(op, x, w, o.stride, o.padding, o.dilation, o.groups);
  const std::string shapes = gan::detail::concat("input ", shape_str(x.shape()), " and weight ", shape_str(w.shape()));
  const int64_t c_in = x.size(1), c_out = w.size(1) * o.groups;
  GAN_CHECK(c_in == w.size(0), op, ": channel mismatch: input ", shape_str(x.shape()), " has ", c_in,
            " channels but weight ", shape_str(w.shape()), " expects ", w.size(0), " (groups ", o.groups, ")");
  GAN_CHECK(c_in % o.groups == 0, op, ": input ", shape_str(x.shape()), " has ", c_in,
            " channels, not divisible by groups ", o.groups, " (weight ", shape_str(w.shape()), ")");
  if (b.defined())
    GAN_CHECK(b.dim() == 1 && b.size(0) == c_out, op, ": bias ", shape_str(b.shape()), " does not match weight ",
              shape_str(w.shape()), " with groups ", o.groups, " (expected [", c_out, "]; input ",
              shape_str(x.shape()), ")");
  kernels::ConvTranspose2dParams p;
  p.n = x.size(0);
  p.c_in = c_in;
  p.h_in = x.size(2);
  p.w_in = x.size(3);
  p.c_out = c_out;
  p.kh = w.size(2);
  p.kw = w.size(3);
  p.stride_h = o.stride[0];
  p.stride_w = o.stride[1];
  p.pad_h = o.padding[0];
  p.pad_w = o.padding[1];
  p.out_pad_h = o.output_padding[0];
  p.out_pad_w = o.output_padding[1];
  p.dil_h = o.dilation[0];
  p.dil_w = o.dilation[1];
  p.groups = o.groups;
  const int64_t h = (p.h_in - 1) * p.stride_h - 2 * p.pad_h + p.dil_h * (p.kh - 1) + p.out_pad_h + 1;
  const int64_t wd = (p.w_in - 1) * p.stride_w - 2 * p.pad_w + p.dil_w * (p.kw - 1) + p.out_pad_w + 1;
  GAN_CHECK(h >= 1 && wd >= 1, op, ": output size would be < 1 (", h, "x", wd, ") for ", shapes, " with ",
            geometry(o.stride, o.padding, o.dilation, o.groups));
  try {
    kernels::conv_transpose2d_infer(p);
  } catch (const kernels::KernelError& e) {
    throw Error(gan::detail::concat(e.what(), " (", shapes, ", ", geometry(o.stride, o.padding, o.dilation, o.groups),
                               ", output_padding ", o.output_padding[0], "x", o.output_padding[1], ")"));
  }
  const Conv2dParams q = kernels::conv_transpose2d_as_conv2d(p);
  // The transposed conv is the conv's input gradient; its bias is added by ops::add.
  Tensor y = conv_dgrad(q, x, w);
  if (b.defined()) y = add(y, b.reshape({1, c_out, 1, 1}));
  return y;
}

}  // namespace gan::ops
