// The three conv2d passes of a FULL-WINDOW conv as plain GEMM Problems for
// igemm_core.cuh (internal to kernels/cuda/): the filter covers the whole
// input (KH = H_in, KW = W_in, pad 0, dilation 1), so the output is 1x1 and
// the conv is a linear layer on the flattened input. In NCHW the flattened
// input x [N, C_in*HW] and the filter w [C_out, C_in/G*KH*KW] have the same
// (c, h, w) order, so with RS = HW and per group g:
//
//   pass   GEMM M    N           K           A                   B
//   fprop  N         Cg_out      Cg_in*RS    x rows      [K]     w rows      [K]
//   dgrad  N         Cg_in*RS    Cg_out      dy rows     [K]     w           [MN]
//   wgrad  Cg_out    Cg_in*RS    N           dy columns  [MN]    x rows      [MN]
//
// Why: these convs are every DCGAN-family D head (4x4 -> 1x1, 7x7 -> 1x1) and,
// transposed, every G stem (1x1 -> 4x4, 1x1 -> 7x7). igemm_conv.cuh's generic
// dgrad runs K = Cg_out*RS with one tap in RS non-zero per output pixel, so it
// multiplies RS times more than it needs: SphereGAN's 64x7x7 -> 1024 head at
// batch 64 costs 2*3136*64*50176 = 20 GFLOP in that form and 0.41 GFLOP here
// (twice a step: D's backward and G's). The generic fprop and wgrad do no
// extra multiplies on these shapes, but they gather the operands against their
// contiguous dimension (x along the batch, dy along the batch); here every
// operand is read along its contiguous dimension, with 16-byte copies where the
// widths allow.
#pragma once

#include <gan/kernels/portable.h>

#include <cstdint>

#include "igemm_conv.cuh"

namespace gan::kernels::cuda::igemm {

// The conv is a linear layer on its flattened input (h_out = w_out = 1 follows).
inline bool is_full_window(const ConvDims& d) {
  return d.r == d.h && d.s == d.w && d.ph == 0 && d.pw == 0 && d.dh == 1 && d.dw == 1 && d.p == 1 && d.q == 1;
}

// fprop: y[n, g*Cg_out + co] = sum_k x[n, g*Cg_in*RS + k] * w[g*Cg_out + co, k]
template <class T_>
struct ConvFullFpropProblem {
  using T = T_;
  static constexpr bool kAKMajor = true, kBKMajor = true;
  int M, N, K, Z;
  ConvDims d;
  const T* x;
  const T* wt;
  const T* a_base;
  const T* b_base;

  ConvFullFpropProblem(const ConvDims& dims, const T* x_, const T* w_)
      : M(dims.n), N(dims.cg_out), K(dims.cg_in * dims.rs), Z(dims.c_in / dims.cg_in), d(dims), x(x_), wt(w_),
        a_base(x_), b_base(w_) {}

  GAN_DEVICE_INLINE const T* a_ptr(int z, int m, int k) const {
    if (m >= M || k >= K) return nullptr;
    return x + static_cast<int64_t>(m) * d.c_in * d.hw + static_cast<int64_t>(z) * K + k;
  }
  GAN_DEVICE_INLINE const T* b_ptr(int z, int n, int k) const {
    if (n >= N || k >= K) return nullptr;
    return wt + static_cast<int64_t>(z * d.cg_out + n) * K + k;
  }
  GAN_DEVICE_INLINE int64_t out_index(int z, int m, int n) const {
    return static_cast<int64_t>(m) * d.c_out + z * d.cg_out + n;
  }
  GAN_DEVICE_INLINE int bias_index(int z, int n) const { return z * d.cg_out + n; }

