// CUDA fused attention (attention.h): forward with an online softmax and a
// backward that recomputes P tile by tile; the [N, M] matrix never reaches
// global memory. Same launchers as the CPU reference (kernels/cpu/attention.cpp).
//
// Layout: q [B, N, d], k [B, M, d], v [B, M, dv], o [B, N, dv], lse [B, N].
//
// Thread layout (all three main kernels): a block of 128 threads owns kRows = 16
// rows (query rows for fprop and dq, key rows for dk/dv); kLanes = 8
// consecutive lanes of one warp share a row. Each lane owns the output columns
// c = lane + 8 * j, j < C, in registers, where C = bucket(max(d, dv) / 8) is a
// template parameter in {4, 8, 16, 32} (dims up to 32, 64, 128, 256): this is
// how dv up to 256 fits without splitting dv across blocks (32 float/double
// accumulators per thread; scripts/ptxas-table.sh shows no spills).
// The other side streams through shared memory in tiles of kTile = 16 rows;
// every lane computes kTile / kLanes = 2 of a tile's scores for its row, and
// the 8 lanes of a row combine row maxima and sums with xor-shuffles.
//
// attention_fprop_online_softmax_kernel<T, C>: q tile [16, d] in shared
// memory, loop over k/v tiles: s = scale * q.k (2 per lane), tile max, new
// running max mx' = max(mx, tile max), acc *= exp(mx - mx'),
// p = exp(s - mx') to shared P[16][16], l = l * exp(mx - mx') + sum p,
// acc += P v. End: o = acc / l, lse = mx + log l (Milakov & Gimelshein 2018;
// FlashAttention). Keys past M score -inf (p = 0); every tile holds >= 1 real
// key, so mx' is finite and exp(mx - mx') = 0 on the first tile.
// Backward (FlashAttention-2 split, deterministic, no atomics):
//   attention_bprop_dq_kernel<T, C>: grid over q tiles, loop over k/v tiles:
//     P = exp(scale * q.k - lse), dP = dout.v, dS = P (dP - D), dq += dS k;
//   attention_bprop_dkdv_kernel<T, C>: grid over k/v tiles, loop over q tiles:
//     the same P, dS (transposed roles), dv += P^T dout, dk += dS^T q.
//   D[n] = dout[n] . o[n] is recomputed where it is needed (own rows in the dq
//   kernel, each streamed q tile in the dk/dv kernel: dv FLOPs per row and
//   pass, ~1/(2 * 16) of the main work) instead of a precomputed [B, N]
//   workspace: it stays in double, and it is summed in the same order as dP,
//   so dP - D cancels exactly where it must (M = 1: dq = dk = 0).
//   Each output element has exactly one owning thread: sums run in a fixed order.
// Shared memory (dynamic): fprop 16*17 doubles + 16*(2*(d+1) + dv) T;
// backward 2*16*17 + 32 doubles + 32*(d+1 + dv+1) T. Rows are padded by one
// element so the 4 rows a warp reads at once fall in different banks. For
// d = dv = 256 in double that is ~136 KB (opt-in above 48 KB; sm_80 takes up
// to 163 KB, sm_86/89 only 99 KB: the launch fails there with a KernelError).
//
// Numerics: every dot product, exp, running max/sum and accumulator is DOUBLE
// (Acc), for float inputs too, as the other kernel families reduce in double:
// the scores' rounding would otherwise perturb P by ~eps * |s| relative and
// the backward's dP - D cancels, which float accumulation turned into 2e-4
// relative errors against the reference (measured on the emulator before this
// choice). The q/k/v/dout tiles stay T in shared memory; P and dS are kept
// there in double. The float outputs then match the double reference to the
// last bit almost everywhere (tests/cuda/attention_test.cpp). The price is
// FP64 issue rate: A100/H100 run FP64 at half the FP32 (non-tensor) rate; on
// consumer GPUs (1/64) a float-accumulator variant would be needed. The
// 32-column instantiations (d or dv > 128) use ~200-213 registers: 2 blocks
// (8 warps) per SM by registers, low occupancy; the SAGAN sizes (d <= 32,
// dv <= 128) use the 4..16-column ones (80-150 registers).
//
// Napkin math (SAGAN at 64x64: B = 8, N = M = 4096, d = 32, dv = 128, float):
// FLOPs forward 2*B*N*M*(d + dv) = 43 GFLOP (+ 134 M exp); bytes: q, o once,
// k and v once per q tile (N/16 = 256 passes, mostly from L2: 8*4096*160*4 B
// = 21 MB per pass) versus the materialized path's B*N*M*4 B = 537 MB score
// matrix written, read and written by the softmax, read by P v: ~2.1 GB of
// DRAM traffic, ~0.9 ms at 2.4 TB/s before any arithmetic. These SIMT kernels
// (no tensor cores, FP64 arithmetic) are bound by issue: ~43 GFLOP at
// H100's ~34 TFLOP/s FP64 (non-tensor) ~ 1.3 ms at best.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"
#include "gan/kernels/attention.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

