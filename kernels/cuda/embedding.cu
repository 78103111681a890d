// CUDA embedding lookup (embedding.h): table [num, dim], idx [count] (int64)
// -> out [count, dim], and its backward into dtable [num, dim]. Same
// launchers as the CPU reference (kernels/cpu/embedding.cpp), in namespace
// gan::kernels::cuda. The engine also uses them for index_select0 /
// index_add0 (dim = the row size).
//
// Layout: row-major, contiguous.
//
// Algorithm:
//   check   a small kernel records the first out-of-range position in a
//           device flag (atomicMin); the launcher reads it back (one stream
//           synchronisation) and throws KernelError naming the kernel, the
//           position and the value BEFORE anything is written, as the
//           reference does. The flag is one global per process, as for cross
//           entropy (kernels/cuda/loss.cu): concurrent launches on several
//           streams would need one each.
//   fprop   one thread per output element, grid-stride over count*dim (j
//           innermost: coalesced row copies).
//   bprop   deterministic without atomics or a sort: the dtable elements are
//           split among threads, thread (row tile, column j) owns
//           dtable[r0..r1, j]; it zeroes them, then walks k = 0..count-1 IN
//           ORDER and adds dout[k, j] when idx[k] falls in its tile. Every
//           element therefore gets exactly the reference's sum (0 + terms in
//           increasing k), bitwise, with one writer. Tiles hold R rows, R
//           chosen so there are ~64K threads (R = 1 for small tables). Threads
//           of a warp share a tile when dim >= 32, so the idx[k] load and the
//           branch are warp-uniform.
//
// Napkin math: fprop moves 2*count*dim elements (8 B each for float).
// bprop: num*dim stores + count*dim loads of dout + count*dim RMW of dtable
// (L2), plus count index loads per thread (warp broadcasts, L1): with 64K
// threads and count = 256 that is 16.8M warp-uniform loads/compares, ~10 us
// on an H100, next to ~count*dim*12 B of data traffic.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"
#include "gan/kernels/embedding.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

// Target thread count for the backward: rows per tile = ceil(num*dim / this).
inline constexpr int64_t kBpropThreads = 65536;

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    embedding_fprop_kernel(int64_t count, int64_t dim, const int64_t* __restrict__ idx, const T* __restrict__ table,
                           T* __restrict__ out) {
  const int64_t total = count * dim;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
    const int64_t k = i / dim, j = i - k * dim;
    out[i] = table[idx[k] * dim + j];
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    embedding_bprop_column_scan_kernel(int64_t num, int64_t dim, int64_t count, int64_t rows_per_tile,
                                       const int64_t* __restrict__ idx, const T* __restrict__ dout,
                                       T* __restrict__ dtable) {
  const int64_t tiles = (num + rows_per_tile - 1) / rows_per_tile;
  const int64_t total = tiles * dim;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
    const int64_t tile = i / dim, j = i - tile * dim;
    const int64_t r0 = tile * rows_per_tile;
    const int64_t r1 = r0 + rows_per_tile < num ? r0 + rows_per_tile : num;
    for (int64_t r = r0; r < r1; ++r) dtable[r * dim + j] = T(0);
    for (int64_t k = 0; k < count; ++k) {
      const int64_t r = idx[k];
      if (r >= r0 && r < r1) dtable[r * dim + j] += dout[k * dim + j];
    }
  }
}

// First position whose index is outside [0, num), or UINT64_MAX.
__device__ unsigned long long g_embedding_bad_pos;

__global__ void __launch_bounds__(kThreads, kMinBlocks)
    embedding_check_indices_kernel(int64_t count, int64_t num, const int64_t* __restrict__ idx) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t k = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < count; k += stride) {
    if (idx[k] < 0 || idx[k] >= num) atomicMin(&g_embedding_bad_pos, static_cast<unsigned long long>(k));
  }
}

