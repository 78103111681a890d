// The 2-D GAN benchmarks of the mode-collapse literature (Metz et al. 2017, Unrolled
// GANs; Srivastava et al. 2017, VEEGAN): mixtures of Gaussians, 8 on a ring and 25
// on a 5x5 grid. Mode coverage is easy to measure exactly, so it is the first check
// that an adversarial loop trains at all. The data sets are "mixture:ring8" and
// "mixture:grid25" (load_training_data); the GANs on them the 2-D MLP nets
// (nets/mlp2d_nets.h: mlp2d, r3gan, spheregan) on the generic Trainer.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "gan/io/png.h"
#include "gan/models/eval/mixture2d.h"
#include "gan/random.h"
#include "gan/tensor.h"

namespace gan::models {

struct RingOfGaussians {
  int modes = 8;
  double radius = 2.0;
  double std = 0.05;

  std::vector<std::array<double, 2>> centers() const;
  Tensor sample(int64_t n, Generator& gen) const;  // [n, 2] f32
  eval::GaussianMixture2d mixture() const;          // its means and std (sampling stays sample()'s)
};

// A training set of 2-D points by its dataset name, and how its modes count as
// covered (ModeStats):
//   "mixture:ring8"   RingOfGaussians{}: 8 means on a circle of radius 2, std 0.05;
//                     a mode is covered with >= 2 % of the samples (1/6 of its share)
//   "mixture:grid25"  eval::grid_of_gaussians(): means {-4, -2, 0, 2, 4}^2, std 0.05;
//                     covered with >= 0.8 % (20 of 2,500, PacGAN's count; 1/5 of its share)
struct TrainingMixture {
  std::string dataset;           // "mixture:ring8"
  eval::GaussianMixture2d mixture;
  double min_fraction = 0.02;    // evaluate_modes' coverage threshold
};
// gan::Error naming config key 'dataset' and the known names otherwise.
TrainingMixture training_mixture(const std::string& dataset);
// n points of the mixture [n, 2] f32 from `gen` (the ring: RingOfGaussians::sample's draws).
Tensor mixture_points(const TrainingMixture& m, int64_t n, Generator& gen);

// A sample is "high quality" if it lies within 3 std of its nearest mode
// (VEEGAN's criterion); a mode is covered if it holds at least `min_fraction`
// of all samples as high-quality samples (stricter than VEEGAN's single sample).
struct ModeStats {
  int covered = 0;
  double high_quality = 0;          // fraction of samples within 3 std of a mode
  std::vector<int64_t> per_mode;    // high-quality samples per mode
  std::vector<bool> mode_covered;   // per mode: per_mode >= min_fraction * N
};
ModeStats evaluate_modes(const Tensor& samples, const eval::GaussianMixture2d& mix, double min_fraction = 0.02);

// Scatter plot: real samples grey, generated orange, 3-std circles around each mode
// (green covered, red missed). [-L, L]^2 on a size x size RGB image, L = 3 for
// the ring, the farthest mean coordinate + 1 when larger (5 for the grid).
io::Image ring_plot(const Tensor& real, const Tensor& fake, const eval::GaussianMixture2d& mix,
                    const ModeStats& stats, int size = 512);
void write_ring_plot(const std::string& path, const Tensor& real, const Tensor& fake,
                     const eval::GaussianMixture2d& mix, const ModeStats& stats, int size = 512);

// A mixture as a training set: n points [n, 2, 1, 1] (2 channels of 1x1
// images, so the generic Trainer and Loader carry them) from `gen`.
Tensor ring_dataset_points(const RingOfGaussians& ring, int64_t n, Generator& gen);
Tensor mixture_dataset_points(const TrainingMixture& m, int64_t n, Generator& gen);

}  // namespace gan::models
