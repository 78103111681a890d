// 2-D Gaussian mixtures of the mode-collapse literature and their metrics
// (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018):
//
//   ring of 8:  means (r cos(2 pi i / 8), r sin(2 pi i / 8)), r = 2, std 0.02 by default
//               (toy2d.h's demo uses std 0.05: pass it to compare with that demo)
//   grid of 25: means {-4, -2, 0, 2, 4}^2, std 0.05
//
// On `n` generated points (2,500 in the protocol): a point is high-quality if
// it lies within 3 std of its nearest mean; a mode is covered when at least
// `min_count` high-quality points fall on it (default 20 of 2,500, so stray
// points do not count; 1 gives the loosest reading); the JS divergence (bits,
// 0 = uniform, 1 = disjoint) compares the histogram of high-quality points
// over modes with the uniform distribution over modes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "gan/random.h"
#include "gan/tensor.h"

namespace gan::models::eval {

struct GaussianMixture2d {
  std::string name;
  std::vector<std::array<double, 2>> means;
  double std = 0.05;
  Tensor sample(int64_t n, Generator& gen) const;  // [n, 2] f32: a uniform mode, then N(mean, std^2 I)
};
GaussianMixture2d ring_of_gaussians(int modes = 8, double radius = 2.0, double std = 0.02);
GaussianMixture2d grid_of_gaussians(int side = 5, double spacing = 2.0, double std = 0.05);

struct MixtureMetrics {
  int64_t n = 0;
  int modes = 0, modes_covered = 0;
  double high_quality_fraction = 0;
  double js_to_uniform_bits = 0;
  std::vector<int64_t> per_mode;  // high-quality points per mode
};
// samples [n, 2] (any device).
MixtureMetrics mixture_metrics(const Tensor& samples, const GaussianMixture2d& mix, int64_t min_count = 20);

// Jensen-Shannon divergence in bits of two histograms (normalized here); a
// zero-mass histogram is treated as disjoint from everything (1 bit).
double js_divergence_bits(const std::vector<double>& p, const std::vector<double>& q);

}  // namespace gan::models::eval
