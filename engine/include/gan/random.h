// Generator: seeded Philox4x32-10 state (seed + offset in blocks). Explicit and
// reproducible: every random op takes a Generator, and a draw's values depend only
// on (seed, offset, n), so the same seed gives the same numbers on CPU and CUDA.
#pragma once

#include <cstdint>

namespace gan {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}

  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_state(uint64_t seed, uint64_t offset) { seed_ = seed; offset_ = offset; }

  // Reserves the blocks for a draw of n values and returns the offset to draw at.
  uint64_t advance(uint64_t blocks) {
    const uint64_t at = offset_;
    offset_ += blocks;
    return at;
  }

  // Host-side scalars (shuffles, dropout decisions): each call consumes one block.
  double uniform();                      // [0, 1)
  uint64_t randint(uint64_t n);          // [0, n)

 private:
  uint64_t seed_ = 0;
  uint64_t offset_ = 0;
};

}  // namespace gan
