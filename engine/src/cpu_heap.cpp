// Heap settings for CPU tensor storage.
//
// Why: a training step allocates and frees the same activation and gradient
// buffers every step (DCGAN-28 at batch 64: dozens of 0.2-3.2 MB tensors).
// glibc serves blocks above its mmap threshold with fresh mmap()s and gives
// them back on free, and trims the heap top above the trim threshold, so each
// step re-faults its pages from the kernel: ~13,000 zero-filled 4 KiB page
// faults per DCGAN-28 step, 15-20% of the step on a 2-core machine. With the
// thresholds raised the pages stay mapped and are reused (~1,700 faults/step,
// mostly the benchmark's own set-up).
//
// Cost: memory freed by a large run is kept by the process (until exit)
// rather than returned; tensors above 32 MiB, glibc's largest mmap threshold
// on 64-bit, still get their own mappings.
#include "cpu_heap.h"

#include <cstdlib>  // defines __GLIBC__ (via <features.h>) on glibc systems

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace gan::detail {

void tune_cpu_heap() {
#if defined(__GLIBC__)
  static const bool done = [] {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);  // the largest value glibc accepts on 64-bit
    mallopt(M_TRIM_THRESHOLD, 1 << 30);   // keep up to 1 GiB of free heap top mapped
    return true;
  }();
  (void)done;
#endif
}

}  // namespace gan::detail
