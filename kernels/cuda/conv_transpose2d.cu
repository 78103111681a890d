// CUDA conv_transpose2d fprop / dgrad / wgrad (conv.h), same launchers and
// KernelError cases as the CPU reference (kernels/cpu/conv_transpose2d.cpp).
//
// Layout (NCHW): x [N, C_in, H_in, W_in], w [C_in, C_out/G, KH, KW],
// y [N, C_out, H_out, W_out].
//
// Algorithm: the adjoint of the conv q = conv_transpose2d_as_conv2d(p) (same
// weight), through the implicit-GEMM passes of conv2d.cu:
//   fprop = conv dgrad of q (dy := x, dx := y), bias/activation/residual fused
//           into its epilogue (one launch);
//   dgrad = conv fprop of q (x := dy);
//   wgrad = conv wgrad of q with x and dy swapped.
// out_pad >= stride gives q an h_out/w_out smaller than conv2d_infer's; the
// rows no input reaches get only the bias (the dgrad GEMM row is all zeros).
//
// Napkin math: FLOPs = 2*N*C_in*H_in*W_in*C_out/G*KH*KW. DCGAN's generator
// ConvT 128->64 4x4 s2 p1 7x7 -> 14x14 at N = 64: 0.82 GFLOP, run as the
// conv's stride-phase dgrad (4 dense GEMMs of K = 128*2*2, no stride holes).
#include <gan/kernels/portable.h>

#include <string>

#include "gan/kernels/conv.h"
#include "igemm_conv.cuh"

