// Tensor-core matmul through nvcuda::wmma for the emulator tests:
// C[m, n] = A[m, k] * B[k, n], row-major, f32 accumulators; one warp per 16x16
// tile of C (blockDim 32, grid (n/16, m/16)), fragments loaded straight from
// global memory.
#include <gan/kernels/portable.h>

#include "simt_test_kernels.h"

namespace gan::simt_test {

namespace wmma = nvcuda::wmma;

__global__ void wmma_tf32_kernel(const float* a, const float* b, float* c, int m, int n, int k) {
  const int tile_m = static_cast<int>(blockIdx.y) * 16, tile_n = static_cast<int>(blockIdx.x) * 16;
  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc;
  wmma::fill_fragment(acc, 0.0f);
  for (int kk = 0; kk < k; kk += 8) {
    wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fa;
    wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fb;
    wmma::load_matrix_sync(fa, a + tile_m * k + kk, static_cast<unsigned>(k));
    wmma::load_matrix_sync(fb, b + kk * n + tile_n, static_cast<unsigned>(n));
    for (int i = 0; i < fa.num_elements; ++i) fa.x[i] = wmma::__float_to_tf32(fa.x[i]);
    for (int i = 0; i < fb.num_elements; ++i) fb.x[i] = wmma::__float_to_tf32(fb.x[i]);
    wmma::mma_sync(acc, fa, fb, acc);
  }
  wmma::store_matrix_sync(c + tile_m * n + tile_n, acc, static_cast<unsigned>(n), wmma::mem_row_major);
  (void)m;
}

template <class T>
__global__ void wmma_16bit_kernel(const T* a, const T* b, float* c, int m, int n, int k) {
  const int tile_m = static_cast<int>(blockIdx.y) * 16, tile_n = static_cast<int>(blockIdx.x) * 16;
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
  wmma::fill_fragment(acc, 0.0f);
  for (int kk = 0; kk < k; kk += 16) {
    wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> fa;
    wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::row_major> fb;
    wmma::load_matrix_sync(fa, a + tile_m * k + kk, static_cast<unsigned>(k));
    wmma::load_matrix_sync(fb, b + kk * n + tile_n, static_cast<unsigned>(n));
    wmma::mma_sync(acc, fa, fb, acc);
  }
  wmma::store_matrix_sync(c + tile_m * n + tile_n, acc, static_cast<unsigned>(n), wmma::mem_row_major);
  (void)m;
}

void wmma_tf32_matmul(const float* a, const float* b, float* c, int m, int n, int k) {
  GAN_LAUNCH(dim3(n / 16, m / 16), 32, 0, nullptr, wmma_tf32_kernel)(a, b, c, m, n, k);
}
void wmma_bf16_matmul(const void* a, const void* b, float* c, int m, int n, int k) {
  GAN_LAUNCH(dim3(n / 16, m / 16), 32, 0, nullptr, wmma_16bit_kernel<__nv_bfloat16>)(
      static_cast<const __nv_bfloat16*>(a), static_cast<const __nv_bfloat16*>(b), c, m, n, k);
}
void wmma_f16_matmul(const void* a, const void* b, float* c, int m, int n, int k) {
  GAN_LAUNCH(dim3(n / 16, m / 16), 32, 0, nullptr, wmma_16bit_kernel<__half>)(
      static_cast<const __half*>(a), static_cast<const __half*>(b), c, m, n, k);
}

}  // namespace gan::simt_test