constexpr int kRows = 16;  // rows a block owns
constexpr int kLanes = 8;  // threads per row
constexpr int kTile = 16;  // rows of the streamed side per tile
constexpr int kPerLane = kTile / kLanes;
constexpr int kBlock = kRows * kLanes;  // 128 threads
static_assert(kBlock == 128 && kTile % kLanes == 0, "tile shape");
// __launch_bounds__(128, min_blocks<C>()): without a minimum ptxas chose 56-64
// registers for several instantiations and spilled 4-32 bytes (the same
// heuristic cuda_common.cuh notes for double exp); a minimum per accumulator
// bucket steers it, leaving the 32-column kernels the full 255 registers.
#ifndef GAN_ATTN_MIN_BLOCKS_SMALL
#define GAN_ATTN_MIN_BLOCKS_SMALL 4
#endif
#ifndef GAN_ATTN_MIN_BLOCKS_16
#define GAN_ATTN_MIN_BLOCKS_16 2
#endif
template <int C>
constexpr int min_blocks() {
  return C <= 8 ? GAN_ATTN_MIN_BLOCKS_SMALL : C <= 16 ? GAN_ATTN_MIN_BLOCKS_16 : 1;
}

// Sum / max over the 8 lanes of a row (consecutive lanes of one warp; every
// lane of the warp calls it).
template <class A>
GAN_DEVICE_INLINE A row_sum(A x) {
#pragma unroll
  for (int off = 1; off < kLanes; off <<= 1) x += __shfl_xor_sync(0xffffffffu, x, off);
  return x;
}
template <class A>
GAN_DEVICE_INLINE A row_max(A x) {
#pragma unroll
  for (int off = 1; off < kLanes; off <<= 1) {
    const A y = __shfl_xor_sync(0xffffffffu, x, off);
    x = y > x ? y : x;
  }
  return x;
}

// Copies rows [row0, row0 + kRows) of a [rows, cols] matrix into shared memory
// with leading dimension ld; rows past the end become 0.
template <class T>
GAN_DEVICE_INLINE void load_tile(T* dst, int ld, const T* __restrict__ src, int64_t row0, int64_t rows, int cols) {
  for (int i = static_cast<int>(threadIdx.x); i < kRows * cols; i += kBlock) {
    const int r = i / cols, c = i % cols;
    const int64_t g = row0 + r;
    dst[r * ld + c] = g < rows ? src[g * cols + c] : T(0);
  }
}

// Accumulator type of every kernel here, for float too (see the header comment).
using Acc = double;

template <class T>
GAN_DEVICE_INLINE Acc dot(const T* a, const T* b, int n) {
  Acc s = 0;
  for (int c = 0; c < n; ++c) s += static_cast<Acc>(a[c]) * static_cast<Acc>(b[c]);
  return s;
}

