// Attention over positions (SAGAN / BigGAN self-attention, issue #5).
//
//   o[b, n, :] = sum_m softmax_m(scale * q[b, n, :] . k[b, m, :]) * v[b, m, :]
//   lse[b, n]  = log sum_m exp(scale * q[b, n, :] . k[b, m, :])   (saved for backward)
//
// Layout (dense, row-major): q [B, N, d], k [B, M, d], v [B, M, dv],
// o [B, N, dv], lse [B, N]. The softmax runs over the M keys of each query row
// (SAGAN: for output position j, beta[j, i] = softmax_i(f_i . g_j), so the
// query is g_j and the keys are f_i; see gan/nn/self_attention.h).
//
// Two algorithms with one contract:
//   attention_fprop               fused (online softmax, FlashAttention-style):
//                                 on CUDA the [N, M] matrix never reaches global
//                                 memory; on the CPU one score row at a time.
//   attention_fprop_materialized  scores [B, N, M] written, softmaxed in place
//                                 (P), then o = P v: the reference path, and
//                                 the baseline the fused kernel is measured
//                                 against (bench/bench_attention.cpp).
// Backward (both backends): dq, dk, dv from q, k, v, o, lse and dout, with
// P recomputed from lse (never stored): with D[n] = dout[n] . o[n],
//   dP[n, m] = dout[n] . v[m],  dS = P * (dP - D[n]),
//   dq[n] = scale * sum_m dS[n, m] k[m],  dk[m] = scale * sum_n dS[n, m] q[n],
//   dv[m] = sum_n P[n, m] dout[n].
//
// Numerics: both backends accumulate in double (dot products, exp, sums) and
// round once to T; the CUDA kernels round P and dS to T once on their way
// through shared memory. The online softmax's running max keeps every exp
// argument <= 0, so nothing overflows.
// Sizes: B, N >= 0; M >= 1 when N > 0 (a softmax over no keys is undefined);
// d, dv >= 1. The CUDA kernels take d, dv <= 256 (kMaxHeadDim) and B <= 65535.
#pragma once

#include <cstdint>
#include <string>

#include "gan/kernels/common.h"

namespace gan::kernels {

struct AttentionParams {
  int64_t b = 0;       // batch
  int64_t n = 0;       // query rows
  int64_t m = 0;       // key / value rows
  int64_t d = 0;       // q, k feature size
  int64_t dv = 0;      // v, o feature size
  double scale = 1.0;  // SAGAN: 1 (no 1/sqrt(d))
};

// Largest d and dv the fused CUDA kernels take (register accumulators of
// kMaxHeadDim / 8 columns per thread); larger sizes throw a KernelError that
// names attention_fprop_materialized as the fallback.
inline constexpr int64_t kAttentionMaxHeadDim = 256;

// The size checks every attention launcher (CPU and CUDA) runs before writing.
inline void check_attention_params(const char* kernel, const AttentionParams& p) {
  const std::string sizes = "(b=" + std::to_string(p.b) + ", n=" + std::to_string(p.n) + ", m=" + std::to_string(p.m) +
                            ", d=" + std::to_string(p.d) + ", dv=" + std::to_string(p.dv) + ")";
  if (p.b < 0 || p.n < 0 || p.m < 0) fail(kernel, "negative size " + sizes);
  if (p.d < 1 || p.dv < 1) fail(kernel, "d and dv must be >= 1 " + sizes);
  if (p.n > 0 && p.b > 0 && p.m < 1) fail(kernel, "softmax over no keys: m must be >= 1 when n > 0 " + sizes);
  if (!(p.scale == p.scale) || p.scale - p.scale != 0)
    fail(kernel, "scale must be finite, got " + std::to_string(p.scale));
}

namespace cpu {

// o [B, N, dv]; lse [B, N] (nullptr to skip).
template <class T>
void attention_fprop(const AttentionParams& p, const T* q, const T* k, const T* v, T* o, T* lse, Stream s = {});

// As attention_fprop, and writes the softmax probabilities P to
// probs [B, N, M] (a workspace the caller owns; its values stay readable).
template <class T>
void attention_fprop_materialized(const AttentionParams& p, const T* q, const T* k, const T* v, T* probs, T* o, T* lse,
                                  Stream s = {});

// Gradients of o w.r.t. q, k, v given dout [B, N, dv], the forward's o and lse.
// dq [B, N, d], dk [B, M, d], dv [B, M, dv] are overwritten (nullptr skips).
template <class T>
void attention_bprop(const AttentionParams& p, const T* q, const T* k, const T* v, const T* o, const T* lse,
                     const T* dout, T* dq, T* dk, T* dv, Stream s = {});

}  // namespace cpu
}  // namespace gan::kernels

// CUDA launchers (kernels/cuda/attention*.cu): the same signatures and
// semantics, device pointers, launched on stream s. Builds with
// GAN_HAS_CUDA_KERNELS only.
namespace gan::kernels::cuda {

template <class T>
void attention_fprop(const AttentionParams& p, const T* q, const T* k, const T* v, T* o, T* lse, Stream s = {});
template <class T>
void attention_fprop_materialized(const AttentionParams& p, const T* q, const T* k, const T* v, T* probs, T* o, T* lse,
                                  Stream s = {});
template <class T>
void attention_bprop(const AttentionParams& p, const T* q, const T* k, const T* v, const T* o, const T* lse,
                     const T* dout, T* dq, T* dk, T* dv, Stream s = {});

}  // namespace gan::kernels::cuda
