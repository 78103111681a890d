// CUDA spatial resampling (resample.h): average pooling and nearest / bilinear
// upsampling, forward and backward, PyTorch semantics. Same launchers as the
// CPU reference (kernels/cpu/resample.cpp), in namespace gan::kernels::cuda,
// with the same validation (avg_pool2d_infer / upsample2d_check run on the
// host before any launch).
//
// Layout: NCHW, contiguous; x [N, C, H_in, W_in], y [N, C, H_out, W_out].
//
// Algorithm: one thread per OUTPUT element of the pass, grid-stride over the
// flat NCHW index (W innermost, so consecutive threads write consecutive
// addresses; blocks of 256 threads, at most 4096 blocks).
//   forward   y element = its window average / its nearest source pixel / its
//             two-by-two bilinear blend, computed from the indices alone (the
//             bilinear taps are evaluated per output in double, exactly as the
//             reference's per-axis tables are built);
//   backward  a GATHER, not a scatter: each dx element finds the outputs whose
//             window / nearest source / bilinear taps contain it and sums their
//             contributions itself. No atomics, one writer per element, so the
//             result is deterministic and dx is overwritten (no zero pass).
//             The contributing outputs are visited in the reference's order
//             (oh, ow row-major; the four bilinear taps in its order), so every
//             sum is the reference's sum, term for term. The ranges are closed
//             form for pooling (oh in [ceil((ih+pad-k+1)/s), floor((ih+pad)/s)])
//             and nearest (oh in [ceil(ih*out/in), ceil((ih+1)*out/in))); for
//             bilinear a binary search finds the first output whose lower tap
//             is >= ih-1 (taps are monotone in the output coordinate), then the
//             loop runs while the lower tap is <= ih.
// Products and sums of the bilinear blend use __fmul_rn/__fadd_rn (double: _d*)
// so nvcc cannot contract them into FMAs: the GPU result is then the same
// rounding sequence as the reference's.
//
// Napkin math (memory bound; sizeof(T) = 4 for float):
//   avg_pool2d  fprop: K = kh*kw loads (cached) + 1 store per output; DRAM
//               ~4*(|x| + |y|) B. bprop: ceil(kh/sh)*ceil(kw/sw) dy loads per dx.
//   nearest     0 FLOPs; fprop 4*(|x| + |y|) B; bprop (out/in)^2 dy loads per dx.
//   bilinear    ~8 FLOPs + ~10 FP64 index ops per output; bprop ~(2*out/in)^2
//               candidate outputs per dx plus 2*log2(out) tap evaluations.
// e.g. 2x upsampling of [64, 128, 32, 32] float: 33.5 MB in, 134 MB out,
// ~56 us at 3 TB/s; the FP64 tap math (~10 ops x 33.5M outputs) stays under
// the memory time on an H100 (67 TFLOP/s FP64) and costs ~4x more on FP64-
// starved parts.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"
#include "gan/kernels/resample.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

GAN_DEVICE_INLINE int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
GAN_DEVICE_INLINE int64_t imax(int64_t a, int64_t b) { return a < b ? b : a; }

// Uncontracted arithmetic (no FMA), overloaded on float/double.
GAN_DEVICE_INLINE float mul_rn(float a, float b) { return __fmul_rn(a, b); }
GAN_DEVICE_INLINE double mul_rn(double a, double b) { return __dmul_rn(a, b); }
GAN_DEVICE_INLINE float add_rn(float a, float b) { return __fadd_rn(a, b); }
GAN_DEVICE_INLINE double add_rn(double a, double b) { return __dadd_rn(a, b); }

std::string str(int64_t v) { return std::to_string(v); }

// As the reference: re-infer on a copy, the given h_out/w_out must agree.
Pool2dParams checked_pool(const Pool2dParams& p) {
  Pool2dParams q = p;
  avg_pool2d_infer(q);
  if (q.h_out != p.h_out || q.w_out != p.w_out) {
    fail("avg_pool2d", "h_out x w_out " + str(p.h_out) + "x" + str(p.w_out) + " does not match " + str(q.h_out) +
                           "x" + str(q.w_out) + " from the sizes (call avg_pool2d_infer)");
  }
  return q;  // strides resolved
}

// ---- average pooling ------------------------------------------------------------------

