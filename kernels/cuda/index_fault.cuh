// Recording an out-of-range index on the device (internal to kernels/cuda/;
// why: gan/kernels/index_fault.h; the host side: index_fault.cu).
//
// Two parts, so that no atomic touches host memory (atomics on mapped host
// memory are not portable over PCIe):
//   claim   an unsigned in device memory; the first faulting thread wins an
//           atomicCAS 0 -> 1 and is the only writer of the report;
//   report  a struct in mapped, pinned host memory: the winner stores the
//           fields, fences, then sets `flag`, which the host reads after its
//           next synchronising copy without a copy of its own.
// In the emulator both are host memory. raise_index_fault() resets both
// (only when a fault happened: a clean run never writes either).
#pragma once

#include <gan/kernels/portable.h>

#include <cstdint>

namespace gan::kernels::cuda::detail {

enum IndexFaultKernel : int { kEmbeddingFprop, kEmbeddingBprop, kCrossEntropyFprop, kCrossEntropyBprop };

struct IndexFaultReport {
  volatile unsigned flag;  // 1 once a fault is fully written
  int kernel;              // IndexFaultKernel
  long long position, value, bound;
};

// Passed to kernels by value: where to record, and as which kernel.
struct IndexFaultSink {
  unsigned* claim;
  IndexFaultReport* report;
  int kernel;
};

// The current device's sink for `kernel` (allocated on first use; a failed
// allocation throws KernelError naming `name`).
IndexFaultSink index_fault_sink(IndexFaultKernel kernel, const char* name);

__device__ __forceinline__ void record_index_fault(const IndexFaultSink& s, int64_t position, int64_t value,
                                                   int64_t bound) {
  if (atomicCAS(s.claim, 0u, 1u) != 0u) return;
  s.report->kernel = s.kernel;
  s.report->position = static_cast<long long>(position);
  s.report->value = static_cast<long long>(value);
  s.report->bound = static_cast<long long>(bound);
  __threadfence_system();  // the fields before the flag, as the host sees them
  s.report->flag = 1u;
}

}  // namespace gan::kernels::cuda::detail
