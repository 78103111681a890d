// What StyleGAN-lite's claims rest on, as functions (the system's evaluate()
// logs them; tests call them directly):
//   lazy R1           StyleGAN2's lazy regularization of D;
//   band energy       where an image difference's energy sits in frequency
//                     (the noise inputs should change fine detail only);
//   path length       perceptual path length in Z and in W (W should be the
//                     flatter, more disentangled space);
//   style mixing      images whose coarse styles come from one latent and fine
//                     styles from another, as a grid and as class agreement.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "gan/io/png.h"
#include "gan/models/losses.h"
#include "gan/models/stylegan_nets.h"
#include "gan/random.h"
#include "gan/tensor.h"

namespace gan::models {

// StyleGAN2's lazy R1 (Karras et al. 2020, §4.1 "lazy regularization"): the
// penalty (gamma / 2) E ||grad_x D(x)||^2 on reals only every `every` D
// steps, scaled by `every` so its expected weight per step is unchanged:
//   step % every == 0:  every * (gamma / 2) * r1_penalty(D, real)   (with graph)
//   otherwise:          undefined (nothing computed)
// `r1` (optional) receives the unscaled E ||grad||^2 when computed, as a
// detached [] tensor on the device (read back with the step: no sync here).
Tensor lazy_r1(const Critic& D, const Tensor& real, int64_t step, int64_t every, double gamma, Tensor* r1 = nullptr);

// ---- frequency bands ------------------------------------------------------------
constexpr int kBands = 4;
// Fractions of the energy of images x [N, C, S, S] (any device) in 4 radial
// frequency bands of their 2-D DFT (naive, in double on the host: O(S^3) per
// image). The radius of bin (u, v) is r = sqrt(fu^2 + fv^2), fu = min(u, S - u)
// in cycles per image (0 .. S/2 on an axis, S/sqrt 2 in a corner); band b
// holds r in [b S/8, (b+1) S/8), the last band everything from 3S/8 up (to
// the corners). Band 0 holds the mean (DC); a +-1 checkerboard (r = S/sqrt 2)
// is all band 3. Sums over every image and channel; all zero when x is.
std::array<double, kBands> band_energy_fractions(const Tensor& x);

// ---- path length -----------------------------------------------------------------
// Perceptual path length (Karras et al. 2019, §4.2) of G between pairs of
// latents, in the space given by `embed` (images [N, C, S, S] -> [N, F]):
//   in Z:  z_t = slerp(z0, z1, t), z_{t+eps} likewise;   in W: lerp of w0 = w(z0), w1 = w(z1)
//   d = ||embed(G(t)) - embed(G(t + eps))||^2 / eps^2, t ~ U(0, 1), eps = 1e-4
// with one noise map per pair (the same at both ends) and no truncation;
// returns the mean of d over the pairs inside the 1st..99th percentile (the
// paper's outlier filter). G should be in eval mode; no graph. On CUDA the
// convolutions run in exact FP32 meanwhile (TF32 rounding / eps^2 would
// swamp the result).
struct PathLengths {
  double z = 0, w = 0;
};
PathLengths path_lengths(StyleganGenerator& G, const std::function<Tensor(const Tensor&)>& embed, int64_t pairs,
                         uint64_t seed, double eps = 1e-4);

// ---- style mixing ----------------------------------------------------------------
// images [R * Cn, C, S, S], row-major: image (r, c) has layers < crossover
// styled by w(z_coarse[r]) and layers >= crossover by w(z_fine[c]), one noise
// map for all (noise [1, noise_numel]). z_coarse [R, z_dim], z_fine [Cn, z_dim].
Tensor style_mix(StyleganGenerator& G, const Tensor& z_coarse, const Tensor& z_fine, int64_t crossover,
                 const Tensor& noise);
// The paper's figure as a picture: top row the fine sources, left column the
// coarse sources, the mixes between (R x Cn from a Generator seeded `seed`,
// crossover layer `crossover`; 32x32 with 8 layers: 4 = coarse 4x4 and 8x8
// styles from the row). G in eval mode.
io::Image style_mixing_figure(StyleganGenerator& G, int64_t rows, int64_t cols, int64_t crossover, uint64_t seed);

}  // namespace gan::models
