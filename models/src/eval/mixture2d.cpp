// 2-D mixtures and the VEEGAN / PacGAN mode metrics (mixture2d.h).
#include "gan/models/eval/mixture2d.h"

#include <cmath>
#include <numbers>

namespace gan::models::eval {

GaussianMixture2d ring_of_gaussians(int modes, double radius, double std) {
  GAN_CHECK(modes >= 1 && radius > 0 && std > 0, "ring_of_gaussians: bad parameters");
  GaussianMixture2d m;
  m.name = "ring of " + std::to_string(modes);
  m.std = std;
  for (int i = 0; i < modes; ++i) {
    const double a = 2 * std::numbers::pi * i / modes;
    m.means.push_back({radius * std::cos(a), radius * std::sin(a)});
  }
  return m;
}

GaussianMixture2d grid_of_gaussians(int side, double spacing, double std) {
  GAN_CHECK(side >= 1 && spacing > 0 && std > 0, "grid_of_gaussians: bad parameters");
  GaussianMixture2d m;
  m.name = "grid of " + std::to_string(side * side);
  m.std = std;
  const double half = 0.5 * (side - 1) * spacing;
  for (int i = 0; i < side; ++i)
    for (int j = 0; j < side; ++j) m.means.push_back({i * spacing - half, j * spacing - half});
  return m;
}

Tensor GaussianMixture2d::sample(int64_t n, Generator& gen) const {
  const std::vector<float> z = Tensor::randn({n, 2}, gen).to_vector<float>();
  std::vector<float> out(static_cast<size_t>(2 * n));
  for (int64_t i = 0; i < n; ++i) {
    const auto& mu = means[static_cast<size_t>(gen.randint(means.size()))];
    out[static_cast<size_t>(2 * i)] = static_cast<float>(mu[0] + std * z[static_cast<size_t>(2 * i)]);
    out[static_cast<size_t>(2 * i + 1)] = static_cast<float>(mu[1] + std * z[static_cast<size_t>(2 * i + 1)]);
  }
  return Tensor::from_data({n, 2}, out);
}

double js_divergence_bits(const std::vector<double>& p_in, const std::vector<double>& q_in) {
  GAN_CHECK(p_in.size() == q_in.size() && !p_in.empty(), "js_divergence_bits: histograms of different sizes");
  double sp = 0, sq = 0;
  for (size_t i = 0; i < p_in.size(); ++i) sp += p_in[i], sq += q_in[i];
  if (sp <= 0 || sq <= 0) return 1.0;
  double js = 0;
  for (size_t i = 0; i < p_in.size(); ++i) {
    const double p = p_in[i] / sp, q = q_in[i] / sq, m = 0.5 * (p + q);
    if (p > 0) js += 0.5 * p * std::log2(p / m);
    if (q > 0) js += 0.5 * q * std::log2(q / m);
  }
  return std::max(js, 0.0);
}

MixtureMetrics mixture_metrics(const Tensor& samples, const GaussianMixture2d& mix, int64_t min_count) {
  GAN_CHECK(samples.dim() == 2 && samples.size(1) == 2, "mixture_metrics: expected points [n, 2], got ",
            shape_str(samples.shape()));
  GAN_CHECK(!mix.means.empty(), "mixture_metrics: the mixture has no modes");
  const std::vector<double> x = samples.to_double_vector();
  MixtureMetrics m;
  m.n = samples.size(0);
  m.modes = static_cast<int>(mix.means.size());
  m.per_mode.assign(mix.means.size(), 0);
  const double limit2 = 9 * mix.std * mix.std;  // (3 std)^2
  int64_t hq = 0;
  for (int64_t i = 0; i < m.n; ++i) {
    const double px = x[static_cast<size_t>(2 * i)], py = x[static_cast<size_t>(2 * i + 1)];
    GAN_CHECK(std::isfinite(px) && std::isfinite(py), "mixture_metrics: sample ", i, " is not finite");
    size_t best = 0;
    double best_d2 = INFINITY;
    for (size_t k = 0; k < mix.means.size(); ++k) {
      const double dx = px - mix.means[k][0], dy = py - mix.means[k][1], d2 = dx * dx + dy * dy;
      if (d2 < best_d2) best_d2 = d2, best = k;
    }
    if (best_d2 <= limit2) ++hq, ++m.per_mode[best];
  }
  m.high_quality_fraction = m.n ? static_cast<double>(hq) / static_cast<double>(m.n) : 0;
  std::vector<double> hist(mix.means.size()), uniform(mix.means.size(), 1.0);
  for (size_t k = 0; k < hist.size(); ++k) {
    hist[k] = static_cast<double>(m.per_mode[k]);
    m.modes_covered += m.per_mode[k] >= std::max<int64_t>(min_count, 1);
  }
  m.js_to_uniform_bits = js_divergence_bits(hist, uniform);
  return m;
}

}  // namespace gan::models::eval
