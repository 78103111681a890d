// CUDA conv2d fprop / dgrad / wgrad and bias_grad (conv.h), same launchers
// and KernelError cases as the CPU reference (kernels/cpu/conv2d.cpp).
//
// Layout (NCHW): x [N, C_in, H_in, W_in], w [C_out, C_in/G, KH, KW],
// y [N, C_out, H_out, W_out].
//
// Algorithm: each pass is one implicit GEMM (igemm_core.cuh) per group, the
// im2col gather done by the tile loader (igemm_conv.cuh has the mapping table):
//   fprop  M = N*H_out*W_out, N = C_out/G, K = C_in/G*KH*KW
//   dgrad  M = N*H_in*W_in,   N = C_in/G,  K = C_out/G*KH*KW  (gathers dy);
//          strided convs (dilation 1) run one GEMM per stride phase instead
//          (ConvDgradPhaseProblem: K = C_out/G*ceil(KH/sh)*ceil(KW/sw), no
//          multiplies by the stride holes)
//   full-window convs (KH x KW = H_in x W_in, pad 0, output 1x1: D heads and,
//   transposed, G stems) run all three passes as the plain GEMMs of
//   igemm_conv_full.cuh (dgrad K = C_out/G instead of C_out/G*KH*KW)
//   wgrad  M = C_out/G,       N = C_in/G*KH*KW, K = N*H_out*W_out  (split-K
//          when the few output tiles leave SMs idle)
// The runtime selection (select_plan) picks tile (128x128 / 64x64), math
// (tf32 wmma / fp32 FMA / fp64 FMA) and split-K; *_selected_kernel returns its
// name. bias_grad: one block per channel, double sums, fixed-order tree.
//
// Numerics: fp32/fp64 FMA in the accumulation order k = 0, 1, ... per slice
// (not the CPU BLAS order: ~1e-7 relative differences in float); tf32 rounds
// inputs to 10 mantissa bits (~1e-3 relative).
//
// Napkin math: FLOPs = 2*N*C_out*H_out*W_out*C_in/G*KH*KW per pass. DCGAN's
// discriminator conv 256->512, 4x4 s2, 8x8 -> 4x4 at N = 128: 2*2048*512*4096
// = 8.6 GFLOP, ~20 us at 400 TFLOP/s (dense TF32) if the tiles fill the GPU:
// M = 2048, N = 512 gives 64 tiles of 128x128 (< 132 SMs), so the selection
// takes 64x64 tiles (256). The gather costs a few multiply-shift divisions
// (FastDiv) per element and k step; it is not hoisted out of the k loop.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"
#include "gan/kernels/conv.h"
#include "igemm_conv.cuh"
#include "igemm_conv_full.cuh"

