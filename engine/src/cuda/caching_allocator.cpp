#include "gan/cuda/caching_allocator.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "gan/cuda/runtime.h"
#include "gan/error.h"

namespace gan::cuda {

CachingAllocator::CachingAllocator(int device) : device_(device) {}

CachingAllocator::~CachingAllocator() {
  try {
    empty_cache();
  } catch (...) {
    // Destructors run at exit, possibly after the driver shut down: nothing to do.
  }
}

CachingAllocator::Block* CachingAllocator::take_free(std::set<Block*, BySize>& pool, size_t size) {
  Block key;
  key.size = size;
  key.ptr = nullptr;
  auto it = pool.lower_bound(&key);  // smallest block >= size
  if (it == pool.end()) return nullptr;
  Block* b = *it;
  pool.erase(it);
  return b;
}

CachingAllocator::Block* CachingAllocator::new_segment(size_t size, bool small) {
  size_t seg = size;
  if (small) seg = kSmallSegment;
  else if (size < kLargeSegmentThreshold) seg = kMinLargeSegment;
  void* p = raw_malloc(seg, device_);
  auto* b = new Block;
  b->ptr = static_cast<char*>(p);
  b->size = seg;
  b->small = small;
  stats_.reserved += seg;
  stats_.peak_reserved = std::max(stats_.peak_reserved, stats_.reserved);
  ++stats_.device_allocations;
  return b;
}

void CachingAllocator::split(Block* b, size_t size, std::set<Block*, BySize>& pool) {
  const size_t rest = b->size - size;
  const bool worth = b->small ? rest >= kRound : rest > kSmallRequest;
  if (!worth) return;
  auto* r = new Block;
  r->ptr = b->ptr + size;
  r->size = rest;
  r->small = b->small;
  r->prev = b;
  r->next = b->next;
  if (b->next) b->next->prev = r;
  b->next = r;
  b->size = size;
  pool.insert(r);
}

void* CachingAllocator::allocate(size_t bytes) {
  const size_t size = std::max<size_t>(kRound, (bytes + kRound - 1) / kRound * kRound);
  const bool small = size <= kSmallRequest;
  std::lock_guard<std::mutex> lock(mu_);
  auto& pool = small ? small_ : large_;
  Block* b = take_free(pool, size);
  if (!b) {
    try {
      b = new_segment(size, small);
    } catch (const Error&) {
      // Out of memory: give back every cached segment and try once more.
      mu_.unlock();
      empty_cache();
      mu_.lock();
      b = new_segment(size, small);
    }
  }
  split(b, size, pool);
  b->free = false;
  live_.emplace(b->ptr, b);
  stats_.allocated += b->size;
  stats_.peak_allocated = std::max(stats_.peak_allocated, stats_.allocated);
  ++stats_.live_blocks;
  return b->ptr;
}

void CachingAllocator::deallocate(void* ptr) {
  if (!ptr) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(ptr);
  GAN_CHECK(it != live_.end(), "CachingAllocator::deallocate: pointer ", ptr, " was not allocated here (double free?)");
  Block* b = it->second;
  live_.erase(it);
  stats_.allocated -= b->size;
  --stats_.live_blocks;
  b->free = true;
  auto& pool = pool_of(b);
  // Merge with free neighbours of the same segment.
  if (b->prev && b->prev->free) {
    Block* p = b->prev;
    pool.erase(p);
    p->size += b->size;
    p->next = b->next;
    if (b->next) b->next->prev = p;
    delete b;
    b = p;
  }
  if (b->next && b->next->free) {
    Block* n = b->next;
    pool.erase(n);
    b->size += n->size;
    b->next = n->next;
    if (n->next) n->next->prev = b;
    delete n;
  }
  pool.insert(b);
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto* pool : {&small_, &large_}) {
    std::vector<Block*> whole;
    for (Block* b : *pool)
      if (!b->prev && !b->next) whole.push_back(b);  // a free block spanning its whole segment
    for (Block* b : whole) {
      pool->erase(b);
      raw_free(b->ptr, device_);
      stats_.reserved -= b->size;
      ++stats_.device_frees;
      delete b;
    }
  }
}

AllocatorStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void CachingAllocator::reset_peak() {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.peak_allocated = stats_.allocated;
  stats_.peak_reserved = stats_.reserved;
}

CachingAllocator& device_allocator(int device) {
  static std::mutex mu;
  static std::vector<std::unique_ptr<CachingAllocator>> allocators;
  std::lock_guard<std::mutex> lock(mu);
  GAN_CHECK(device >= 0 && device < std::max(device_count(), 1), "cuda: device ", device, " does not exist");
  if (allocators.size() <= static_cast<size_t>(device)) allocators.resize(static_cast<size_t>(device) + 1);
  auto& a = allocators[static_cast<size_t>(device)];
  if (!a) a = std::make_unique<CachingAllocator>(device);
  return *a;
}

}  // namespace gan::cuda
