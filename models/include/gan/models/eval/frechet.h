// Fréchet distance between Gaussians fitted to two feature sets (Heusel et al.
// 2017's formula; on our classifier's features it is the "Fréchet classifier
// distance", not comparable with Inception FID numbers):
//
//   FD = |mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr sqrt(S1^1/2 S2 S1^1/2)
//
// Means and covariances are accumulated in f64 on the host. The matrix square
// root uses LAPACK's symmetric eigen-decomposition (dsyevd, from OpenBLAS):
// S1^1/2 = V diag(sqrt(max(l, 0))) V^T, then the eigenvalues of the symmetric
// PSD matrix S1^1/2 S2 S1^1/2, whose square roots sum to the trace term. This
// equals tr sqrtm(S1 S2) (pytorch-fid's form) without a non-symmetric sqrtm,
// and negative eigenvalues from round-off are clamped to 0.
#pragma once

#include <cstdint>
#include <vector>

#include "gan/tensor.h"

namespace gan::models::eval {

struct GaussianStats {
  int64_t n = 0, dim = 0;
  std::vector<double> mean;  // [dim]
  std::vector<double> cov;   // [dim, dim] row-major, unbiased (n - 1)
};

// features [n, d] (any device, f32/f64). Needs n >= 2.
GaussianStats gaussian_stats(const Tensor& features);

// Refuses (gan::Error, with both counts and the dimension) when either set has
// fewer samples than feature dimensions: the covariance is then singular and the
// distance is dominated by estimation noise.
double frechet_distance(const GaussianStats& a, const GaussianStats& b);

// Eigenvalues (ascending) and, when `vectors` is non-null, eigenvectors (columns
// of the row-major [n, n] result) of a symmetric matrix [n, n] row-major. LAPACK dsyevd.
std::vector<double> symmetric_eigen(const std::vector<double>& a, int64_t n, std::vector<double>* vectors = nullptr);

}  // namespace gan::models::eval
