// Activation backward in one pass: dx = g * act'(s), for the elementwise
// activations whose derivative is a function of one saved tensor.
//
// | act        | s           | dx                                         |
// |------------|-------------|--------------------------------------------|
// | relu       | x (input)   | g * (x > 0 ? 1 : 0)                        |
// | leaky_relu | x (input)   | g * (x > 0 ? T(1-slope) + T(slope) : T(slope)) |
// | tanh       | y (output)  | g * ((1 - y) * (1 + y))                    |
//
// Each formula is the engine's composite backward (ops/elementwise.cpp:
// mul(g, step(x)), mul(g, add(mul(step(x), 1-slope), slope)),
// mul(g, mul(rsub(1, y), add(y, 1)))) evaluated with the same roundings in the same
// order, so the CPU kernel is bit-identical to it; it replaces 2-4 passes over
// [n] (and their temporaries) with one. NaN in s: x > 0 is false (as step).
//
// Layout: g, s, dx flat contiguous [n]; dx may alias g.
// Napkin math: 12 B per float element (read g, s; write dx), ~1 FLOP.
#pragma once

#include <cstdint>

#include "gan/kernels/common.h"

namespace gan::kernels {

enum class ActGrad { relu, leaky_relu, tanh };

struct ActGradParams {
  int64_t n = 0;            // elements of g, s, dx
  ActGrad act = ActGrad::relu;
  double slope = 0;         // leaky_relu's negative slope
};

const char* act_grad_name(ActGrad act);

namespace cpu {
template <class T>
void act_grad(const ActGradParams& p, const T* g, const T* s, T* dx, Stream st = {});
}  // namespace cpu

// CUDA launcher (kernels/cuda/act_grad.cu), cuda and sim flavours.
namespace cuda {
template <class T>
void act_grad(const ActGradParams& p, const T* g, const T* s, T* dx, Stream st = {});
}  // namespace cuda

}  // namespace gan::kernels