// One window clipped to the real input, and its divisor (the reference's window()).
struct Window {
  int64_t h0, h1, w0, w1, divisor;
};
GAN_DEVICE_INLINE Window pool_window(const Pool2dParams& q, int64_t oh, int64_t ow) {
  int64_t h0 = oh * q.stride_h - q.pad_h, w0 = ow * q.stride_w - q.pad_w;
  int64_t h1 = imin(h0 + q.kh, q.h_in + q.pad_h), w1 = imin(w0 + q.kw, q.w_in + q.pad_w);
  const int64_t padded_area = (h1 - h0) * (w1 - w0);
  h0 = imax(h0, 0);
  w0 = imax(w0, 0);
  h1 = imin(h1, q.h_in);
  w1 = imin(w1, q.w_in);
  return {h0, h1, w0, w1, q.count_include_pad ? padded_area : (h1 - h0) * (w1 - w0)};
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    avg_pool2d_fprop_kernel(int64_t total, Pool2dParams q, const T* __restrict__ x, T* __restrict__ y) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
    const int64_t ow = i % q.w_out, t = i / q.w_out;
    const int64_t oh = t % q.h_out, plane = t / q.h_out;
    const Window win = pool_window(q, oh, ow);
    const T* xp = x + plane * q.h_in * q.w_in;
    T sum = 0;
    for (int64_t ih = win.h0; ih < win.h1; ++ih)
      for (int64_t iw = win.w0; iw < win.w1; ++iw) sum += xp[ih * q.w_in + iw];
    y[i] = win.divisor > 0 ? sum / static_cast<T>(win.divisor) : T(0);
  }
}

// Outputs along one axis whose window [o*s - pad, +k) contains input i: [lo, hi].
GAN_DEVICE_INLINE void pool_range(int64_t i, int64_t k, int64_t s, int64_t pad, int64_t out, int64_t& lo,
                                  int64_t& hi) {
  const int64_t a = i + pad - k;  // o*s > a
  lo = a < 0 ? 0 : a / s + 1;
  hi = imin((i + pad) / s, out - 1);  // o*s <= i + pad
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    avg_pool2d_bprop_gather_kernel(int64_t total, Pool2dParams q, const T* __restrict__ dy, T* __restrict__ dx) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
    const int64_t iw = i % q.w_in, t = i / q.w_in;
    const int64_t ih = t % q.h_in, plane = t / q.h_in;
    int64_t oh0, oh1, ow0, ow1;
    pool_range(ih, q.kh, q.stride_h, q.pad_h, q.h_out, oh0, oh1);
    pool_range(iw, q.kw, q.stride_w, q.pad_w, q.w_out, ow0, ow1);
    const T* dyp = dy + plane * q.h_out * q.w_out;
    T acc = 0;
    for (int64_t oh = oh0; oh <= oh1; ++oh) {
      for (int64_t ow = ow0; ow <= ow1; ++ow) {
        const Window win = pool_window(q, oh, ow);  // contains (ih, iw), so divisor >= 1
        acc += dyp[oh * q.w_out + ow] / static_cast<T>(win.divisor);
      }
    }
    dx[i] = acc;
  }
}

// ---- nearest --------------------------------------------------------------------------

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    upsample_nearest2d_fprop_kernel(int64_t total, Upsample2dParams p, const T* __restrict__ x, T* __restrict__ y) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
    const int64_t ow = i % p.w_out, t = i / p.w_out;
    const int64_t oh = t % p.h_out, plane = t / p.h_out;
    const int64_t ih = imin(oh * p.h_in / p.h_out, p.h_in - 1), iw = imin(ow * p.w_in / p.w_out, p.w_in - 1);
    y[i] = x[(plane * p.h_in + ih) * p.w_in + iw];
  }
}

// floor(o*in/out) == i  <=>  o in [ceil(i*out/in), ceil((i+1)*out/in)).
template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    upsample_nearest2d_bprop_gather_kernel(int64_t total, Upsample2dParams p, const T* __restrict__ dy,
                                           T* __restrict__ dx) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
    const int64_t iw = i % p.w_in, t = i / p.w_in;
    const int64_t ih = t % p.h_in, plane = t / p.h_in;
    const int64_t oh0 = (ih * p.h_out + p.h_in - 1) / p.h_in;
    const int64_t oh1 = imin(((ih + 1) * p.h_out + p.h_in - 1) / p.h_in, p.h_out);
    const int64_t ow0 = (iw * p.w_out + p.w_in - 1) / p.w_in;
    const int64_t ow1 = imin(((iw + 1) * p.w_out + p.w_in - 1) / p.w_in, p.w_out);
    const T* dyp = dy + plane * p.h_out * p.w_out;
    T acc = 0;
    for (int64_t oh = oh0; oh < oh1; ++oh)
      for (int64_t ow = ow0; ow < ow1; ++ow) acc += dyp[oh * p.w_out + ow];
    dx[i] = acc;
  }
}

// ---- bilinear -------------------------------------------------------------------------