template <class T, int C>
__global__ void __launch_bounds__(kBlock, min_blocks<C>())
    attention_fprop_online_softmax_kernel(int64_t n, int64_t m, int d, int dv, Acc scale, const T* __restrict__ q,
                                          const T* __restrict__ k, const T* __restrict__ v, T* __restrict__ o,
                                          T* __restrict__ lse) {
  GAN_DYNAMIC_SHARED(Acc, smem);
  const int ldq = d + 1;
  Acc* ps = smem;                                          // [kRows][kTile + 1] (Acc first: alignment)
  T* qs = reinterpret_cast<T*>(ps + kRows * (kTile + 1));  // [kRows][d + 1]
  T* ks = qs + kRows * ldq;                                // [kTile][d + 1]
  T* vs = ks + kTile * ldq;                                // [kTile][dv]
  const int r = static_cast<int>(threadIdx.x) / kLanes, lane = static_cast<int>(threadIdx.x) % kLanes;
  const int64_t b = blockIdx.y;
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kRows;
  q += b * n * d;
  k += b * m * d;
  v += b * m * dv;
  load_tile(qs, ldq, q, row0, n, d);
  Acc acc[C];
#pragma unroll
  for (int j = 0; j < C; ++j) acc[j] = 0;
  Acc mx = -d_inf<Acc>(), l = 0;
  for (int64_t k0 = 0; k0 < m; k0 += kTile) {
    __syncthreads();  // the previous tile's ks/vs/ps are consumed (first pass: nothing)
    load_tile(ks, ldq, k + k0 * d, 0, m - k0, d);
    for (int i = static_cast<int>(threadIdx.x); i < kTile * dv; i += kBlock)
      vs[i] = k0 + i / dv < m ? v[k0 * dv + i] : T(0);
    __syncthreads();
    Acc s[kPerLane];
    Acc tmax = -d_inf<Acc>();
#pragma unroll
    for (int j = 0; j < kPerLane; ++j) {
      const int key = lane + kLanes * j;
      s[j] = k0 + key < m ? scale * dot(qs + r * ldq, ks + key * ldq, d) : -d_inf<Acc>();
      tmax = s[j] > tmax ? s[j] : tmax;
    }
    tmax = row_max(tmax);
    const Acc mnew = tmax > mx ? tmax : mx;
    const Acc corr = d_exp(mx - mnew);
    Acc psum = 0;
#pragma unroll
    for (int j = 0; j < kPerLane; ++j) {
      const Acc pj = d_exp(s[j] - mnew);
      ps[r * (kTile + 1) + lane + kLanes * j] = pj;
      psum += pj;
    }
    l = l * corr + row_sum(psum);
    mx = mnew;
    __syncwarp();  // P of this row (written by its 8 lanes) is visible to them
    const int keys = m - k0 < kTile ? static_cast<int>(m - k0) : kTile;
#pragma unroll
    for (int j = 0; j < C; ++j) acc[j] *= corr;
    for (int key = 0; key < keys; ++key) {
      const Acc pk = ps[r * (kTile + 1) + key];
      const T* vr = vs + key * dv;
#pragma unroll
      for (int j = 0; j < C; ++j) {
        const int c = lane + kLanes * j;
        if (c < dv) acc[j] += pk * static_cast<Acc>(vr[c]);
      }
    }
  }
  const int64_t row = row0 + r;
  if (row >= n) return;
  const Acc inv = Acc(1) / l;
#pragma unroll
  for (int j = 0; j < C; ++j) {
    const int c = lane + kLanes * j;
    if (c < dv) o[(b * n + row) * dv + c] = static_cast<T>(acc[j] * inv);
  }
  if (lse != nullptr && lane == 0) lse[b * n + row] = static_cast<T>(mx + d_log(l));
}

// Shared memory of the two backward kernels (the same carve-up): the Acc
// arrays first (8-byte alignment), then the T tiles.
template <class T>
struct BpropSmem {
  Acc *p, *ds;          // [kRows][kTile + 1]: P and dS of (own row, streamed row)
  Acc *lse, *delta;     // [kTile]: of the streamed query rows (dk/dv kernel)
  T *a, *ga, *bt, *gb;  // own rows [kRows][d+1], [kRows][dv+1]; streamed tile [kTile][d+1], [kTile][dv+1]
  GAN_DEVICE_INLINE BpropSmem(Acc* s, int d, int dv) {
    p = s;
    ds = p + kRows * (kTile + 1);
    lse = ds + kRows * (kTile + 1);
    delta = lse + kTile;
    a = reinterpret_cast<T*>(delta + kTile);
    ga = a + kRows * (d + 1);
    bt = ga + kRows * (dv + 1);
    gb = bt + kTile * (d + 1);
  }
};