namespace gan::kernels::cuda {
namespace {

Conv2dParams checked_conv(const ConvTranspose2dParams& p, const char* kernel) {
  ConvTranspose2dParams q = p;
  conv_transpose2d_infer(q);
  if (q.h_out != p.h_out || q.w_out != p.w_out) {
    fail(kernel, "h_out x w_out " + std::to_string(p.h_out) + "x" + std::to_string(p.w_out) + " does not match " +
                     std::to_string(q.h_out) + "x" + std::to_string(q.w_out) +
                     " from the sizes (call conv_transpose2d_infer)");
  }
  return conv_transpose2d_as_conv2d(p);
}

void require(const void* ptr, const char* kernel, const char* name) {
  if (ptr == nullptr) fail(kernel, std::string(name) + " is nullptr");
}

}  // namespace

template <class T>
void conv_transpose2d_fprop_fused(const ConvTranspose2dParams& p, const T* x, const T* w, const T* bias,
                                  const T* residual, T* y, const ConvEpilogue& ep, const IgemmOptions& opt,
                                  Stream s) {
  constexpr const char* kName = "conv_transpose2d_fprop";
  const Conv2dParams q = checked_conv(p, kName);
  require(x, kName, "x");
  require(w, kName, "w");
  require(y, kName, "y");
  igemm::Epilogue<T> e;
  e.out = y;
  e.bias = bias;
  e.residual = residual;
  e.act = ep.act;
  e.slope = static_cast<T>(ep.slope);
  igemm::conv_dgrad_run(kName, q, x, w, e, opt, s);
}

template <class T>
void conv_transpose2d_fprop_with(const ConvTranspose2dParams& p, const T* x, const T* w, const T* bias, T* y,
                                 const IgemmOptions& opt, Stream s) {
  conv_transpose2d_fprop_fused<T>(p, x, w, bias, nullptr, y, ConvEpilogue{}, opt, s);
}

template <class T>
void conv_transpose2d_fprop(const ConvTranspose2dParams& p, const T* x, const T* w, const T* bias, T* y,
                            Stream s) {
  conv_transpose2d_fprop_with<T>(p, x, w, bias, y, default_igemm_options(), s);
}

template <class T>
void conv_transpose2d_dgrad_with(const ConvTranspose2dParams& p, const T* dy, const T* w, T* dx,
                                 const IgemmOptions& opt, Stream s) {
  constexpr const char* kName = "conv_transpose2d_dgrad";
  const Conv2dParams q = checked_conv(p, kName);
  require(dy, kName, "dy");
  require(w, kName, "w");
  require(dx, kName, "dx");
  igemm::Epilogue<T> e;
  e.out = dx;
  igemm::conv_fprop_run(kName, q, dy, w, e, opt, s);
}

template <class T>
void conv_transpose2d_dgrad(const ConvTranspose2dParams& p, const T* dy, const T* w, T* dx, Stream s) {
  conv_transpose2d_dgrad_with<T>(p, dy, w, dx, default_igemm_options(), s);
}

template <class T>
void conv_transpose2d_wgrad_with(const ConvTranspose2dParams& p, const T* x, const T* dy, T* dw,
                                 const IgemmOptions& opt, Stream s) {
  constexpr const char* kName = "conv_transpose2d_wgrad";
  const Conv2dParams q = checked_conv(p, kName);
  require(x, kName, "x");
  require(dy, kName, "dy");
  require(dw, kName, "dw");
  // The conv's input is our dy, its output gradient our x; dw [C_in, C_out/G, KH, KW]
  // is the conv's [C_out_conv, C_in_conv/G, KH, KW].
  igemm::conv_wgrad_run(kName, q, dy, x, dw, opt, s);
}

template <class T>
void conv_transpose2d_wgrad(const ConvTranspose2dParams& p, const T* x, const T* dy, T* dw, Stream s) {
  conv_transpose2d_wgrad_with<T>(p, x, dy, dw, default_igemm_options(), s);
}

// fprop runs the conv's dgrad, dgrad the conv's fprop.
template <class T>
std::string conv_transpose2d_selected_kernel(ConvPass pass, const ConvTranspose2dParams& p,
                                             const IgemmOptions& opt) {
  const Conv2dParams q = checked_conv(p, "conv_transpose2d_selected_kernel");
  const ConvPass conv_pass = pass == ConvPass::fprop ? ConvPass::dgrad
                             : pass == ConvPass::dgrad ? ConvPass::fprop
                                                       : ConvPass::wgrad;
  return igemm::conv_plan_name<T>(conv_pass, q, opt);
}

#define GAN_INSTANTIATE_CUDA_CONVT(T)                                                                            \
  template void conv_transpose2d_fprop<T>(const ConvTranspose2dParams&, const T*, const T*, const T*, T*,        \
                                          Stream);                                                              \
  template void conv_transpose2d_fprop_with<T>(const ConvTranspose2dParams&, const T*, const T*, const T*, T*,   \
                                               const IgemmOptions&, Stream);                                    \
  template void conv_transpose2d_fprop_fused<T>(const ConvTranspose2dParams&, const T*, const T*, const T*,      \
                                                const T*, T*, const ConvEpilogue&, const IgemmOptions&, Stream); \
  template void conv_transpose2d_dgrad<T>(const ConvTranspose2dParams&, const T*, const T*, T*, Stream);         \
  template void conv_transpose2d_dgrad_with<T>(const ConvTranspose2dParams&, const T*, const T*, T*,             \
                                               const IgemmOptions&, Stream);                                    \
  template void conv_transpose2d_wgrad<T>(const ConvTranspose2dParams&, const T*, const T*, T*, Stream);         \
  template void conv_transpose2d_wgrad_with<T>(const ConvTranspose2dParams&, const T*, const T*, T*,             \
                                               const IgemmOptions&, Stream);                                    \
  template std::string conv_transpose2d_selected_kernel<T>(ConvPass, const ConvTranspose2dParams&,               \
                                                           const IgemmOptions&);
GAN_INSTANTIATE_CUDA_CONVT(float)
GAN_INSTANTIATE_CUDA_CONVT(double)
#undef GAN_INSTANTIATE_CUDA_CONVT

}  // namespace gan::kernels::cuda
