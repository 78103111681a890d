// Conv2d fprop / dgrad / wgrad and bias_grad, CPU reference (PyTorch semantics).
//
// Layout (NCHW): x [N, C_in, H_in, W_in], w [C_out, C_in/G, KH, KW],
// y [N, C_out, H_out, W_out], G = groups. Per group, Cg_in = C_in/G input and
// Cg_out = C_out/G output channels; Kg = Cg_in*KH*KW; P = H_out*W_out.
//
// Algorithm: im2col + GEMM. For a block of nb samples and one group:
//   col [Kg, nb*P]        im2col: col[(c,ki,kj)][s*P + oh*W_out + ow]
//                           = x[s, c, oh*stride_h - pad_h + ki*dil_h, ow*stride_w - pad_w + kj*dil_w] (0 outside)
//   fprop: y_g  [Cg_out, nb*P] = w_g [Cg_out, Kg] * col
//   dgrad: col  [Kg, nb*P]     = w_g^T * dy_g [Cg_out, nb*P], then col2im scatter-adds into dx
//   wgrad: dw_g [Cg_out, Kg]  += dy_g * col^T
// Samples are blocked (nb > 1) when P is small (7x7 maps, 1x1 inputs) so the
// GEMM's column count stays large; dy/y are then gathered/scattered between
// [nb, Cg_out, P] and [Cg_out, nb*P]. A 1x1, stride 1, pad 0 conv skips
// im2col when nb == 1: x itself is the column matrix. A "dense" conv (one
// output pixel, the kernel covering the unpadded input, groups 1) is a linear
// layer: x [N, Kg], one GEMM per pass over the whole batch.
// im2col/col2im go through a zero-padded copy of each plane (im2col.h).
// Parallelism: parallel_for over (sample block, group) items, each chunk with
// its own buffers; wgrad sums per-chunk partial dw in a fixed order. When there
// is a single item the GEMM parallelises itself (gemm.cpp).
//
// Napkin math (each pass): FLOPs = 2*N*C_out*H_out*W_out*(C_in/G)*KH*KW;
// minimum bytes = sizeof(T)*(|x| + |w| + |y|). im2col adds sizeof(T)*Kg*P per
// sample and group of buffer traffic, i.e. a KH*KW/(stride_h*stride_w) blow-up
// of x: for DCGAN's 4x4 stride 2 that is 4x, cheap next to the GEMM.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gan/kernels/conv.h"
#include "gan/kernels/cpu_parallel.h"
#include "gan/kernels/gemm.h"
#include "im2col.h"

