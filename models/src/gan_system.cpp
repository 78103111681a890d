// Shared pieces of GAN systems (gan_system.h): class labels and grid latents.
#include "gan/models/gan_system.h"

#include "gan/models/trainer.h"
#include "gan/ops.h"

#include <cmath>
#include <vector>

namespace gan::models {

LossOut GanSystem::d_loss(const DLossInput& in) { return {models::d_loss(setup_.loss, in.real.adv, in.fake.adv), {}}; }
LossOut GanSystem::g_loss(const GLossInput& in) { return {models::g_loss(setup_.loss, in.fake.adv), {}}; }

io::Image GanSystem::render_samples(const Tensor& samples, int64_t nrow) { return make_image_grid(samples, nrow); }

Tensor sample_classes(int64_t n, int64_t k, Generator& gen, Device device, int64_t klass) {
  GAN_CHECK(k >= 1, "sample_classes: need >= 1 class, got ", k);
  const Options labels{DType::i64, device};
  if (klass >= 0) return Tensor::full({n}, static_cast<double>(klass), labels);
  // Uniform draws from the counter-based stream (the same on every device),
  // made on `device` (no upload): min(k - 1, trunc(u * k)), in f64.
  const Tensor u = Tensor::rand({n}, gen, 0.0, 1.0, {DType::f64, device});
  return ops::clamp(u * static_cast<double>(k), 0.0, static_cast<double>(k - 1)).to(DType::i64);
}

Latent grid_latent(GanSystem& system, int64_t n, int64_t nrow, Generator& gen, Device device) {
  Latent l = system.sample_latent(n, gen, device);
  const int64_t k = system.latent_classes();
  if (k < 1) return l;
  // Row r shows value r mod K, as make_image_grid lays out nrow per row.
  const int64_t per_row = nrow > 0 ? nrow : static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  std::vector<int64_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) y[static_cast<size_t>(i)] = (i / per_row) % k;
  const Tensor t = Tensor::from_data({n}, y);
  system.set_latent_class(l, device.is_cpu() ? t : t.to(device));
  return l;
}

}  // namespace gan::models
