// Philox random fills on the CPU: out[i] = f(philox(seed, offset, i)), embarrassingly
// parallel (one 10-round Philox per 2-4 outputs; ~40 integer ops per block).
#include "gan/kernels/rng.h"

#include "gan/kernels/cpu_parallel.h"

namespace gan::kernels::cpu {

template <class T>
void rng_uniform(const RngParams& p, T* out, Stream) {
  parallel_for(p.n, 1 << 15, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      // (0,1] -> [a, b): 1-u lies in [0, 1).
      if constexpr (sizeof(T) == 4) {
        const float u = 1.0f - philox::uniform_f32(p.seed, p.offset, static_cast<uint64_t>(i));
        out[i] = static_cast<T>(p.a + (p.b - p.a) * static_cast<double>(u));
      } else {
        const double u = 1.0 - philox::uniform_f64(p.seed, p.offset, static_cast<uint64_t>(i));
        out[i] = static_cast<T>(p.a + (p.b - p.a) * u);
      }
    }
  });
}

template <class T>
void rng_normal(const RngParams& p, T* out, Stream) {
  parallel_for(p.n, 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      if constexpr (sizeof(T) == 4) {
        out[i] = static_cast<T>(p.a + p.b * static_cast<double>(philox::normal_f32(p.seed, p.offset, static_cast<uint64_t>(i))));
      } else {
        out[i] = static_cast<T>(p.a + p.b * philox::normal_f64(p.seed, p.offset, static_cast<uint64_t>(i)));
      }
    }
  });
}

template void rng_uniform<float>(const RngParams&, float*, Stream);
template void rng_uniform<double>(const RngParams&, double*, Stream);
template void rng_normal<float>(const RngParams&, float*, Stream);
template void rng_normal<double>(const RngParams&, double*, Stream);

}  // namespace gan::kernels::cpu
