// Embedding, CPU reference: table [num, dim], idx [count] (int64) -> out [count, dim].
//
// Forward gathers rows: out[k, :] = table[idx[k], :], one task per block of
// output rows. Backward scatter-adds: dtable[idx[k], :] += dout[k, :]. With
// repeated indices rows collide, so instead of atomics the backward splits the
// COLUMNS among threads: each thread zeroes its column block of dtable and then
// walks k = 0..count-1 in order, so every element's sum has the same order on
// any number of threads (bitwise deterministic, no races).
// Indices are validated serially before any write (an exception cannot leave an
// OpenMP region, and a bad index must not leave a half-written output).
// Napkin math: forward moves 2*count*dim elements; backward num*dim (zero)
// + 3*count*dim (read dout, read-modify-write dtable).
#include <algorithm>
#include <string>

#include "gan/kernels/cpu_parallel.h"
#include "gan/kernels/embedding.h"

namespace gan::kernels::cpu {
namespace {

constexpr int64_t kGrainElems = 16384;

void check(const char* kernel, const EmbeddingParams& p, const int64_t* idx) {
  if (p.num < 0 || p.dim < 0 || p.count < 0)
    fail(kernel, "negative size (num=" + std::to_string(p.num) + ", dim=" + std::to_string(p.dim) +
                     ", count=" + std::to_string(p.count) + ")");
  for (int64_t k = 0; k < p.count; ++k) {
    if (idx[k] < 0 || idx[k] >= p.num)
      fail(kernel, "index " + std::to_string(idx[k]) + " at position " + std::to_string(k) + " is out of range [0, " +
                       std::to_string(p.num) + ")");
  }
}

}  // namespace

template <class T>
void embedding_fprop(const EmbeddingParams& p, const int64_t* idx, const T* table, T* out, Stream) {
  check("embedding_fprop", p, idx);
  const int64_t dim = p.dim;
  parallel_for(p.count, std::max<int64_t>(1, kGrainElems / std::max<int64_t>(1, dim)), [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) std::copy_n(table + idx[k] * dim, dim, out + k * dim);
  });
}

template <class T>
void embedding_bprop(const EmbeddingParams& p, const int64_t* idx, const T* dout, T* dtable, Stream) {
  check("embedding_bprop", p, idx);
  const int64_t dim = p.dim;
  const int64_t rows_touched = p.num + p.count;  // work per column
  parallel_for(dim, std::max<int64_t>(16, kGrainElems / std::max<int64_t>(1, rows_touched)),
               [&](int64_t j0, int64_t j1) {
                 const int64_t w = j1 - j0;
                 for (int64_t r = 0; r < p.num; ++r) std::fill_n(dtable + r * dim + j0, w, T(0));
                 for (int64_t k = 0; k < p.count; ++k) {
                   T* t = dtable + idx[k] * dim + j0;
                   const T* g = dout + k * dim + j0;
                   for (int64_t j = 0; j < w; ++j) t[j] += g[j];
                 }
               });
}

template void embedding_fprop<float>(const EmbeddingParams&, const int64_t*, const float*, float*, Stream);
template void embedding_fprop<double>(const EmbeddingParams&, const int64_t*, const double*, double*, Stream);
template void embedding_bprop<float>(const EmbeddingParams&, const int64_t*, const float*, float*, Stream);
template void embedding_bprop<double>(const EmbeddingParams&, const int64_t*, const double*, double*, Stream);

}  // namespace gan::kernels::cpu
