// Fiber stacks and fiber switches of the SIMT emulator's block scheduler:
// stacks are mmap'ed with a guard page (a fiber stack overflow faults instead
// of corrupting memory) and cached per worker, and every switch carries
// AddressSanitizer's fiber annotations so ASan builds see no false positives.
// Internal to kernels/simt/src.
#pragma once

#include <cstdlib>
#include <new>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#include <boost/context/stack_context.hpp>

#if defined(__SANITIZE_ADDRESS__)
#define GAN_SIMT_ASAN 1
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#else
#define GAN_SIMT_ASAN 0
#endif

namespace gan::simt::detail {

namespace ctx = boost::context;

// ---- fiber stacks: mmap'ed with a guard page, cached per worker -------------

inline std::size_t fiber_stack_size() {
  std::size_t kib = GAN_SIMT_ASAN ? 1024 : 256;
  if (const char* env = std::getenv("GAN_SIMT_STACK_KB")) {
    const long v = std::atol(env);
    if (v >= 16) kib = static_cast<std::size_t>(v);
  }
  return kib * 1024;
}

class StackCache {
 public:
  StackCache() : size_(fiber_stack_size()), page_(static_cast<std::size_t>(sysconf(_SC_PAGESIZE))) {}
  ~StackCache() {
    for (auto& s : free_) munmap(static_cast<char*>(s.sp) - s.size - page_, s.size + page_);
  }
  StackCache(const StackCache&) = delete;
  StackCache& operator=(const StackCache&) = delete;

  ctx::stack_context take() {
    if (!free_.empty()) {
      ctx::stack_context s = free_.back();
      free_.pop_back();
#if GAN_SIMT_ASAN
      // Frames of the previous fiber may have left poisoned redzones behind.
      ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(s.sp) - s.size, s.size);
#endif
      return s;
    }
    void* base = mmap(nullptr, size_ + page_, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    mprotect(base, page_, PROT_NONE);  // a fiber stack overflow faults instead of corrupting
    ctx::stack_context s;
    s.size = size_;
    s.sp = static_cast<char*>(base) + page_ + size_;
    return s;
  }
  void give(ctx::stack_context& s) noexcept { free_.push_back(s); }
  void reserve(std::size_t n) { free_.reserve(n); }

 private:
  std::size_t size_;
  std::size_t page_;
  std::vector<ctx::stack_context> free_;
};

// StackAllocator for boost::context::fiber: stacks go back to the cache.
struct CachedStack {
  StackCache* cache;
  ctx::stack_context allocate() { return cache->take(); }
  void deallocate(ctx::stack_context& s) noexcept { cache->give(s); }
};

// ---- AddressSanitizer fiber annotations -----------------------------------

inline void asan_start([[maybe_unused]] void** fake_stack, [[maybe_unused]] const void* bottom,
                       [[maybe_unused]] std::size_t size) {
#if GAN_SIMT_ASAN
  __sanitizer_start_switch_fiber(fake_stack, bottom, size);
#endif
}
inline void asan_finish([[maybe_unused]] void* fake_stack, [[maybe_unused]] const void** bottom,
                        [[maybe_unused]] std::size_t* size) {
#if GAN_SIMT_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, bottom, size);
#endif
}

}  // namespace gan::simt::detail
