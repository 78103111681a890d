// G's gradient far from the data on a 2-D mixture: LSGAN's argument (Mao et al.
// 2017, §3.1 and Fig. 1). A fake sample that D already judges real but that
// lies far from every mode gets almost no gradient from the sigmoid
// cross-entropy losses (the non-saturating G loss softplus(-l) has slope
// sigmoid(-l) -> 0 as the logit l grows), so G stops moving it; the
// least-squares loss (D(x) - 1)^2 / 2 keeps a gradient proportional to how far
// D(x) has passed the real label, and pulls it back toward the boundary.
//
// Measured on a fixed grid of probe points over the mixture's square (the
// ring plot's [-L, L]^2), keeping those farther than half the smallest
// distance between two modes from every mode ("far"); of them, the ones D
// judges real ("fooling": logit > 0 for the sigmoid losses, D(x) > 1/2 for
// least squares, critic > 0 otherwise). The gradient is of the system's own
// g_loss (GanSystem::g_loss, so relativistic pairing sees real partners) with
// the probe points as G's samples: d(N * L_G) / dx_i, one 2-vector per point.
#pragma once

#include "gan/models/eval/mixture2d.h"
#include "gan/models/gan_system.h"
#include "gan/nn/module.h"
#include "gan/tensor.h"

namespace gan::models {

struct FarGradient {
  int64_t far_points = 0;            // probe points far from every mode
  double fooling_fraction = 0;       // of them, the share D judges real
  double fooling_grad_median = 0;    // median ||d l_G / dx|| over those (0 when there are none)
  double far_grad_median = 0;        // median over every far point
  double sample_grad_median = 0;     // median at G's own samples, for scale
};

// G: the generator (GLossInput::G, for a system's regularizer of its weights);
// samples: G's points [M, 2]; real: data points [R, 2] (R >= 1; cycled as the
// real partners of the probe and sample points); both on any device. D judges
// single points (no packing, no minibatch stddev: the caller checks). `side`
// probe points per axis (side^2 in all).
FarGradient far_gradient(GanSystem& system, nn::Module& G, nn::Module& D, const Tensor& samples, const Tensor& real,
                         const eval::GaussianMixture2d& mixture, int64_t side = 41);

}  // namespace gan::models