  // A vector along k starts at m*C_in*HW + z*K + k0: aligned when K is a multiple of it.
  bool vec_a() const { return K % kVecElems<T> == 0 && aligned16_host(x); }
  bool vec_b() const { return K % kVecElems<T> == 0 && aligned16_host(wt); }
};

// dgrad: dx[n, g*Cg_in*RS + j] = sum_co dy[n, g*Cg_out + co] * w[g*Cg_out + co, j]
template <class T_>
struct ConvFullDgradProblem {
  using T = T_;
  static constexpr bool kAKMajor = true, kBKMajor = false;
  int M, N, K, Z;
  ConvDims d;
  const T* dy;
  const T* wt;
  const T* a_base;
  const T* b_base;

  ConvFullDgradProblem(const ConvDims& dims, const T* dy_, const T* w_)
      : M(dims.n), N(dims.cg_in * dims.rs), K(dims.cg_out), Z(dims.c_in / dims.cg_in), d(dims), dy(dy_), wt(w_),
        a_base(dy_), b_base(w_) {}

  GAN_DEVICE_INLINE const T* a_ptr(int z, int m, int k) const {
    if (m >= M || k >= K) return nullptr;
    return dy + static_cast<int64_t>(m) * d.c_out + z * d.cg_out + k;
  }
  GAN_DEVICE_INLINE const T* b_ptr(int z, int n, int k) const {
    if (n >= N || k >= K) return nullptr;
    return wt + static_cast<int64_t>(z * d.cg_out + k) * N + n;
  }
  GAN_DEVICE_INLINE int64_t out_index(int z, int m, int n) const {
    return static_cast<int64_t>(m) * d.c_in * d.hw + static_cast<int64_t>(z) * N + n;
  }
  // The transposed conv's fprop adds its bias per channel of dx: j = c*RS + tap.
  GAN_DEVICE_INLINE int bias_index(int z, int n) const { return z * d.cg_in + d.div_rs.div(n); }

  // A vector along co starts at m*C_out + g*Cg_out + k0; one along j at (g*Cg_out + co)*N + n0.
  bool vec_a() const { return d.cg_out % kVecElems<T> == 0 && aligned16_host(dy); }
  bool vec_b() const { return N % kVecElems<T> == 0 && aligned16_host(wt); }
};

// wgrad: dw[g*Cg_out + co, j] = sum_n dy[n, g*Cg_out + co] * x[n, g*Cg_in*RS + j]
template <class T_>
struct ConvFullWgradProblem {
  using T = T_;
  static constexpr bool kAKMajor = false, kBKMajor = false;
  int M, N, K, Z;
  ConvDims d;
  const T* x;
  const T* dy;
  const T* a_base;
  const T* b_base;

  ConvFullWgradProblem(const ConvDims& dims, const T* x_, const T* dy_)
      : M(dims.cg_out), N(dims.cg_in * dims.rs), K(dims.n), Z(dims.c_in / dims.cg_in), d(dims), x(x_), dy(dy_),
        a_base(dy_), b_base(x_) {}

  GAN_DEVICE_INLINE const T* a_ptr(int z, int m, int k) const {
    if (m >= M || k >= K) return nullptr;
    return dy + static_cast<int64_t>(k) * d.c_out + z * d.cg_out + m;
  }
  GAN_DEVICE_INLINE const T* b_ptr(int z, int n, int k) const {
    if (n >= N || k >= K) return nullptr;
    return x + static_cast<int64_t>(k) * d.c_in * d.hw + static_cast<int64_t>(z) * N + n;
  }
  GAN_DEVICE_INLINE int64_t out_index(int z, int m, int n) const {
    return static_cast<int64_t>(z * d.cg_out + m) * N + n;
  }
  GAN_DEVICE_INLINE int bias_index(int /*z*/, int /*n*/) const { return 0; }  // wgrad has no bias

  // Vectors along co (dy rows of C_out) and along j (x rows of C_in*HW = G*N).
  bool vec_a() const { return d.cg_out % kVecElems<T> == 0 && aligned16_host(dy); }
  bool vec_b() const { return N % kVecElems<T> == 0 && aligned16_host(x); }
};

}  // namespace gan::kernels::cuda::igemm