// dq: a block owns 16 query rows (a = q, ga = dout), streams k (bt) and v (gb).
// D = dout . o of the own rows is computed here, with the same sequential dot
// as dP, so that dP - D is exactly 0 where it should be (M = 1).
template <class T, int C>
__global__ void __launch_bounds__(kBlock, min_blocks<C>())
    attention_bprop_dq_kernel(int64_t n, int64_t m, int d, int dv, Acc scale, const T* __restrict__ q,
                              const T* __restrict__ k, const T* __restrict__ v, const T* __restrict__ o,
                              const T* __restrict__ lse, const T* __restrict__ dout, T* __restrict__ dq) {
  GAN_DYNAMIC_SHARED(Acc, smem);
  BpropSmem<T> sm(smem, d, dv);
  const int r = static_cast<int>(threadIdx.x) / kLanes, lane = static_cast<int>(threadIdx.x) % kLanes;
  const int64_t b = blockIdx.y;
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kRows;
  const int64_t row = row0 + r;
  q += b * n * d;
  dout += b * n * dv;
  o += b * n * dv;
  k += b * m * d;
  v += b * m * dv;
  load_tile(sm.a, d + 1, q, row0, n, d);
  load_tile(sm.ga, dv + 1, dout, row0, n, dv);
  __syncthreads();
  const Acc lse_r = row < n ? static_cast<Acc>(lse[b * n + row]) : Acc(0);
  const Acc delta_r = row < n ? dot(sm.ga + r * (dv + 1), o + row * dv, dv) : Acc(0);
  Acc acc[C];
#pragma unroll
  for (int j = 0; j < C; ++j) acc[j] = 0;
  for (int64_t k0 = 0; k0 < m; k0 += kTile) {
    __syncthreads();
    load_tile(sm.bt, d + 1, k + k0 * d, 0, m - k0, d);
    load_tile(sm.gb, dv + 1, v + k0 * dv, 0, m - k0, dv);
    __syncthreads();
#pragma unroll
    for (int j = 0; j < kPerLane; ++j) {
      const int key = lane + kLanes * j;
      Acc dsj = 0;
      if (k0 + key < m && row < n) {
        const Acc pj = d_exp(scale * dot(sm.a + r * (d + 1), sm.bt + key * (d + 1), d) - lse_r);
        const Acc dp = dot(sm.ga + r * (dv + 1), sm.gb + key * (dv + 1), dv);
        dsj = pj * (dp - delta_r);
      }
      sm.ds[r * (kTile + 1) + key] = dsj;
    }
    __syncwarp();
    const int keys = m - k0 < kTile ? static_cast<int>(m - k0) : kTile;
    for (int key = 0; key < keys; ++key) {
      const Acc dsk = sm.ds[r * (kTile + 1) + key];
      const T* kr = sm.bt + key * (d + 1);
#pragma unroll
      for (int j = 0; j < C; ++j) {
        const int c = lane + kLanes * j;
        if (c < d) acc[j] += dsk * static_cast<Acc>(kr[c]);
      }
    }
  }
  if (row >= n) return;
#pragma unroll
  for (int j = 0; j < C; ++j) {
    const int c = lane + kLanes * j;
    if (c < d) dq[(b * n + row) * d + c] = static_cast<T>(scale * acc[j]);
  }
}

