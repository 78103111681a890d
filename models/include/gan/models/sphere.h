// SphereGAN's geometry (Park & Kwon 2019, "Sphere generative adversarial network
// based on geometric moment matching"): D's last layer u in R^n is mapped onto
// the unit sphere S^n by the inverse stereographic projection, and a point is
// judged by its geodesic distance to the north pole N = (0, ..., 0, 1):
//
//   Pi^-1(u) = ( 2u / (|u|^2 + 1), (|u|^2 - 1) / (|u|^2 + 1) )      [N, n] -> [N, n + 1]
//   d(q)     = arccos <q, N> = arccos q_n                              in [0, pi]
//   L_D = sum_{r=1..R} ( E d(D(G(z)))^r - E d(D(x))^r )               (D pushes reals away from N)
//   L_G = - sum_{r=1..R} E d(D(G(z)))^r
//
// the paper's min_G max_D sum_r E_x d^r - sum_r E_z d^r, with no gradient
// penalty: the distances are bounded by pi.
#pragma once

#include <cstdint>

#include "gan/tensor.h"

namespace gan::models {

// u [N, n] -> points of S^n [N, n + 1] (unit norm), differentiable.
Tensor inverse_stereographic(const Tensor& u);

// arccos of x (any shape), first clamped to [-1 + eps, 1 - eps]: the value
// to 2e-8 (the 8-term polynomial of Abramowitz & Stegun 4.4.46; the engine
// has no arccos kernel), the gradient exactly -1 / sqrt(1 - x^2) in engine
// ops (so it is twice differentiable), at most 1/sqrt(2 eps - eps^2) (~707 for
// 1e-6) inside the clamp and 0 outside it: never NaN or infinite.
Tensor safe_acos(const Tensor& x, double eps = 1e-6);

// Points q [N, n + 1] of S^n -> their geodesic distance to the north pole [N].
Tensor north_pole_distance(const Tensor& q);

// SphereGAN's losses on the distances d_real, d_fake [N] with moments 1..R.
Tensor sphere_d_loss(const Tensor& d_real, const Tensor& d_fake, int64_t moments);
Tensor sphere_g_loss(const Tensor& d_fake, int64_t moments);

}  // namespace gan::models
