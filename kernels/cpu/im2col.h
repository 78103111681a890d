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
// padded copy adds (Hp*Wp)/(KH*KW*P) of traffic, 1/3 there. Stride 1 copies
// contiguous runs; stride 2 first splits the plane into even/odd columns
// (im2col_planes_s2) so that it copies contiguous runs too; other strides
// gather.
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
// WO > 0 is W_out known at compile time: short runs (7 for DCGAN-28) then
// compile to a few vector moves instead of a loop with alias checks and a
// scalar tail, which costs more than the copy itself.
template <int SW, int WO = 0, class T>
void gather_row(const T* __restrict src, int64_t wp, int64_t sh, int64_t sw, int64_t ho, int64_t wo_rt,
                T* __restrict dst) {
  const int64_t s = SW > 0 ? SW : sw;
  const int64_t wo = WO > 0 ? WO : wo_rt;
  for (int64_t oh = 0; oh < ho; ++oh, dst += wo, src += sh * wp) {
    for (int64_t ow = 0; ow < wo; ++ow) dst[ow] = src[ow * s];
  }
}

// The adjoint of gather_row: dst[oh*sh*wp + ow*SW] += src[oh*wo + ow].
template <int SW, int WO = 0, class T>
void scatter_row(const T* __restrict src, int64_t wp, int64_t sh, int64_t sw, int64_t ho, int64_t wo_rt,
                 T* __restrict dst) {
  const int64_t s = SW > 0 ? SW : sw;
  const int64_t wo = WO > 0 ? WO : wo_rt;
  for (int64_t oh = 0; oh < ho; ++oh, src += wo, dst += sh * wp) {
    for (int64_t ow = 0; ow < wo; ++ow) dst[ow * s] += src[ow];
  }
}

