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
}  // namespace gan::kernels
