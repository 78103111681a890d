// Heap settings for CPU tensor storage (cpu_heap.cpp).
#pragma once

namespace gan::detail {

// Keeps freed tensor buffers in the process heap instead of returning them to
// the OS. Idempotent; called before the first CPU Storage allocation.
void tune_cpu_heap();

}  // namespace gan::detail