// Calls f.template operator()<WO>() with W_out as a constant for the widths
// DCGAN's layers produce (4, 7, 8, 14, 16), else WO = 0 (runtime width).
template <class F>
void with_width(int64_t wo, F&& f) {
  switch (wo) {
    case 4: return f.template operator()<4>();
    case 7: return f.template operator()<7>();
    case 8: return f.template operator()<8>();
    case 14: return f.template operator()<14>();
    case 16: return f.template operator()<16>();
    default: return f.template operator()<0>();
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

// Stride 2 along w: the padded plane is split into its even and odd columns,
// ev/od [Hp, Wh], Wh = ceil(Wp/2), so that column ow*2 + off of xp is column
// ow + off/2 of phase (off & 1): every col row becomes contiguous runs of W_out
// (a copy the compiler vectorises) instead of a stride-2 gather. The split
// costs Hp*Wp moves per plane against KH*KW*P for the gathers (256 vs 784 for
// DCGAN's 14x14 -> 7x7).
template <class T>
void split_phases(const T* xp, int64_t hp, int64_t wp, T* ev, T* od) {
  const int64_t wh = (wp + 1) / 2;
  for (int64_t i = 0; i < hp; ++i) {
    const T* r = xp + i * wp;
    T* e = ev + i * wh;
    T* o = od + i * wh;
    for (int64_t b = 0; b < wp / 2; ++b) {
      e[b] = r[2 * b];
      o[b] = r[2 * b + 1];
    }
    if (wp % 2) {
      e[wh - 1] = r[wp - 1];
      o[wh - 1] = T(0);  // never read: no window reaches past column Wp-1
    }
  }
}

template <class T>
void im2col_planes_s2(const Conv2dParams& q, int64_t cg_in, const T* x, T* col, int64_t ld, T* plane) {
  const int64_t hp = q.h_in + 2 * q.pad_h, wp = q.w_in + 2 * q.pad_w, wh = (wp + 1) / 2;
  T* ev = plane + hp * wp;
  T* od = ev + hp * wh;
  with_width(q.w_out, [&]<int WO>() {
    for (int64_t c = 0; c < cg_in; ++c) {
      pad_plane(x + c * q.h_in * q.w_in, q.h_in, q.w_in, q.pad_h, q.pad_w, plane);
      split_phases(plane, hp, wp, ev, od);
      for (int64_t ki = 0; ki < q.kh; ++ki) {
        for (int64_t kj = 0; kj < q.kw; ++kj) {
          const int64_t off = kj * q.dil_w;
          const T* src = ((off & 1) ? od : ev) + ki * q.dil_h * wh + (off >> 1);
          gather_row<1, WO>(src, wh, q.stride_h, 1, q.h_out, q.w_out, col + ((c * q.kh + ki) * q.kw + kj) * ld);
        }
      }
    }
  });
}

// The adjoint: scatter into zeroed phase planes in the direct order, then
// interleave the interior back into dx (each dx element sums the same terms in
// the same order as the direct scatter).
template <class T>
void col2im_planes_s2(const Conv2dParams& q, int64_t cg_in, const T* col, int64_t ld, T* dx, T* plane) {
  const int64_t hp = q.h_in + 2 * q.pad_h, wp = q.w_in + 2 * q.pad_w, wh = (wp + 1) / 2;
  T* ev = plane + hp * wp;
  T* od = ev + hp * wh;
  for (int64_t c = 0; c < cg_in; ++c) {
    std::fill(ev, ev + 2 * hp * wh, T(0));  // ev and od are adjacent
    with_width(q.w_out, [&]<int WO>() {
      for (int64_t ki = 0; ki < q.kh; ++ki) {
        for (int64_t kj = 0; kj < q.kw; ++kj) {
          const int64_t off = kj * q.dil_w;
          T* dst = ((off & 1) ? od : ev) + ki * q.dil_h * wh + (off >> 1);
          scatter_row<1, WO>(col + ((c * q.kh + ki) * q.kw + kj) * ld, wh, q.stride_h, 1, q.h_out, q.w_out, dst);
        }
      }
    });
    T* dxc = dx + c * q.h_in * q.w_in;
    for (int64_t i = 0; i < q.h_in; ++i) {
      const T* e = ev + (i + q.pad_h) * wh;
      const T* o = od + (i + q.pad_h) * wh;
      T* r = dxc + i * q.w_in;
      for (int64_t j = 0; j < q.w_in; ++j) {
        const int64_t jp = j + q.pad_w;
        r[j] = (jp & 1) ? o[jp >> 1] : e[jp >> 1];
      }
    }
  }
}

}  // namespace gan::kernels::cpu::im2col_detail

namespace gan::kernels::cpu {

// Elements of the padded-plane scratch im2col/col2im need (one per thread).
inline int64_t im2col_plane_size(const Conv2dParams& q) {
  const int64_t hp = q.h_in + 2 * q.pad_h, wp = q.w_in + 2 * q.pad_w;
  return hp * wp + 2 * hp * ((wp + 1) / 2);  // the padded plane, then its two phases
}

// x_g [Cg_in, H_in, W_in] -> col rows (c,ki,kj) of P columns, row r at col + r*ld.
template <class T>
void im2col(const Conv2dParams& q, int64_t cg_in, const T* x, T* col, int64_t ld, T* plane) {
  using namespace im2col_detail;
  if (q.stride_w == 1) return im2col_planes<1>(q, cg_in, x, col, ld, plane);
  if (q.stride_w == 2) return im2col_planes_s2(q, cg_in, x, col, ld, plane);
  im2col_planes<0>(q, cg_in, x, col, ld, plane);
}

// dx_g [Cg_in, H_in, W_in] = col scattered back (overwrites dx_g; overlapping
// windows add up).
template <class T>
void col2im(const Conv2dParams& q, int64_t cg_in, const T* col, int64_t ld, T* dx, T* plane) {
  using namespace im2col_detail;
  if (q.stride_w == 1) return col2im_planes<1>(q, cg_in, col, ld, dx, plane);
  if (q.stride_w == 2) return col2im_planes_s2(q, cg_in, col, ld, dx, plane);
  col2im_planes<0>(q, cg_in, col, ld, dx, plane);
}

}  // namespace gan::kernels::cpu
