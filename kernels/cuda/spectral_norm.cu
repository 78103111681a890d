// CUDA spectral norm power iteration (spectral_norm.h): n_iter steps of
// v = normalize(W^T u), u = normalize(W v), then sigma = u^T W v. Same launcher
// as the CPU reference (kernels/cpu/spectral_norm.cpp), same KernelError cases,
// raised before anything is launched.
//
// Layout: W [rows, cols] is the strided view of w [lead, rows, inner]
//   W[r, c] = w[((c / inner) * rows + r) * inner + c % inner]
// (dim 0: lead = 1, W is w row-major; dim 1 of a ConvTranspose2d weight
// [in, out, kh, kw]: lead = in, inner = kh*kw, no permuted copy is made).
// u [rows], v [cols], sigma [1]; workspace (doubles, device):
//   partial [chunks, cols] | vraw [cols] | wv [rows],  chunks = ceil(rows / 64).
//
// Numerics (the reference's contract): products and sums in double for float
// too, u and v rounded to T once when stored, sigma = sum_r u_T[r] * (W v)[r]
// with the stored u. Deterministic: every sum has an order fixed by the
// thread layout and the sizes; no atomics.
//
// Algorithm, per step (4 launches, queued back to back on the stream, no host
// round trip for any n_iter):
//   1. spectral_norm_wt_u_partial_kernel: the column reduction W^T u. Grid
//      (ceil(cols/32), chunks), 256 threads = 32 columns x 8 row lanes; lane
//      ty sums rows chunk*64 + ty, +8, ... of its column (a warp reads 32
//      consecutive elements of one row: coalesced for dim 0), the 8 lanes
//      combine in ty order through shared memory, one partial per (chunk, col).
//   2. spectral_norm_normalize_v_kernel: one 512-thread block; vraw[c] = sum
//      of the chunk partials in chunk order, ||vraw|| by a block all-reduce,
//      v = vraw / max(||vraw||, eps).
//   3. spectral_norm_w_v_kernel: one 256-thread block per row (grid-stride,
//      <= 4096 blocks): the dot product of row r with v, block all-reduce.
//   4. spectral_norm_normalize_u_kernel<UPDATE>: one 512-thread block;
//      u = wv / max(||wv||, eps) (UPDATE) and sigma = sum u * wv.
//   n_iter = 0 (eval): only 3 and 4<false>.
//   The dim-1 view pays a 64-bit division per element in steps 1 and 3; the
//   dim-0 view (Linear, Conv2d: what SNGAN/BigGAN discriminators use) does not.
//
// Napkin math: a step reads W twice (W^T u, then W v: v depends on all of
//   W^T u, so one read cannot serve both) = 2 * rows * cols * sizeof(T); the
//   vectors and the partials (chunks * cols doubles, ~1/8 of a float W read)
//   are small. 512 x 4608 float (BigGAN conv 512->512 3x3): 9.4 MB per read;
//   at 3.35 TB/s (H100 HBM3) ~2.8 us per read, and W fits in the 50 MB L2, so
//   the second read is an L2 hit. At that size the four launches (~2-3 us
//   each) cost as much as the bytes: the step is latency-bound, and sigma for
//   all layers of a network would be a candidate for one batched launch.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"
#include "gan/kernels/spectral_norm.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

constexpr int kColTile = 32;                                   // columns per W^T u block
constexpr int kRowLanes = kThreads / kColTile;                 // 8 row lanes per column
constexpr int kRowsPerChunk = static_cast<int>(kSpectralNormRowsPerChunk);
constexpr int kVecThreads = 512;  // the single-block vector kernels (1024 capped ptxas at 32 registers: a spill)

struct SnDims {
  int64_t rows, lead, inner, cols;
  double eps;
};

