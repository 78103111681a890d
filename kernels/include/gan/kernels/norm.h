// Normalization kernels: batch norm (per channel) and layer norm (per row).
//
// Instance norm is layer norm over the rows of an [N*C, H*W] view without
// affine parameters, so layer_norm_* serves both. Statistics are accumulated
// in double for float inputs (two-pass mean, then variance), and the variance
// used for normalization is the biased one, as in PyTorch.
#pragma once

#include <cstdint>

#include "gan/kernels/common.h"

namespace gan::kernels {

// Activation fused into the output sweep of the batch norm FORWARDS, so a
// DCGAN `BN -> ReLU / LeakyReLU(0.2)` layer reads x and writes y once instead
// of writing the normalized tensor and re-reading it for the activation.
// Applied in double to v = normalized-and-affine value, then rounded once to T:
//   identity: y = v;  relu: y = v > 0 ? v : 0;  leaky_relu: y = v > 0 ? v : slope * v.
// The backwards (batch_norm_*_bprop) are NOT fused: they take dy of the
// normalized value, i.e. the caller multiplies by act'(y) first (for slope > 0
// and relu, act' is read off the sign of y: 1 where y > 0, else slope / 0).
enum class NormActivation { identity, relu, leaky_relu };

// Batch norm over x viewed as [N, C, HW] (NCHW images, or [N, C] with hw = 1):
// statistics per channel c over the N*HW elements of that channel.
struct BatchNormParams {
  int64_t n = 0, c = 0, hw = 1;
  double eps = 1e-5;
  double momentum = 0.1;  // running = (1 - momentum) * running + momentum * batch
  NormActivation act = NormActivation::identity;  // output activation of the forwards (see above)
  double slope = 0.2;                             // negative slope of leaky_relu (ignored otherwise)
};

// act(v) in double, as the forwards apply it (shared by CPU and CUDA code, so
// both round the same double to T).
#if defined(__CUDACC__)
#define GAN_NORM_ACT_HD __host__ __device__ __forceinline__
#else
#define GAN_NORM_ACT_HD inline
#endif
GAN_NORM_ACT_HD double norm_activate(NormActivation act, double slope, double v) {
  if (act == NormActivation::identity || v > 0) return v;
  return act == NormActivation::relu ? 0.0 : slope * v;
}

namespace cpu {

// Training: y = act(gamma * (x - mean) * invstd + beta) with the batch statistics
// (act = p.act, identity by default; save_* / running_* are those of the
// pre-activation normalization).
// x, y [N, C, HW]; gamma, beta [C] or nullptr (= 1 / 0).
// Writes save_mean[C], save_invstd[C] = 1/sqrt(biased var + eps) (either may be
// nullptr to skip). If running_mean / running_var [C] are non-null they are
// updated; running_var uses the UNBIASED batch variance, so it needs N*HW >= 2
// (KernelError otherwise, like PyTorch's "more than 1 value per channel").
template <class T>
void batch_norm_train_fprop(const BatchNormParams& p, const T* x, const T* gamma, const T* beta, T* y,
                            T* save_mean, T* save_invstd, T* running_mean, T* running_var, Stream s = {});

// Inference: y = act(gamma * (x - running_mean) / sqrt(running_var + eps) + beta).
template <class T>
void batch_norm_eval_fprop(const BatchNormParams& p, const T* x, const T* gamma, const T* beta,
                           const T* running_mean, const T* running_var, T* y, Stream s = {});

// Backward of the training forward (batch statistics depend on x):
//   xhat = (x - mean) * invstd, dbeta = sum dy, dgamma = sum dy * xhat,
//   dx = gamma * invstd / M * (M * dy - dbeta - xhat * dgamma), M = N*HW.
// dx, dgamma, dbeta are overwritten; any of them may be nullptr to skip.
template <class T>
void batch_norm_train_bprop(const BatchNormParams& p, const T* x, const T* dy, const T* gamma,
                            const T* save_mean, const T* save_invstd, T* dx, T* dgamma, T* dbeta,
                            Stream s = {});

// Backward of the eval forward (running statistics are constants):
//   dx = dy * gamma / sqrt(rv + eps), dgamma = sum dy * (x - rm) / sqrt(rv + eps), dbeta = sum dy.
// dx, dgamma, dbeta are overwritten; any of them may be nullptr to skip.
template <class T>
void batch_norm_eval_bprop(const BatchNormParams& p, const T* x, const T* dy, const T* gamma,
                           const T* running_mean, const T* running_var, T* dx, T* dgamma, T* dbeta,
                           Stream s = {});

}  // namespace cpu

// Layer norm: x [M, D], each row normalized over its D elements; gamma/beta [D] or nullptr.
struct LayerNormParams {
  int64_t m = 0, d = 0;
  double eps = 1e-5;
};

namespace cpu {

// y = gamma * (x - mean_row) * invstd_row + beta. save_mean/save_invstd [M] (nullable).
// d must be positive when m > 0.
template <class T>
void layer_norm_fprop(const LayerNormParams& p, const T* x, const T* gamma, const T* beta, T* y,
                      T* save_mean /*[M]*/, T* save_invstd /*[M]*/, Stream s = {});

// Per row, with g = gamma * dy and xhat = (x - mean) * invstd:
//   dx = invstd * (g - mean(g) - xhat * mean(g * xhat));
// dgamma[D] = sum over rows of dy * xhat, dbeta[D] = sum over rows of dy.
// dx, dgamma, dbeta are overwritten; any of them may be nullptr to skip.
template <class T>
void layer_norm_bprop(const LayerNormParams& p, const T* x, const T* dy, const T* gamma, const T* save_mean,
                      const T* save_invstd, T* dx, T* dgamma, T* dbeta, Stream s = {});

}  // namespace cpu
}  // namespace gan::kernels

// CUDA launchers (kernels/cuda/batch_norm.cu, layer_norm.cu): the same
// signatures and semantics as the CPU references above, device pointers,
// launched on stream s. Builds with GAN_HAS_CUDA_KERNELS only.
namespace gan::kernels::cuda {

template <class T>
void batch_norm_train_fprop(const BatchNormParams& p, const T* x, const T* gamma, const T* beta, T* y,
                            T* save_mean, T* save_invstd, T* running_mean, T* running_var, Stream s = {});
template <class T>
void batch_norm_eval_fprop(const BatchNormParams& p, const T* x, const T* gamma, const T* beta,
                           const T* running_mean, const T* running_var, T* y, Stream s = {});
template <class T>
void batch_norm_train_bprop(const BatchNormParams& p, const T* x, const T* dy, const T* gamma,
                            const T* save_mean, const T* save_invstd, T* dx, T* dgamma, T* dbeta,
                            Stream s = {});
template <class T>
void batch_norm_eval_bprop(const BatchNormParams& p, const T* x, const T* dy, const T* gamma,
                           const T* running_mean, const T* running_var, T* dx, T* dgamma, T* dbeta,
                           Stream s = {});

template <class T>
void layer_norm_fprop(const LayerNormParams& p, const T* x, const T* gamma, const T* beta, T* y,
                      T* save_mean /*[M]*/, T* save_invstd /*[M]*/, Stream s = {});
template <class T>
void layer_norm_bprop(const LayerNormParams& p, const T* x, const T* dy, const T* gamma, const T* save_mean,
                      const T* save_invstd, T* dx, T* dgamma, T* dbeta, Stream s = {});

}  // namespace gan::kernels::cuda
