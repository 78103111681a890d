// Average pooling and nearest / bilinear upsampling, forward and backward,
// CPU reference (PyTorch semantics).
//
// Layout: NCHW; every (n, c) plane is independent, so all six launchers run
// parallel_for over the N*C planes. Backward passes zero their dx plane and
// scatter-add dy into it (windows and bilinear footprints overlap).
// Upsampling precomputes one table of source indices/weights per axis, so the
// inner loop is a gather with no per-pixel division.
//
// Napkin math (memory-bound; FLOPs are negligible):
//   avg_pool2d:  ~KH*KW adds per output; bytes = sizeof(T)*(|x| + |y|)
//   nearest:     0 FLOPs;                bytes = sizeof(T)*(|x| + |y|)
//   bilinear:    ~6 FLOPs per output;    bytes = sizeof(T)*(|x| + |y|)
// e.g. 2x upsampling of [64, 128, 14, 14] float: 1.6 MB in, 6.4 MB out.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gan/kernels/cpu_parallel.h"
#include "gan/kernels/resample.h"

namespace gan::kernels {
namespace {

std::string str(int64_t v) { return std::to_string(v); }

// Planes per parallel chunk: aim for ~16k elements of work each.
int64_t plane_grain(int64_t plane_elems) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, plane_elems));
}

}  // namespace

void avg_pool2d_infer(Pool2dParams& p) {
  if (p.stride_h == 0) p.stride_h = p.kh;
  if (p.stride_w == 0) p.stride_w = p.kw;
  if (p.n < 1 || p.c < 1 || p.h_in < 1 || p.w_in < 1 || p.kh < 1 || p.kw < 1 ||
      p.stride_h < 1 || p.stride_w < 1) {
    fail("avg_pool2d", "sizes, kernel and stride must be positive: n " + str(p.n) + ", c " +
                           str(p.c) + ", h_in " + str(p.h_in) + ", w_in " + str(p.w_in) +
                           ", kernel " + str(p.kh) + "x" + str(p.kw) + ", stride " +
                           str(p.stride_h) + "x" + str(p.stride_w));
  }
  if (p.pad_h < 0 || p.pad_w < 0 || p.pad_h > p.kh / 2 || p.pad_w > p.kw / 2) {
    fail("avg_pool2d", "padding " + str(p.pad_h) + "x" + str(p.pad_w) +
                           " must be >= 0 and at most half the kernel " + str(p.kh) + "x" +
                           str(p.kw));
  }
  if (p.h_in + 2 * p.pad_h < p.kh || p.w_in + 2 * p.pad_w < p.kw) {
    fail("avg_pool2d", "output would be empty: padded input " + str(p.h_in + 2 * p.pad_h) + "x" +
                           str(p.w_in + 2 * p.pad_w) + " is smaller than the kernel " +
                           str(p.kh) + "x" + str(p.kw));
  }
  p.h_out = (p.h_in + 2 * p.pad_h - p.kh) / p.stride_h + 1;
  p.w_out = (p.w_in + 2 * p.pad_w - p.kw) / p.stride_w + 1;
}

void upsample2d_check(const Upsample2dParams& p, const char* kernel) {
  if (p.n < 1 || p.c < 1 || p.h_in < 1 || p.w_in < 1 || p.h_out < 1 || p.w_out < 1) {
    fail(kernel, "sizes must be positive: n " + str(p.n) + ", c " + str(p.c) + ", in " +
                     str(p.h_in) + "x" + str(p.w_in) + ", out " + str(p.h_out) + "x" +
                     str(p.w_out));
  }
}

