// ConvTranspose2d fprop / dgrad / wgrad, CPU reference (PyTorch semantics).
//
// Layout (NCHW): x [N, C_in, H_in, W_in], w [C_in, C_out/G, KH, KW],
// y [N, C_out, H_out, W_out], H_out = (H_in-1)*stride - 2*pad + dil*(KH-1) + out_pad + 1.
// Definition (scatter): y[n, g*Cg_out + co, ih*stride - pad + ki*dil, iw*stride - pad + kj*dil]
//   += x[n, g*Cg_in + ci, ih, iw] * w[g*Cg_in + ci, co, ki, kj]   (targets outside y dropped)
//
// Algorithm: the transposed conv is the adjoint of the Conv2d that maps y's
// shape to x's shape with the same weight (conv_transpose2d_as_conv2d), so
//   fprop = conv2d dgrad (GEMM + col2im) plus bias,
//   dgrad = conv2d fprop (im2col + GEMM),
//   wgrad = conv2d wgrad with x and dy swapped.
// out_pad only adds rows/columns at the bottom/right that no input reaches
// (they hold just the bias), so the equivalent conv may have a smaller output
// than conv2d_infer would give; the *_gemm algorithms allow that.
//
// Napkin math: FLOPs = 2*N*C_in*H_in*W_in*(C_out/G)*KH*KW (the equivalent
// conv's count); minimum bytes = sizeof(T)*(|x| + |w| + |y|). DCGAN's
// ConvT 128->64 4x4 s2 p1 7x7->14x14 at N=64: 0.82 GFLOP on ~4.6 MB.
#include <algorithm>
#include <string>

#include "gan/kernels/conv.h"
#include "gan/kernels/cpu_parallel.h"