namespace gan::kernels {
namespace {

std::string str(int64_t v) { return std::to_string(v); }

}  // namespace

void conv2d_infer(Conv2dParams& p) {
  if (p.n < 1 || p.c_in < 1 || p.h_in < 1 || p.w_in < 1 || p.c_out < 1 || p.kh < 1 ||
      p.kw < 1) {
    fail("conv2d", "sizes must be positive: n " + str(p.n) + ", c_in " + str(p.c_in) +
                       ", h_in " + str(p.h_in) + ", w_in " + str(p.w_in) + ", c_out " +
                       str(p.c_out) + ", kh " + str(p.kh) + ", kw " + str(p.kw));
  }
  if (p.stride_h < 1 || p.stride_w < 1 || p.dil_h < 1 || p.dil_w < 1 || p.pad_h < 0 ||
      p.pad_w < 0) {
    fail("conv2d", "stride and dilation must be >= 1 and padding >= 0: stride " +
                       str(p.stride_h) + "x" + str(p.stride_w) + ", dil " + str(p.dil_h) + "x" +
                       str(p.dil_w) + ", pad " + str(p.pad_h) + "x" + str(p.pad_w));
  }
  if (p.groups < 1 || p.c_in % p.groups != 0 || p.c_out % p.groups != 0) {
    fail("conv2d", "c_in " + str(p.c_in) + " and c_out " + str(p.c_out) +
                       " must be divisible by groups " + str(p.groups));
  }
  // Span of the dilated kernel: dil*(k-1) + 1 must fit in the padded input.
  const int64_t num_h = p.h_in + 2 * p.pad_h - p.dil_h * (p.kh - 1) - 1;
  const int64_t num_w = p.w_in + 2 * p.pad_w - p.dil_w * (p.kw - 1) - 1;
  if (num_h < 0 || num_w < 0) {
    fail("conv2d", "output would be empty: padded input " + str(p.h_in + 2 * p.pad_h) + "x" +
                       str(p.w_in + 2 * p.pad_w) + " is smaller than the dilated kernel " +
                       str(p.dil_h * (p.kh - 1) + 1) + "x" + str(p.dil_w * (p.kw - 1) + 1));
  }
  p.h_out = num_h / p.stride_h + 1;
  p.w_out = num_w / p.stride_w + 1;
}

namespace cpu {
namespace {

// Columns per GEMM we aim for when blocking samples (keeps BLAS micro-kernels busy).
constexpr int64_t kTargetCols = 256;

// How a conv is cut into work items; shared by the three passes.
struct Plan {
  int64_t cg_in = 0, cg_out = 0;  // channels per group
  int64_t kg = 0;                 // Cg_in*KH*KW: rows of col
  int64_t hw_in = 0, p = 0;       // H_in*W_in, H_out*W_out
  int64_t nb = 1;                 // most samples per GEMM (block sizes differ by <= 1)
  int64_t nblocks = 0, items = 0; // items = nblocks * groups, block-major
  bool direct = false;            // 1x1/s1/p0, nb == 1: x is the column matrix
  bool dense = false;             // kernel covers the unpadded input: a linear layer
};

Plan make_plan(const Conv2dParams& q) {
  Plan pl;
  pl.cg_in = q.c_in / q.groups;
  pl.cg_out = q.c_out / q.groups;
  pl.kg = pl.cg_in * q.kh * q.kw;
  pl.hw_in = q.h_in * q.w_in;
  pl.p = q.h_out * q.w_out;
  // Sample blocks: about kTargetCols columns each, and a multiple of the
  // thread count when the batch allows, with sizes differing by at most one
  // sample, so every thread gets the same number of samples (N = 64, 7x7
  // outputs, 2 threads: 12 blocks of 5-6 samples, not 11 blocks of 6 split 5/6).
  const int64_t threads = num_threads();
  const int64_t per_thread = (q.n + threads - 1) / threads;
  const int64_t nb0 = std::clamp<int64_t>((kTargetCols + pl.p - 1) / pl.p, 1, per_thread);
  pl.nblocks = std::min<int64_t>(q.n, threads * ((per_thread + nb0 - 1) / nb0));
  pl.nb = (q.n + pl.nblocks - 1) / pl.nblocks;
  pl.items = pl.nblocks * q.groups;
  pl.direct = q.kh == 1 && q.kw == 1 && q.stride_h == 1 && q.stride_w == 1 && q.pad_h == 0 &&
              q.pad_w == 0 && q.h_out == q.h_in && q.w_out == q.w_in && pl.nb == 1;
  // DCGAN's 7x7 head (128x7x7 -> 1) and the generator's first layer (a ConvT
  // 100 -> 128 7x7 on 1x1, whose passes are this conv's): one output pixel
  // whose window is the whole input, so x [N, Kg] is already the column
  // matrix and im2col would copy one element per 1-column row.
  pl.dense = q.groups == 1 && pl.p == 1 && q.pad_h == 0 && q.pad_w == 0 && q.kh == q.h_in &&
             q.kw == q.w_in;
  return pl;
}

// First sample of block b (blocks split [0, N) evenly; block b has at most nb samples).
int64_t block_begin(const Conv2dParams& q, const Plan& pl, int64_t b) { return q.n * b / pl.nblocks; }

// Uninitialised scratch (every element is written before it is read): a
// zero-filled std::vector would add a memset of up to |col| per call.
template <class T>
std::unique_ptr<T[]> scratch(int64_t n) {
  return std::unique_ptr<T[]>(new T[static_cast<size_t>(std::max<int64_t>(n, 1))]);
}

// Row-major [m, n] * [n, k]-style GEMM with natural leading dimensions; serial
// inside a parallel_for chunk, parallel when called from a single item.
template <class T>
void gemm1(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, const T* b, T beta,
           T* c) {
  GemmParams g;
  g.m = m;
  g.n = n;
  g.k = k;
  g.trans_a = ta;
  g.trans_b = tb;
  g.beta = static_cast<double>(beta);
  gemm(g, a, b, c);
}

void check_launch(const Conv2dParams& p) {
  Conv2dParams q = p;
  conv2d_infer(q);
  if (q.h_out != p.h_out || q.w_out != p.w_out) {
    fail("conv2d", "h_out x w_out " + str(p.h_out) + "x" + str(p.w_out) + " does not match " +
                       str(q.h_out) + "x" + str(q.w_out) + " from the sizes (call conv2d_infer)");
  }
}

}  // namespace

template <class T>
void conv2d_fprop_im2col_gemm(const Conv2dParams& q, const T* x, const T* w, const T* bias,
                              T* y, Stream) {
  const Plan pl = make_plan(q);
  if (pl.dense) {  // y [N, C_out] = x [N, Kg] * w^T, w [C_out, Kg]
    gemm1(false, true, q.n, q.c_out, pl.kg, x, w, T(0), y);
    if (bias) {
      for (int64_t s = 0; s < q.n; ++s)
        for (int64_t co = 0; co < q.c_out; ++co) y[s * q.c_out + co] += bias[co];
    }
    return;
  }
  parallel_for(pl.items, 1, [&](int64_t begin, int64_t end) {
    const auto col = scratch<T>(pl.direct ? 0 : pl.kg * pl.nb * pl.p);  // [Kg, nb*P]
    const auto tmp = scratch<T>(pl.nb > 1 ? pl.cg_out * pl.nb * pl.p : 0);  // [Cg_out, nb*P]
    const auto plane = scratch<T>(im2col_plane_size(q));  // padded [Hp, Wp]
    for (int64_t it = begin; it < end; ++it) {
      const int64_t g = it % q.groups;
      const int64_t n0 = block_begin(q, pl, it / q.groups);
      const int64_t cnt = block_begin(q, pl, it / q.groups + 1) - n0;
      const int64_t cols = cnt * pl.p;
      const T* wg = w + g * pl.cg_out * pl.kg;  // [Cg_out, Kg]
      const T* src = x + (n0 * q.c_in + g * pl.cg_in) * pl.hw_in;
      if (!pl.direct) {
        for (int64_t s = 0; s < cnt; ++s) im2col(q, pl.cg_in, src + s * q.c_in * pl.hw_in, col.get() + s * pl.p, cols, plane.get());
        src = col.get();
      }
      T* yg = y + (n0 * q.c_out + g * pl.cg_out) * pl.p;  // sample n0: [Cg_out, P]
      T* dst = cnt == 1 ? yg : tmp.get();
      gemm1(false, false, pl.cg_out, cols, pl.kg, wg, src, T(0), dst);
      // Scatter [Cg_out, cnt*P] back to [cnt, C_out, P] (identity for cnt == 1), adding bias.
      for (int64_t s = 0; s < cnt; ++s) {
        for (int64_t co = 0; co < pl.cg_out; ++co) {
          T* yr = yg + (s * q.c_out + co) * pl.p;
          const T b = bias ? bias[g * pl.cg_out + co] : T(0);
          if (cnt == 1) {
            if (bias) for (int64_t i = 0; i < pl.p; ++i) yr[i] += b;
          } else {
            const T* tr = tmp.get() + co * cols + s * pl.p;
            for (int64_t i = 0; i < pl.p; ++i) yr[i] = tr[i] + b;
          }
        }
      }
    }
  });
}

template <class T>
void conv2d_dgrad_gemm_col2im(const Conv2dParams& q, const T* dy, const T* w, T* dx, Stream) {
  const Plan pl = make_plan(q);
  if (pl.dense) {  // dx [N, Kg] = dy [N, C_out] * w [C_out, Kg]
    gemm1(false, false, q.n, pl.kg, q.c_out, dy, w, T(0), dx);
    return;
  }
  parallel_for(pl.items, 1, [&](int64_t begin, int64_t end) {
    const auto col = scratch<T>(pl.direct ? 0 : pl.kg * pl.nb * pl.p);  // [Kg, nb*P]
    const auto tmp = scratch<T>(pl.nb > 1 ? pl.cg_out * pl.nb * pl.p : 0);  // [Cg_out, nb*P]
    const auto plane = scratch<T>(im2col_plane_size(q));  // padded [Hp, Wp]
    for (int64_t it = begin; it < end; ++it) {
      const int64_t g = it % q.groups;
      const int64_t n0 = block_begin(q, pl, it / q.groups);
      const int64_t cnt = block_begin(q, pl, it / q.groups + 1) - n0;
      const int64_t cols = cnt * pl.p;
      const T* wg = w + g * pl.cg_out * pl.kg;
      const T* dyg = dy + (n0 * q.c_out + g * pl.cg_out) * pl.p;
      T* dxg = dx + (n0 * q.c_in + g * pl.cg_in) * pl.hw_in;
      if (pl.direct) {  // dx_g [Cg_in, HW] = w_g^T [Cg_in, Cg_out] * dy_g [Cg_out, HW]
        gemm1(true, false, pl.cg_in, pl.p, pl.cg_out, wg, dyg, T(0), dxg);
        continue;
      }
      const T* src = dyg;
      if (cnt > 1) {  // gather [cnt, C_out, P] -> [Cg_out, cnt*P]
        for (int64_t co = 0; co < pl.cg_out; ++co)
          for (int64_t s = 0; s < cnt; ++s)
            std::copy_n(dyg + (s * q.c_out + co) * pl.p, pl.p, tmp.get() + co * cols + s * pl.p);
        src = tmp.get();
      }
      gemm1(true, false, pl.kg, cols, pl.cg_out, wg, src, T(0), col.get());
      for (int64_t s = 0; s < cnt; ++s)
        col2im(q, pl.cg_in, col.get() + s * pl.p, cols, dxg + s * q.c_in * pl.hw_in, plane.get());
    }
  });
}

template <class T>
void conv2d_wgrad_im2col_gemm(const Conv2dParams& q, const T* x, const T* dy, T* dw, Stream) {
  const Plan pl = make_plan(q);
  if (pl.dense) {  // dw [C_out, Kg] = dy^T [C_out, N] * x [N, Kg]; one GEMM, K = N unsplit
    gemm1(true, false, q.c_out, pl.kg, q.n, dy, x, T(0), dw);
    return;
  }
  const int64_t wsize = q.c_out * pl.kg;  // |dw| = C_out * Cg_in*KH*KW
  const int64_t chunks = std::min<int64_t>(num_threads(), pl.items);
  // Chunk 0 accumulates into dw itself, chunks 1.. into partial buffers that
  // are summed in a fixed order afterwards (deterministic for a thread count).
  std::vector<T> partial((chunks - 1) * wsize);
  parallel_for(chunks, 1, [&](int64_t cbegin, int64_t cend) {
    const auto col = scratch<T>(pl.direct ? 0 : pl.kg * pl.nb * pl.p);  // [Kg, nb*P]
    const auto tmp = scratch<T>(pl.nb > 1 ? pl.cg_out * pl.nb * pl.p : 0);  // [Cg_out, nb*P]
    const auto plane = scratch<T>(im2col_plane_size(q));  // padded [Hp, Wp]
    for (int64_t ch = cbegin; ch < cend; ++ch) {
      T* acc = ch == 0 ? dw : partial.data() + (ch - 1) * wsize;
      std::fill(acc, acc + wsize, T(0));
      for (int64_t it = pl.items * ch / chunks; it < pl.items * (ch + 1) / chunks; ++it) {
        const int64_t g = it % q.groups;
        const int64_t n0 = block_begin(q, pl, it / q.groups);
        const int64_t cnt = block_begin(q, pl, it / q.groups + 1) - n0;
        const int64_t cols = cnt * pl.p;
        const T* dyg = dy + (n0 * q.c_out + g * pl.cg_out) * pl.p;
        const T* xg = x + (n0 * q.c_in + g * pl.cg_in) * pl.hw_in;
        T* dwg = acc + g * pl.cg_out * pl.kg;  // [Cg_out, Kg]
        if (pl.direct) {  // dw_g += dy_g [Cg_out, HW] * x_g^T [HW, Cg_in]
          gemm1(false, true, pl.cg_out, pl.cg_in, pl.p, dyg, xg, T(1), dwg);
          continue;
        }
        const T* a = dyg;
        if (cnt > 1) {  // gather [cnt, C_out, P] -> [Cg_out, cnt*P]
          for (int64_t co = 0; co < pl.cg_out; ++co)
            for (int64_t s = 0; s < cnt; ++s)
              std::copy_n(dyg + (s * q.c_out + co) * pl.p, pl.p, tmp.get() + co * cols + s * pl.p);
          a = tmp.get();
        }
        for (int64_t s = 0; s < cnt; ++s) im2col(q, pl.cg_in, xg + s * q.c_in * pl.hw_in, col.get() + s * pl.p, cols, plane.get());
        gemm1(false, true, pl.cg_out, pl.kg, cols, a, col.get(), T(1), dwg);
      }
    }
  });
  if (chunks > 1) {
    parallel_for(wsize, 4096, [&](int64_t begin, int64_t end) {
      for (int64_t ch = 1; ch < chunks; ++ch) {
        const T* src = partial.data() + (ch - 1) * wsize;
        for (int64_t i = begin; i < end; ++i) dw[i] += src[i];
      }
    });
  }
}

template <class T>
void conv2d_fprop(const Conv2dParams& p, const T* x, const T* w, const T* bias, T* y, Stream) {
  check_launch(p);
  conv2d_fprop_im2col_gemm(p, x, w, bias, y);
}

template <class T>
void conv2d_dgrad(const Conv2dParams& p, const T* dy, const T* w, T* dx, Stream) {
  check_launch(p);
  conv2d_dgrad_gemm_col2im(p, dy, w, dx);
}

template <class T>
void conv2d_wgrad(const Conv2dParams& p, const T* x, const T* dy, T* dw, Stream) {
  check_launch(p);
  conv2d_wgrad_im2col_gemm(p, x, dy, dw);
}

template <class T>
void bias_grad(int64_t n, int64_t c, int64_t hw, const T* dy, T* db, Stream) {
  if (n < 0 || c < 0 || hw < 0) {
    fail("bias_grad", "negative size: n " + str(n) + ", c " + str(c) + ", hw " + str(hw));
  }
  // dy [n, c, hw] -> db [c]; accumulate in double so a float sum over a large
  // batch of maps does not lose the small terms.
  parallel_for(c, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n * hw)),
               [&](int64_t begin, int64_t end) {
                 for (int64_t ci = begin; ci < end; ++ci) {
                   double acc = 0;
                   for (int64_t ni = 0; ni < n; ++ni) {
                     const T* r = dy + (ni * c + ci) * hw;
                     for (int64_t i = 0; i < hw; ++i) acc += static_cast<double>(r[i]);
                   }
                   db[ci] = static_cast<T>(acc);
                 }
               });
}

#define GAN_INSTANTIATE_CONV2D(T)                                                              \
  template void conv2d_fprop_im2col_gemm<T>(const Conv2dParams&, const T*, const T*, const T*, \
                                            T*, Stream);                                       \
  template void conv2d_dgrad_gemm_col2im<T>(const Conv2dParams&, const T*, const T*, T*, Stream); \
  template void conv2d_wgrad_im2col_gemm<T>(const Conv2dParams&, const T*, const T*, T*, Stream); \
  template void conv2d_fprop<T>(const Conv2dParams&, const T*, const T*, const T*, T*, Stream); \
  template void conv2d_dgrad<T>(const Conv2dParams&, const T*, const T*, T*, Stream);          \
  template void conv2d_wgrad<T>(const Conv2dParams&, const T*, const T*, T*, Stream);          \
  template void bias_grad<T>(int64_t, int64_t, int64_t, const T*, T*, Stream);
GAN_INSTANTIATE_CONV2D(float)
GAN_INSTANTIATE_CONV2D(double)
#undef GAN_INSTANTIATE_CONV2D

}  // namespace cpu
}  // namespace gan::kernels