namespace cpu {
namespace {

Pool2dParams checked_pool(const Pool2dParams& p) {
  Pool2dParams q = p;
  avg_pool2d_infer(q);
  if (q.h_out != p.h_out || q.w_out != p.w_out) {
    fail("avg_pool2d", "h_out x w_out " + str(p.h_out) + "x" + str(p.w_out) +
                           " does not match " + str(q.h_out) + "x" + str(q.w_out) +
                           " from the sizes (call avg_pool2d_infer)");
  }
  return q;  // strides resolved
}

// One pooling window, clipped to the real input, and its divisor.
struct Window {
  int64_t h0, h1, w0, w1;
  int64_t divisor;
};
Window window(const Pool2dParams& q, int64_t oh, int64_t ow) {
  int64_t h0 = oh * q.stride_h - q.pad_h, w0 = ow * q.stride_w - q.pad_w;
  int64_t h1 = std::min(h0 + q.kh, q.h_in + q.pad_h), w1 = std::min(w0 + q.kw, q.w_in + q.pad_w);
  const int64_t padded_area = (h1 - h0) * (w1 - w0);  // counts padding, not beyond it
  h0 = std::max<int64_t>(h0, 0);
  w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, q.h_in);
  w1 = std::min(w1, q.w_in);
  return {h0, h1, w0, w1, q.count_include_pad ? padded_area : (h1 - h0) * (w1 - w0)};
}

// Per output coordinate along one axis: the two source taps and their weights.
template <class T>
struct Taps {
  std::vector<int64_t> i0, i1;
  std::vector<T> l0, l1;
};
template <class T>
Taps<T> bilinear_taps(int64_t in, int64_t out, bool align_corners) {
  Taps<T> t;
  t.i0.resize(out);
  t.i1.resize(out);
  t.l0.resize(out);
  t.l1.resize(out);
  const double scale = align_corners ? (out > 1 ? double(in - 1) / double(out - 1) : 0.0)
                                     : double(in) / double(out);
  for (int64_t d = 0; d < out; ++d) {
    double src = align_corners ? scale * double(d) : scale * (double(d) + 0.5) - 0.5;
    src = std::max(src, 0.0);  // half-pixel centres reach -0.5*scale at the border
    const int64_t i = std::min<int64_t>(static_cast<int64_t>(src), in - 1);
    const double lambda = std::min(src - double(i), 1.0);
    t.i0[d] = i;
    t.i1[d] = i < in - 1 ? i + 1 : i;
    t.l1[d] = static_cast<T>(lambda);
    t.l0[d] = static_cast<T>(1.0 - lambda);
  }
  return t;
}

std::vector<int64_t> nearest_index(int64_t in, int64_t out) {
  std::vector<int64_t> idx(out);
  for (int64_t d = 0; d < out; ++d) idx[d] = std::min(d * in / out, in - 1);  // floor(d*in/out)
  return idx;
}

}  // namespace

template <class T>
void avg_pool2d_fprop(const Pool2dParams& p, const T* x, T* y, Stream) {
  const Pool2dParams q = checked_pool(p);
  const int64_t hw_in = q.h_in * q.w_in, hw_out = q.h_out * q.w_out;
  parallel_for(q.n * q.c, plane_grain(hw_in), [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const T* xp = x + plane * hw_in;
      T* yp = y + plane * hw_out;
      for (int64_t oh = 0; oh < q.h_out; ++oh) {
        for (int64_t ow = 0; ow < q.w_out; ++ow) {
          const Window win = window(q, oh, ow);
          T sum = 0;
          for (int64_t ih = win.h0; ih < win.h1; ++ih)
            for (int64_t iw = win.w0; iw < win.w1; ++iw) sum += xp[ih * q.w_in + iw];
          yp[oh * q.w_out + ow] = win.divisor > 0 ? sum / static_cast<T>(win.divisor) : T(0);
        }
      }
    }
  });
}

template <class T>
void avg_pool2d_bprop(const Pool2dParams& p, const T* dy, T* dx, Stream) {
  const Pool2dParams q = checked_pool(p);
  const int64_t hw_in = q.h_in * q.w_in, hw_out = q.h_out * q.w_out;
  parallel_for(q.n * q.c, plane_grain(hw_in), [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const T* dyp = dy + plane * hw_out;
      T* dxp = dx + plane * hw_in;
      std::fill(dxp, dxp + hw_in, T(0));
      for (int64_t oh = 0; oh < q.h_out; ++oh) {
        for (int64_t ow = 0; ow < q.w_out; ++ow) {
          const Window win = window(q, oh, ow);
          if (win.divisor <= 0) continue;
          const T g = dyp[oh * q.w_out + ow] / static_cast<T>(win.divisor);
          for (int64_t ih = win.h0; ih < win.h1; ++ih)
            for (int64_t iw = win.w0; iw < win.w1; ++iw) dxp[ih * q.w_in + iw] += g;
        }
      }
    }
  });
}

template <class T>
void upsample_nearest2d_fprop(const Upsample2dParams& p, const T* x, T* y, Stream) {
  upsample2d_check(p, "upsample_nearest2d");
  const std::vector<int64_t> sh = nearest_index(p.h_in, p.h_out);
  const std::vector<int64_t> sw = nearest_index(p.w_in, p.w_out);
  const int64_t hw_in = p.h_in * p.w_in, hw_out = p.h_out * p.w_out;
  parallel_for(p.n * p.c, plane_grain(hw_out), [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const T* xp = x + plane * hw_in;
      T* yp = y + plane * hw_out;
      for (int64_t oh = 0; oh < p.h_out; ++oh) {
        const T* xr = xp + sh[oh] * p.w_in;
        T* yr = yp + oh * p.w_out;
        for (int64_t ow = 0; ow < p.w_out; ++ow) yr[ow] = xr[sw[ow]];
      }
    }
  });
}

