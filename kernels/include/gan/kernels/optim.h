// Fused per-tensor optimizer updates: one pass over a parameter tensor, its
// gradient and its state buffers, in place. The formulas are torch.optim's
// (single-tensor, non-capturable paths), written out in kernels/cpu/optim.cpp.
//
// All buffers are dense [n] arrays of the parameter's element type. Scalars
// that torch computes in Python (bias corrections, step sizes) are computed in
// double from the params struct and rounded to T where torch would use them
// as tensor scalars.
#pragma once

#include <cstdint>
#include <string>

#include "gan/kernels/common.h"

namespace gan::kernels {

struct AdamParams {
  int64_t n = 0;              // elements of param, grad and each state buffer
  int64_t step = 1;           // this update's step number (1 on the first update)
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool decoupled = false;     // AdamW: param *= 1 - lr * weight_decay; else grad += weight_decay * param
  bool amsgrad = false;       // then max_exp_avg_sq must be non-null
};

struct SgdParams {
  int64_t n = 0;
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool first_step = false;    // momentum buffer is initialised to the (decayed) gradient
};

struct RmspropParams {
  int64_t n = 0;
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;      // > 0: momentum_buffer must be non-null
  bool centered = false;      // grad_avg must be non-null
};

namespace cpu {

// param, exp_avg, exp_avg_sq [, max_exp_avg_sq] updated in place; grad read only.
template <class T>
void adam_step(const AdamParams& p, T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq,
               Stream s = {});

// momentum_buffer may be null when p.momentum == 0.
template <class T>
void sgd_step(const SgdParams& p, T* param, const T* grad, T* momentum_buffer, Stream s = {});

// grad_avg null unless centered; momentum_buffer null unless momentum > 0.
template <class T>
void rmsprop_step(const RmspropParams& p, T* param, const T* grad, T* square_avg, T* grad_avg, T* momentum_buffer,
                  Stream s = {});

}  // namespace cpu

// ---- multi-tensor updates: every tensor of a parameter group in one launch ----
//
// One entry per tensor; entries of one call share the element type T and the
// hyper-parameters. The CPU reference loops over the single-tensor reference
// (kernels/cpu/multi_tensor.cpp), so both give bit-identical results; the CUDA
// launch (kernels/cuda/optim.cu, multi_tensor.cuh) passes a table of entries
// as a kernel argument and splits into several launches when the table is full.

// One parameter of a multi-tensor Adam/AdamW step: dense [n] buffers of T and
// this tensor's own step number (tensors of a group may have taken different
// numbers of steps: a parameter without a gradient is skipped).
template <class T>
struct AdamTensor {
  T* param = nullptr;
  const T* grad = nullptr;
  T* exp_avg = nullptr;
  T* exp_avg_sq = nullptr;
  T* max_exp_avg_sq = nullptr;  // non-null iff amsgrad (may be non-null otherwise; then untouched)
  int64_t n = 0;
  int64_t step = 1;
};

// Exponential moving average of weights (EMA generator):
//   ema <- beta * ema + (1 - beta) * param,
// computed as torch.lerp(param, ema, beta) (StudioGAN's p_ema.copy_(p.lerp(p_ema, beta))):
//   w = T(beta), diff = ema - param,
//   w < 0.5 ? param + w * diff : ema - diff * (T(1) - w),
// every operation rounded to T (no FMA contraction on either device), so
// beta = 1 keeps ema exactly and beta = 0 copies param exactly (finite values).
struct EmaParams {
  double beta = 0.999;  // weight of the old average, in [0, 1]
};

template <class T>
struct EmaTensor {
  T* ema = nullptr;          // [n], updated in place
  const T* param = nullptr;  // [n]
  int64_t n = 0;
};

// Argument checks shared by the CPU and CUDA launchers (KernelError naming the
// kernel and the offending entry, raised before anything is written).
namespace detail {
inline void check_adam(const char* kernel, const AdamParams& p, int64_t n, int64_t step, const void* param,
                       const void* grad, const void* m, const void* v, const void* vmax,
                       const std::string& where = "") {
  if (n < 0) fail(kernel, where + "negative element count " + std::to_string(n));
  if (step < 1) fail(kernel, where + "step must be >= 1, got " + std::to_string(step));
  if (p.amsgrad && vmax == nullptr && n > 0) fail(kernel, where + "amsgrad needs max_exp_avg_sq");
  if (n > 0 && (param == nullptr || grad == nullptr || m == nullptr || v == nullptr))
    fail(kernel, where + "null param, grad, exp_avg or exp_avg_sq with n = " + std::to_string(n));
}
template <class T>
void check_adam_multi(const char* kernel, const AdamParams& p, const AdamTensor<T>* t, int64_t count) {
  if (count < 0) fail(kernel, "negative tensor count " + std::to_string(count));
  if (count > 0 && t == nullptr) fail(kernel, "null tensor list with count " + std::to_string(count));
  for (int64_t i = 0; i < count; ++i)
    check_adam(kernel, p, t[i].n, t[i].step, t[i].param, t[i].grad, t[i].exp_avg, t[i].exp_avg_sq,
               t[i].max_exp_avg_sq, "tensor " + std::to_string(i) + ": ");
}
template <class T>
void check_ema_multi(const char* kernel, const EmaParams& p, const EmaTensor<T>* t, int64_t count) {
  if (!(p.beta >= 0.0 && p.beta <= 1.0)) fail(kernel, "beta must be in [0, 1], got " + std::to_string(p.beta));
  if (count < 0) fail(kernel, "negative tensor count " + std::to_string(count));
  if (count > 0 && t == nullptr) fail(kernel, "null tensor list with count " + std::to_string(count));
  for (int64_t i = 0; i < count; ++i) {
    const std::string where = "tensor " + std::to_string(i) + ": ";
    if (t[i].n < 0) fail(kernel, where + "negative element count " + std::to_string(t[i].n));
    if (t[i].n > 0 && (t[i].ema == nullptr || t[i].param == nullptr))
      fail(kernel, where + "null ema or param with n = " + std::to_string(t[i].n));
  }
}
}  // namespace detail

namespace cpu {

// For each of the `count` tensors: adam_step with p.n = t.n and p.step = t.step
// (p.n and p.step are ignored). Every entry is validated before any is updated.
template <class T>
void adam_step_multi(const AdamParams& p, const AdamTensor<T>* tensors, int64_t count, Stream s = {});

// For each of the `count` tensors: ema = lerp(param, ema, beta) as above.
template <class T>
void ema_update_multi(const EmaParams& p, const EmaTensor<T>* tensors, int64_t count, Stream s = {});

}  // namespace cpu
}  // namespace gan::kernels

// CUDA launchers (kernels/cuda/optim.cu, kernels/cuda/ema.cu): the same
// signatures and semantics as the CPU references above, device pointers,
// launched on stream s; the multi-tensor arrays (`tensors`) are host memory.
// Builds with GAN_HAS_CUDA_KERNELS only.
namespace gan::kernels::cuda {

template <class T>
void adam_step(const AdamParams& p, T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq,
               Stream s = {});
template <class T>
void sgd_step(const SgdParams& p, T* param, const T* grad, T* momentum_buffer, Stream s = {});
template <class T>
void rmsprop_step(const RmspropParams& p, T* param, const T* grad, T* square_avg, T* grad_avg, T* momentum_buffer,
                  Stream s = {});

template <class T>
void adam_step_multi(const AdamParams& p, const AdamTensor<T>* tensors, int64_t count, Stream s = {});
template <class T>
void ema_update_multi(const EmaParams& p, const EmaTensor<T>* tensors, int64_t count, Stream s = {});

// Entries one multi-tensor launch carries in its kernel-argument table (4 KiB
// parameter limit); more tensors take several launches.
template <class T>
int64_t adam_step_multi_table_capacity();
template <class T>
int64_t ema_update_multi_table_capacity();

}  // namespace gan::kernels::cuda
