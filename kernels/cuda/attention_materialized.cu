// CUDA materialized attention (attention.h, attention_fprop_materialized): the
// reference path the fused kernel (attention.cu) is compared and benchmarked
// against. Three kernels, the [B, N, M] matrix written to global memory:
//   attention_scores_tiled_kernel<T>   S = scale * q k^T       [B, N, M]
//   attention_softmax_rows_kernel<T>   P = softmax_rows(S) in place, lse [B, N]
//   attention_pv_tiled_kernel<T>       o = P v                 [B, N, dv]
// The two products are plain 16 x 16 shared-memory tiled loops (one output
// element per thread, double accumulators as in attention.cu): a baseline,
// not a GEMM to use elsewhere. The softmax is a warp per row (max, sum exp,
// write), double arithmetic; S and P are stored in T.
//
// Layout: q [B, N, d], k [B, M, d], v [B, M, dv], probs [B, N, M], o [B, N, dv].
// Napkin math (B = 8, N = M = 4096, float): probs is 537 MB; it is written by
// the scores kernel, read and written by the softmax, and read (N/16 x over
// L2, once from DRAM at best) by P v: >= 4 * 537 MB = 2.1 GB of DRAM traffic,
// which the fused kernel never moves.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"
#include "gan/kernels/attention.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

constexpr int kT = 16;  // output tile edge; blocks of 16 x 16 threads

// S[b, i, j] = scale * sum_c q[b, i, c] k[b, j, c]; grid (M/16, N/16, B).
template <class T>
__global__ void __launch_bounds__(kT* kT)
    attention_scores_tiled_kernel(int64_t n, int64_t m, int d, double scale, const T* __restrict__ q,
                                  const T* __restrict__ k, T* __restrict__ s) {
  using Acc = double;
  __shared__ T qs[kT][kT + 1];
  __shared__ T ks[kT][kT + 1];
  const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
  const int64_t b = blockIdx.z;
  const int64_t i = static_cast<int64_t>(blockIdx.y) * kT + ty;   // query row
  const int64_t j = static_cast<int64_t>(blockIdx.x) * kT + tx;   // key row
  const int64_t kj = static_cast<int64_t>(blockIdx.x) * kT + ty;  // key row this thread loads
  q += b * n * d;
  k += b * m * d;
  Acc acc = 0;
  for (int c0 = 0; c0 < d; c0 += kT) {
    qs[ty][tx] = i < n && c0 + tx < d ? q[i * d + c0 + tx] : T(0);
    ks[ty][tx] = kj < m && c0 + tx < d ? k[kj * d + c0 + tx] : T(0);
    __syncthreads();
#pragma unroll
    for (int c = 0; c < kT; ++c) acc += static_cast<Acc>(qs[ty][c]) * static_cast<Acc>(ks[tx][c]);
    __syncthreads();
  }
  if (i < n && j < m) s[(b * n + i) * m + j] = static_cast<T>(scale * acc);
}

// In place: row r of S [rows, m] becomes softmax(row); lse[r] = max + log(sum).
// A warp per row, 8 rows per 256-thread block.
template <class T>
__global__ void __launch_bounds__(kThreads)
    attention_softmax_rows_kernel(int64_t rows, int64_t m, T* __restrict__ s, T* __restrict__ lse) {
  const int warp = static_cast<int>(threadIdx.x) / 32, lane = static_cast<int>(threadIdx.x) % 32;
  const int64_t r = static_cast<int64_t>(blockIdx.x) * (kThreads / 32) + warp;
  if (r >= rows) return;  // whole warps leave together
  T* row = s + r * m;
  double mx = -d_inf<double>();
  for (int64_t j = lane; j < m; j += 32) mx = row[j] > mx ? static_cast<double>(row[j]) : mx;
  mx = warp_allreduce(mx, MaxOp{});
  double sum = 0;
  for (int64_t j = lane; j < m; j += 32) sum += d_exp(static_cast<double>(row[j]) - mx);
  sum = warp_allreduce(sum, SumOp{});
  const double inv = 1.0 / sum;
  // exp again rather than rounding e to T in between: P keeps one rounding.
  for (int64_t j = lane; j < m; j += 32) row[j] = static_cast<T>(d_exp(static_cast<double>(row[j]) - mx) * inv);
  if (lse != nullptr && lane == 0) lse[r] = static_cast<T>(mx + d_log(sum));
}

