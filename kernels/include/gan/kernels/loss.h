// Loss kernels and softmax.
//
// Every loss writes per-element values (reduction "none"); the engine reduces.
// Forms are the numerically stable ones: no exp of a large positive number, no
// log of 0, so logits of +-100 (or more) give finite values and gradients.
#pragma once

#include <cstdint>

#include "gan/kernels/common.h"

namespace gan::kernels::cpu {

// Binary cross entropy on logits, elementwise over n:
//   loss = max(x, 0) - x * t + log1p(exp(-|x|))
template <class T>
void bce_with_logits_fprop(int64_t n, const T* logits, const T* target, T* loss, Stream s = {});
//   dlogits = (sigmoid(x) - t) * dloss
template <class T>
void bce_with_logits_bprop(int64_t n, const T* logits, const T* target, const T* dloss, T* dlogits,
                           Stream s = {});

// Squared error, elementwise: loss = (x - t)^2.
template <class T>
void mse_fprop(int64_t n, const T* x, const T* target, T* loss, Stream s = {});
// dx = 2 * (x - t) * dloss.
template <class T>
void mse_bprop(int64_t n, const T* x, const T* target, const T* dloss, T* dx, Stream s = {});

// Softmax / log-softmax over the last dim of [M, D] rows (max-subtracted).
template <class T>
void softmax_fprop(int64_t m, int64_t d, const T* x, T* y, Stream s = {});
template <class T>
void log_softmax_fprop(int64_t m, int64_t d, const T* x, T* y, Stream s = {});
// y is the forward output. dx = y * (dy - sum_row(dy * y)).
template <class T>
void softmax_bprop(int64_t m, int64_t d, const T* y, const T* dy, T* dx, Stream s = {});
// y is the forward output (log-probabilities). dx = dy - exp(y) * sum_row(dy).
template <class T>
void log_softmax_bprop(int64_t m, int64_t d, const T* y, const T* dy, T* dx, Stream s = {});

// Cross entropy with integer class labels, logits [M, D], labels [M]:
//   loss[i] = -log_softmax(x[i])[label[i]]; save_log_softmax [M, D] keeps the
// log-probabilities for the backward. A label outside [0, D) throws KernelError
// naming "cross_entropy", the row and the label (checked before any write).
template <class T>
void cross_entropy_fprop(int64_t m, int64_t d, const T* logits, const int64_t* labels, T* loss,
                         T* save_log_softmax /*[M, D]*/, Stream s = {});
// dlogits[i, j] = dloss[i] * (exp(save_log_softmax[i, j]) - [j == label[i]]).
template <class T>
void cross_entropy_bprop(int64_t m, int64_t d, const T* save_log_softmax, const int64_t* labels,
                         const T* dloss /*[M]*/, T* dlogits, Stream s = {});

}  // namespace gan::kernels::cpu

// CUDA kernels (kernels/cuda/loss.cu): the same launchers, device pointers
// (labels too). Defined in the cuda and sim flavours (GAN_HAS_CUDA_KERNELS).
namespace gan::kernels::cuda {
template <class T>
void bce_with_logits_fprop(int64_t n, const T* logits, const T* target, T* loss, Stream s = {});
template <class T>
void bce_with_logits_bprop(int64_t n, const T* logits, const T* target, const T* dloss, T* dlogits,
                           Stream s = {});
template <class T>
void mse_fprop(int64_t n, const T* x, const T* target, T* loss, Stream s = {});
template <class T>
void mse_bprop(int64_t n, const T* x, const T* target, const T* dloss, T* dx, Stream s = {});
template <class T>
void softmax_fprop(int64_t m, int64_t d, const T* x, T* y, Stream s = {});
template <class T>
void log_softmax_fprop(int64_t m, int64_t d, const T* x, T* y, Stream s = {});
template <class T>
void softmax_bprop(int64_t m, int64_t d, const T* y, const T* dy, T* dx, Stream s = {});
template <class T>
void log_softmax_bprop(int64_t m, int64_t d, const T* y, const T* dy, T* dx, Stream s = {});
// A bad label gives its row a NaN loss (fprop) or a zero gradient row (bprop),
// raised at the next read back (gan/kernels/index_fault.h): no synchronisation here.
template <class T>
void cross_entropy_fprop(int64_t m, int64_t d, const T* logits, const int64_t* labels, T* loss,
                         T* save_log_softmax /*[M, D]*/, Stream s = {});
template <class T>
void cross_entropy_bprop(int64_t m, int64_t d, const T* save_log_softmax, const int64_t* labels,
                         const T* dloss /*[M]*/, T* dlogits, Stream s = {});
}  // namespace gan::kernels::cuda
