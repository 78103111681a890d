// CPU parallelism for the reference kernels.
//
// One policy for the whole CPU backend, so there is never oversubscription:
// our loops are parallel through OpenMP, and OpenBLAS is pinned to one thread
// (cpu::init_blas_threads). Large GEMMs are split by the caller into
// parallel_for chunks, each a single-threaded BLAS call.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace gan::kernels::cpu {

// Number of worker threads the CPU backend uses (OMP_NUM_THREADS or the core count).
int num_threads();

// Pins OpenBLAS to one thread. Called once, before any BLAS call, by the GEMM code.
void init_blas_threads();

// Runs f(begin, end) over [0, n) split into contiguous chunks, in parallel when
// there are at least 2*grain items and we are not already inside a parallel region.
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  const int threads = num_threads();
  if (threads <= 1 || n < 2 * grain || omp_in_parallel()) {
    f(int64_t{0}, n);
    return;
  }
  const int64_t chunks = std::min<int64_t>(threads, (n + grain - 1) / grain);
#pragma omp parallel for num_threads(static_cast<int>(chunks)) schedule(static, 1)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t begin = n * c / chunks;
    const int64_t end = n * (c + 1) / chunks;
    f(begin, end);
  }
}

}  // namespace gan::kernels::cpu