double bilinear_scale(int64_t in, int64_t out, bool align_corners) {
  return align_corners ? (out > 1 ? double(in - 1) / double(out - 1) : 0.0) : double(in) / double(out);
}

// Lower source index of output coordinate d (the reference's bilinear_taps entry).
GAN_DEVICE_INLINE double tap_source(double scale, bool align_corners, int64_t d) {
  const double src = align_corners ? __dmul_rn(scale, static_cast<double>(d))
                                   : __dadd_rn(__dmul_rn(scale, __dadd_rn(static_cast<double>(d), 0.5)), -0.5);
  return src < 0.0 ? 0.0 : src;  // half-pixel centres reach -0.5*scale at the border
}
GAN_DEVICE_INLINE int64_t tap_index(int64_t in, double src) { return imin(static_cast<int64_t>(src), in - 1); }

template <class T>
struct Tap {
  int64_t i0, i1;
  T l0, l1;
};
template <class T>
GAN_DEVICE_INLINE Tap<T> bilinear_tap(int64_t in, double scale, bool align_corners, int64_t d) {
  const double src = tap_source(scale, align_corners, d);
  const int64_t i = tap_index(in, src);
  double lambda = src - static_cast<double>(i);
  lambda = lambda > 1.0 ? 1.0 : lambda;
  return {i, i < in - 1 ? i + 1 : i, static_cast<T>(1.0 - lambda), static_cast<T>(lambda)};
}

// First output coordinate whose lower tap is >= target (taps are nondecreasing in d).
GAN_DEVICE_INLINE int64_t first_tap_at_least(int64_t in, int64_t out, double scale, bool align_corners,
                                             int64_t target) {
  int64_t lo = 0, hi = out;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (tap_index(in, tap_source(scale, align_corners, mid)) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    upsample_bilinear2d_fprop_kernel(int64_t total, Upsample2dParams p, double scale_h, double scale_w,
                                     const T* __restrict__ x, T* __restrict__ y) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
    const int64_t ow = i % p.w_out, t = i / p.w_out;
    const int64_t oh = t % p.h_out, plane = t / p.h_out;
    const Tap<T> th = bilinear_tap<T>(p.h_in, scale_h, p.align_corners, oh);
    const Tap<T> tw = bilinear_tap<T>(p.w_in, scale_w, p.align_corners, ow);
    const T* r0 = x + (plane * p.h_in + th.i0) * p.w_in;
    const T* r1 = x + (plane * p.h_in + th.i1) * p.w_in;
    // a0 * (l0 * r0[j0] + l1 * r0[j1]) + a1 * (l0 * r1[j0] + l1 * r1[j1]), as the reference
    const T top = add_rn(mul_rn(tw.l0, r0[tw.i0]), mul_rn(tw.l1, r0[tw.i1]));
    const T bottom = add_rn(mul_rn(tw.l0, r1[tw.i0]), mul_rn(tw.l1, r1[tw.i1]));
    y[i] = add_rn(mul_rn(th.l0, top), mul_rn(th.l1, bottom));
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    upsample_bilinear2d_bprop_gather_kernel(int64_t total, Upsample2dParams p, double scale_h, double scale_w,
                                            const T* __restrict__ dy, T* __restrict__ dx) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
    const int64_t iw = i % p.w_in, t = i / p.w_in;
    const int64_t ih = t % p.h_in, plane = t / p.h_in;
    const int64_t oh0 = first_tap_at_least(p.h_in, p.h_out, scale_h, p.align_corners, ih - 1);
    const int64_t ow0 = first_tap_at_least(p.w_in, p.w_out, scale_w, p.align_corners, iw - 1);
    const T* dyp = dy + plane * p.h_out * p.w_out;
    T acc = 0;
    for (int64_t oh = oh0; oh < p.h_out; ++oh) {
      const Tap<T> th = bilinear_tap<T>(p.h_in, scale_h, p.align_corners, oh);
      if (th.i0 > ih) break;
      const bool h0 = th.i0 == ih, h1 = th.i1 == ih;
      if (!h0 && !h1) continue;
      for (int64_t ow = ow0; ow < p.w_out; ++ow) {
        const Tap<T> tw = bilinear_tap<T>(p.w_in, scale_w, p.align_corners, ow);
        if (tw.i0 > iw) break;
        const bool w0 = tw.i0 == iw, w1 = tw.i1 == iw;
        if (!w0 && !w1) continue;
        const T g = dyp[oh * p.w_out + ow];
        // The reference's four scatter-adds for (oh, ow), in its order: (i0,j0) (i0,j1) (i1,j0) (i1,j1).
        if (h0 && w0) acc = add_rn(acc, mul_rn(mul_rn(th.l0, tw.l0), g));
        if (h0 && w1) acc = add_rn(acc, mul_rn(mul_rn(th.l0, tw.l1), g));
        if (h1 && w0) acc = add_rn(acc, mul_rn(mul_rn(th.l1, tw.l0), g));
        if (h1 && w1) acc = add_rn(acc, mul_rn(mul_rn(th.l1, tw.l1), g));
      }
    }
    dx[i] = acc;
  }
}

}  // namespace

