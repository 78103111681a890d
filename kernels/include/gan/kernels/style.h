// StyleGAN / ProGAN kernels: AdaIN (optionally fused with noise injection and
// a leaky-ReLU), pixel norm, StyleGAN2 weight (de)modulation, minibatch
// standard deviation. NCHW, dense, float and double.
//
// Numerics shared by the family: every reduction accumulates in double and
// every output is computed in double and rounded once to T (as norm.h).
// CPU references in gan::kernels::cpu (kernels/cpu/adain.cpp, pixel_norm.cpp,
// modulation.cpp, minibatch_stddev.cpp), CUDA kernels in gan::kernels::cuda
// (kernels/cuda/<same>.cu) with identical signatures. Launchers validate the
// params (KernelError naming the kernel) before touching any buffer.
#pragma once

#include <cstdint>
#include <string>

#include "gan/kernels/common.h"

namespace gan::kernels {

// ---- AdaIN (+ fused noise injection and activation) ---------------------------
// x [N, C, HW]; per row (n, c) over its HW elements:
//   p = x + noise_scale[c] * noise[n, hw]        (when noise != nullptr)
//   t = p >= 0 ? p : slope * p                   (slope = 1: identity)
//   mean, var = biased statistics of t over HW, invstd = 1 / sqrt(var + eps)
//   y = gamma[n, c] * (t - mean) * invstd + beta[n, c]
// This is StyleGAN's per-layer order "noise, then activation, then AdaIN" in
// one kernel: neither p nor t is written to memory. Statistics are one pass
// over the row (sum and sum of squares in double, var = E[t^2] - mean^2
// clamped at 0), the output is a second pass.
struct AdaINParams {
  int64_t n = 0, c = 0, hw = 0;
  double eps = 1e-5;
  double slope = 1.0;  // leaky-ReLU slope of the fused activation; 1 = none
};

// ---- pixel norm (ProGAN) ----------------------------------------------------------
// x [N, C, HW]; per pixel (n, hw): y = x * rsqrt(mean_c x^2 + eps).
struct PixelNormParams {
  int64_t n = 0, c = 0, hw = 0;
  double eps = 1e-8;
};

// ---- StyleGAN2 weight modulation / demodulation --------------------------------------
// w [O, I, K] (K = KH*KW), style [N, I] -> wm [N, O, I, K]:
//   u[n, o, i, k] = w[o, i, k] * style[n, i]
//   demodulate: d[n, o] = rsqrt(sum_{i,k} u^2 + eps), wm = u * d[n, o]; else wm = u.
struct ModulationParams {
  int64_t n = 0, o = 0, i = 0, k = 1;
  bool demodulate = true;
  double eps = 1e-8;
};

// ---- minibatch standard deviation (ProGAN / StyleGAN2, one extra channel) ----------
// x [N, C, HW], G = group size (N % G == 0), M = N / G groups; sample n is in
// group m = n % M (StyleGAN2's x.reshape(G, M, ...)). Per group and feature
// f in C*HW: sigma = sqrt(biased var over the G samples + eps); s[m] = mean_f sigma.
// y [N, C + 1, HW]: y[:, :C] = x, y[n, C, :] = s[n % M].
struct MinibatchStdParams {
  int64_t n = 0, c = 0, hw = 0;
  int64_t group = 4;  // G, already clamped by the caller (min(G, N))
  double eps = 1e-8;
};

// Parameter checks shared by the CPU references and the CUDA launchers, so
// both refuse the same inputs with the same KernelError text.
namespace style_check {
// Builds messages by appending (GCC 12's -Wrestrict misfires on chains of
// std::string operator+).
inline void put(std::string& out, const char* s) { out.append(s); }
inline void put(std::string& out, int64_t v) { out.append(std::to_string(v)); }
inline void put(std::string& out, double v) { out.append(std::to_string(v)); }
template <class... P>
[[noreturn]] void fail_with(const char* kernel, const P&... parts) {
  std::string what;
  (put(what, parts), ...);
  fail(kernel, what);
}
inline void check_sizes(const char* kernel, int64_t n, int64_t c, int64_t hw) {
  if (n < 0 || c < 0 || hw < 0) fail_with(kernel, "negative size [", n, ", ", c, ", ", hw, "]");
}
inline void check_eps(const char* kernel, double eps) {
  if (!(eps >= 0)) fail_with(kernel, "eps must be >= 0 (got ", eps, ")");
}
inline void check_adain(const char* kernel, const AdaINParams& p, bool has_noise, bool has_scale) {
  check_sizes(kernel, p.n, p.c, p.hw);
  if (p.n * p.c > 0 && p.hw == 0) fail_with(kernel, "rows are empty: x [", p.n, ", ", p.c, ", 0]");
  check_eps(kernel, p.eps);
  if (!(p.slope == p.slope) || p.slope - p.slope != 0) fail_with(kernel, "slope must be finite");
  if (has_noise != has_scale) fail_with(kernel, "noise and noise_scale must both be given or both be null");
}
inline void check_pixel_norm(const char* kernel, const PixelNormParams& p) {
  check_sizes(kernel, p.n, p.c, p.hw);
  if (p.n * p.hw > 0 && p.c == 0) fail_with(kernel, "no channels: x [", p.n, ", 0, ", p.hw, "]");
  check_eps(kernel, p.eps);
}
inline void check_modulation(const char* kernel, const ModulationParams& p) {
  if (p.n < 0 || p.o < 0 || p.i < 0 || p.k < 0)
    fail_with(kernel, "negative size (n=", p.n, ", o=", p.o, ", i=", p.i, ", k=", p.k, ")");
  check_eps(kernel, p.eps);
}
inline void check_minibatch_std(const char* kernel, const MinibatchStdParams& p) {
  check_sizes(kernel, p.n, p.c, p.hw);
  if (p.group < 1) fail_with(kernel, "group size must be >= 1 (got ", p.group, ")");
  if (p.n % p.group != 0) fail_with(kernel, "batch ", p.n, " is not divisible by the group size ", p.group);
  if (p.n > 0 && p.c * p.hw == 0) fail_with(kernel, "no features: x [", p.n, ", ", p.c, ", ", p.hw, "]");
  check_eps(kernel, p.eps);
}
}  // namespace style_check

namespace cpu {

// x, y [N, C, HW]; gamma, beta [N, C]; noise [N, HW] and noise_scale [C], both
// nullptr or both given. save_mean, save_invstd [N, C] (nullable): statistics of t.
template <class T>
void adain_fprop(const AdaINParams& p, const T* x, const T* noise, const T* noise_scale, const T* gamma,
                 const T* beta, T* y, T* save_mean, T* save_invstd, Stream s = {});

// Backward of adain_fprop from dy [N, C, HW] and the saved statistics. Per row,
// with that = (t - mean) * invstd and g = gamma * dy:
//   dbeta[n, c] = sum dy, dgamma[n, c] = sum dy * that,
//   dt = invstd * (g - mean(g) - that * mean(g * that)),  dx = dt * act'(p)
//   dscale_part[n, c] = sum_hw dx * noise[n, hw]   (noise only; dscale[c] = sum_n,
//   dnoise[n, hw] = sum_c dx * noise_scale[c]: left to the caller).
// Every output is overwritten; any may be nullptr to skip.
template <class T>
void adain_bprop(const AdaINParams& p, const T* x, const T* noise, const T* noise_scale, const T* gamma,
                 const T* dy, const T* save_mean, const T* save_invstd, T* dx, T* dgamma, T* dbeta,
                 T* dscale_part, Stream s = {});

// x, y [N, C, HW]; save_rnorm [N, HW] (nullable) = rsqrt(mean_c x^2 + eps).
template <class T>
void pixel_norm_fprop(const PixelNormParams& p, const T* x, T* y, T* save_rnorm, Stream s = {});
// dx = r * (dy - y * mean_c(dy * y)), y = x * r, r from save_rnorm [N, HW].
template <class T>
void pixel_norm_bprop(const PixelNormParams& p, const T* x, const T* dy, const T* save_rnorm, T* dx,
                      Stream s = {});

// w [O, I, K], style [N, I] -> wm [N, O, I, K]; save_d [N, O] (nullable; only
// written when demodulate).
template <class T>
void modulate_fprop(const ModulationParams& p, const T* w, const T* style, T* wm, T* save_d, Stream s = {});
// dwm [N, O, I, K] -> dw [O, I, K], dstyle [N, I] (either nullable). With
// demodulation save_d [N, O] is the forward's d and row_dot [N, O] is scratch
// the launcher fills with sum_{i,k} dwm * wm (ignored without demodulation):
//   du = demodulate ? d * (dwm - wm * row_dot) : dwm
//   dw[o, i, k] = sum_n du * style[n, i], dstyle[n, i] = sum_{o,k} du * w[o, i, k].
template <class T>
void modulate_bprop(const ModulationParams& p, const T* w, const T* style, const T* save_d, const T* dwm,
                    T* row_dot, T* dw, T* dstyle, Stream s = {});

// x [N, C, HW] -> y [N, C + 1, HW]; save_s [M] (nullable): the group values.
template <class T>
void minibatch_stddev_fprop(const MinibatchStdParams& p, const T* x, T* y, T* save_s, Stream s = {});
// dy [N, C + 1, HW] -> dx [N, C, HW]: with mu, sigma of feature f over its group,
//   dx[n, f] = dy[n, f] + (sum_{n' in group, hw} dy[n', C, hw]) / (C*HW) * (x[n, f] - mu) / (G * sigma).
template <class T>
void minibatch_stddev_bprop(const MinibatchStdParams& p, const T* x, const T* dy, T* dx, Stream s = {});

}  // namespace cpu
}  // namespace gan::kernels