template <class T>
void upsample_nearest2d_bprop(const Upsample2dParams& p, const T* dy, T* dx, Stream) {
  upsample2d_check(p, "upsample_nearest2d");
  const std::vector<int64_t> sh = nearest_index(p.h_in, p.h_out);
  const std::vector<int64_t> sw = nearest_index(p.w_in, p.w_out);
  const int64_t hw_in = p.h_in * p.w_in, hw_out = p.h_out * p.w_out;
  parallel_for(p.n * p.c, plane_grain(hw_out), [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const T* dyp = dy + plane * hw_out;
      T* dxp = dx + plane * hw_in;
      std::fill(dxp, dxp + hw_in, T(0));
      for (int64_t oh = 0; oh < p.h_out; ++oh) {
        T* dxr = dxp + sh[oh] * p.w_in;
        const T* dyr = dyp + oh * p.w_out;
        for (int64_t ow = 0; ow < p.w_out; ++ow) dxr[sw[ow]] += dyr[ow];
      }
    }
  });
}

template <class T>
void upsample_bilinear2d_fprop(const Upsample2dParams& p, const T* x, T* y, Stream) {
  upsample2d_check(p, "upsample_bilinear2d");
  const Taps<T> th = bilinear_taps<T>(p.h_in, p.h_out, p.align_corners);
  const Taps<T> tw = bilinear_taps<T>(p.w_in, p.w_out, p.align_corners);
  const int64_t hw_in = p.h_in * p.w_in, hw_out = p.h_out * p.w_out;
  parallel_for(p.n * p.c, plane_grain(hw_out), [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const T* xp = x + plane * hw_in;
      T* yp = y + plane * hw_out;
      for (int64_t oh = 0; oh < p.h_out; ++oh) {
        const T* r0 = xp + th.i0[oh] * p.w_in;
        const T* r1 = xp + th.i1[oh] * p.w_in;
        const T a0 = th.l0[oh], a1 = th.l1[oh];
        T* yr = yp + oh * p.w_out;
        for (int64_t ow = 0; ow < p.w_out; ++ow) {
          const int64_t j0 = tw.i0[ow], j1 = tw.i1[ow];
          yr[ow] = a0 * (tw.l0[ow] * r0[j0] + tw.l1[ow] * r0[j1]) +
                   a1 * (tw.l0[ow] * r1[j0] + tw.l1[ow] * r1[j1]);
        }
      }
    }
  });
}

template <class T>
void upsample_bilinear2d_bprop(const Upsample2dParams& p, const T* dy, T* dx, Stream) {
  upsample2d_check(p, "upsample_bilinear2d");
  const Taps<T> th = bilinear_taps<T>(p.h_in, p.h_out, p.align_corners);
  const Taps<T> tw = bilinear_taps<T>(p.w_in, p.w_out, p.align_corners);
  const int64_t hw_in = p.h_in * p.w_in, hw_out = p.h_out * p.w_out;
  parallel_for(p.n * p.c, plane_grain(hw_out), [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const T* dyp = dy + plane * hw_out;
      T* dxp = dx + plane * hw_in;
      std::fill(dxp, dxp + hw_in, T(0));
      for (int64_t oh = 0; oh < p.h_out; ++oh) {
        T* r0 = dxp + th.i0[oh] * p.w_in;
        T* r1 = dxp + th.i1[oh] * p.w_in;
        const T a0 = th.l0[oh], a1 = th.l1[oh];
        const T* dyr = dyp + oh * p.w_out;
        for (int64_t ow = 0; ow < p.w_out; ++ow) {
          const int64_t j0 = tw.i0[ow], j1 = tw.i1[ow];
          const T g = dyr[ow];
          r0[j0] += a0 * tw.l0[ow] * g;
          r0[j1] += a0 * tw.l1[ow] * g;
          r1[j0] += a1 * tw.l0[ow] * g;
          r1[j1] += a1 * tw.l1[ow] * g;
        }
      }
    }
  });
}

#define GAN_INSTANTIATE_RESAMPLE(T)                                                            \
  template void avg_pool2d_fprop<T>(const Pool2dParams&, const T*, T*, Stream);                \
  template void avg_pool2d_bprop<T>(const Pool2dParams&, const T*, T*, Stream);                \
  template void upsample_nearest2d_fprop<T>(const Upsample2dParams&, const T*, T*, Stream);    \
  template void upsample_nearest2d_bprop<T>(const Upsample2dParams&, const T*, T*, Stream);    \
  template void upsample_bilinear2d_fprop<T>(const Upsample2dParams&, const T*, T*, Stream);   \
  template void upsample_bilinear2d_bprop<T>(const Upsample2dParams&, const T*, T*, Stream);
GAN_INSTANTIATE_RESAMPLE(float)
GAN_INSTANTIATE_RESAMPLE(double)
#undef GAN_INSTANTIATE_RESAMPLE

}  // namespace cpu
}  // namespace gan::kernels
