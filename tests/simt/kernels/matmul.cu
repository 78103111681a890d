// Shared-memory tiled matmul for the emulator tests: C[m, n] = A[m, k] * B[k, n],
// row-major. One TILE x TILE block per TILE x TILE tile of C; each step stages a
// tile of A and of B in static shared memory between two __syncthreads.
// Out-of-range elements load as 0, so m, n, k need not be multiples of TILE.
// The inner product is a chain of fmaf in k order: a CPU loop of std::fma in
// the same order gives bit-identical results.
#include <gan/kernels/portable.h>

#include "simt_test_kernels.h"

namespace gan::simt_test {

template <int TILE>
__global__ void tiled_matmul_kernel(const float* __restrict__ a, const float* __restrict__ b,
                                    float* __restrict__ c, int m, int n, int k) {
  __shared__ float as[TILE][TILE];  // [row in tile, k in tile]
  __shared__ float bs[TILE][TILE];  // [k in tile, col in tile]
  const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
  const int row = static_cast<int>(blockIdx.y) * TILE + ty;
  const int col = static_cast<int>(blockIdx.x) * TILE + tx;
  float acc = 0.0f;
  for (int t = 0; t < k; t += TILE) {
    as[ty][tx] = (row < m && t + tx < k) ? a[row * k + t + tx] : 0.0f;
    bs[ty][tx] = (t + ty < k && col < n) ? b[(t + ty) * n + col] : 0.0f;
    __syncthreads();
    const int steps = k - t < TILE ? k - t : TILE;
    for (int i = 0; i < steps; ++i) acc = fmaf(as[ty][i], bs[i][tx], acc);
    __syncthreads();
  }
  if (row < m && col < n) c[row * n + col] = acc;
}

void tiled_matmul(const float* a, const float* b, float* c, int m, int n, int k) {
  constexpr int kTile = 16;
  const dim3 block(kTile, kTile);
  const dim3 grid((n + kTile - 1) / kTile, (m + kTile - 1) / kTile);
  GAN_LAUNCH(grid, block, 0, nullptr, tiled_matmul_kernel<kTile>)(a, b, c, m, n, k);
}

}  // namespace gan::simt_test
