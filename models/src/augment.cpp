// Augmenter (augment.h): DiffAugment's transforms with ADA's probability.
// Random draws are host-side (gen.uniform / randint, a fixed number per sample
// whatever p is, so p does not shift later draws); the per-sample matrices and
// masks are built on the host and moved to x's device.
#include "gan/models/augment.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "gan/error.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

// DiffAugment's ratios: translation 1/8 of the side, cutout 1/2.
int64_t shift_range(int64_t side) { return static_cast<int64_t>(side * 0.125 + 0.5); }
int64_t cutout_side(int64_t side) { return static_cast<int64_t>(side * 0.5 + 0.5); }

Options like(const Tensor& x) { return Options{x.dtype(), x.device()}; }

}  // namespace

void validate_augment(const AugmentConfig& c) {
  std::stringstream ss(c.policy);
  std::string name;
  while (std::getline(ss, name, ',')) {
    GAN_CHECK(name == "translation" || name == "cutout" || name == "color", "config key 'augment': unknown transform '",
              name, "' in \"", c.policy, "\" (known: translation, cutout, color; comma-separated)");
  }
  GAN_CHECK(c.ada_target >= 0 && c.ada_target < 1, "config key 'ada_target': must be in [0, 1) (0: p = 1), got ",
            c.ada_target);
  GAN_CHECK(c.ada_target == 0 || !c.policy.empty(), "config key 'ada_target': ", c.ada_target,
            " adapts the probability of the augment transforms, but 'augment' is empty");
  GAN_CHECK(c.ada_interval >= 1, "config key 'ada_interval': must be >= 1, got ", c.ada_interval);
  GAN_CHECK(c.ada_kimg > 0, "config key 'ada_kimg': must be > 0, got ", c.ada_kimg);
}

Augmenter::Augmenter(AugmentConfig c, int64_t batch) : cfg_(std::move(c)), batch_(batch) {
  validate_augment(cfg_);
  std::stringstream ss(cfg_.policy);
  std::string name;
  while (std::getline(ss, name, ',')) {
    translation_ = translation_ || name == "translation";
    cutout_ = cutout_ || name == "cutout";
    color_ = color_ || name == "color";
  }
  p_ = adaptive() ? 0.0 : 1.0;
}

// out = Sy @ x @ Sx with per-sample 0/1 matrices: Sy [N, 1, H, H] has
// Sy[i, i - ty] = 1, Sx [N, 1, W, W] has Sx[j - tx, j] = 1; rows and columns
// shifted in from outside are zero.
Tensor Augmenter::translate(const Tensor& x, Generator& gen) const {
  const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
  std::vector<float> sy(n * h * h, 0.f), sx(n * w * w, 0.f);
  for (int64_t b = 0; b < n; ++b) {
    const bool on = gen.uniform() < p_;
    const int64_t ty = static_cast<int64_t>(gen.randint(2 * shift_range(h) + 1)) - shift_range(h);
    const int64_t tx = static_cast<int64_t>(gen.randint(2 * shift_range(w) + 1)) - shift_range(w);
    const int64_t dy = on ? ty : 0, dx = on ? tx : 0;
    for (int64_t i = 0; i < h; ++i)
      if (i - dy >= 0 && i - dy < h) sy[(b * h + i) * h + (i - dy)] = 1.f;
    for (int64_t j = 0; j < w; ++j)
      if (j - dx >= 0 && j - dx < w) sx[(b * w + (j - dx)) * w + j] = 1.f;
  }
  const Tensor my = Tensor::from_data({n, 1, h, h}, sy, like(x));
  const Tensor mx = Tensor::from_data({n, 1, w, w}, sx, like(x));
  return ops::matmul(ops::matmul(my, x), mx);
}