template <class T>
void avg_pool2d_fprop(const Pool2dParams& p, const T* x, T* y, Stream s) {
  const Pool2dParams q = checked_pool(p);
  const int64_t total = q.n * q.c * q.h_out * q.w_out;
  GAN_LAUNCH(grid_for(total), kThreads, 0, stream_of(s), avg_pool2d_fprop_kernel<T>)(total, q, x, y);
  check_launch("avg_pool2d_fprop");
}

template <class T>
void avg_pool2d_bprop(const Pool2dParams& p, const T* dy, T* dx, Stream s) {
  const Pool2dParams q = checked_pool(p);
  const int64_t total = q.n * q.c * q.h_in * q.w_in;
  GAN_LAUNCH(grid_for(total), kThreads, 0, stream_of(s), avg_pool2d_bprop_gather_kernel<T>)(total, q, dy, dx);
  check_launch("avg_pool2d_bprop");
}

template <class T>
void upsample_nearest2d_fprop(const Upsample2dParams& p, const T* x, T* y, Stream s) {
  upsample2d_check(p, "upsample_nearest2d");
  const int64_t total = p.n * p.c * p.h_out * p.w_out;
  GAN_LAUNCH(grid_for(total), kThreads, 0, stream_of(s), upsample_nearest2d_fprop_kernel<T>)(total, p, x, y);
  check_launch("upsample_nearest2d_fprop");
}

template <class T>
void upsample_nearest2d_bprop(const Upsample2dParams& p, const T* dy, T* dx, Stream s) {
  upsample2d_check(p, "upsample_nearest2d");
  const int64_t total = p.n * p.c * p.h_in * p.w_in;
  GAN_LAUNCH(grid_for(total), kThreads, 0, stream_of(s), upsample_nearest2d_bprop_gather_kernel<T>)(total, p, dy, dx);
  check_launch("upsample_nearest2d_bprop");
}

template <class T>
void upsample_bilinear2d_fprop(const Upsample2dParams& p, const T* x, T* y, Stream s) {
  upsample2d_check(p, "upsample_bilinear2d");
  const int64_t total = p.n * p.c * p.h_out * p.w_out;
  const double sh = bilinear_scale(p.h_in, p.h_out, p.align_corners);
  const double sw = bilinear_scale(p.w_in, p.w_out, p.align_corners);
  GAN_LAUNCH(grid_for(total), kThreads, 0, stream_of(s), upsample_bilinear2d_fprop_kernel<T>)(total, p, sh, sw, x, y);
  check_launch("upsample_bilinear2d_fprop");
}

template <class T>
void upsample_bilinear2d_bprop(const Upsample2dParams& p, const T* dy, T* dx, Stream s) {
  upsample2d_check(p, "upsample_bilinear2d");
  const int64_t total = p.n * p.c * p.h_in * p.w_in;
  const double sh = bilinear_scale(p.h_in, p.h_out, p.align_corners);
  const double sw = bilinear_scale(p.w_in, p.w_out, p.align_corners);
  GAN_LAUNCH(grid_for(total), kThreads, 0, stream_of(s), upsample_bilinear2d_bprop_gather_kernel<T>)(total, p, sh, sw,
                                                                                                      dy, dx);
  check_launch("upsample_bilinear2d_bprop");
}

#define GAN_INSTANTIATE_RESAMPLE(T)                                                          \
  template void avg_pool2d_fprop<T>(const Pool2dParams&, const T*, T*, Stream);              \
  template void avg_pool2d_bprop<T>(const Pool2dParams&, const T*, T*, Stream);              \
  template void upsample_nearest2d_fprop<T>(const Upsample2dParams&, const T*, T*, Stream);  \
  template void upsample_nearest2d_bprop<T>(const Upsample2dParams&, const T*, T*, Stream);  \
  template void upsample_bilinear2d_fprop<T>(const Upsample2dParams&, const T*, T*, Stream); \
  template void upsample_bilinear2d_bprop<T>(const Upsample2dParams&, const T*, T*, Stream);
GAN_INSTANTIATE_RESAMPLE(float)
GAN_INSTANTIATE_RESAMPLE(double)
#undef GAN_INSTANTIATE_RESAMPLE

}  // namespace gan::kernels::cuda
