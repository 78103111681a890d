// The three conv2d passes as implicit-GEMM Problems for igemm_core.cuh
// (internal to kernels/cuda/). Z = groups; per group g, Cg_in = C_in/G,
// Cg_out = C_out/G, RS = KH*KW, PQ = H_out*W_out, HW = H_in*W_in.
//
//   pass   GEMM M        N             K              A (gather)           B
//   fprop  N*PQ (pixel)  Cg_out        Cg_in*RS       x, im2col    [MN]    w rows      [K]
//   dgrad  N*HW (pixel)  Cg_in         Cg_out*RS      dy, col2im^T [MN]    w^T         [K]
//   wgrad  Cg_out        Cg_in*RS      N*PQ           dy rows      [K]     x, im2col^T [K]
// ([MN] / [K]: which dimension is contiguous in global memory; the core keeps
// it contiguous in shared memory.)
//
// dgrad gathers dy at oh = (h + pad - ki*dil) / stride where that division is
// exact and in range, else zero: for stride s only ~1/s^2 of the K entries
// are non-zero, so strided convs with dilation 1 use ConvDgradPhaseProblem
// (one dense GEMM per stride phase) instead.
// The conv may have h_out/w_out smaller than conv2d_infer's (a transposed conv
// with out_pad >= stride): every index below uses the given P, Q.
//
// Indices are int (the launcher checks that M, N, K and every tensor fit);
// element offsets are int64.
#pragma once

#include <gan/kernels/portable.h>

#include <cstdint>

#include "gan/kernels/conv.h"
#include "igemm_core.cuh"