// dk, dv: a block owns 16 key rows (a = k, ga = v), streams q (bt), dout (gb),
// lse and D (recomputed per tile by 16 threads, the same sequential dot as in
// the dq kernel). dk or dv may be nullptr.
template <class T, int C>
__global__ void __launch_bounds__(kBlock, min_blocks<C>())
    attention_bprop_dkdv_kernel(int64_t n, int64_t m, int d, int dv, Acc scale, const T* __restrict__ q,
                                const T* __restrict__ k, const T* __restrict__ v, const T* __restrict__ o,
                                const T* __restrict__ lse, const T* __restrict__ dout, T* __restrict__ dk,
                                T* __restrict__ dvo) {
  GAN_DYNAMIC_SHARED(Acc, smem);
  BpropSmem<T> sm(smem, d, dv);
  const int r = static_cast<int>(threadIdx.x) / kLanes, lane = static_cast<int>(threadIdx.x) % kLanes;
  const int64_t b = blockIdx.y;
  const int64_t row0 = static_cast<int64_t>(blockIdx.x) * kRows;
  const int64_t row = row0 + r;
  q += b * n * d;
  dout += b * n * dv;
  o += b * n * dv;
  lse += b * n;
  k += b * m * d;
  v += b * m * dv;
  load_tile(sm.a, d + 1, k, row0, m, d);
  load_tile(sm.ga, dv + 1, v, row0, m, dv);
  Acc acc_k[C], acc_v[C];
#pragma unroll
  for (int j = 0; j < C; ++j) acc_k[j] = acc_v[j] = 0;
  for (int64_t n0 = 0; n0 < n; n0 += kTile) {
    __syncthreads();
    load_tile(sm.bt, d + 1, q + n0 * d, 0, n - n0, d);
    load_tile(sm.gb, dv + 1, dout + n0 * dv, 0, n - n0, dv);
    __syncthreads();
    if (threadIdx.x < kTile) {
      const int64_t g = n0 + threadIdx.x;
      sm.lse[threadIdx.x] = g < n ? static_cast<Acc>(lse[g]) : Acc(0);
      sm.delta[threadIdx.x] = g < n ? dot(sm.gb + threadIdx.x * (dv + 1), o + g * dv, dv) : Acc(0);
    }
    __syncthreads();
#pragma unroll
    for (int j = 0; j < kPerLane; ++j) {
      const int qi = lane + kLanes * j;
      Acc pj = 0, dsj = 0;
      if (n0 + qi < n && row < m) {
        pj = d_exp(scale * dot(sm.bt + qi * (d + 1), sm.a + r * (d + 1), d) - sm.lse[qi]);
        const Acc dp = dot(sm.gb + qi * (dv + 1), sm.ga + r * (dv + 1), dv);
        dsj = pj * (dp - sm.delta[qi]);
      }
      sm.p[r * (kTile + 1) + qi] = pj;
      sm.ds[r * (kTile + 1) + qi] = dsj;
    }
    __syncwarp();
    const int qs = n - n0 < kTile ? static_cast<int>(n - n0) : kTile;
    for (int qi = 0; qi < qs; ++qi) {
      const Acc pq = sm.p[r * (kTile + 1) + qi], dsq = sm.ds[r * (kTile + 1) + qi];
      const T* qr = sm.bt + qi * (d + 1);
      const T* gr = sm.gb + qi * (dv + 1);
#pragma unroll
      for (int j = 0; j < C; ++j) {
        const int c = lane + kLanes * j;
        if (c < d) acc_k[j] += dsq * static_cast<Acc>(qr[c]);
        if (c < dv) acc_v[j] += pq * static_cast<Acc>(gr[c]);
      }
    }
  }
  if (row >= m) return;
#pragma unroll
  for (int j = 0; j < C; ++j) {
    const int c = lane + kLanes * j;
    if (dk != nullptr && c < d) dk[(b * m + row) * d + c] = static_cast<T>(scale * acc_k[j]);
    if (dvo != nullptr && c < dv) dvo[(b * m + row) * dv + c] = static_cast<T>(acc_v[j]);
  }
}

// The checks both fused launchers add to check_attention_params.
void check_fused(const char* kernel, const AttentionParams& p) {
  check_attention_params(kernel, p);
  if (p.d > kAttentionMaxHeadDim || p.dv > kAttentionMaxHeadDim)
    fail(kernel, "d = " + std::to_string(p.d) + " and dv = " + std::to_string(p.dv) + " must be <= " +
                     std::to_string(kAttentionMaxHeadDim) + " for the fused kernels; use attention_fprop_materialized");
  if (p.b > 65535) fail(kernel, "batch " + std::to_string(p.b) + " > 65535 (grid.y)");
}

// Accumulator columns per lane: the smallest bucket covering `dim` / 8.
int columns_for(int64_t dim) {
  const int64_t per = (dim + kLanes - 1) / kLanes;
  return per <= 4 ? 4 : per <= 8 ? 8 : per <= 16 ? 16 : 32;
}

template <class T>
size_t fprop_smem(const AttentionParams& p) {
  return sizeof(Acc) * kRows * (kTile + 1) +
         sizeof(T) * static_cast<size_t>(kRows * (p.d + 1) + kTile * (p.d + 1) + kTile * p.dv);
}
template <class T>
size_t bprop_smem(const AttentionParams& p) {
  return sizeof(Acc) * (2 * kRows * (kTile + 1) + 2 * kTile) +
         sizeof(T) * static_cast<size_t>((kRows + kTile) * (p.d + 1 + p.dv + 1));
}

}  // namespace