namespace gan::kernels {
namespace {

std::string str(int64_t v) { return std::to_string(v); }

}  // namespace

void conv_transpose2d_infer(ConvTranspose2dParams& p) {
  if (p.n < 1 || p.c_in < 1 || p.h_in < 1 || p.w_in < 1 || p.c_out < 1 || p.kh < 1 ||
      p.kw < 1) {
    fail("conv_transpose2d", "sizes must be positive: n " + str(p.n) + ", c_in " +
                                 str(p.c_in) + ", h_in " + str(p.h_in) + ", w_in " +
                                 str(p.w_in) + ", c_out " + str(p.c_out) + ", kh " +
                                 str(p.kh) + ", kw " + str(p.kw));
  }
  if (p.stride_h < 1 || p.stride_w < 1 || p.dil_h < 1 || p.dil_w < 1 || p.pad_h < 0 ||
      p.pad_w < 0) {
    fail("conv_transpose2d", "stride and dilation must be >= 1 and padding >= 0: stride " +
                                 str(p.stride_h) + "x" + str(p.stride_w) + ", dil " +
                                 str(p.dil_h) + "x" + str(p.dil_w) + ", pad " + str(p.pad_h) +
                                 "x" + str(p.pad_w));
  }
  if (p.groups < 1 || p.c_in % p.groups != 0 || p.c_out % p.groups != 0) {
    fail("conv_transpose2d", "c_in " + str(p.c_in) + " and c_out " + str(p.c_out) +
                                 " must be divisible by groups " + str(p.groups));
  }
  // PyTorch: output padding must be smaller than either stride or dilation.
  if (p.out_pad_h < 0 || p.out_pad_w < 0 || p.out_pad_h >= std::max(p.stride_h, p.dil_h) ||
      p.out_pad_w >= std::max(p.stride_w, p.dil_w)) {
    fail("conv_transpose2d", "output padding " + str(p.out_pad_h) + "x" + str(p.out_pad_w) +
                                 " must be >= 0 and < max(stride, dilation) = " +
                                 str(std::max(p.stride_h, p.dil_h)) + "x" +
                                 str(std::max(p.stride_w, p.dil_w)));
  }
  const int64_t h = (p.h_in - 1) * p.stride_h - 2 * p.pad_h + p.dil_h * (p.kh - 1) + p.out_pad_h + 1;
  const int64_t w = (p.w_in - 1) * p.stride_w - 2 * p.pad_w + p.dil_w * (p.kw - 1) + p.out_pad_w + 1;
  if (h < 1 || w < 1) {
    fail("conv_transpose2d", "output would be empty: " + str(h) + "x" + str(w) + " from input " +
                                 str(p.h_in) + "x" + str(p.w_in) + " with pad " + str(p.pad_h) +
                                 "x" + str(p.pad_w));
  }
  p.h_out = h;
  p.w_out = w;
}

Conv2dParams conv_transpose2d_as_conv2d(const ConvTranspose2dParams& p) {
  Conv2dParams q;
  q.n = p.n;
  q.c_in = p.c_out;  // the conv reads the transposed conv's output shape ...
  q.h_in = p.h_out;
  q.w_in = p.w_out;
  q.c_out = p.c_in;  // ... and writes its input shape
  q.h_out = p.h_in;
  q.w_out = p.w_in;
  q.kh = p.kh;
  q.kw = p.kw;
  q.stride_h = p.stride_h;
  q.stride_w = p.stride_w;
  q.pad_h = p.pad_h;
  q.pad_w = p.pad_w;
  q.dil_h = p.dil_h;
  q.dil_w = p.dil_w;
  q.groups = p.groups;
  return q;
}

namespace cpu {
namespace {

Conv2dParams checked_conv(const ConvTranspose2dParams& p) {
  ConvTranspose2dParams q = p;
  conv_transpose2d_infer(q);
  if (q.h_out != p.h_out || q.w_out != p.w_out) {
    fail("conv_transpose2d", "h_out x w_out " + str(p.h_out) + "x" + str(p.w_out) +
                                 " does not match " + str(q.h_out) + "x" + str(q.w_out) +
                                 " from the sizes (call conv_transpose2d_infer)");
  }
  return conv_transpose2d_as_conv2d(p);
}

}  // namespace

template <class T>
void conv_transpose2d_fprop(const ConvTranspose2dParams& p, const T* x, const T* w,
                            const T* bias, T* y, Stream) {
  const Conv2dParams q = checked_conv(p);
  conv2d_dgrad_gemm_col2im(q, x, w, y);
  if (!bias) return;
  const int64_t hw = p.h_out * p.w_out;
  parallel_for(p.n * p.c_out, std::max<int64_t>(1, 16384 / hw), [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const T b = bias[plane % p.c_out];
      T* yp = y + plane * hw;
      for (int64_t i = 0; i < hw; ++i) yp[i] += b;
    }
  });
}

template <class T>
void conv_transpose2d_dgrad(const ConvTranspose2dParams& p, const T* dy, const T* w, T* dx,
                            Stream) {
  conv2d_fprop_im2col_gemm(checked_conv(p), dy, w, static_cast<const T*>(nullptr), dx);
}

template <class T>
void conv_transpose2d_wgrad(const ConvTranspose2dParams& p, const T* x, const T* dy, T* dw,
                            Stream) {
  // The conv's input is our dy, its output gradient is our x; dw's layout
  // [C_in, C_out/G, KH, KW] is the conv's [C_out_conv, C_in_conv/G, KH, KW].
  conv2d_wgrad_im2col_gemm(checked_conv(p), dy, x, dw);
}

#define GAN_INSTANTIATE_CONVT(T)                                                             \
  template void conv_transpose2d_fprop<T>(const ConvTranspose2dParams&, const T*, const T*, \
                                          const T*, T*, Stream);                            \
  template void conv_transpose2d_dgrad<T>(const ConvTranspose2dParams&, const T*, const T*, \
                                          T*, Stream);                                      \
  template void conv_transpose2d_wgrad<T>(const ConvTranspose2dParams&, const T*, const T*, \
                                          T*, Stream);
GAN_INSTANTIATE_CONVT(float)
GAN_INSTANTIATE_CONVT(double)
#undef GAN_INSTANTIATE_CONVT

}  // namespace cpu
}  // namespace gan::kernels
