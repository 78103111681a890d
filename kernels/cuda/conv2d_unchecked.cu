// The engine's entry points into the CUDA conv passes (conv.h,
// *_unchecked): the implicit-GEMM passes of conv2d.cu on a geometry the engine
// op has already validated, without the launchers' h_out/w_out re-check, so
// that the conv a transposed conv with out_pad >= stride is the adjoint of
// (its h_out is smaller than conv2d_infer's) runs too. Pointers are still
// checked; default options (math from allow_tf32()).
#include <gan/kernels/portable.h>

#include <string>

#include "gan/kernels/conv.h"
#include "igemm_conv.cuh"

namespace gan::kernels::cuda {
namespace {

void require(const void* ptr, const char* kernel, const char* name) {
  if (ptr == nullptr) fail(kernel, std::string(name) + " is nullptr");
}

}  // namespace

template <class T>
void conv2d_fprop_unchecked(const Conv2dParams& p, const T* x, const T* w, const T* bias, T* y, Stream s) {
  constexpr const char* kName = "conv2d_fprop";
  require(x, kName, "x");
  require(w, kName, "w");
  require(y, kName, "y");
  igemm::Epilogue<T> e;
  e.out = y;
  e.bias = bias;
  igemm::conv_fprop_run(kName, p, x, w, e, default_igemm_options(), s);
}

template <class T>
void conv2d_dgrad_unchecked(const Conv2dParams& p, const T* dy, const T* w, T* dx, Stream s) {
  constexpr const char* kName = "conv2d_dgrad";
  require(dy, kName, "dy");
  require(w, kName, "w");
  require(dx, kName, "dx");
  igemm::Epilogue<T> e;
  e.out = dx;
  igemm::conv_dgrad_run(kName, p, dy, w, e, default_igemm_options(), s);
}

template <class T>
void conv2d_wgrad_unchecked(const Conv2dParams& p, const T* x, const T* dy, T* dw, Stream s) {
  constexpr const char* kName = "conv2d_wgrad";
  require(x, kName, "x");
  require(dy, kName, "dy");
  require(dw, kName, "dw");
  igemm::conv_wgrad_run(kName, p, x, dy, dw, default_igemm_options(), s);
}

#define GAN_INSTANTIATE_CUDA_CONV2D_UNCHECKED(T)                                                           \
  template void conv2d_fprop_unchecked<T>(const Conv2dParams&, const T*, const T*, const T*, T*, Stream); \
  template void conv2d_dgrad_unchecked<T>(const Conv2dParams&, const T*, const T*, T*, Stream);           \
  template void conv2d_wgrad_unchecked<T>(const Conv2dParams&, const T*, const T*, T*, Stream);
GAN_INSTANTIATE_CUDA_CONV2D_UNCHECKED(float)
GAN_INSTANTIATE_CUDA_CONV2D_UNCHECKED(double)
#undef GAN_INSTANTIATE_CUDA_CONV2D_UNCHECKED

}  // namespace gan::kernels::cuda