template <class T>
void attention_fprop(const AttentionParams& p, const T* q, const T* k, const T* v, T* o, T* lse, Stream s) {
  constexpr const char* kernel = "attention_fprop";
  check_fused(kernel, p);
  if (p.b == 0 || p.n == 0) return;
  const dim3 grid(static_cast<unsigned>((p.n + kRows - 1) / kRows), static_cast<unsigned>(p.b));
  const size_t smem = fprop_smem<T>(p);
  const int d = static_cast<int>(p.d), dv = static_cast<int>(p.dv);
  const double scale = p.scale;
#define GAN_ATTN_FPROP(C)                                                                                \
  case C:                                                                                                \
    if (smem > 48 * 1024) GAN_SET_MAX_DYNAMIC_SHARED(smem, attention_fprop_online_softmax_kernel<T, C>); \
    GAN_LAUNCH(grid, kBlock, smem, stream_of(s), attention_fprop_online_softmax_kernel<T, C>)            \
    (p.n, p.m, d, dv, scale, q, k, v, o, lse);                                                           \
    break;
  switch (columns_for(p.dv)) {
    GAN_ATTN_FPROP(4)
    GAN_ATTN_FPROP(8)
    GAN_ATTN_FPROP(16)
    GAN_ATTN_FPROP(32)
  }
#undef GAN_ATTN_FPROP
  check_launch(kernel);
}

template <class T>
void attention_bprop(const AttentionParams& p, const T* q, const T* k, const T* v, const T* o, const T* lse,
                     const T* dout, T* dq, T* dk, T* dv, Stream s) {
  constexpr const char* kernel = "attention_bprop";
  check_fused(kernel, p);
  if (p.b == 0) return;
  const int di = static_cast<int>(p.d), dvi = static_cast<int>(p.dv);
  const double scale = p.scale;
  const size_t smem = bprop_smem<T>(p);
  if (dq != nullptr && p.n > 0) {
    const dim3 grid(static_cast<unsigned>((p.n + kRows - 1) / kRows), static_cast<unsigned>(p.b));
#define GAN_ATTN_DQ(C)                                                                       \
  case C:                                                                                    \
    if (smem > 48 * 1024) GAN_SET_MAX_DYNAMIC_SHARED(smem, attention_bprop_dq_kernel<T, C>); \
    GAN_LAUNCH(grid, kBlock, smem, stream_of(s), attention_bprop_dq_kernel<T, C>)            \
    (p.n, p.m, di, dvi, scale, q, k, v, o, lse, dout, dq);                                   \
    break;
    switch (columns_for(p.d)) {
      GAN_ATTN_DQ(4)
      GAN_ATTN_DQ(8)
      GAN_ATTN_DQ(16)
      GAN_ATTN_DQ(32)
    }
#undef GAN_ATTN_DQ
    check_launch(kernel);
  }
  if ((dk != nullptr || dv != nullptr) && p.m > 0) {
    const dim3 grid(static_cast<unsigned>((p.m + kRows - 1) / kRows), static_cast<unsigned>(p.b));
#define GAN_ATTN_DKDV(C)                                                                       \
  case C:                                                                                      \
    if (smem > 48 * 1024) GAN_SET_MAX_DYNAMIC_SHARED(smem, attention_bprop_dkdv_kernel<T, C>); \
    GAN_LAUNCH(grid, kBlock, smem, stream_of(s), attention_bprop_dkdv_kernel<T, C>)            \
    (p.n, p.m, di, dvi, scale, q, k, v, o, lse, dout, dk, dv);                                 \
    break;
    switch (columns_for(p.d > p.dv ? p.d : p.dv)) {
      GAN_ATTN_DKDV(4)
      GAN_ATTN_DKDV(8)
      GAN_ATTN_DKDV(16)
      GAN_ATTN_DKDV(32)
    }
#undef GAN_ATTN_DKDV
    check_launch(kernel);
  }
}

#define GAN_INSTANTIATE_ATTENTION(T)                                                                                   \
  template void attention_fprop<T>(const AttentionParams&, const T*, const T*, const T*, T*, T*, Stream);              \
  template void attention_bprop<T>(const AttentionParams&, const T*, const T*, const T*, const T*, const T*, const T*, \
                                   T*, T*, T*, Stream);
GAN_INSTANTIATE_ATTENTION(float)
GAN_INSTANTIATE_ATTENTION(double)
#undef GAN_INSTANTIATE_ATTENTION

}  // namespace gan::kernels::cuda
