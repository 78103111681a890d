// The 2-D GAN benchmark of the mode-collapse literature (Metz et al. 2017, Unrolled
// GANs; Srivastava et al. 2017, VEEGAN): a mixture of 8 Gaussians on a ring. Mode
// coverage is easy to measure exactly, so it is the first check that an adversarial
// loop trains at all: an MLP generator and discriminator, non-saturating loss, Adam.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

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
void write_ring_plot(const std::string& path, const Tensor& real, const Tensor& fake, const RingOfGaussians& ring,
                     const ModeStats& stats, int size = 512);

struct RingGanConfig {
  int64_t steps = 4000;
  int64_t batch = 256;
  int64_t z_dim = 8;
  int64_t hidden = 128;
  double lr_g = 1e-3;
  double lr_d = 1e-3;
  double beta1 = 0.5;
  double beta2 = 0.999;
  uint64_t seed = 1;
  int64_t eval_every = 500;   // steps between evaluations (and plots, when out_dir is set)
  int64_t eval_samples = 2500;
  std::string out_dir;        // empty: no files
};

struct RingGanLog {
  int64_t step = 0;
  double loss_d = 0, loss_g = 0;
  double d_real = 0, d_fake = 0;   // mean sigmoid(D(x)), mean sigmoid(D(G(z)))
  double grad_norm_g = 0, grad_norm_d = 0;
  double seconds = 0;              // wall time since start
  bool evaluated = false;
  ModeStats modes;                 // when evaluated
};

struct RingGanResult {
  ModeStats final_modes;
  double seconds = 0;
  std::vector<RingGanLog> evaluations;
};

RingGanResult train_ring_gan(const RingGanConfig& cfg, const std::function<void(const RingGanLog&)>& on_log = {});

}  // namespace gan::models