// x * mask, mask [N, 1, H, W] zero on a square of cutout_side at a random
// centre (DiffAugment's offsets: the square may be clipped by the border).
Tensor Augmenter::cut(const Tensor& x, Generator& gen) const {
  const int64_t n = x.size(0), h = x.size(2), w = x.size(3);
  const int64_t ch = cutout_side(h), cw = cutout_side(w);
  std::vector<float> mask(n * h * w, 1.f);
  for (int64_t b = 0; b < n; ++b) {
    const bool on = gen.uniform() < p_;
    const int64_t oy = static_cast<int64_t>(gen.randint(h + (1 - ch % 2))) - ch / 2;
    const int64_t ox = static_cast<int64_t>(gen.randint(w + (1 - cw % 2))) - cw / 2;
    if (!on) continue;
    for (int64_t i = std::max<int64_t>(oy, 0); i < std::min(oy + ch, h); ++i)
      for (int64_t j = std::max<int64_t>(ox, 0); j < std::min(ox + cw, w); ++j) mask[(b * h + i) * w + j] = 0.f;
  }
  return x * Tensor::from_data({n, 1, h, w}, mask, like(x));
}

// Brightness, saturation, contrast in DiffAugment's order; a sample that is
// not augmented gets the neutral factors (0, 1, 1).
Tensor Augmenter::colour(const Tensor& x, Generator& gen) const {
  const int64_t n = x.size(0);
  std::vector<float> bright(n), sat(n), con(n);
  for (int64_t b = 0; b < n; ++b) {
    const bool on = gen.uniform() < p_;
    const double u0 = gen.uniform(), u1 = gen.uniform(), u2 = gen.uniform();
    bright[b] = on ? static_cast<float>(u0 - 0.5) : 0.f;
    sat[b] = on ? static_cast<float>(2 * u1) : 1.f;
    con[b] = on ? static_cast<float>(u2 + 0.5) : 1.f;
  }
  const Shape per_sample{n, 1, 1, 1};
  Tensor y = x + Tensor::from_data(per_sample, bright, like(x));
  const Tensor m_channels = ops::mean(y, {1}, true);  // [N, 1, H, W]
  y = (y - m_channels) * Tensor::from_data(per_sample, sat, like(x)) + m_channels;
  const Tensor m_image = ops::mean(y, {1, 2, 3}, true);  // [N, 1, 1, 1]
  return (y - m_image) * Tensor::from_data(per_sample, con, like(x)) + m_image;
}

Tensor Augmenter::apply(const Tensor& x, Generator& gen) const {
  GAN_CHECK(x.dim() == 4, "augment: expected images [N, C, H, W], got ", shape_str(x.shape()));
  Tensor y = x;
  if (color_) y = colour(y, gen);
  if (translation_) y = translate(y, gen);
  if (cutout_) y = cut(y, gen);
  return y;
}

void Augmenter::observe_real(const Tensor& real_adv) {
  if (!adaptive()) return;
  observe_real(ops::sum(ops::sign(real_adv.detach())).item(), real_adv.numel());
}

void Augmenter::observe_real(double sign_sum, int64_t count) {
  if (!adaptive()) return;
  sign_sum_ += sign_sum;
  sign_count_ += static_cast<double>(count);
  if (++steps_ < cfg_.ada_interval) return;
  rt_ = sign_sum_ / sign_count_;
  const double step = static_cast<double>(batch_ * cfg_.ada_interval) / (cfg_.ada_kimg * 1000.0);
  p_ = std::clamp(p_ + (rt_ > cfg_.ada_target ? step : rt_ < cfg_.ada_target ? -step : 0.0), 0.0, 1.0);
  sign_sum_ = sign_count_ = 0;
  steps_ = 0;
}

std::vector<std::pair<std::string, double>> Augmenter::state() const {
  return {{"p", p_}, {"rt", rt_}, {"sign_sum", sign_sum_}, {"sign_count", sign_count_},
          {"steps", static_cast<double>(steps_)}};
}

void Augmenter::restore(const std::vector<std::pair<std::string, double>>& state) {
  for (const auto& [k, v] : state) {
    if (k == "p") p_ = v;
    else if (k == "rt") rt_ = v;
    else if (k == "sign_sum") sign_sum_ = v;
    else if (k == "sign_count") sign_count_ = v;
    else if (k == "steps") steps_ = static_cast<int64_t>(v);
    else throw Error("augment state: unknown entry '" + k + "'");
  }
}

}  // namespace gan::models
