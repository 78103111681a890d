// Pairwise Euclidean distances between feature sets through engine ops, so they
// run wherever the features live (CPU or a CUDA device): the [m, n] matrix is
// built block by block as |a|^2 + |b|^2 - 2 a b^T (one GEMM per block, f32,
// clamped at 0), and each block is handed to the caller on the host.
//
// Napkin cost for n x n at d = 128 (n = 10,000): 2 n^2 d = 25.6 GFLOP per
// matrix, and n^2 * 4 B = 400 MB streamed through the host in blocks of
// `block_rows` rows (40 MB each at 1,024 rows); the per-row selection
// (nth_element) is O(n) per row.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "gan/tensor.h"

namespace gan::models::eval {

// a [m, d], b [n, d] (same device, f32) -> squared distances [m, n] (device), >= 0.
Tensor squared_distances(const Tensor& a, const Tensor& b);

// Calls fn(row0, d2, rows, n) for consecutive row blocks of squared_distances(a, b);
// d2 is a host pointer to [rows, n] row-major floats, valid during the call.
using DistanceBlockFn = std::function<void(int64_t row0, const float* d2, int64_t rows, int64_t n)>;
void for_each_distance_block(const Tensor& a, const Tensor& b, const DistanceBlockFn& fn, int64_t block_rows = 1024);

// For each row x_i of x [n, d]: the distance to its k-th nearest neighbour among
// the *other* rows, for each k in ks (the (k+1)-th smallest entry of the row with
// the point itself at distance 0, as Kynkäänniemi et al. and Naeem et al.
// compute it). Returns one vector of n (non-squared) distances per k.
// Requires n > max(ks) (gan::Error otherwise).
std::vector<std::vector<double>> knn_radii(const Tensor& x, const std::vector<int64_t>& ks, int64_t block_rows = 1024);

}  // namespace gan::models::eval