// o[b, i, c] = sum_j P[b, i, j] v[b, j, c]; grid (dv/16, N/16, B).
template <class T>
__global__ void __launch_bounds__(kT* kT)
    attention_pv_tiled_kernel(int64_t n, int64_t m, int dv, const T* __restrict__ p, const T* __restrict__ v,
                              T* __restrict__ o) {
  __shared__ T ps[kT][kT + 1];
  __shared__ T vs[kT][kT + 1];
  const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
  const int64_t b = blockIdx.z;
  const int64_t i = static_cast<int64_t>(blockIdx.y) * kT + ty;
  const int64_t c = static_cast<int64_t>(blockIdx.x) * kT + tx;
  p += b * n * m;
  v += b * m * dv;
  double acc = 0;
  for (int64_t j0 = 0; j0 < m; j0 += kT) {
    ps[ty][tx] = i < n && j0 + tx < m ? p[i * m + j0 + tx] : T(0);
    vs[ty][tx] = j0 + ty < m && c < dv ? v[(j0 + ty) * dv + c] : T(0);
    __syncthreads();
#pragma unroll
    for (int j = 0; j < kT; ++j) acc += static_cast<double>(ps[ty][j]) * static_cast<double>(vs[j][tx]);
    __syncthreads();
  }
  if (i < n && c < dv) o[(b * n + i) * dv + c] = static_cast<T>(acc);
}

}  // namespace

template <class T>
void attention_fprop_materialized(const AttentionParams& p, const T* q, const T* k, const T* v, T* probs, T* o, T* lse,
                                  Stream s) {
  constexpr const char* kernel = "attention_fprop_materialized";
  check_attention_params(kernel, p);
  if (probs == nullptr && p.b * p.n * p.m > 0) fail(kernel, "probs workspace [B, N, M] is required");
  if (p.b > 65535 || (p.n + kT - 1) / kT > 65535)
    fail(kernel, "batch " + std::to_string(p.b) + " or n " + std::to_string(p.n) + " exceeds the grid (65535)");
  if (p.b == 0 || p.n == 0) return;
  const auto nb = static_cast<unsigned>((p.n + kT - 1) / kT), bb = static_cast<unsigned>(p.b);
  GAN_LAUNCH(dim3(static_cast<unsigned>((p.m + kT - 1) / kT), nb, bb), dim3(kT, kT), 0, stream_of(s),
             attention_scores_tiled_kernel<T>)
  (p.n, p.m, static_cast<int>(p.d), p.scale, q, k, probs);
  check_launch(kernel);
  const int64_t rows = p.b * p.n;
  constexpr int kRowsPerBlock = kThreads / 32;
  GAN_LAUNCH(static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock), kThreads, 0, stream_of(s),
             attention_softmax_rows_kernel<T>)
  (rows, p.m, probs, lse);
  check_launch(kernel);
  GAN_LAUNCH(dim3(static_cast<unsigned>((p.dv + kT - 1) / kT), nb, bb), dim3(kT, kT), 0, stream_of(s),
             attention_pv_tiled_kernel<T>)
  (p.n, p.m, static_cast<int>(p.dv), probs, v, o);
  check_launch(kernel);
}

template void attention_fprop_materialized<float>(const AttentionParams&, const float*, const float*, const float*,
                                                  float*, float*, float*, Stream);
template void attention_fprop_materialized<double>(const AttentionParams&, const double*, const double*, const double*,
                                                   double*, double*, double*, Stream);

}  // namespace gan::kernels::cuda
