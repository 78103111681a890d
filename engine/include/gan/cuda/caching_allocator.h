// Caching device allocator: cudaMalloc/cudaFree are slow and synchronize the
// device, so freed blocks are kept and reused (PyTorch's design, simplified).
//
//   sizes round up to 512 B; requests up to 1 MiB come from a small pool whose
//   segments are 2 MiB, larger ones from a large pool (segments of the rounded
//   size, at least 20 MiB for requests under 10 MiB);
//   a request takes the best-fitting cached block of its pool and splits off the
//   remainder when it is worth keeping (>= 512 B small, > 1 MiB large);
//   freed blocks merge with free neighbours of the same segment;
//   empty_cache() returns whole free segments to the device.
// Single stream for now: a block freed is immediately reusable (stream-ordered
// reuse across streams comes with streams).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

namespace gan::cuda {

struct AllocatorStats {
  size_t allocated = 0;       // bytes in live blocks (rounded sizes)
  size_t reserved = 0;        // bytes held from the device (live + cached)
  size_t peak_allocated = 0;
  size_t peak_reserved = 0;
  int64_t device_allocations = 0;  // raw mallocs so far
  int64_t device_frees = 0;        // raw frees so far (empty_cache)
  int64_t live_blocks = 0;
};

class CachingAllocator {
 public:
  explicit CachingAllocator(int device = 0);
  ~CachingAllocator();  // returns every segment (blocks still live are leaked to the device on purpose: no UAF)
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  void* allocate(size_t bytes);
  void deallocate(void* ptr);  // pointers not from this allocator -> gan::Error
  void empty_cache();
  AllocatorStats stats() const;
  void reset_peak();

  static constexpr size_t kRound = 512;
  static constexpr size_t kSmallRequest = size_t{1} << 20;   // <= 1 MiB: small pool
  static constexpr size_t kSmallSegment = size_t{2} << 20;   // 2 MiB segments
  static constexpr size_t kMinLargeSegment = size_t{20} << 20;
  static constexpr size_t kLargeSegmentThreshold = size_t{10} << 20;

 private:
  struct Block {
    char* ptr = nullptr;
    size_t size = 0;
    bool small = false;
    bool free = true;
    Block* prev = nullptr;  // neighbours within one segment
    Block* next = nullptr;
  };
  struct BySize {
    bool operator()(const Block* a, const Block* b) const {
      return a->size != b->size ? a->size < b->size : a->ptr < b->ptr;
    }
  };

  Block* take_free(std::set<Block*, BySize>& pool, size_t size);
  Block* new_segment(size_t size, bool small);
  void split(Block* b, size_t size, std::set<Block*, BySize>& pool);
  std::set<Block*, BySize>& pool_of(const Block* b) { return b->small ? small_ : large_; }

  int device_;
  mutable std::mutex mu_;
  std::set<Block*, BySize> small_, large_;     // free blocks
  std::unordered_map<void*, Block*> live_;     // allocated blocks by pointer
  AllocatorStats stats_;
};

// The process-wide allocator of a device (created on first use).
CachingAllocator& device_allocator(int device = 0);

}  // namespace gan::cuda
