// truncate_noise (truncation.h).
#include "gan/models/truncation.h"

#include <cmath>

namespace gan::models {

void truncate_noise(Tensor& z, double t, Generator& gen, const char* what) {
  GAN_CHECK(std::isfinite(t) && t >= 0, what, " must be a threshold >= ", kMinTruncation, " (or 0 for none), got ", t);
  if (t == 0) return;
  GAN_CHECK(t >= kMinTruncation, what, " ", t, " is too small (use >= ", kMinTruncation, ", or 0 to disable)");
  GAN_CHECK(z.defined() && z.dtype() == DType::f32 && z.device().is_cpu(), what,
            ": expected noise z as f32 on the CPU (truncate before moving it to a device)");
  float* p = z.data<float>();
  for (int64_t i = 0; i < z.numel(); ++i) {
    while (std::abs(p[i]) > t) p[i] = static_cast<float>(Tensor::randn({1}, gen).item());
  }
  z.bump_version();
}

}  // namespace gan::models
