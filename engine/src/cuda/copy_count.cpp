// cuda::device_to_host_copies() (gan/cuda/runtime.h): one process-wide counter
// for every flavour (the cpu flavour's runtime never copies, so it stays 0).
#include "copy_count.h"

#include <atomic>
#include <cstdint>

#include "gan/cuda/runtime.h"

namespace gan::cuda {
namespace {
std::atomic<uint64_t> d2h_copies{0};
std::atomic<uint64_t> h2d_copies{0};
}  // namespace

void detail::note_device_to_host_copy() { d2h_copies.fetch_add(1, std::memory_order_relaxed); }

uint64_t device_to_host_copies() { return d2h_copies.load(std::memory_order_relaxed); }

void detail::note_host_to_device_copy() { h2d_copies.fetch_add(1, std::memory_order_relaxed); }

uint64_t host_to_device_copies() { return h2d_copies.load(std::memory_order_relaxed); }

}  // namespace gan::cuda
