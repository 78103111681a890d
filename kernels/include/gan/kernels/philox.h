// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11):
// a counter-based generator, so element i of a draw is a pure function of
// (seed, offset, i) and CPU and CUDA produce bit-identical streams.
//
// Stream layout, shared by every backend:
//   uniform f32:  element i uses block (offset + i/4), word i%4           -> 24 bits
//   uniform f64:  element i uses block (offset + i/2), words 2(i%2), +1    -> 53 bits
//   normal  f32:  element i uses block (offset + i/2), words 2(i%2), +1    -> Box-Muller cos branch
//   normal  f64:  element i uses block (offset + i),   words (0,1),(2,3)   -> Box-Muller cos branch
// A draw of n elements advances the generator's offset by the number of blocks it used.
#pragma once

#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define GAN_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define GAN_HOST_DEVICE inline
#endif

namespace gan::kernels::philox {

struct Block {
  uint32_t v[4];
};

GAN_HOST_DEVICE uint32_t mulhilo(uint32_t a, uint32_t b, uint32_t* hi) {
  const uint64_t p = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(p >> 32);
  return static_cast<uint32_t>(p);
}

// The 10-round Philox4x32 bijection of a 128-bit counter under a 64-bit key.
GAN_HOST_DEVICE Block philox4x32_10(uint64_t counter, uint64_t seed) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, hi1;
    const uint32_t lo0 = mulhilo(0xD2511F53u, c0, &hi0);
    const uint32_t lo1 = mulhilo(0xCD9E8D57u, c2, &hi1);
    const uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return Block{{c0, c1, c2, c3}};
}

// (0, 1]: never 0, so log() in Box-Muller is finite.
GAN_HOST_DEVICE float u32_to_unit_f32(uint32_t x) { return (static_cast<float>(x >> 8) + 1.0f) * (1.0f / 16777216.0f); }
GAN_HOST_DEVICE double u64_to_unit_f64(uint32_t hi, uint32_t lo) {
  const uint64_t x = ((static_cast<uint64_t>(hi) << 32) | lo) >> 11;  // 53 bits
  return (static_cast<double>(x) + 1.0) * (1.0 / 9007199254740992.0);
}

GAN_HOST_DEVICE float uniform_f32(uint64_t seed, uint64_t offset, uint64_t i) {
  const Block b = philox4x32_10(offset + i / 4, seed);
  return u32_to_unit_f32(b.v[i % 4]);
}
GAN_HOST_DEVICE double uniform_f64(uint64_t seed, uint64_t offset, uint64_t i) {
  const Block b = philox4x32_10(offset + i / 2, seed);
  const int w = 2 * static_cast<int>(i % 2);
  return u64_to_unit_f64(b.v[w], b.v[w + 1]);
}
GAN_HOST_DEVICE float normal_f32(uint64_t seed, uint64_t offset, uint64_t i) {
  const Block b = philox4x32_10(offset + i / 2, seed);
  const int w = 2 * static_cast<int>(i % 2);
  const float u1 = u32_to_unit_f32(b.v[w]), u2 = u32_to_unit_f32(b.v[w + 1]);
  // Computed in double then rounded so CPU and GPU agree bit for bit (no fast-math sinf/logf differences).
  return static_cast<float>(std::sqrt(-2.0 * std::log(static_cast<double>(u1))) *
                            std::cos(6.283185307179586 * static_cast<double>(u2)));
}
GAN_HOST_DEVICE double normal_f64(uint64_t seed, uint64_t offset, uint64_t i) {
  const Block b = philox4x32_10(offset + i, seed);
  const double u1 = u64_to_unit_f64(b.v[0], b.v[1]), u2 = u64_to_unit_f64(b.v[2], b.v[3]);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// Blocks a draw of n elements consumes (the offset advance).
GAN_HOST_DEVICE uint64_t blocks_used(bool normal, bool f64, uint64_t n) {
  if (!normal && !f64) return (n + 3) / 4;
  if (normal && f64) return n;
  return (n + 1) / 2;
}

}  // namespace gan::kernels::philox
