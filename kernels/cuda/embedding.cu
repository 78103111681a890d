// CUDA embedding lookup (embedding.h): table [num, dim], idx [count] (int64)
// -> out [count, dim], and its backward into dtable [num, dim]. Same
// launchers as the CPU reference (kernels/cpu/embedding.cpp), in namespace
// gan::kernels::cuda. The engine also uses them for index_select0 /
// index_add0 (dim = the row size).
//
// Layout: row-major, contiguous.
//
// Algorithm:
//   check   no read back before the launch: the kernels check each index
//           as they read it. Out of range, fprop writes 0 for that row and
//           bprop adds it nowhere, and the fault is recorded
//           (index_fault.cuh) for the engine to raise at its next read back
//           (gan/kernels/index_fault.h): a synchronisation per call was the
//           price of the check-first design, and a conditional GAN's step
//           makes several calls.
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
#include "index_fault.cuh"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

// Target thread count for the backward: rows per tile = ceil(num*dim / this).
inline constexpr int64_t kBpropThreads = 65536;

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    embedding_fprop_kernel(int64_t count, int64_t num, int64_t dim, const int64_t* __restrict__ idx,
                           const T* __restrict__ table, T* __restrict__ out, IndexFaultSink fault) {
  const int64_t total = count * dim;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += stride) {
    const int64_t k = i / dim, j = i - k * dim;
    const int64_t r = idx[k];
    if (r >= 0 && r < num) {
      out[i] = table[r * dim + j];
    } else {
      out[i] = T(0);
      if (j == 0) record_index_fault(fault, k, r, num);
    }
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    embedding_bprop_column_scan_kernel(int64_t num, int64_t dim, int64_t count, int64_t rows_per_tile,
                                       const int64_t* __restrict__ idx, const T* __restrict__ dout,
                                       T* __restrict__ dtable, IndexFaultSink fault) {
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
      else if (i == 0 && (r < 0 || r >= num)) record_index_fault(fault, k, r, num);  // one thread sees every k
    }
  }
}

void check_sizes(const char* kernel, const EmbeddingParams& p) {
  if (p.num < 0 || p.dim < 0 || p.count < 0)
    fail(kernel, "negative size (num=" + std::to_string(p.num) + ", dim=" + std::to_string(p.dim) +
                     ", count=" + std::to_string(p.count) + ")");
  // No kernel would run to see the indices: every one is out of range.
  if (p.num == 0 && p.count > 0) fail(kernel, "index at position 0 is out of range [0, 0) (the table is empty)");
}

}  // namespace

template <class T>
void embedding_fprop(const EmbeddingParams& p, const int64_t* idx, const T* table, T* out, Stream s) {
  check_sizes("embedding_fprop", p);
  const int64_t total = p.count * p.dim;
  if (total == 0) return;
  const IndexFaultSink fault = index_fault_sink(kEmbeddingFprop, "embedding_fprop");
  GAN_LAUNCH(grid_for(total), kThreads, 0, stream_of(s), embedding_fprop_kernel<T>)(p.count, p.num, p.dim, idx, table,
                                                                                   out, fault);
  check_launch("embedding_fprop");
}

template <class T>
void embedding_bprop(const EmbeddingParams& p, const int64_t* idx, const T* dout, T* dtable, Stream s) {
  check_sizes("embedding_bprop", p);
  const int64_t elems = p.num * p.dim;
  if (elems == 0) return;
  const IndexFaultSink fault = index_fault_sink(kEmbeddingBprop, "embedding_bprop");
  const int64_t rows_per_tile = (elems + kBpropThreads - 1) / kBpropThreads;
  const int64_t tiles = (p.num + rows_per_tile - 1) / rows_per_tile;
  GAN_LAUNCH(grid_for(tiles * p.dim), kThreads, 0, stream_of(s), embedding_bprop_column_scan_kernel<T>)(
      p.num, p.dim, p.count, rows_per_tile, idx, dout, dtable, fault);
  check_launch("embedding_bprop");
}

template void embedding_fprop<float>(const EmbeddingParams&, const int64_t*, const float*, float*, Stream);
template void embedding_fprop<double>(const EmbeddingParams&, const int64_t*, const double*, double*, Stream);
template void embedding_bprop<float>(const EmbeddingParams&, const int64_t*, const float*, float*, Stream);
template void embedding_bprop<double>(const EmbeddingParams&, const int64_t*, const double*, double*, Stream);

}  // namespace gan::kernels::cuda
