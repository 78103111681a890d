// Batched strided GEMM, CPU reference: C[b] = alpha * op(A[b]) op(B[b]) + beta * C[b].
//
// Layout: row-major; op(A) [m, k], op(B) [k, n], C [m, n]; batch strides in
// elements, 0 = broadcast (GemmParams, gemm.h).
//
// Algorithm: OpenBLAS sgemm/dgemm, pinned to one thread (cpu_parallel.h). We
// parallelise ourselves with parallel_for: over batches, and when there are
// fewer batches than threads, over row blocks of C (column blocks when n > m),
// each block a single-threaded BLAS call on a sub-matrix. Blocks write disjoint
// parts of C, so the result does not depend on the thread count.
//
// Napkin math: FLOPs = 2*batch*m*n*k; minimum bytes = sizeof(T)*(|A| + |B| + 2*|C|)
// (C read only when beta != 0). E.g. 128x1024x49 (conv 64->128 4x4 on one
// 7x7 sample) is 12.8 MFLOP on 0.7 MB: compute-bound, so BLAS tiling matters
// and our only job is to keep every core busy with a large enough block.
#include "gan/kernels/gemm.h"

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "gan/kernels/cpu_parallel.h"

namespace gan::kernels::cpu {
namespace {

// Below this many FLOPs a parallel region costs more than it saves (~10 us of work).
constexpr int64_t kSerialFlops = int64_t{1} << 18;
// Smallest row/column block handed to one thread: keeps BLAS micro-kernels fed.
constexpr int64_t kMinBlock = 16;

void blas_call(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha,
               const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void blas_call(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, double alpha,
               const double* a, int lda, const double* b, int ldb, double beta, double* c,
               int ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// C = beta * C on an [m, n] sub-matrix with leading dimension ldc; beta == 0
// stores zeros so that NaN/Inf in a poisoned C never leaks into the result.
template <class T>
void scale_c(int64_t m, int64_t n, T beta, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    T* row = c + i * ldc;
    if (beta == T(0)) {
      std::fill(row, row + n, T(0));
    } else if (beta != T(1)) {
      for (int64_t j = 0; j < n; ++j) row[j] *= beta;
    }
  }
}

}  // namespace

template <class T>
void gemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha,
                 const T* a, int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == T(0)) {  // no product term: BLAS would skip, we must still scale C
    scale_c(m, n, beta, c, ldc);
    return;
  }
  init_blas_threads();
  // beta == 0: no pre-zeroing of C. The BLAS interface itself says "when BETA
  // is supplied as zero then C need not be set on input" (reference sgemm), so
  // a NaN-poisoned C never leaks (the tests check it); zeroing it here too
  // cost an extra pass over C, up to 10% of a conv dgrad's GEMM (C = col).
  blas_call(trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
            static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a,
            static_cast<int>(std::max<int64_t>(lda, 1)), b,
            static_cast<int>(std::max<int64_t>(ldb, 1)), beta, c,
            static_cast<int>(std::max<int64_t>(ldc, 1)));
}

template <class T>
void gemm(const GemmParams& p, const T* a, const T* b, T* c, Stream) {
  if (p.batch < 0 || p.m < 0 || p.n < 0 || p.k < 0) {
    fail("gemm", "negative size (batch " + std::to_string(p.batch) + ", m " +
                     std::to_string(p.m) + ", n " + std::to_string(p.n) + ", k " +
                     std::to_string(p.k) + ")");
  }
  if (p.stride_a < 0 || p.stride_b < 0 || p.stride_c < 0) {
    fail("gemm", "negative batch stride (a " + std::to_string(p.stride_a) + ", b " +
                     std::to_string(p.stride_b) + ", c " + std::to_string(p.stride_c) + ")");
  }
  if (p.batch > 1 && p.stride_c == 0 && p.m > 0 && p.n > 0) {
    fail("gemm", "stride_c = 0 with batch " + std::to_string(p.batch) +
                     " would write every batch into the same C");
  }
  constexpr int64_t kIntMax = 2147483647;  // cblas takes int sizes and leading dimensions
  if (p.m > kIntMax || p.n > kIntMax || p.k > kIntMax) {
    fail("gemm", "matrix dimension exceeds the BLAS int range (m " + std::to_string(p.m) +
                     ", n " + std::to_string(p.n) + ", k " + std::to_string(p.k) + ")");
  }
  if (p.batch == 0 || p.m == 0 || p.n == 0) return;

  const T alpha = static_cast<T>(p.alpha);
  const T beta = static_cast<T>(p.beta);
  // Stored shapes: A is [m, k] or [k, m] (trans_a); B is [k, n] or [n, k] (trans_b).
  const int64_t lda = p.trans_a ? p.m : p.k;
  const int64_t ldb = p.trans_b ? p.k : p.n;
  const int64_t ldc = p.n;

  // Split each batch's C into `blocks` row (or column) blocks so that
  // batch * blocks covers the threads; tiny problems stay serial.
  const int threads = num_threads();
  const int64_t flops = 2 * p.batch * p.m * p.n * p.k;
  const bool split_rows = p.m >= p.n;
  const int64_t split_dim = split_rows ? p.m : p.n;
  int64_t blocks = 1;
  if (threads > 1 && flops >= kSerialFlops && p.batch < threads) {
    blocks = (threads + p.batch - 1) / p.batch;
    blocks = std::clamp<int64_t>(blocks, 1, std::max<int64_t>(1, split_dim / kMinBlock));
  }
  const int64_t items = p.batch * blocks;
  const int64_t grain = flops >= kSerialFlops ? 1 : items;  // grain = items keeps it serial

  parallel_for(items, grain, [&](int64_t begin, int64_t end) {
    for (int64_t it = begin; it < end; ++it) {
      const int64_t bi = it / blocks;
      const int64_t blk = it % blocks;
      const int64_t lo = split_dim * blk / blocks;
      const int64_t hi = split_dim * (blk + 1) / blocks;
      const T* ab = a + bi * p.stride_a;
      const T* bb = b + bi * p.stride_b;
      T* cb = c + bi * p.stride_c;
      if (split_rows) {
        // Rows lo..hi of op(A): row i starts at A + i*k, or column i of stored [k, m].
        const T* ablk = ab + (p.trans_a ? lo : lo * p.k);
        gemm_serial(p.trans_a, p.trans_b, hi - lo, p.n, p.k, alpha, ablk, lda, bb, ldb, beta,
                    cb + lo * ldc, ldc);
      } else {
        // Columns lo..hi of op(B): column j starts at B + j, or row j of stored [n, k].
        const T* bblk = bb + (p.trans_b ? lo * p.k : lo);
        gemm_serial(p.trans_a, p.trans_b, p.m, hi - lo, p.k, alpha, ab, lda, bblk, ldb, beta,
                    cb + lo, ldc);
      }
    }
  });
}

#define GAN_INSTANTIATE_GEMM(T)                                                           \
  template void gemm<T>(const GemmParams&, const T*, const T*, T*, Stream);             \
  template void gemm_serial<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, \
                               const T*, int64_t, T, T*, int64_t);
GAN_INSTANTIATE_GEMM(float)
GAN_INSTANTIATE_GEMM(double)
#undef GAN_INSTANTIATE_GEMM

}  // namespace gan::kernels::cpu
