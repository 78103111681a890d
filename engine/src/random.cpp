#include "gan/random.h"

#include "gan/error.h"
#include "gan/kernels/philox.h"

namespace gan {

double Generator::uniform() {
  const uint64_t at = advance(1);
  return 1.0 - kernels::philox::uniform_f64(seed_, at, 0);
}

uint64_t Generator::randint(uint64_t n) {
  GAN_CHECK(n > 0, "Generator::randint: n must be positive");
  const uint64_t at = advance(1);
  const auto b = kernels::philox::philox4x32_10(at, seed_);
  const uint64_t x = (static_cast<uint64_t>(b.v[0]) << 32) | b.v[1];
  // Lemire-free modulo: bias is < n / 2^64, negligible for shuffles of data sets.
  return x % n;
}

}  // namespace gan
