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
// are non-zero (no stride-phase decomposition yet, see the report in conv2d.cu).
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

// The conv's sizes as ints, shared by the three problems.
struct ConvDims {
  int n, c_in, h, w, c_out, r, s, p, q;
  int sh, sw, ph, pw, dh, dw;
  int cg_in, cg_out, rs, hw, pq;
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
    const int ni = m / d.pq, pix = m - ni * d.pq;
    const int oh = pix / d.q, ow = pix - oh * d.q;
    const int c = k / d.rs, rr = k - c * d.rs;
    const int ki = rr / d.s, kj = rr - ki * d.s;
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
    const int ni = m / d.pq, pix = m - ni * d.pq;
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
    const int ni = m / d.hw, pix = m - ni * d.hw;
    const int h = pix / d.w, w = pix - h * d.w;
    const int co = k / d.rs, rr = k - co * d.rs;
    const int ki = rr / d.s, kj = rr - ki * d.s;
    const int th = h + d.ph - ki * d.dh, tw = w + d.pw - kj * d.dw;
    if (th < 0 || tw < 0) return nullptr;
    const int oh = th / d.sh, ow = tw / d.sw;
    if (oh * d.sh != th || ow * d.sw != tw || oh >= d.p || ow >= d.q) return nullptr;
    return dy + ((static_cast<int64_t>(ni) * d.c_out + z * d.cg_out + co) * d.p + oh) * d.q + ow;
  }
  GAN_DEVICE_INLINE const T* b_ptr(int z, int n, int k) const {
    if (n >= N || k >= K) return nullptr;
    const int co = k / d.rs, rr = k - co * d.rs;
    return wt + (static_cast<int64_t>(z * d.cg_out + co) * d.cg_in + n) * d.rs + rr;
  }
  GAN_DEVICE_INLINE int64_t out_index(int z, int m, int n) const {
    const int ni = m / d.hw, pix = m - ni * d.hw;
    return (static_cast<int64_t>(ni) * d.c_in + z * d.cg_in + n) * d.hw + pix;
  }
  // The transposed conv's fprop adds its bias per channel of dx.
  GAN_DEVICE_INLINE int bias_index(int z, int n) const { return z * d.cg_in + n; }

  bool vec_a() const { return is_pointwise(d) && d.hw % kVecElems<T> == 0 && aligned16_host(dy); }
  // A vector of k = (co, ki, kj) stays inside one filter (co, c) when RS is a multiple of it.
  bool vec_b() const { return d.rs % kVecElems<T> == 0 && aligned16_host(wt); }
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
    const int ni = k / d.pq, pix = k - ni * d.pq;
    return dy + (static_cast<int64_t>(ni) * d.c_out + z * d.cg_out + m) * d.pq + pix;
  }
  GAN_DEVICE_INLINE const T* b_ptr(int z, int n, int k) const {
    if (n >= N || k >= K) return nullptr;
    const int ni = k / d.pq, pix = k - ni * d.pq;
    const int oh = pix / d.q, ow = pix - oh * d.q;
    const int c = n / d.rs, rr = n - c * d.rs;
    const int ki = rr / d.s, kj = rr - ki * d.s;
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
