// Embedding lookup: table [num, dim], indices [count] (int64) -> out [count, dim].
#pragma once

#include <cstdint>

#include "gan/kernels/common.h"

namespace gan::kernels {

struct EmbeddingParams {
  int64_t num = 0, dim = 0, count = 0;
};

namespace cpu {

// out[k, :] = table[idx[k], :]. An index outside [0, num) throws KernelError
// naming "embedding", the position k and the value (checked before any write).
template <class T>
void embedding_fprop(const EmbeddingParams& p, const int64_t* idx, const T* table, T* out, Stream s = {});

// dtable [num, dim] is overwritten: zeroed, then dtable[idx[k], :] += dout[k, :]
// in increasing k, so repeated indices sum in a fixed (deterministic) order.
template <class T>
void embedding_bprop(const EmbeddingParams& p, const int64_t* idx, const T* dout, T* dtable, Stream s = {});

}  // namespace cpu
}  // namespace gan::kernels

// CUDA kernels (kernels/cuda/embedding.cu): the same launchers on device
// pointers (idx too). Indices are checked as the kernels read them: an
// out-of-range one gives a zero row (fprop) or adds nowhere (bprop) and is
// raised at the next read back (gan/kernels/index_fault.h), with no stream
// synchronisation here; the backward is deterministic (no atomics).
namespace gan::kernels::cuda {

template <class T>
void embedding_fprop(const EmbeddingParams& p, const int64_t* idx, const T* table, T* out, Stream s = {});
template <class T>
void embedding_bprop(const EmbeddingParams& p, const int64_t* idx, const T* dout, T* dtable, Stream s = {});

}  // namespace gan::kernels::cuda
