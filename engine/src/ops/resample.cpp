// Resampling: avg_pool2d, upsample_nearest2d, upsample_bilinear2d (NCHW).
//
// Each is a fixed linear map R. The forward op calls R's fprop kernel; its
// backward is a private op calling R's bprop kernel (= Rᵀ), whose own backward
// is the forward op again, so every op here is differentiable to any order.
//
// | op                       | backward (g = incoming gradient) | 2nd order |
// |--------------------------|----------------------------------|-----------|
// | avg_pool2d / upsample_*  | resample_bprop(g)                | yes       |
// | resample_bprop           | resample_fprop(g)                | yes       |
#include <array>
#include <string>

#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/resample.h"
#include "gan/ops.h"

namespace gan::ops {

using Grads = std::vector<Tensor>;

namespace {

enum class Kind { avg_pool, nearest, bilinear };

struct Spec {
  Kind kind = Kind::avg_pool;
  kernels::Pool2dParams pool;    // avg_pool
  kernels::Upsample2dParams up;  // nearest, bilinear
  Shape in, out;
};

const char* name_of(Kind k) {
  switch (k) {
    case Kind::avg_pool: return "avg_pool2d";
    case Kind::nearest: return "upsample_nearest2d";
    case Kind::bilinear: return "upsample_bilinear2d";
  }
  return "resample";
}

std::string bprop_name(Kind k) { return std::string(name_of(k)) + "_backward"; }

Tensor resample_bprop(const Spec& s, const Tensor& dy);

Tensor resample_fprop(const Spec& s, const Tensor& x) {
  const char* op = name_of(s.kind);
  GAN_CHECK(x.shape() == s.in, op, ": internal input ", shape_str(x.shape()), ", expected ", shape_str(s.in));
  Tensor y = empty_like(x, s.out);
  dispatch_float_device(op, x, [&]<class T>() {
    switch (s.kind) {
      case Kind::avg_pool: GAN_KERNEL(x, avg_pool2d_fprop<T>)(s.pool, x.data<T>(), y.data<T>(), stream_of(x)); break;
      case Kind::nearest: GAN_KERNEL(x, upsample_nearest2d_fprop<T>)(s.up, x.data<T>(), y.data<T>(), stream_of(x)); break;
      case Kind::bilinear: GAN_KERNEL(x, upsample_bilinear2d_fprop<T>)(s.up, x.data<T>(), y.data<T>(), stream_of(x)); break;
    }
  });
  autograd::record(y, op, {x}, [s](const Tensor& g) { return Grads{resample_bprop(s, g)}; });
  return y;
}

Tensor resample_bprop(const Spec& s, const Tensor& dy) {
  const std::string name = bprop_name(s.kind);
  const char* op = name.c_str();
  GAN_CHECK(dy.shape() == s.out, op, ": internal gradient ", shape_str(dy.shape()), ", expected ", shape_str(s.out));
  Tensor dx = empty_like(dy, s.in);
  dispatch_float_device(op, dy, [&]<class T>() {
    switch (s.kind) {
      case Kind::avg_pool: GAN_KERNEL(dy, avg_pool2d_bprop<T>)(s.pool, dy.data<T>(), dx.data<T>(), stream_of(dy)); break;
      case Kind::nearest: GAN_KERNEL(dy, upsample_nearest2d_bprop<T>)(s.up, dy.data<T>(), dx.data<T>(), stream_of(dy)); break;
      case Kind::bilinear: GAN_KERNEL(dy, upsample_bilinear2d_bprop<T>)(s.up, dy.data<T>(), dx.data<T>(), stream_of(dy)); break;
    }
  });
  autograd::record(dx, name, {dy}, [s](const Tensor& g) { return Grads{resample_fprop(s, g)}; });
  return dx;
}

void check_input(const char* op, const Tensor& x) {
  check_defined(op, "input", x);
  check_float(op, x);
  GAN_CHECK(x.dim() == 4, op, ": expected a 4-D input [N, C, H, W], got ", shape_str(x.shape()));
}

Tensor upsample(Kind kind, const Tensor& x, int64_t h_out, int64_t w_out, bool align_corners) {
  const char* op = name_of(kind);
  check_input(op, x);
  GAN_CHECK(h_out >= 1 && w_out >= 1, op, ": output size must be >= 1x1, got ", h_out, "x", w_out, " for input ",
            shape_str(x.shape()));
  Spec s;
  s.kind = kind;
  s.up.n = x.size(0);
  s.up.c = x.size(1);
  s.up.h_in = x.size(2);
  s.up.w_in = x.size(3);
  s.up.h_out = h_out;
  s.up.w_out = w_out;
  s.up.align_corners = align_corners;
  try {
    kernels::upsample2d_check(s.up, op);
  } catch (const kernels::KernelError& e) {
    throw Error(gan::detail::concat(e.what(), " (input ", shape_str(x.shape()), ", output ", h_out, "x", w_out, ")"));
  }
  s.in = x.shape();
  s.out = {s.up.n, s.up.c, h_out, w_out};
  return resample_fprop(s, x);
}

}  // namespace

Tensor avg_pool2d(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding, bool count_include_pad) {
  const char* op = "avg_pool2d";
  check_input(op, x);
  Spec s;
  s.kind = Kind::avg_pool;
  s.pool.n = x.size(0);
  s.pool.c = x.size(1);
  s.pool.h_in = x.size(2);
  s.pool.w_in = x.size(3);
  s.pool.kh = kernel[0];
  s.pool.kw = kernel[1];
  s.pool.stride_h = stride[0];
  s.pool.stride_w = stride[1];
  s.pool.pad_h = padding[0];
  s.pool.pad_w = padding[1];
  s.pool.count_include_pad = count_include_pad;
  try {
    kernels::avg_pool2d_infer(s.pool);
  } catch (const kernels::KernelError& e) {
    throw Error(gan::detail::concat(e.what(), " (input ", shape_str(x.shape()), ", kernel ", kernel[0], "x",
                                    kernel[1], ", stride ", stride[0], "x", stride[1], ", padding ", padding[0], "x",
                                    padding[1], ")"));
  }
  s.in = x.shape();
  s.out = {s.pool.n, s.pool.c, s.pool.h_out, s.pool.w_out};
  return resample_fprop(s, x);
}

Tensor upsample_nearest2d(const Tensor& x, int64_t h_out, int64_t w_out) {
  return upsample(Kind::nearest, x, h_out, w_out, false);
}

Tensor upsample_bilinear2d(const Tensor& x, int64_t h_out, int64_t w_out, bool align_corners) {
  return upsample(Kind::bilinear, x, h_out, w_out, align_corners);
}

}  // namespace gan::ops
