// Batched, strided GEMM (row-major), the workhorse behind conv and linear layers.
//
//   C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b]      for b in [0, batch)
//   op(A[b]) is [m, k]  (stored [m, k], or [k, m] when trans_a)
//   op(B[b]) is [k, n]  (stored [k, n], or [n, k] when trans_b)
//   C[b]     is [m, n]
//
// Every matrix is dense row-major (leading dimension = stored column count).
// Batch strides are in elements; a stride of 0 means every batch uses the same
// matrix (broadcast), e.g. one weight matrix against a batch of activations.
// A stride of 0 for C with batch > 1 would race and is rejected.
#pragma once

#include <cstdint>
#include <string>

#include "gan/kernels/common.h"
#include "gan/kernels/igemm.h"

namespace gan::kernels {

struct GemmParams {
  int64_t batch = 1, m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  double alpha = 1, beta = 0;  // beta == 0 overwrites C (NaN in C does not propagate)
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;  // batch strides in elements; 0 = broadcast
};

namespace cpu {

// Validates p (non-negative sizes and strides; stride_c > 0 when batch > 1),
// then runs the batched GEMM with OpenBLAS, one BLAS thread per parallel_for
// chunk (batches, then row or column blocks of large problems).
template <class T>
void gemm(const GemmParams& p, const T* a, const T* b, T* c, Stream s = {});

// One single-threaded BLAS call on a (sub)matrix with explicit leading
// dimensions, for callers that already run inside parallel_for (conv's
// per-sample GEMMs). Same semantics as gemm for one batch: beta == 0
// overwrites C, and k == 0 or alpha == 0 only scales C by beta.
template <class T>
void gemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha,
                 const T* a, int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

}  // namespace cpu

// CUDA: the same contract on device pointers (kernels/cuda/gemm.cu), one
// implicit-GEMM core shared with conv (16-byte loads along contiguous rows
// when sizes and alignment allow). Float math from allow_tf32() (igemm.h);
// double FP64 FMA. Same validation as the CPU launcher.
namespace cuda {

template <class T>
void gemm(const GemmParams& p, const T* a, const T* b, T* c, Stream s = {});
// With explicit math mode / tile / split-K (split-K slices summed in order);
// its own name so that &cuda::gemm<T> stays unambiguous.
template <class T>
void gemm_with(const GemmParams& p, const T* a, const T* b, T* c, const IgemmOptions& opt,
          Stream s = {});
// The instantiation the selection picks, e.g. "igemm_gemm_nt_fp32_64x64x32_w32x32_s2".
template <class T>
std::string gemm_selected_kernel(const GemmParams& p, const IgemmOptions& opt);

}  // namespace cuda
}  // namespace gan::kernels