namespace gan::kernels::cuda::igemm {

// Division by a runtime constant as a multiply-high and a shift (Granlund &
// Montgomery; the scheme of CUTLASS's FastDivmod): the gather splits every
// tile coordinate into (n, oh, ow) / (c, ki, kj) per element and k step, and
// an integer division costs ~20 instructions on the GPU against 2 here.
// Exact for 0 <= x < 2^31 and 1 <= d < 2^31.
struct FastDiv {
  unsigned d = 1, mul = 0, shr = 0;
  FastDiv() = default;
  explicit FastDiv(int divisor) : d(static_cast<unsigned>(divisor)) {
    if (d == 1) return;
    unsigned log2 = 0;  // ceil(log2 d)
    while ((1ull << log2) < d) ++log2;
    const unsigned p = 31 + log2;
    mul = static_cast<unsigned>(((1ull << p) + d - 1) / d);
    shr = p - 32;
  }
  GAN_HOST_DEVICE int div(int x) const {
    if (d == 1) return x;
    const auto hi = static_cast<unsigned>((static_cast<unsigned long long>(static_cast<unsigned>(x)) * mul) >> 32);
    return static_cast<int>(hi >> shr);
  }
};

// The conv's sizes as ints, shared by the three problems, with the divisors
// the gathers use.
struct ConvDims {
  int n, c_in, h, w, c_out, r, s, p, q;
  int sh, sw, ph, pw, dh, dw;
  int cg_in, cg_out, rs, hw, pq;
  FastDiv div_pq, div_q, div_rs, div_s, div_hw, div_w, div_sh, div_sw;
};

ConvDims conv_dims(const char* kernel, const Conv2dParams& c);

// Vector width (elements) of a 16-byte copy of T.
template <class T>
constexpr int kVecElems = 16 / static_cast<int>(sizeof(T));

inline bool aligned16_host(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

inline bool is_pointwise(const ConvDims& d) {
  return d.r == 1 && d.s == 1 && d.sh == 1 && d.sw == 1 && d.ph == 0 && d.pw == 0 && d.p == d.h && d.q == d.w;
}

// fprop: y[n, g*Cg_out + co, oh, ow] = sum_{c,ki,kj} x[n, g*Cg_in + c, ih, iw] * w[g*Cg_out + co, c, ki, kj]
template <class T_>
struct ConvFpropProblem {
  using T = T_;
  static constexpr bool kAKMajor = false, kBKMajor = true;
  int M, N, K, Z;
  ConvDims d;
  const T* x;
  const T* wt;
  const T* a_base;
  const T* b_base;

  ConvFpropProblem(const ConvDims& dims, const T* x_, const T* w_)
      : M(dims.n * dims.pq), N(dims.cg_out), K(dims.cg_in * dims.rs), Z(dims.c_in / dims.cg_in), d(dims), x(x_),
        wt(w_), a_base(x_), b_base(w_) {}

  GAN_DEVICE_INLINE const T* a_ptr(int z, int m, int k) const {
    if (m >= M || k >= K) return nullptr;
    const int ni = d.div_pq.div(m), pix = m - ni * d.pq;
    const int oh = d.div_q.div(pix), ow = pix - oh * d.q;
    const int c = d.div_rs.div(k), rr = k - c * d.rs;
    const int ki = d.div_s.div(rr), kj = rr - ki * d.s;
    const int ih = oh * d.sh - d.ph + ki * d.dh;
    const int iw = ow * d.sw - d.pw + kj * d.dw;
    if (ih < 0 || ih >= d.h || iw < 0 || iw >= d.w) return nullptr;
    return x + ((static_cast<int64_t>(ni) * d.c_in + z * d.cg_in + c) * d.h + ih) * d.w + iw;
  }
  GAN_DEVICE_INLINE const T* b_ptr(int z, int n, int k) const {
    if (n >= N || k >= K) return nullptr;
    return wt + static_cast<int64_t>(z * d.cg_out + n) * K + k;
  }
  GAN_DEVICE_INLINE int64_t out_index(int z, int m, int n) const {
    const int ni = d.div_pq.div(m), pix = m - ni * d.pq;
    return (static_cast<int64_t>(ni) * d.c_out + z * d.cg_out + n) * d.pq + pix;
  }
  GAN_DEVICE_INLINE int bias_index(int z, int n) const { return z * d.cg_out + n; }

  // 16-byte copies: A along pixels of a 1x1/s1/p0 conv (x rows are the
  // pixels), B along a filter row when Cg_in*RS is a multiple of the vector.
  bool vec_a() const { return is_pointwise(d) && d.pq % kVecElems<T> == 0 && aligned16_host(x); }
  bool vec_b() const { return K % kVecElems<T> == 0 && aligned16_host(wt); }
};

// dgrad: dx[n, g*Cg_in + c, h, w] = sum_{co,ki,kj} dy[n, g*Cg_out + co, oh, ow] * w[g*Cg_out + co, c, ki, kj]
// over oh*stride - pad + ki*dil = h (and the same along w).
template <class T_>
struct ConvDgradProblem {
  using T = T_;
  static constexpr bool kAKMajor = false, kBKMajor = true;
  int M, N, K, Z;
  ConvDims d;
  const T* dy;
  const T* wt;
  const T* a_base;
  const T* b_base;

  ConvDgradProblem(const ConvDims& dims, const T* dy_, const T* w_)
      : M(dims.n * dims.hw), N(dims.cg_in), K(dims.cg_out * dims.rs), Z(dims.c_in / dims.cg_in), d(dims), dy(dy_),
        wt(w_), a_base(dy_), b_base(w_) {}

  GAN_DEVICE_INLINE const T* a_ptr(int z, int m, int k) const {
    if (m >= M || k >= K) return nullptr;
    const int ni = d.div_hw.div(m), pix = m - ni * d.hw;
    const int h = d.div_w.div(pix), w = pix - h * d.w;
    const int co = d.div_rs.div(k), rr = k - co * d.rs;
    const int ki = d.div_s.div(rr), kj = rr - ki * d.s;
    const int th = h + d.ph - ki * d.dh, tw = w + d.pw - kj * d.dw;
    if (th < 0 || tw < 0) return nullptr;
    const int oh = d.div_sh.div(th), ow = d.div_sw.div(tw);
    if (oh * d.sh != th || ow * d.sw != tw || oh >= d.p || ow >= d.q) return nullptr;
    return dy + ((static_cast<int64_t>(ni) * d.c_out + z * d.cg_out + co) * d.p + oh) * d.q + ow;
  }
  GAN_DEVICE_INLINE const T* b_ptr(int z, int n, int k) const {
    if (n >= N || k >= K) return nullptr;
    const int co = d.div_rs.div(k), rr = k - co * d.rs;
    return wt + (static_cast<int64_t>(z * d.cg_out + co) * d.cg_in + n) * d.rs + rr;
  }
  GAN_DEVICE_INLINE int64_t out_index(int z, int m, int n) const {
    const int ni = d.div_hw.div(m), pix = m - ni * d.hw;
    return (static_cast<int64_t>(ni) * d.c_in + z * d.cg_in + n) * d.hw + pix;
  }
  // The transposed conv's fprop adds its bias per channel of dx.
  GAN_DEVICE_INLINE int bias_index(int z, int n) const { return z * d.cg_in + n; }

  bool vec_a() const { return is_pointwise(d) && d.hw % kVecElems<T> == 0 && aligned16_host(dy); }
  // A vector of k = (co, ki, kj) stays inside one filter (co, c) when RS is a multiple of it.
  bool vec_b() const { return d.rs % kVecElems<T> == 0 && aligned16_host(wt); }
};

// dgrad of a strided conv (stride > 1, dilation 1), split by stride phase:
// the input pixels h = ph_h + sh*i of one phase ph_h in [0, sh) are reached
// only by the taps ki = k0 + sh*j with k0 = (ph_h + pad_h) mod sh, at
// oh = (ph_h + pad_h - k0)/sh + i - j. So each phase is a dense GEMM without
// the stride holes of ConvDgradProblem (for DCGAN's 4x4 stride 2: K =
// Cg_out*4 instead of Cg_out*16, 4x fewer multiplies):
//   Z = G * sh*sw (z = g*phases + phase), M = N * ceil(H/sh) * ceil(W/sw),
//   N = Cg_in, K = Cg_out * ceil(KH/sh) * ceil(KW/sw).
// Phases with fewer rows/taps (H or KH not a multiple of the stride) pad with
// zeros (nullptr) and skip those output rows (out_index -1).
template <class T_>
struct ConvDgradPhaseProblem {
  using T = T_;
  static constexpr bool kAKMajor = false, kBKMajor = true;
  int M, N, K, Z;
  ConvDims d;
  int phases, hp, wp, th, tw;  // sh*sw; rows/cols per phase (max); taps per phase (max)
  FastDiv div_phases, div_sw_phase, div_hpwp, div_wp, div_thtw, div_tw;
  const T* dy;
  const T* wt;
  const T* a_base;
  const T* b_base;

  ConvDgradPhaseProblem(const ConvDims& dims, const T* dy_, const T* w_)
      : d(dims), dy(dy_), wt(w_), a_base(dy_), b_base(w_) {
    phases = d.sh * d.sw;
    hp = (d.h + d.sh - 1) / d.sh, wp = (d.w + d.sw - 1) / d.sw;
    th = (d.r + d.sh - 1) / d.sh, tw = (d.s + d.sw - 1) / d.sw;
    M = d.n * hp * wp, N = d.cg_in, K = d.cg_out * th * tw, Z = (d.c_in / d.cg_in) * phases;
    div_phases = FastDiv(phases), div_sw_phase = FastDiv(d.sw), div_hpwp = FastDiv(hp * wp);
    div_wp = FastDiv(wp), div_thtw = FastDiv(th * tw), div_tw = FastDiv(tw);
  }

  struct Phase {
    int g, ph_h, ph_w, k0h, k0w, baseh, basew;
  };
  GAN_DEVICE_INLINE Phase phase_of(int z) const {
    Phase f;
    f.g = div_phases.div(z);
    const int phase = z - f.g * phases;
    f.ph_h = div_sw_phase.div(phase);
    f.ph_w = phase - f.ph_h * d.sw;
    const int th0 = f.ph_h + d.ph, tw0 = f.ph_w + d.pw;
    f.baseh = d.div_sh.div(th0), f.basew = d.div_sw.div(tw0);
    f.k0h = th0 - f.baseh * d.sh, f.k0w = tw0 - f.basew * d.sw;
    return f;
  }

  GAN_DEVICE_INLINE const T* a_ptr(int z, int m, int k) const {
    if (m >= M || k >= K) return nullptr;
    const Phase f = phase_of(z);
    const int ni = div_hpwp.div(m), pix = m - ni * hp * wp;
    const int i = div_wp.div(pix), j = pix - i * wp;
    const int co = div_thtw.div(k), tap = k - co * th * tw;
    const int jh = div_tw.div(tap), jw = tap - jh * tw;
    if (f.k0h + d.sh * jh >= d.r || f.k0w + d.sw * jw >= d.s) return nullptr;
    const int oh = f.baseh + i - jh, ow = f.basew + j - jw;
    if (oh < 0 || oh >= d.p || ow < 0 || ow >= d.q) return nullptr;
    return dy + ((static_cast<int64_t>(ni) * d.c_out + f.g * d.cg_out + co) * d.p + oh) * d.q + ow;
  }
  GAN_DEVICE_INLINE const T* b_ptr(int z, int n, int k) const {
    if (n >= N || k >= K) return nullptr;
    const Phase f = phase_of(z);
    const int co = div_thtw.div(k), tap = k - co * th * tw;
    const int jh = div_tw.div(tap), jw = tap - jh * tw;
    const int ki = f.k0h + d.sh * jh, kj = f.k0w + d.sw * jw;
    if (ki >= d.r || kj >= d.s) return nullptr;
    return wt + (static_cast<int64_t>(f.g * d.cg_out + co) * d.cg_in + n) * d.rs + ki * d.s + kj;
  }
  // -1: a padding row of a phase with fewer rows (h >= H or w >= W).
  GAN_DEVICE_INLINE int64_t out_index(int z, int m, int n) const {
    const Phase f = phase_of(z);
    const int ni = div_hpwp.div(m), pix = m - ni * hp * wp;
    const int i = div_wp.div(pix), j = pix - i * wp;
    const int h = f.ph_h + d.sh * i, w = f.ph_w + d.sw * j;
    if (h >= d.h || w >= d.w) return -1;
    return ((static_cast<int64_t>(ni) * d.c_in + f.g * d.cg_in + n) * d.h + h) * d.w + w;
  }
  GAN_DEVICE_INLINE int bias_index(int z, int n) const { return div_phases.div(z) * d.cg_in + n; }

  bool vec_a() const { return false; }  // stride-gathered dy
  bool vec_b() const { return false; }  // taps of one phase are strided in the filter
  static bool applies(const ConvDims& d) { return (d.sh > 1 || d.sw > 1) && d.dh == 1 && d.dw == 1; }
};

// wgrad: dw[g*Cg_out + co, c, ki, kj] = sum_{n,oh,ow} dy[n, g*Cg_out + co, oh, ow] * x[n, g*Cg_in + c, ih, iw]
template <class T_>
struct ConvWgradProblem {
  using T = T_;
  static constexpr bool kAKMajor = true, kBKMajor = true;
  int M, N, K, Z;
  ConvDims d;
  const T* x;
  const T* dy;
  const T* a_base;
  const T* b_base;

  ConvWgradProblem(const ConvDims& dims, const T* x_, const T* dy_)
      : M(dims.cg_out), N(dims.cg_in * dims.rs), K(dims.n * dims.pq), Z(dims.c_in / dims.cg_in), d(dims), x(x_),
        dy(dy_), a_base(dy_), b_base(x_) {}

  GAN_DEVICE_INLINE const T* a_ptr(int z, int m, int k) const {
    if (m >= M || k >= K) return nullptr;
    const int ni = d.div_pq.div(k), pix = k - ni * d.pq;
    return dy + (static_cast<int64_t>(ni) * d.c_out + z * d.cg_out + m) * d.pq + pix;
  }
  GAN_DEVICE_INLINE const T* b_ptr(int z, int n, int k) const {
    if (n >= N || k >= K) return nullptr;
    const int ni = d.div_pq.div(k), pix = k - ni * d.pq;
    const int oh = d.div_q.div(pix), ow = pix - oh * d.q;
    const int c = d.div_rs.div(n), rr = n - c * d.rs;
    const int ki = d.div_s.div(rr), kj = rr - ki * d.s;
    const int ih = oh * d.sh - d.ph + ki * d.dh;
    const int iw = ow * d.sw - d.pw + kj * d.dw;
    if (ih < 0 || ih >= d.h || iw < 0 || iw >= d.w) return nullptr;
    return x + ((static_cast<int64_t>(ni) * d.c_in + z * d.cg_in + c) * d.h + ih) * d.w + iw;
  }
  GAN_DEVICE_INLINE int64_t out_index(int z, int m, int n) const {
    return static_cast<int64_t>(z * d.cg_out + m) * N + n;
  }
  GAN_DEVICE_INLINE int bias_index(int /*z*/, int /*n*/) const { return 0; }  // wgrad has no bias

  bool vec_a() const { return d.pq % kVecElems<T> == 0 && aligned16_host(dy); }
  bool vec_b() const { return is_pointwise(d) && d.hw % kVecElems<T> == 0 && aligned16_host(x); }
};

}  // namespace gan::kernels::cuda::igemm

namespace gan::kernels::cuda::igemm {

// The passes on a conv whose sizes were already checked (h_out/w_out may be
// smaller than conv2d_infer's: transposed convs with out_pad >= stride).
// Defined in conv2d.cu for float and double; conv_transpose2d.cu reuses them.
template <class T>
void conv_fprop_run(const char* kernel, const Conv2dParams& q, const T* x, const T* w, const Epilogue<T>& ep,
                    const IgemmOptions& opt, Stream s);
// ep.out is dx; ep.bias (per channel of dx) and the activation serve the transposed conv's fprop.
template <class T>
void conv_dgrad_run(const char* kernel, const Conv2dParams& q, const T* dy, const T* w, const Epilogue<T>& ep,
                    const IgemmOptions& opt, Stream s);
template <class T>
void conv_wgrad_run(const char* kernel, const Conv2dParams& q, const T* x, const T* dy, T* dw,
                    const IgemmOptions& opt, Stream s);
// The plan's name for 16-byte aligned tensors.
template <class T>
std::string conv_plan_name(ConvPass pass, const Conv2dParams& q, const IgemmOptions& opt);

}  // namespace gan::kernels::cuda::igemm