// The reference's check: sizes, then every index, before any write.
void check(const char* kernel, const EmbeddingParams& p, const int64_t* idx, Stream s) {
  if (p.num < 0 || p.dim < 0 || p.count < 0)
    fail(kernel, "negative size (num=" + std::to_string(p.num) + ", dim=" + std::to_string(p.dim) +
                     ", count=" + std::to_string(p.count) + ")");
  if (p.count == 0) return;
  constexpr unsigned long long kNone = ~0ull;
  unsigned long long bad = kNone;
  int64_t value = 0;
#if defined(__CUDACC__)
  const cudaStream_t st = stream_of(s);
  auto ok = [&](cudaError_t e, const char* what) {
    if (e != cudaSuccess) fail(kernel, std::string("index check: ") + what + ": " + cudaGetErrorString(e));
  };
  ok(cudaMemcpyToSymbolAsync(g_embedding_bad_pos, &kNone, sizeof(kNone), 0, cudaMemcpyHostToDevice, st),
     "reset flag");
  GAN_LAUNCH(grid_for(p.count), kThreads, 0, st, embedding_check_indices_kernel)(p.count, p.num, idx);
  check_launch(kernel);
  ok(cudaMemcpyFromSymbolAsync(&bad, g_embedding_bad_pos, sizeof(bad), 0, cudaMemcpyDeviceToHost, st), "read flag");
  ok(cudaStreamSynchronize(st), "synchronize");
  if (bad != kNone) ok(cudaMemcpy(&value, idx + bad, sizeof(value), cudaMemcpyDeviceToHost), "read index");
#else
  g_embedding_bad_pos = kNone;
  GAN_LAUNCH(grid_for(p.count), kThreads, 0, stream_of(s), embedding_check_indices_kernel)(p.count, p.num, idx);
  bad = g_embedding_bad_pos;
  if (bad != kNone) {
    const ::gan::simt::DeviceAccess access;  // idx is device memory: the guard's pages open
    value = idx[bad];
  }
#endif
  if (bad != kNone) {
    fail(kernel, "index " + std::to_string(value) + " at position " + std::to_string(bad) + " is out of range [0, " +
                     std::to_string(p.num) + ")");
  }
}

}  // namespace

template <class T>
void embedding_fprop(const EmbeddingParams& p, const int64_t* idx, const T* table, T* out, Stream s) {
  check("embedding_fprop", p, idx, s);
  const int64_t total = p.count * p.dim;
  if (total == 0) return;
  GAN_LAUNCH(grid_for(total), kThreads, 0, stream_of(s), embedding_fprop_kernel<T>)(p.count, p.dim, idx, table, out);
  check_launch("embedding_fprop");
}

template <class T>
void embedding_bprop(const EmbeddingParams& p, const int64_t* idx, const T* dout, T* dtable, Stream s) {
  check("embedding_bprop", p, idx, s);
  const int64_t elems = p.num * p.dim;
  if (elems == 0) return;
  const int64_t rows_per_tile = (elems + kBpropThreads - 1) / kBpropThreads;
  const int64_t tiles = (p.num + rows_per_tile - 1) / rows_per_tile;
  GAN_LAUNCH(grid_for(tiles * p.dim), kThreads, 0, stream_of(s), embedding_bprop_column_scan_kernel<T>)(
      p.num, p.dim, p.count, rows_per_tile, idx, dout, dtable);
  check_launch("embedding_bprop");
}

template void embedding_fprop<float>(const EmbeddingParams&, const int64_t*, const float*, float*, Stream);
template void embedding_fprop<double>(const EmbeddingParams&, const int64_t*, const double*, double*, Stream);
template void embedding_bprop<float>(const EmbeddingParams&, const int64_t*, const float*, float*, Stream);
template void embedding_bprop<double>(const EmbeddingParams&, const int64_t*, const double*, double*, Stream);

}  // namespace gan::kernels::cuda