// CUDA launchers (kernels/cuda/adain.cu, pixel_norm.cu, modulation.cu,
// minibatch_stddev.cu): the same signatures and semantics, device pointers,
// launched on stream s. Builds with GAN_HAS_CUDA_KERNELS only.
namespace gan::kernels::cuda {

template <class T>
void adain_fprop(const AdaINParams& p, const T* x, const T* noise, const T* noise_scale, const T* gamma,
                 const T* beta, T* y, T* save_mean, T* save_invstd, Stream s = {});
template <class T>
void adain_bprop(const AdaINParams& p, const T* x, const T* noise, const T* noise_scale, const T* gamma,
                 const T* dy, const T* save_mean, const T* save_invstd, T* dx, T* dgamma, T* dbeta,
                 T* dscale_part, Stream s = {});
template <class T>
void pixel_norm_fprop(const PixelNormParams& p, const T* x, T* y, T* save_rnorm, Stream s = {});
template <class T>
void pixel_norm_bprop(const PixelNormParams& p, const T* x, const T* dy, const T* save_rnorm, T* dx,
                      Stream s = {});
template <class T>
void modulate_fprop(const ModulationParams& p, const T* w, const T* style, T* wm, T* save_d, Stream s = {});
template <class T>
void modulate_bprop(const ModulationParams& p, const T* w, const T* style, const T* save_d, const T* dwm,
                    T* row_dot, T* dw, T* dstyle, Stream s = {});
template <class T>
void minibatch_stddev_fprop(const MinibatchStdParams& p, const T* x, T* y, T* save_s, Stream s = {});
template <class T>
void minibatch_stddev_bprop(const MinibatchStdParams& p, const T* x, const T* dy, T* dx, Stream s = {});

}  // namespace gan::kernels::cuda