// Offset of W[r, c] in w [lead, rows, inner].
GAN_DEVICE_INLINE int64_t w_offset(const SnDims& p, int64_t r, int64_t c) {
  if (p.lead == 1) return r * p.cols + c;
  const int64_t l = c / p.inner;
  return (l * p.rows + r) * p.inner + (c - l * p.inner);
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    spectral_norm_wt_u_partial_kernel(SnDims p, const T* __restrict__ w, const T* __restrict__ u,
                                      double* __restrict__ partial) {
  __shared__ double red[kRowLanes][kColTile];
  const int tx = static_cast<int>(threadIdx.x) % kColTile;
  const int ty = static_cast<int>(threadIdx.x) / kColTile;
  const int64_t c = static_cast<int64_t>(blockIdx.x) * kColTile + tx;
  const int64_t chunk = blockIdx.y;
  const int64_t r_end = (chunk + 1) * kRowsPerChunk < p.rows ? (chunk + 1) * kRowsPerChunk : p.rows;
  double acc = 0.0;
  if (c < p.cols) {
    const int64_t base = w_offset(p, 0, c);  // W[r, c] = w[base + r * stride]
    const int64_t stride = p.lead == 1 ? p.cols : p.inner;
    for (int64_t r = chunk * kRowsPerChunk + ty; r < r_end; r += kRowLanes)
      acc += static_cast<double>(w[base + r * stride]) * static_cast<double>(u[r]);
  }
  red[ty][tx] = acc;
  __syncthreads();
  if (ty == 0 && c < p.cols) {
    double s = red[0][tx];
#pragma unroll
    for (int k = 1; k < kRowLanes; ++k) s += red[k][tx];
    partial[chunk * p.cols + c] = s;
  }
}

template <class T>
__global__ void __launch_bounds__(kVecThreads)
    spectral_norm_normalize_v_kernel(SnDims p, int64_t chunks, const double* __restrict__ partial,
                                     double* __restrict__ vraw, T* __restrict__ v) {
  __shared__ double smem[kVecThreads / 32];
  double sq = 0.0;
  for (int64_t c = threadIdx.x; c < p.cols; c += kVecThreads) {
    double s = 0.0;
    for (int64_t k = 0; k < chunks; ++k) s += partial[k * p.cols + c];
    vraw[c] = s;
    sq += s * s;
  }
  sq = group_allreduce<kVecThreads>(sq, SumOp{}, smem);
  const double norm = sqrt(sq);
  const double inv = 1.0 / (norm > p.eps ? norm : p.eps);
  for (int64_t c = threadIdx.x; c < p.cols; c += kVecThreads) v[c] = static_cast<T>(vraw[c] * inv);  // own writes
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    spectral_norm_w_v_kernel(SnDims p, const T* __restrict__ w, const T* __restrict__ v, double* __restrict__ wv) {
  __shared__ double smem[kThreads / 32];
  for (int64_t r = blockIdx.x; r < p.rows; r += gridDim.x) {
    double s = 0.0;
    for (int64_t c = threadIdx.x; c < p.cols; c += kThreads)
      s += static_cast<double>(w[w_offset(p, r, c)]) * static_cast<double>(v[c]);
    s = group_allreduce<kThreads>(s, SumOp{}, smem);
    if (threadIdx.x == 0) wv[r] = s;
  }
}

template <class T, bool UPDATE>
__global__ void __launch_bounds__(kVecThreads)
    spectral_norm_normalize_u_kernel(SnDims p, const double* __restrict__ wv, T* __restrict__ u,
                                     T* __restrict__ sigma) {
  __shared__ double smem[kVecThreads / 32];
  double inv = 0.0;
  if constexpr (UPDATE) {
    double sq = 0.0;
    for (int64_t r = threadIdx.x; r < p.rows; r += kVecThreads) sq += wv[r] * wv[r];
    sq = group_allreduce<kVecThreads>(sq, SumOp{}, smem);
    const double norm = sqrt(sq);
    inv = 1.0 / (norm > p.eps ? norm : p.eps);
  }
  double s = 0.0;
  for (int64_t r = threadIdx.x; r < p.rows; r += kVecThreads) {
    const double x = wv[r];
    T ur;
    if constexpr (UPDATE) {
      ur = static_cast<T>(x * inv);
      u[r] = ur;
    } else {
      ur = u[r];
    }
    s += static_cast<double>(ur) * x;  // the stored (rounded) u, as the reference
  }
  s = group_allreduce<kVecThreads>(s, SumOp{}, smem);
  if (threadIdx.x == 0) sigma[0] = static_cast<T>(s);
}

void check_params(const char* kernel, const SpectralNormParams& p) {
  if (p.rows < 1 || p.lead < 1 || p.inner < 1)
    fail(kernel, "matrix view must be non-empty (rows=" + std::to_string(p.rows) + ", lead=" +
                     std::to_string(p.lead) + ", inner=" + std::to_string(p.inner) + ")");
  if (p.n_iter < 0) fail(kernel, "n_iter must be >= 0 (got " + std::to_string(p.n_iter) + ")");
  if (!(p.eps >= 0)) fail(kernel, "eps must be >= 0 (got " + std::to_string(p.eps) + ")");
}

}  // namespace

template <class T>
void spectral_norm_power_iteration(const SpectralNormParams& p, const T* w, T* u, T* v, T* sigma,
                                   double* workspace, Stream s) {
  constexpr const char* kernel = "spectral_norm_power_iteration";
  check_params(kernel, p);
  if (workspace == nullptr) fail(kernel, "workspace is null (spectral_norm_workspace_doubles doubles needed)");
  const int64_t cols = p.cols();
  const int64_t chunks = (p.rows + kRowsPerChunk - 1) / kRowsPerChunk;
  const int64_t col_tiles = (cols + kColTile - 1) / kColTile;
  if (chunks > 65535 || col_tiles > 0x7fffffff)
    fail(kernel, "matrix too large for the grid (rows=" + std::to_string(p.rows) + ", cols=" +
                     std::to_string(cols) + ")");
  const SnDims d{p.rows, p.lead, p.inner, cols, p.eps};
  double* partial = workspace;
  double* vraw = partial + chunks * cols;
  double* wv = vraw + cols;
  const dim3 wt_grid(static_cast<unsigned>(col_tiles), static_cast<unsigned>(chunks));
  const unsigned row_grid = grid_for(p.rows, 1);
  for (int it = 0; it < p.n_iter; ++it) {
    GAN_LAUNCH(wt_grid, kThreads, 0, stream_of(s), spectral_norm_wt_u_partial_kernel<T>)(d, w, u, partial);
    check_launch("spectral_norm_wt_u_partial_kernel");
    GAN_LAUNCH(1, kVecThreads, 0, stream_of(s), spectral_norm_normalize_v_kernel<T>)(d, chunks, partial, vraw, v);
    check_launch("spectral_norm_normalize_v_kernel");
    GAN_LAUNCH(row_grid, kThreads, 0, stream_of(s), spectral_norm_w_v_kernel<T>)(d, w, v, wv);
    check_launch("spectral_norm_w_v_kernel");
    GAN_LAUNCH(1, kVecThreads, 0, stream_of(s), spectral_norm_normalize_u_kernel<T, true>)(d, wv, u, sigma);
    check_launch("spectral_norm_normalize_u_kernel");
  }
  if (p.n_iter == 0) {
    GAN_LAUNCH(row_grid, kThreads, 0, stream_of(s), spectral_norm_w_v_kernel<T>)(d, w, v, wv);
    check_launch("spectral_norm_w_v_kernel");
    GAN_LAUNCH(1, kVecThreads, 0, stream_of(s), spectral_norm_normalize_u_kernel<T, false>)(d, wv, u, sigma);
    check_launch("spectral_norm_normalize_u_kernel");
  }
}

template void spectral_norm_power_iteration<float>(const SpectralNormParams&, const float*, float*, float*, float*,
                                                   double*, Stream);
template void spectral_norm_power_iteration<double>(const SpectralNormParams&, const double*, double*, double*,
                                                    double*, double*, Stream);

}  // namespace gan::kernels::cuda
