// im2col / col2im for the CPU conv kernels (conv2d.cpp), one channel plane at
// a time through a zero-padded copy of the plane.
//
// Layout: x_g [Cg_in, H_in, W_in] (one sample, one group); col rows
// (c, ki, kj), row r at col + r*ld, P = H_out*W_out columns per sample:
//   col[(c,ki,kj)][oh*W_out + ow] = x[c, oh*sh - ph + ki*dh, ow*sw - pw + kj*dw]  (0 outside)
// The padded plane xp [Hp, Wp], Hp = H_in + 2*ph, Wp = W_in + 2*pw, turns
// that into xp[(oh*sh + ki*dh)*Wp + ow*sw + kj*dw] with no bounds checks:
// every window lies inside xp because conv2d_infer's H_out satisfies
// (H_out-1)*sh + (KH-1)*dh <= H_in + 2*ph - 1 (smaller H_out, as the
// transposed conv's out_pad gives, only reads less).
//
// Why: the per-element range checks and edge fills of a direct im2col cost
// ~40% of the GEMM's time on DCGAN's 4x4 stride-2 convs (7-wide rows); the
// padded copy adds (Hp*Wp)/(KH*KW*P) of traffic, 1/12 there. The inner loops
// are instantiated for stride 1 and 2 so the compiler unrolls them.
//
// col2im is the adjoint: it accumulates into a zeroed padded plane in the
// same (c, ki, kj, oh, ow) order as a direct scatter, then copies the interior
// to dx (overwriting it), so every dx element sums the same terms in the same
// order: results are bit-identical to the direct loops.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "gan/kernels/conv.h"

namespace gan::kernels::cpu::im2col_detail {

// Zero-padded copy of one plane: xp [Hp, Wp] <- x [H, W]; the border is
// written too (zeros), so xp may be reused for the next plane.
template <class T>
void pad_plane(const T* x, int64_t h, int64_t w, int64_t ph, int64_t pw, T* xp) {
  const int64_t wp = w + 2 * pw;
  std::fill(xp, xp + ph * wp, T(0));
  for (int64_t i = 0; i < h; ++i) {
    T* r = xp + (i + ph) * wp;
    std::fill(r, r + pw, T(0));
    std::memcpy(r + pw, x + i * w, static_cast<size_t>(w) * sizeof(T));
    std::fill(r + pw + w, r + wp, T(0));
  }
  std::fill(xp + (h + ph) * wp, xp + (h + 2 * ph) * wp, T(0));
}

// One col row: dst[oh*wo + ow] = src[oh*sh*wp + ow*SW] (SW 0: runtime stride sw).
template <int SW, class T>
void gather_row(const T* src, int64_t wp, int64_t sh, int64_t sw, int64_t ho, int64_t wo, T* dst) {
  const int64_t s = SW > 0 ? SW : sw;
  for (int64_t oh = 0; oh < ho; ++oh, dst += wo, src += sh * wp) {
    for (int64_t ow = 0; ow < wo; ++ow) dst[ow] = src[ow * s];
  }
}

// The adjoint of gather_row: dst[oh*sh*wp + ow*SW] += src[oh*wo + ow].
template <int SW, class T>
void scatter_row(const T* src, int64_t wp, int64_t sh, int64_t sw, int64_t ho, int64_t wo, T* dst) {
  const int64_t s = SW > 0 ? SW : sw;
  for (int64_t oh = 0; oh < ho; ++oh, src += wo, dst += sh * wp) {
    for (int64_t ow = 0; ow < wo; ++ow) dst[ow * s] += src[ow];
  }
}

template <int SW, class T>
void im2col_planes(const Conv2dParams& q, int64_t cg_in, const T* x, T* col, int64_t ld, T* plane) {
  const int64_t wp = q.w_in + 2 * q.pad_w;
  const bool padded = q.pad_h > 0 || q.pad_w > 0;
  for (int64_t c = 0; c < cg_in; ++c) {
    const T* xc = x + c * q.h_in * q.w_in;
    const T* xp = xc;  // unpadded convs read the plane in place
    if (padded) {
      pad_plane(xc, q.h_in, q.w_in, q.pad_h, q.pad_w, plane);
      xp = plane;
    }
    for (int64_t ki = 0; ki < q.kh; ++ki) {
      for (int64_t kj = 0; kj < q.kw; ++kj) {
        T* row = col + ((c * q.kh + ki) * q.kw + kj) * ld;
        gather_row<SW>(xp + ki * q.dil_h * wp + kj * q.dil_w, wp, q.stride_h, q.stride_w, q.h_out,
                       q.w_out, row);
      }
    }
  }
}

template <int SW, class T>
void col2im_planes(const Conv2dParams& q, int64_t cg_in, const T* col, int64_t ld, T* dx, T* plane) {
  const int64_t hp = q.h_in + 2 * q.pad_h, wp = q.w_in + 2 * q.pad_w;
  const bool padded = q.pad_h > 0 || q.pad_w > 0;
  for (int64_t c = 0; c < cg_in; ++c) {
    T* dxc = dx + c * q.h_in * q.w_in;
    T* dp = padded ? plane : dxc;  // unpadded convs accumulate into dx in place
    std::fill(dp, dp + hp * wp, T(0));
    for (int64_t ki = 0; ki < q.kh; ++ki) {
      for (int64_t kj = 0; kj < q.kw; ++kj) {
        const T* row = col + ((c * q.kh + ki) * q.kw + kj) * ld;
        scatter_row<SW>(row, wp, q.stride_h, q.stride_w, q.h_out, q.w_out,
                        dp + ki * q.dil_h * wp + kj * q.dil_w);
      }
    }
    if (padded) {
      for (int64_t i = 0; i < q.h_in; ++i)
        std::memcpy(dxc + i * q.w_in, dp + (i + q.pad_h) * wp + q.pad_w,
                    static_cast<size_t>(q.w_in) * sizeof(T));
    }
  }
}

}  // namespace gan::kernels::cpu::im2col_detail

namespace gan::kernels::cpu {

// Elements of the padded-plane scratch im2col/col2im need (one per thread).
inline int64_t im2col_plane_size(const Conv2dParams& q) {
  return (q.h_in + 2 * q.pad_h) * (q.w_in + 2 * q.pad_w);
}

// x_g [Cg_in, H_in, W_in] -> col rows (c,ki,kj) of P columns, row r at col + r*ld.
template <class T>
void im2col(const Conv2dParams& q, int64_t cg_in, const T* x, T* col, int64_t ld, T* plane) {
  using namespace im2col_detail;
  if (q.stride_w == 1) return im2col_planes<1>(q, cg_in, x, col, ld, plane);
  if (q.stride_w == 2) return im2col_planes<2>(q, cg_in, x, col, ld, plane);
  im2col_planes<0>(q, cg_in, x, col, ld, plane);
}

// dx_g [Cg_in, H_in, W_in] = col scattered back (overwrites dx_g; overlapping
// windows add up).
template <class T>
void col2im(const Conv2dParams& q, int64_t cg_in, const T* col, int64_t ld, T* dx, T* plane) {
  using namespace im2col_detail;
  if (q.stride_w == 1) return col2im_planes<1>(q, cg_in, col, ld, dx, plane);
  if (q.stride_w == 2) return col2im_planes<2>(q, cg_in, col, ld, dx, plane);
  col2im_planes<0>(q, cg_in, col, ld, dx, plane);
}

}  // namespace gan::kernels::cpu
