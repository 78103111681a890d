// The 2-D mixtures as training sets (8-Gaussian ring, 25-Gaussian grid), mode
// statistics and the scatter plot (the GANs on them: nets/mlp2d_nets.h).
#include "gan/models/toy2d.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "gan/io/png.h"

namespace gan::models {

std::vector<std::array<double, 2>> RingOfGaussians::centers() const {
  std::vector<std::array<double, 2>> c;
  for (int k = 0; k < modes; ++k) {
    const double a = 2.0 * M_PI * k / modes;
    c.push_back({radius * std::cos(a), radius * std::sin(a)});
  }
  return c;
}

Tensor RingOfGaussians::sample(int64_t n, Generator& gen) const {
  // Mode index from one uniform per sample, offset from two normals per sample.
  const Tensor u = Tensor::rand({n}, gen, 0.0, 1.0, {DType::f64});
  const Tensor noise = Tensor::randn({n, 2}, gen, {DType::f64});
  const auto uv = u.to_vector<double>();
  const auto nv = noise.to_vector<double>();
  const auto c = centers();
  std::vector<float> out(static_cast<size_t>(2 * n));
  for (int64_t i = 0; i < n; ++i) {
    const int k = std::min(modes - 1, static_cast<int>(uv[static_cast<size_t>(i)] * modes));
    out[static_cast<size_t>(2 * i)] = static_cast<float>(c[static_cast<size_t>(k)][0] + std * nv[static_cast<size_t>(2 * i)]);
    out[static_cast<size_t>(2 * i + 1)] = static_cast<float>(c[static_cast<size_t>(k)][1] + std * nv[static_cast<size_t>(2 * i + 1)]);
  }
  return Tensor::from_data({n, 2}, out);
}

eval::GaussianMixture2d RingOfGaussians::mixture() const {
  return {"ring of " + std::to_string(modes), centers(), std};
}

TrainingMixture training_mixture(const std::string& dataset) {
  if (dataset == "mixture:ring8") return {dataset, RingOfGaussians{}.mixture(), 0.02};
  if (dataset == "mixture:grid25") return {dataset, eval::grid_of_gaussians(5, 2.0, 0.05), 0.008};
  throw Error("config key 'dataset': unknown mixture '" + dataset + "' (known: mixture:ring8, mixture:grid25)");
}

Tensor mixture_points(const TrainingMixture& m, int64_t n, Generator& gen) {
  // The ring keeps its own draws (the runs measured before the grid existed).
  if (m.dataset == "mixture:ring8") return RingOfGaussians{}.sample(n, gen);
  return m.mixture.sample(n, gen);
}

Tensor ring_dataset_points(const RingOfGaussians& ring, int64_t n, Generator& gen) {
  return ring.sample(n, gen).reshape({n, 2, 1, 1});
}

Tensor mixture_dataset_points(const TrainingMixture& m, int64_t n, Generator& gen) {
  return mixture_points(m, n, gen).reshape({n, 2, 1, 1});
}

ModeStats evaluate_modes(const Tensor& samples, const eval::GaussianMixture2d& mix, double min_fraction) {
  GAN_CHECK(samples.dim() == 2 && samples.size(1) == 2, "evaluate_modes: expected samples [N, 2], got ",
            shape_str(samples.shape()));
  const auto v = samples.to_double_vector();
  const auto& c = mix.means;
  const int modes = static_cast<int>(c.size());
  const int64_t n = samples.size(0);
  ModeStats s;
  s.per_mode.assign(static_cast<size_t>(modes), 0);
  int64_t hq = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double x = v[static_cast<size_t>(2 * i)], y = v[static_cast<size_t>(2 * i + 1)];
    double best = INFINITY;
    int best_k = 0;
    for (int k = 0; k < modes; ++k) {
      const double d = std::hypot(x - c[static_cast<size_t>(k)][0], y - c[static_cast<size_t>(k)][1]);
      if (d < best) best = d, best_k = k;
    }
    if (best <= 3 * mix.std) {  // NaN samples fail this test and count as misses
      ++hq;
      ++s.per_mode[static_cast<size_t>(best_k)];
    }
  }
  s.high_quality = n ? static_cast<double>(hq) / static_cast<double>(n) : 0;
  for (int64_t m : s.per_mode) {
    const bool covered = m > 0 && static_cast<double>(m) >= min_fraction * static_cast<double>(n);
    s.mode_covered.push_back(covered);
    s.covered += covered ? 1 : 0;
  }
  return s;
}

void write_ring_plot(const std::string& path, const Tensor& real, const Tensor& fake,
                     const eval::GaussianMixture2d& mix, const ModeStats& stats, int size) {
  io::write_png(path, ring_plot(real, fake, mix, stats, size));
}

io::Image ring_plot(const Tensor& real, const Tensor& fake, const eval::GaussianMixture2d& mix,
                    const ModeStats& stats, int size) {
  io::Image img;
  img.width = img.height = size;
  img.channels = 3;
  img.pixels.assign(static_cast<size_t>(size * size * 3), 255);
  double lim = 3.0;
  for (const auto& m : mix.means) lim = std::max({lim, std::abs(m[0]) + 1, std::abs(m[1]) + 1});
  auto to_px = [&](double v) { return (v + lim) / (2 * lim) * (size - 1); };
  auto put = [&](int px, int py, std::array<uint8_t, 3> col) {
    if (px < 0 || py < 0 || px >= size || py >= size) return;
    uint8_t* p = &img.pixels[static_cast<size_t>(((size - 1 - py) * size + px) * 3)];  // y up
    p[0] = col[0], p[1] = col[1], p[2] = col[2];
  };
  auto dot = [&](double x, double y, int r, std::array<uint8_t, 3> col) {
    if (!std::isfinite(x) || !std::isfinite(y)) return;
    const int cx = static_cast<int>(std::lround(to_px(x))), cy = static_cast<int>(std::lround(to_px(y)));
    for (int dy = -r; dy <= r; ++dy)
      for (int dx = -r; dx <= r; ++dx)
        if (dx * dx + dy * dy <= r * r) put(cx + dx, cy + dy, col);
  };
  // Axes through the origin, light.
  for (int i = 0; i < size; ++i) {
    put(i, static_cast<int>(to_px(0)), {225, 225, 225});
    put(static_cast<int>(to_px(0)), i, {225, 225, 225});
  }
  const auto rv = real.to_double_vector();
  for (size_t i = 0; i + 1 < rv.size(); i += 2) dot(rv[i], rv[i + 1], 1, {170, 170, 170});
  const auto fv = fake.to_double_vector();
  for (size_t i = 0; i + 1 < fv.size(); i += 2) dot(fv[i], fv[i + 1], 1, {230, 110, 20});
  const auto& c = mix.means;
  for (int k = 0; k < static_cast<int>(c.size()); ++k) {
    const bool covered = k < static_cast<int>(stats.mode_covered.size()) && stats.mode_covered[static_cast<size_t>(k)];
    const std::array<uint8_t, 3> col = covered ? std::array<uint8_t, 3>{30, 160, 60} : std::array<uint8_t, 3>{210, 30, 30};
    const double r = 3 * mix.std;
    for (int t = 0; t < 360; ++t) {
      const double a = t * M_PI / 180;
      put(static_cast<int>(std::lround(to_px(c[static_cast<size_t>(k)][0] + r * std::cos(a)))),
          static_cast<int>(std::lround(to_px(c[static_cast<size_t>(k)][1] + r * std::sin(a)))), col);
    }
  }
  return img;
}

}  // namespace gan::models
