// 2-D convolution and transposed convolution (PyTorch semantics), NCHW.
//
// Conv2d:          x [N, C_in, H_in, W_in], w [C_out, C_in/groups, KH, KW],
//                  bias [C_out] (optional), y [N, C_out, H_out, W_out]
//                  H_out = floor((H_in + 2*pad_h - dil_h*(KH-1) - 1) / stride_h) + 1
// ConvTranspose2d: x [N, C_in, H_in, W_in], w [C_in, C_out/groups, KH, KW],
//                  bias [C_out] (optional), y [N, C_out, H_out, W_out]
//                  H_out = (H_in-1)*stride_h - 2*pad_h + dil_h*(KH-1) + out_pad_h + 1
//
// Passes: fprop (forward), dgrad (gradient w.r.t. the input), wgrad (gradient
// w.r.t. the weight), bias_grad. Every output buffer is overwritten, never
// accumulated into. ConvTranspose2d is the adjoint of Conv2d with the same
// weight, so its fprop is conv2d dgrad, its dgrad is conv2d fprop, and its
// wgrad is conv2d wgrad with x and dy swapped.
#pragma once

#include <cstdint>
#include <string>

#include "gan/kernels/common.h"
#include "gan/kernels/igemm.h"

namespace gan::kernels {

struct Conv2dParams {
  int64_t n = 0, c_in = 0, h_in = 0, w_in = 0, c_out = 0, kh = 0, kw = 0;
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1, groups = 1;
  int64_t h_out = 0, w_out = 0;  // filled by conv2d_infer
};

// Fills h_out/w_out and validates: positive sizes, strides and dilations,
// non-negative padding, c_in and c_out divisible by groups, output >= 1x1.
// Throws KernelError "conv2d: ..." naming the offending values.
void conv2d_infer(Conv2dParams& p);

struct ConvTranspose2dParams {
  int64_t n = 0, c_in = 0, h_in = 0, w_in = 0, c_out = 0, kh = 0, kw = 0;
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1;
  int64_t out_pad_h = 0, out_pad_w = 0, groups = 1;
  int64_t h_out = 0, w_out = 0;  // filled by conv_transpose2d_infer
};

// Fills h_out/w_out and validates as conv2d_infer, plus
// 0 <= out_pad < max(stride, dil) (PyTorch's rule). Throws "conv_transpose2d: ...".
void conv_transpose2d_infer(ConvTranspose2dParams& p);

// The Conv2d whose dgrad is this ConvTranspose2d's fprop: the transposed conv's
// output is the conv's input and vice versa, and the weight is shared as is
// ([C_in_T, C_out_T/groups, KH, KW] = [C_out_conv, C_in_conv/groups, KH, KW]).
// p must have been through conv_transpose2d_infer.
Conv2dParams conv_transpose2d_as_conv2d(const ConvTranspose2dParams& p);

namespace cpu {

// The launchers re-check p (conv2d_infer on a copy; h_out/w_out must match) and
// throw KernelError on mismatch. Algorithm: im2col/col2im + GEMM, see conv2d.cpp.
template <class T>
void conv2d_fprop(const Conv2dParams& p, const T* x, const T* w, const T* bias, T* y,
                  Stream s = {});
template <class T>
void conv2d_dgrad(const Conv2dParams& p, const T* dy, const T* w, T* dx, Stream s = {});
template <class T>
void conv2d_wgrad(const Conv2dParams& p, const T* x, const T* dy, T* dw, Stream s = {});
// db[c] = sum over n and hw of dy [n, c, hw] (the bias gradient of conv and conv_transpose).
template <class T>
void bias_grad(int64_t n, int64_t c, int64_t hw, const T* dy, T* db, Stream s = {});

// The algorithms behind the launchers, without the h_out/w_out re-check: p must
// have valid sizes, and h_out/w_out may be smaller than conv2d_infer's (the
// transposed conv with out_pad >= stride maps to such a conv). The launchers
// above and the conv_transpose2d launchers below call these.
template <class T>
void conv2d_fprop_im2col_gemm(const Conv2dParams& p, const T* x, const T* w, const T* bias,
                              T* y, Stream s = {});
template <class T>
void conv2d_dgrad_gemm_col2im(const Conv2dParams& p, const T* dy, const T* w, T* dx, Stream s = {});
template <class T>
void conv2d_wgrad_im2col_gemm(const Conv2dParams& p, const T* x, const T* dy, T* dw, Stream s = {});

template <class T>
void conv_transpose2d_fprop(const ConvTranspose2dParams& p, const T* x, const T* w,
                            const T* bias, T* y, Stream s = {});
template <class T>
void conv_transpose2d_dgrad(const ConvTranspose2dParams& p, const T* dy, const T* w, T* dx,
                            Stream s = {});
template <class T>
void conv_transpose2d_wgrad(const ConvTranspose2dParams& p, const T* x, const T* dy, T* dw,
                            Stream s = {});

}  // namespace cpu

// CUDA: the same launchers on device pointers (kernels/cuda/conv2d.cu,
// conv_transpose2d.cu), every pass one implicit GEMM (kernels/cuda/
// igemm_core.cuh, no im2col buffer). Float uses the process-wide math
// (allow_tf32(), igemm.h): TF32 tensor cores by default (~1e-3 relative
// error), exact FP32 FMA when disabled; double always FP64 FMA. Results are
// deterministic (split-K slices are summed in a fixed order).
namespace cuda {

template <class T>
void conv2d_fprop(const Conv2dParams& p, const T* x, const T* w, const T* bias, T* y, Stream s = {});
template <class T>
void conv2d_dgrad(const Conv2dParams& p, const T* dy, const T* w, T* dx, Stream s = {});
template <class T>
void conv2d_wgrad(const Conv2dParams& p, const T* x, const T* dy, T* dw, Stream s = {});
template <class T>
void bias_grad(int64_t n, int64_t c, int64_t hw, const T* dy, T* db, Stream s = {});

template <class T>
void conv_transpose2d_fprop(const ConvTranspose2dParams& p, const T* x, const T* w,
                            const T* bias, T* y, Stream s = {});
template <class T>
void conv_transpose2d_dgrad(const ConvTranspose2dParams& p, const T* dy, const T* w, T* dx,
                            Stream s = {});
template <class T>
void conv_transpose2d_wgrad(const ConvTranspose2dParams& p, const T* x, const T* dy, T* dw,
                            Stream s = {});

// The passes without the h_out/w_out re-check, under the CPU reference's names
// and signatures (p must have valid sizes; h_out/w_out may be smaller than
// conv2d_infer's, as for a transposed conv with out_pad >= stride), so the
// engine can dispatch them with GAN_KERNEL like the CPU ones. Here they are
// the implicit GEMM (no im2col buffer) with the default options; the names are
// kept for the dispatch.
template <class T>
void conv2d_fprop_im2col_gemm(const Conv2dParams& p, const T* x, const T* w, const T* bias,
                              T* y, Stream s = {});
template <class T>
void conv2d_dgrad_gemm_col2im(const Conv2dParams& p, const T* dy, const T* w, T* dx, Stream s = {});
template <class T>
void conv2d_wgrad_im2col_gemm(const Conv2dParams& p, const T* x, const T* dy, T* dw, Stream s = {});

// ---- extended API -------------------------------------------------------------
// The same passes with explicit IgemmOptions (math mode, tile, split-K). Own
// names, not overloads: the contract names must stay single functions so
// that &cuda::conv2d_fprop<T> (the engine's GAN_KERNEL dispatch) resolves.
template <class T>
void conv2d_fprop_with(const Conv2dParams& p, const T* x, const T* w, const T* bias, T* y,
                  const IgemmOptions& opt, Stream s = {});
template <class T>
void conv2d_dgrad_with(const Conv2dParams& p, const T* dy, const T* w, T* dx,
                  const IgemmOptions& opt, Stream s = {});
template <class T>
void conv2d_wgrad_with(const Conv2dParams& p, const T* x, const T* dy, T* dw,
                  const IgemmOptions& opt, Stream s = {});
template <class T>
void conv_transpose2d_fprop_with(const ConvTranspose2dParams& p, const T* x, const T* w,
                            const T* bias, T* y, const IgemmOptions& opt, Stream s = {});
template <class T>
void conv_transpose2d_dgrad_with(const ConvTranspose2dParams& p, const T* dy, const T* w, T* dx,
                            const IgemmOptions& opt, Stream s = {});
template <class T>
void conv_transpose2d_wgrad_with(const ConvTranspose2dParams& p, const T* x, const T* dy, T* dw,
                            const IgemmOptions& opt, Stream s = {});

// Fused forward, one launch (two with split-K):
//   y = act(conv(x, w) + bias) + residual
// bias [C_out] and residual [N, C_out, H_out, W_out] may be nullptr; residual
// may alias y (each element is read before it is written, by the same thread).
// act: identity, relu, leaky_relu(ep.slope), tanh.
template <class T>
void conv2d_fprop_fused(const Conv2dParams& p, const T* x, const T* w, const T* bias,
                        const T* residual, T* y, const ConvEpilogue& ep,
                        const IgemmOptions& opt, Stream s = {});
template <class T>
void conv_transpose2d_fprop_fused(const ConvTranspose2dParams& p, const T* x, const T* w,
                                  const T* bias, const T* residual, T* y,
                                  const ConvEpilogue& ep, const IgemmOptions& opt,
                                  Stream s = {});

// The name of the instantiation the runtime selection picks for a pass, e.g.
// "igemm_fprop_tf32_128x128x32_w64x32_s2_splitk4_ld16b" (tile BMxBNxBK, warp
// tile, 2 stages, split-K factor when > 1, 16-byte loads of A/B when used).
// Alignment-dependent parts (ld16) assume 16-byte aligned tensors.
template <class T>
std::string conv2d_selected_kernel(ConvPass pass, const Conv2dParams& p,
                                   const IgemmOptions& opt);
template <class T>
std::string conv_transpose2d_selected_kernel(ConvPass pass, const ConvTranspose2dParams& p,
                                             const IgemmOptions& opt);

}  // namespace cuda
}  // namespace gan::kernels

