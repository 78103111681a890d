// Spectral normalization (Miyato et al. 2018, SNGAN): power iteration for the
// largest singular value sigma of a weight viewed as a matrix W [rows, cols].
//
// The matrix view is PyTorch's (torch.nn.utils.spectral_norm):
//   dim 0 (Linear [out, in], Conv2d [out, in, kh, kw]): W = weight.reshape(out, -1);
//   dim 1 (ConvTranspose2d [in, out, kh, kw]): W = weight.permute(1, 0, 2, 3).reshape(out, -1).
// Both are one strided view of the buffer stored as [lead, rows, inner]:
//   W[r, c] = w[((c / inner) * rows + r) * inner + c % inner],  cols = lead * inner,
// dim 0 is lead = 1, inner = cols (plain row-major); dim 1 is lead = in, inner = kh*kw.
// No copy of the weight is made for dim 1.
//
// One power-iteration step, with normalize(x) = x / max(||x||_2, eps) (F.normalize):
//   v = normalize(W^T u)    [cols]
//   u = normalize(W v)      [rows]
// and after the last step sigma = u^T W v, computed as dot(u, W v) with the W v
// of that step (no third read of W). With n_iter = 0 nothing is updated and
// sigma = u^T W v from the given u, v (eval mode; one read of W).
//
// Numerics: every dot product and norm accumulates in double (also for float),
// u and v are rounded to T once when stored, and sigma uses the stored (rounded)
// u, as PyTorch computes it from the stored float u.
#pragma once

#include <cstdint>

#include "gan/kernels/common.h"

namespace gan::kernels {

struct SpectralNormParams {
  int64_t rows = 0;   // output features (the length of u)
  int64_t lead = 1;   // w stored as [lead, rows, inner]; 1 for the dim-0 view
  int64_t inner = 0;  // cols = lead * inner (the length of v)
  int n_iter = 1;     // power-iteration steps; 0 = only sigma from the given u, v
  double eps = 1e-12; // normalize's floor on the norm

  int64_t cols() const { return lead * inner; }
};

// Rows of W one block of the CUDA W^T u column reduction covers; the
// per-chunk partial sums [chunks, cols] are combined in chunk order.
inline constexpr int64_t kSpectralNormRowsPerChunk = 64;

// Scratch the CUDA launcher needs, in doubles: the partial column sums
// [chunks, cols], the raw W^T u [cols] and W v [rows]. The engine allocates it
// on the tensor's device; the CPU reference ignores it (nullptr is fine).
inline int64_t spectral_norm_workspace_doubles(const SpectralNormParams& p) {
  const int64_t chunks = (p.rows + kSpectralNormRowsPerChunk - 1) / kSpectralNormRowsPerChunk;
  return chunks * p.cols() + p.cols() + p.rows;
}

namespace cpu {

// w [lead, rows, inner] (read only); u [rows], v [cols] updated in place
// (n_iter >= 1; v is only read when n_iter == 0); sigma [1] written.
// KernelError before any write: rows/inner/lead < 1, n_iter < 0, eps < 0.
template <class T>
void spectral_norm_power_iteration(const SpectralNormParams& p, const T* w, T* u, T* v, T* sigma,
                                   double* workspace, Stream s = {});

}  // namespace cpu
}  // namespace gan::kernels

// CUDA launchers (kernels/cuda/spectral_norm.cu): same signature and semantics,
// device pointers (workspace: spectral_norm_workspace_doubles(p) doubles on
// the device), launched on stream s without host round trips (all n_iter steps
// and sigma are queued back to back). Builds with GAN_HAS_CUDA_KERNELS only.
namespace gan::kernels::cuda {

template <class T>
void spectral_norm_power_iteration(const SpectralNormParams& p, const T* w, T* u, T* v, T* sigma,
                                   double* workspace, Stream s = {});

}  // namespace gan::kernels::cuda