namespace gan::kernels::cuda {

namespace igemm {

ConvDims conv_dims(const char* kernel, const Conv2dParams& c) {
  // The *_im2col_gemm entries skip conv2d_infer's output check; the sizes
  // must still be sane (the gathers bounds-check every input coordinate).
  if (c.n < 1 || c.c_in < 1 || c.h_in < 1 || c.w_in < 1 || c.c_out < 1 || c.kh < 1 || c.kw < 1 || c.h_out < 1 ||
      c.w_out < 1 || c.stride_h < 1 || c.stride_w < 1 || c.dil_h < 1 || c.dil_w < 1 || c.pad_h < 0 || c.pad_w < 0 ||
      c.groups < 1 || c.c_in % c.groups != 0 || c.c_out % c.groups != 0) {
    fail(kernel, "invalid conv sizes: n " + std::to_string(c.n) + ", c_in " + std::to_string(c.c_in) + ", c_out " +
                     std::to_string(c.c_out) + ", groups " + std::to_string(c.groups) + ", " + std::to_string(c.h_in) +
                     "x" + std::to_string(c.w_in) + " -> " + std::to_string(c.h_out) + "x" + std::to_string(c.w_out) +
                     ", kernel " + std::to_string(c.kh) + "x" + std::to_string(c.kw) + ", stride " +
                     std::to_string(c.stride_h) + "x" + std::to_string(c.stride_w) + ", pad " +
                     std::to_string(c.pad_h) + "x" + std::to_string(c.pad_w) + ", dil " + std::to_string(c.dil_h) +
                     "x" + std::to_string(c.dil_w));
  }
  constexpr int64_t kIntMax = 2147483647;
  const int64_t big[] = {c.n * c.h_out * c.w_out, c.n * c.h_in * c.w_in, c.c_in * c.kh * c.kw,
                         c.c_out * c.kh * c.kw, c.n * c.c_in, c.n * c.c_out, c.h_in + 2 * c.pad_h,
                         c.w_in + 2 * c.pad_w, c.dil_h * c.kh, c.dil_w * c.kw};
  for (int64_t v : big) {
    if (v > kIntMax) {
      fail(kernel, "sizes exceed the int indexing of the implicit GEMM: n " + std::to_string(c.n) + ", c_in " +
                       std::to_string(c.c_in) + ", c_out " + std::to_string(c.c_out) + ", " +
                       std::to_string(c.h_in) + "x" + std::to_string(c.w_in) + " -> " + std::to_string(c.h_out) +
                       "x" + std::to_string(c.w_out));
    }
  }
  ConvDims d{};
  d.n = static_cast<int>(c.n), d.c_in = static_cast<int>(c.c_in), d.h = static_cast<int>(c.h_in);
  d.w = static_cast<int>(c.w_in), d.c_out = static_cast<int>(c.c_out), d.r = static_cast<int>(c.kh);
  d.s = static_cast<int>(c.kw), d.p = static_cast<int>(c.h_out), d.q = static_cast<int>(c.w_out);
  d.sh = static_cast<int>(c.stride_h), d.sw = static_cast<int>(c.stride_w);
  d.ph = static_cast<int>(c.pad_h), d.pw = static_cast<int>(c.pad_w);
  d.dh = static_cast<int>(c.dil_h), d.dw = static_cast<int>(c.dil_w);
  d.cg_in = static_cast<int>(c.c_in / c.groups), d.cg_out = static_cast<int>(c.c_out / c.groups);
  d.rs = d.r * d.s, d.hw = d.h * d.w, d.pq = d.p * d.q;
  d.div_pq = FastDiv(d.pq), d.div_q = FastDiv(d.q), d.div_rs = FastDiv(d.rs), d.div_s = FastDiv(d.s);
  d.div_hw = FastDiv(d.hw), d.div_w = FastDiv(d.w), d.div_sh = FastDiv(d.sh), d.div_sw = FastDiv(d.sw);
  return d;
}

template <class T>
void conv_fprop_run(const char* kernel, const Conv2dParams& q, const T* x, const T* w, const Epilogue<T>& ep,
                    const IgemmOptions& opt, Stream s) {
  const ConvDims d = conv_dims(kernel, q);
  if (is_full_window(d)) {
    const ConvFullFpropProblem<T> prob(d, x, w);
    run_plan(kernel, prob, ep, select_plan(prob, opt, prob.vec_a(), prob.vec_b()), s);
    return;
  }
  const ConvFpropProblem<T> prob(d, x, w);
  run_plan(kernel, prob, ep, select_plan(prob, opt, prob.vec_a(), prob.vec_b()), s);
}

template <class T>
void conv_dgrad_run(const char* kernel, const Conv2dParams& q, const T* dy, const T* w, const Epilogue<T>& ep,
                    const IgemmOptions& opt, Stream s) {
  const ConvDims d = conv_dims(kernel, q);
  if (is_full_window(d)) {
    const ConvFullDgradProblem<T> prob(d, dy, w);
    run_plan(kernel, prob, ep, select_plan(prob, opt, prob.vec_a(), prob.vec_b()), s);
    return;
  }
  if (ConvDgradPhaseProblem<T>::applies(d)) {
    const ConvDgradPhaseProblem<T> prob(d, dy, w);
    run_plan(kernel, prob, ep, select_plan(prob, opt, prob.vec_a(), prob.vec_b()), s);
    return;
  }
  const ConvDgradProblem<T> prob(d, dy, w);
  run_plan(kernel, prob, ep, select_plan(prob, opt, prob.vec_a(), prob.vec_b()), s);
}

template <class T>
void conv_wgrad_run(const char* kernel, const Conv2dParams& q, const T* x, const T* dy, T* dw,
                    const IgemmOptions& opt, Stream s) {
  const ConvDims d = conv_dims(kernel, q);
  Epilogue<T> ep;
  ep.out = dw;
  if (is_full_window(d)) {
    const ConvFullWgradProblem<T> prob(d, x, dy);
    run_plan(kernel, prob, ep, select_plan(prob, opt, prob.vec_a(), prob.vec_b()), s);
    return;
  }
  const ConvWgradProblem<T> prob(d, x, dy);
  run_plan(kernel, prob, ep, select_plan(prob, opt, prob.vec_a(), prob.vec_b()), s);
}

template <class T>
std::string conv_plan_name(ConvPass pass, const Conv2dParams& q, const IgemmOptions& opt) {
  constexpr bool dbl = std::is_same_v<T, double>;
  const ConvDims d = conv_dims("conv2d_selected_kernel", q);
  const T* none = nullptr;  // 16-byte aligned by definition: names assume aligned tensors
  if (is_full_window(d)) {  // a linear layer on the flattened input (igemm_conv_full.cuh)
    switch (pass) {
      case ConvPass::fprop: {
        const ConvFullFpropProblem<T> prob(d, none, none);
        return plan_name("fprop_full", dbl, select_plan(prob, opt, prob.vec_a(), prob.vec_b()));
      }
      case ConvPass::dgrad: {
        const ConvFullDgradProblem<T> prob(d, none, none);
        return plan_name("dgrad_full", dbl, select_plan(prob, opt, prob.vec_a(), prob.vec_b()));
      }
      default: {
        const ConvFullWgradProblem<T> prob(d, none, none);
        return plan_name("wgrad_full", dbl, select_plan(prob, opt, prob.vec_a(), prob.vec_b()));
      }
    }
  }
  switch (pass) {
    case ConvPass::fprop: {
      const ConvFpropProblem<T> prob(d, none, none);
      return plan_name("fprop", dbl, select_plan(prob, opt, prob.vec_a(), prob.vec_b()));
    }
    case ConvPass::dgrad: {
      if (ConvDgradPhaseProblem<T>::applies(d)) {
        const ConvDgradPhaseProblem<T> prob(d, none, none);
        return plan_name("dgrad_phase", dbl, select_plan(prob, opt, prob.vec_a(), prob.vec_b()));
      }
      const ConvDgradProblem<T> prob(d, none, none);
      return plan_name("dgrad", dbl, select_plan(prob, opt, prob.vec_a(), prob.vec_b()));
    }
    default: {
      const ConvWgradProblem<T> prob(d, none, none);
      return plan_name("wgrad", dbl, select_plan(prob, opt, prob.vec_a(), prob.vec_b()));
    }
  }
}

}  // namespace igemm

namespace {

using igemm::Epilogue;

// conv2d_infer on a copy must reproduce h_out/w_out (the CPU launchers' check).
void check_conv(const Conv2dParams& p, const char* kernel) {
  Conv2dParams q = p;
  conv2d_infer(q);
  if (q.h_out != p.h_out || q.w_out != p.w_out) {
    fail(kernel, "h_out x w_out " + std::to_string(p.h_out) + "x" + std::to_string(p.w_out) + " does not match " +
                     std::to_string(q.h_out) + "x" + std::to_string(q.w_out) + " from the sizes (call conv2d_infer)");
  }
}

void require(const void* ptr, const char* kernel, const char* name) {
  if (ptr == nullptr) fail(kernel, std::string(name) + " is nullptr");
}

// db[c] = sum over n, hw of dy[n, c, hw]; one block per channel (grid-stride),
// double sums combined in a fixed tree (deterministic).
template <class T>
__global__ void __launch_bounds__(detail::kThreads, detail::kMinBlocks)
    bias_grad_kernel(int64_t n, int64_t c, int64_t hw, const T* __restrict__ dy, T* __restrict__ db) {
  __shared__ double smem[detail::kThreads / 32];
  const int64_t count = n * hw;
  for (int64_t ci = blockIdx.x; ci < c; ci += gridDim.x) {
    double acc = 0.0;
    for (int64_t k = threadIdx.x; k < count; k += detail::kThreads) {
      const int64_t ni = k / hw;
      acc += static_cast<double>(dy[(ni * c + ci) * hw + (k - ni * hw)]);
    }
    acc = detail::group_allreduce<detail::kThreads>(acc, detail::SumOp{}, smem);
    if (threadIdx.x == 0) db[ci] = static_cast<T>(acc);
  }
}

}  // namespace

template <class T>
void conv2d_fprop_fused(const Conv2dParams& p, const T* x, const T* w, const T* bias, const T* residual, T* y,
                        const ConvEpilogue& ep, const IgemmOptions& opt, Stream s) {
  constexpr const char* kName = "conv2d_fprop";
  check_conv(p, kName);
  require(x, kName, "x");
  require(w, kName, "w");
  require(y, kName, "y");
  Epilogue<T> e;
  e.out = y;
  e.bias = bias;
  e.residual = residual;
  e.act = ep.act;
  e.slope = static_cast<T>(ep.slope);
  igemm::conv_fprop_run(kName, p, x, w, e, opt, s);
}

template <class T>
void conv2d_fprop_with(const Conv2dParams& p, const T* x, const T* w, const T* bias, T* y, const IgemmOptions& opt,
                       Stream s) {
  conv2d_fprop_fused<T>(p, x, w, bias, nullptr, y, ConvEpilogue{}, opt, s);
}

template <class T>
void conv2d_fprop(const Conv2dParams& p, const T* x, const T* w, const T* bias, T* y, Stream s) {
  conv2d_fprop_with<T>(p, x, w, bias, y, default_igemm_options(), s);
}

template <class T>
void conv2d_dgrad_with(const Conv2dParams& p, const T* dy, const T* w, T* dx, const IgemmOptions& opt, Stream s) {
  constexpr const char* kName = "conv2d_dgrad";
  check_conv(p, kName);
  require(dy, kName, "dy");
  require(w, kName, "w");
  require(dx, kName, "dx");
  Epilogue<T> e;
  e.out = dx;
  igemm::conv_dgrad_run(kName, p, dy, w, e, opt, s);
}

template <class T>
void conv2d_dgrad(const Conv2dParams& p, const T* dy, const T* w, T* dx, Stream s) {
  conv2d_dgrad_with<T>(p, dy, w, dx, default_igemm_options(), s);
}

template <class T>
void conv2d_wgrad_with(const Conv2dParams& p, const T* x, const T* dy, T* dw, const IgemmOptions& opt, Stream s) {
  constexpr const char* kName = "conv2d_wgrad";
  check_conv(p, kName);
  require(x, kName, "x");
  require(dy, kName, "dy");
  require(dw, kName, "dw");
  igemm::conv_wgrad_run(kName, p, x, dy, dw, opt, s);
}

template <class T>
void conv2d_wgrad(const Conv2dParams& p, const T* x, const T* dy, T* dw, Stream s) {
  conv2d_wgrad_with<T>(p, x, dy, dw, default_igemm_options(), s);
}

template <class T>
void bias_grad(int64_t n, int64_t c, int64_t hw, const T* dy, T* db, Stream s) {
  if (n < 0 || c < 0 || hw < 0) {
    fail("bias_grad", "negative size: n " + std::to_string(n) + ", c " + std::to_string(c) + ", hw " +
                          std::to_string(hw));
  }
  if (c == 0) return;
  require(db, "bias_grad", "db");
  if (n * hw > 0) require(dy, "bias_grad", "dy");
  GAN_LAUNCH(detail::grid_for(c * detail::kThreads), detail::kThreads, 0, detail::stream_of(s), bias_grad_kernel<T>)(
      n, c, hw, dy, db);
  detail::check_launch("bias_grad");
}

template <class T>
void conv2d_fprop_im2col_gemm(const Conv2dParams& p, const T* x, const T* w, const T* bias, T* y, Stream s) {
  constexpr const char* kName = "conv2d_fprop";
  require(x, kName, "x");
  require(w, kName, "w");
  require(y, kName, "y");
  Epilogue<T> e;
  e.out = y;
  e.bias = bias;
  igemm::conv_fprop_run(kName, p, x, w, e, default_igemm_options(), s);
}

template <class T>
void conv2d_dgrad_gemm_col2im(const Conv2dParams& p, const T* dy, const T* w, T* dx, Stream s) {
  constexpr const char* kName = "conv2d_dgrad";
  require(dy, kName, "dy");
  require(w, kName, "w");
  require(dx, kName, "dx");
  Epilogue<T> e;
  e.out = dx;
  igemm::conv_dgrad_run(kName, p, dy, w, e, default_igemm_options(), s);
}

template <class T>
void conv2d_wgrad_im2col_gemm(const Conv2dParams& p, const T* x, const T* dy, T* dw, Stream s) {
  constexpr const char* kName = "conv2d_wgrad";
  require(x, kName, "x");
  require(dy, kName, "dy");
  require(dw, kName, "dw");
  igemm::conv_wgrad_run(kName, p, x, dy, dw, default_igemm_options(), s);
}

template <class T>
std::string conv2d_selected_kernel(ConvPass pass, const Conv2dParams& p, const IgemmOptions& opt) {
  check_conv(p, "conv2d_selected_kernel");
  return igemm::conv_plan_name<T>(pass, p, opt);
}

#define GAN_INSTANTIATE_CUDA_CONV2D(T)                                                                            \
  template void igemm::conv_fprop_run<T>(const char*, const Conv2dParams&, const T*, const T*,                   \
                                         const igemm::Epilogue<T>&, const IgemmOptions&, Stream);                \
  template void igemm::conv_dgrad_run<T>(const char*, const Conv2dParams&, const T*, const T*,                   \
                                         const igemm::Epilogue<T>&, const IgemmOptions&, Stream);                \
  template void igemm::conv_wgrad_run<T>(const char*, const Conv2dParams&, const T*, const T*, T*,               \
                                         const IgemmOptions&, Stream);                                           \
  template std::string igemm::conv_plan_name<T>(ConvPass, const Conv2dParams&, const IgemmOptions&);             \
  template void conv2d_fprop<T>(const Conv2dParams&, const T*, const T*, const T*, T*, Stream);                  \
  template void conv2d_fprop_with<T>(const Conv2dParams&, const T*, const T*, const T*, T*, const IgemmOptions&, \
                                     Stream);                                                                    \
  template void conv2d_fprop_fused<T>(const Conv2dParams&, const T*, const T*, const T*, const T*, T*,           \
                                      const ConvEpilogue&, const IgemmOptions&, Stream);                         \
  template void conv2d_dgrad<T>(const Conv2dParams&, const T*, const T*, T*, Stream);                            \
  template void conv2d_dgrad_with<T>(const Conv2dParams&, const T*, const T*, T*, const IgemmOptions&, Stream);  \
  template void conv2d_wgrad<T>(const Conv2dParams&, const T*, const T*, T*, Stream);                            \
  template void conv2d_wgrad_with<T>(const Conv2dParams&, const T*, const T*, T*, const IgemmOptions&, Stream);  \
  template void bias_grad<T>(int64_t, int64_t, int64_t, const T*, T*, Stream);                                   \
  template void conv2d_fprop_im2col_gemm<T>(const Conv2dParams&, const T*, const T*, const T*, T*, Stream);      \
  template void conv2d_dgrad_gemm_col2im<T>(const Conv2dParams&, const T*, const T*, T*, Stream);                \
  template void conv2d_wgrad_im2col_gemm<T>(const Conv2dParams&, const T*, const T*, T*, Stream);                \
  template std::string conv2d_selected_kernel<T>(ConvPass, const Conv2dParams&, const IgemmOptions&);
GAN_INSTANTIATE_CUDA_CONV2D(float)
GAN_INSTANTIATE_CUDA_CONV2D(double)
#undef GAN_INSTANTIATE_CUDA_CONV2D

}  // namespace gan::kernels::cuda
