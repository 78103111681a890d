// The 2-D GAN benchmark of the mode-collapse literature (Metz et al. 2017, Unrolled
// GANs; Srivastava et al. 2017, VEEGAN): a mixture of 8 Gaussians on a ring. Mode
// coverage is easy to measure exactly, so it is the first check that an adversarial
// loop trains at all. The data set is "mixture:ring8" (load_training_data), the
// GAN the mlp2d system (an MLP G and D) on the generic Trainer.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "gan/io/png.h"
#include "gan/random.h"
#include "gan/tensor.h"

namespace gan::models {

struct RingOfGaussians {
  int modes = 8;
  double radius = 2.0;
  double std = 0.05;

  std::vector<std::array<double, 2>> centers() const;
  Tensor sample(int64_t n, Generator& gen) const;  // [n, 2] f32
};

// A sample is "high quality" if it lies within 3 std of its nearest mode
// (VEEGAN's criterion); a mode is covered if it holds at least `min_fraction`
// of all samples as high-quality samples (stricter than VEEGAN's single sample).
struct ModeStats {
  int covered = 0;
  double high_quality = 0;          // fraction of samples within 3 std of a mode
  std::vector<int64_t> per_mode;    // high-quality samples per mode
  std::vector<bool> mode_covered;   // per mode: per_mode >= min_fraction * N
};
ModeStats evaluate_modes(const Tensor& samples, const RingOfGaussians& ring, double min_fraction = 0.02);

// Scatter plot: real samples grey, generated orange, 3-std circles around each mode
// (green covered, red missed). [-3, 3]^2 on a size x size RGB image.
io::Image ring_plot(const Tensor& real, const Tensor& fake, const RingOfGaussians& ring, const ModeStats& stats,
                    int size = 512);
void write_ring_plot(const std::string& path, const Tensor& real, const Tensor& fake, const RingOfGaussians& ring,
                     const ModeStats& stats, int size = 512);

// The ring as a training set: n points [n, 2, 1, 1] (2 channels of 1x1
// images, so the generic Trainer and Loader carry them) from `gen`.
Tensor ring_dataset_points(const RingOfGaussians& ring, int64_t n, Generator& gen);

}  // namespace gan::models
