// Differentiable augmentation of what D sees, for training on small data:
// DiffAugment's transforms (Zhao et al. 2020) and ADA's adaptive probability
// (Karras et al. 2020), usable by every system (run keys augment, ada_*).
//
// Every image D judges — reals and fakes, in the D step and in the G step (and
// the gradient penalties) — goes through the same random transforms, each
// applied per sample with probability p. They are differentiable in x
// (0/1 shift matrices by matmul, masks, per-sample affine colour), so G's
// gradient flows through them; and since fakes are transformed exactly like
// reals, G gains nothing by producing transformed-looking images: nothing
// leaks. Samples, grids and the metric suite use G's raw output.
//
// Policy (comma list; DiffAugment's defaults):
//   translation  shift by up to round(side / 8) pixels in x and y, zero fill
//   cutout       zero a square of round(side / 2) at a random centre (clipped)
//   color        brightness + U(-0.5, 0.5); saturation: channel deviation from
//                the channel mean x U(0, 2); contrast: deviation from the image
//                mean x U(0.5, 1.5)
// p: 1 (DiffAugment), or with ada_target > 0 ADA's controller: starting at 0,
// every ada_interval D steps r_t = E[sign D(x_real)] over those steps, and
// p += sign(r_t - ada_target) * batch * ada_interval / (ada_kimg * 1000),
// clamped to [0, 1] (ADA: target 0.6, 500 kimg; our runs see ~200 kimg, so the
// default speed is 100 kimg).
//
//   x [N, C, H, W] (any float dtype, any device) -> [N, C, H, W]
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gan/random.h"
#include "gan/tensor.h"

namespace gan::models {

struct AugmentConfig {
  std::string policy;         // "" (off) or a comma list of translation, cutout, color
  double ada_target = 0;      // > 0: adapt p toward r_t = ada_target (ADA: 0.6); 0: p = 1
  int64_t ada_interval = 4;   // D steps between adjustments of p
  double ada_kimg = 100;      // thousands of real images for p to move by 1
};

// Checks the policy names and ranges: gan::Error naming the config key.
void validate_augment(const AugmentConfig& c);

class Augmenter {
 public:
  Augmenter(AugmentConfig c, int64_t batch);
  bool enabled() const { return translation_ || cutout_ || color_; }
  bool adaptive() const { return cfg_.ada_target > 0; }

  // The transforms with probability p() each, per sample; draws from gen.
  Tensor apply(const Tensor& x, Generator& gen) const;
  // One D step's sum of sign(D(x)) over its `count` (augmented) reals; every
  // ada_interval calls p moves toward ada_target. The Trainer passes the sums
  // it read back with the step (after its one read back: p changes between
  // steps, never within one).
  void observe_real(double sign_sum, int64_t count);
  // The same from D's adversarial outputs [N] (a read back: tests, one-off callers).
  void observe_real(const Tensor& real_adv);

  double p() const { return p_; }
  double rt() const { return rt_; }  // r_t of the last completed interval (0 before the first)
  // What a checkpoint keeps for an exact resume: p, r_t and the open interval's sums.
  std::vector<std::pair<std::string, double>> state() const;
  void restore(const std::vector<std::pair<std::string, double>>& state);

 private:
  Tensor translate(const Tensor& x, Generator& gen) const;
  Tensor cut(const Tensor& x, Generator& gen) const;
  Tensor colour(const Tensor& x, Generator& gen) const;

  AugmentConfig cfg_;
  int64_t batch_;
  bool translation_ = false, cutout_ = false, color_ = false;
  double p_ = 1;
  double rt_ = 0;
  double sign_sum_ = 0;   // sum of sign(D(x_real)) over the open interval
  double sign_count_ = 0; // samples in it
  int64_t steps_ = 0;     // D steps in it
};

}  // namespace gan::models
