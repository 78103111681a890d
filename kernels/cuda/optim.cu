// CUDA optimizer updates (optim.h): Adam/AdamW per tensor and over a list of
// tensors in one launch, SGD and RMSprop per tensor. Same launchers, nullptr
// handling and KernelError cases as the CPU references (kernels/cpu/optim.cpp,
// kernels/cpu/multi_tensor.cpp), raised before anything is launched.
//
// Layout: every buffer is a dense [n] array of T, updated in place (param and
// the state buffers), grad read only.
//
// Numerics: the reference's formulas in the reference's operation order, each
// product and sum through mul_rn/add_rn (__fmul_rn/__fadd_rn, double __d*_rn)
// so nvcc cannot contract them into FMAs; division and sqrt are IEEE (nvcc's
// default -prec-div/-prec-sqrt). Every element therefore goes through the same
// rounding sequence as on the CPU: results are bit-identical to the reference
// (the tests require 0 error). Scalars torch computes on the host (bias
// corrections 1 - beta^t, step sizes) are computed here in double on the host
// exactly as the reference does and rounded once to T.
//
// Algorithm: one chunked kernel (multi_tensor.cuh) for all three: a table of
// entries (pointers, n, per-tensor scalars) as a kernel argument, a block per
// 16384-element chunk, 4 elements per thread-iteration with 16-byte accesses
// when the entry's pointers are aligned. adam_step_multi puts all tensors of a
// parameter group in the table (~60 per launch, more launches beyond); the
// per-tensor bias corrections sit in each entry, so tensors at different step
// counts share a launch. adam_step, sgd_step and rmsprop_step are the same
// launch with one entry.
//
// Napkin math (memory bound; f32): Adam reads param, grad, exp_avg, exp_avg_sq
// and writes param, exp_avg, exp_avg_sq: 7 x 4 = 28 B per element (+8 B with
// amsgrad), ~15 FLOPs incl. one sqrt and one division. The DCGAN-28 generator
// (~1.0 M parameters in 8 tensors) moves 28 MB per step: ~10 us at 3 TB/s, so
// per-tensor launches (~3-5 us each) would cost more than the update itself;
// one multi-tensor launch costs one. SGD with momentum: 20 B per element; RMSprop
// 20-36 B.
#include <gan/kernels/portable.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "cuda_common.cuh"
#include "gan/kernels/optim.h"
#include "multi_tensor.cuh"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

// torch.lerp: w < 0.5 ? a + w*(b-a) : b - (b-a)*(1-w)   (the reference's lerp)
template <class T>
GAN_DEVICE_INLINE T lerp(T a, T b, T w) {
  const T diff = sub_rn(b, a);
  return w < T(0.5) ? add_rn(a, mul_rn(w, diff)) : sub_rn(b, mul_rn(diff, sub_rn(T(1), w)));
}

// ---- Adam / AdamW ---------------------------------------------------------------------

template <class T>
struct AdamEntry {
  T* param;
  const T* grad;
  T* m;
  T* v;
  T* vmax;
  int64_t n;
  T step_size;  // lr / (1 - beta1^t), rounded once
  T bc2_sqrt;   // sqrt(1 - beta2^t), rounded once
};

template <class T>
struct AdamOp {
  static constexpr int kMinBlocksPerSm = 2;  // see multi_tensor.cuh
  T w1, b2, one_minus_b2, eps, wd, decay;
  bool has_wd, decoupled, amsgrad;

  // The reference's per-element update; x, m, v, vmax in/out, g in.
  GAN_DEVICE_INLINE void update(const AdamEntry<T>& e, T& x, T g, T& m, T& v, T& vmax) const {
    if (has_wd) {
      if (decoupled) x = mul_rn(x, decay);
      else g = add_rn(g, mul_rn(wd, x));
    }
    m = lerp(m, g, w1);
    v = add_rn(mul_rn(v, b2), mul_rn(mul_rn(one_minus_b2, g), g));
    T vv = v;
    if (amsgrad) {
      vv = (vmax > v || d_isnan(vmax)) ? vmax : v;
      vmax = vv;
    }
    const T denom = add_rn(d_sqrt(vv) / e.bc2_sqrt, eps);
    x = sub_rn(x, mul_rn(e.step_size, m / denom));
  }
  GAN_DEVICE_INLINE bool aligned(const AdamEntry<T>& e) const {
    return aligned16(e.param) && aligned16(e.grad) && aligned16(e.m) && aligned16(e.v) &&
           (!amsgrad || aligned16(e.vmax));
  }
  GAN_DEVICE_INLINE void apply1(const AdamEntry<T>& e, int64_t i) const {
    T x = e.param[i], m = e.m[i], v = e.v[i], vmax = amsgrad ? e.vmax[i] : T(0);
    update(e, x, e.grad[i], m, v, vmax);
    e.param[i] = x;
    e.m[i] = m;
    e.v[i] = v;
    if (amsgrad) e.vmax[i] = vmax;
  }
  GAN_DEVICE_INLINE void apply4(const AdamEntry<T>& e, int64_t i) const {
    Vec4<T> x = load4(e.param + i), m = load4(e.m + i), v = load4(e.v + i);
    const Vec4<T> g = load4(e.grad + i);
    Vec4<T> vmax = amsgrad ? load4(e.vmax + i) : Vec4<T>{};
#pragma unroll
    for (int k = 0; k < kVec; ++k) update(e, x.v[k], g.v[k], m.v[k], v.v[k], vmax.v[k]);
    store4(e.param + i, x);
    store4(e.m + i, m);
    store4(e.v + i, v);
    if (amsgrad) store4(e.vmax + i, vmax);
  }
};

template <class T>
AdamOp<T> adam_op(const AdamParams& p) {
  AdamOp<T> op;
  op.w1 = static_cast<T>(1.0 - p.beta1);
  op.b2 = static_cast<T>(p.beta2);
  op.one_minus_b2 = static_cast<T>(1.0 - p.beta2);
  op.eps = static_cast<T>(p.eps);
  op.wd = static_cast<T>(p.weight_decay);
  op.decay = static_cast<T>(1.0 - p.lr * p.weight_decay);
  op.has_wd = p.weight_decay != 0.0;
  op.decoupled = p.decoupled;
  op.amsgrad = p.amsgrad;
  return op;
}

// Host-side scalars exactly as the reference computes them.
template <class T>
AdamEntry<T> adam_entry(const AdamParams& p, const AdamTensor<T>& t) {
  const double bc1 = 1.0 - std::pow(p.beta1, static_cast<double>(t.step));
  const double bc2 = 1.0 - std::pow(p.beta2, static_cast<double>(t.step));
  return {t.param,       t.grad, t.exp_avg, t.exp_avg_sq, p.amsgrad ? t.max_exp_avg_sq : nullptr, t.n,
          static_cast<T>(p.lr / bc1), static_cast<T>(std::sqrt(bc2))};
}

template <class T>
void adam_launch(const char* kernel, const AdamParams& p, const AdamTensor<T>* tensors, int64_t count, Stream s) {
  std::vector<AdamEntry<T>> entries;
  entries.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) entries.push_back(adam_entry(p, tensors[i]));
  launch_multi_tensor(kernel, adam_op<T>(p), entries.data(), count, s);
}

// ---- SGD ------------------------------------------------------------------------------

template <class T>
struct SgdEntry {
  T* param;
  const T* grad;
  T* buf;
  int64_t n;
};

template <class T>
struct SgdOp {
  static constexpr int kMinBlocksPerSm = kMinBlocks;  // see multi_tensor.cuh
  T wd, mu, keep, lr;
  bool has_wd, has_mu, first_step, nesterov;

  GAN_DEVICE_INLINE void update(T& x, T g, T& b) const {
    T d = g;
    if (has_wd) d = add_rn(d, mul_rn(wd, x));
    if (has_mu) {
      b = first_step ? d : add_rn(mul_rn(b, mu), mul_rn(keep, d));
      d = nesterov ? add_rn(d, mul_rn(mu, b)) : b;
    }
    x = sub_rn(x, mul_rn(lr, d));
  }
  GAN_DEVICE_INLINE bool aligned(const SgdEntry<T>& e) const {
    return aligned16(e.param) && aligned16(e.grad) && (!has_mu || aligned16(e.buf));
  }
  GAN_DEVICE_INLINE void apply1(const SgdEntry<T>& e, int64_t i) const {
    T x = e.param[i], b = has_mu && !first_step ? e.buf[i] : T(0);
    update(x, e.grad[i], b);
    e.param[i] = x;
    if (has_mu) e.buf[i] = b;
  }
  GAN_DEVICE_INLINE void apply4(const SgdEntry<T>& e, int64_t i) const {
    Vec4<T> x = load4(e.param + i), b = has_mu && !first_step ? load4(e.buf + i) : Vec4<T>{};
    const Vec4<T> g = load4(e.grad + i);
#pragma unroll
    for (int k = 0; k < kVec; ++k) update(x.v[k], g.v[k], b.v[k]);
    store4(e.param + i, x);
    if (has_mu) store4(e.buf + i, b);
  }
};

// ---- RMSprop --------------------------------------------------------------------------

template <class T>
struct RmspropEntry {
  T* param;
  const T* grad;
  T* sq;
  T* ga;
  T* buf;
  int64_t n;
};

template <class T>
struct RmspropOp {
  static constexpr int kMinBlocksPerSm = 2;  // see multi_tensor.cuh
  T wd, alpha, one_minus_alpha, eps, mu, lr;
  bool has_wd, has_mu, centered;

  GAN_DEVICE_INLINE void update(T& x, T g, T& sq, T& ga, T& b) const {
    if (has_wd) g = add_rn(g, mul_rn(wd, x));
    sq = add_rn(mul_rn(sq, alpha), mul_rn(mul_rn(one_minus_alpha, g), g));
    T avg;
    if (centered) {
      ga = lerp(ga, g, one_minus_alpha);
      avg = d_sqrt(sub_rn(sq, mul_rn(ga, ga)));
    } else {
      avg = d_sqrt(sq);
    }
    avg = add_rn(avg, eps);
    if (has_mu) {
      b = add_rn(mul_rn(b, mu), g / avg);
      x = sub_rn(x, mul_rn(lr, b));
    } else {
      x = sub_rn(x, mul_rn(lr, g / avg));
    }
  }
  GAN_DEVICE_INLINE bool aligned(const RmspropEntry<T>& e) const {
    return aligned16(e.param) && aligned16(e.grad) && aligned16(e.sq) && (!centered || aligned16(e.ga)) &&
           (!has_mu || aligned16(e.buf));
  }
  GAN_DEVICE_INLINE void apply1(const RmspropEntry<T>& e, int64_t i) const {
    T x = e.param[i], sq = e.sq[i], ga = centered ? e.ga[i] : T(0), b = has_mu ? e.buf[i] : T(0);
    update(x, e.grad[i], sq, ga, b);
    e.param[i] = x;
    e.sq[i] = sq;
    if (centered) e.ga[i] = ga;
    if (has_mu) e.buf[i] = b;
  }
  GAN_DEVICE_INLINE void apply4(const RmspropEntry<T>& e, int64_t i) const {
    Vec4<T> x = load4(e.param + i), sq = load4(e.sq + i);
    Vec4<T> ga = centered ? load4(e.ga + i) : Vec4<T>{}, b = has_mu ? load4(e.buf + i) : Vec4<T>{};
    const Vec4<T> g = load4(e.grad + i);
#pragma unroll
    for (int k = 0; k < kVec; ++k) update(x.v[k], g.v[k], sq.v[k], ga.v[k], b.v[k]);
    store4(e.param + i, x);
    store4(e.sq + i, sq);
    if (centered) store4(e.ga + i, ga);
    if (has_mu) store4(e.buf + i, b);
  }
};

}  // namespace

template <class T>
void adam_step(const AdamParams& p, T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq,
               Stream s) {
  kernels::detail::check_adam("adam_step", p, p.n, p.step, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq);
  const AdamTensor<T> t{param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, p.n, p.step};
  adam_launch("adam_step", p, &t, 1, s);
}

template <class T>
void adam_step_multi(const AdamParams& p, const AdamTensor<T>* tensors, int64_t count, Stream s) {
  kernels::detail::check_adam_multi("adam_step_multi", p, tensors, count);
  adam_launch("adam_step_multi", p, tensors, count, s);
}

template <class T>
void sgd_step(const SgdParams& p, T* param, const T* grad, T* buf, Stream s) {
  if (p.n < 0) fail("sgd_step", "negative element count");
  if (p.momentum != 0.0 && buf == nullptr) fail("sgd_step", "momentum needs a momentum buffer");
  if (p.n > 0 && (param == nullptr || grad == nullptr))
    fail("sgd_step", "null param or grad with n = " + std::to_string(p.n));
  SgdOp<T> op;
  op.wd = static_cast<T>(p.weight_decay);
  op.mu = static_cast<T>(p.momentum);
  op.keep = static_cast<T>(1.0 - p.dampening);
  op.lr = static_cast<T>(p.lr);
  op.has_wd = p.weight_decay != 0.0;
  op.has_mu = p.momentum != 0.0;
  op.first_step = p.first_step;
  op.nesterov = p.nesterov;
  const SgdEntry<T> e{param, grad, buf, p.n};
  launch_multi_tensor("sgd_step", op, &e, 1, s);
}

template <class T>
void rmsprop_step(const RmspropParams& p, T* param, const T* grad, T* square_avg, T* grad_avg, T* buf, Stream s) {
  if (p.n < 0) fail("rmsprop_step", "negative element count");
  if (p.centered && grad_avg == nullptr) fail("rmsprop_step", "centered needs grad_avg");
  if (p.momentum > 0.0 && buf == nullptr) fail("rmsprop_step", "momentum needs a momentum buffer");
  if (p.n > 0 && (param == nullptr || grad == nullptr || square_avg == nullptr))
    fail("rmsprop_step", "null param, grad or square_avg with n = " + std::to_string(p.n));
  RmspropOp<T> op;
  op.wd = static_cast<T>(p.weight_decay);
  op.alpha = static_cast<T>(p.alpha);
  op.one_minus_alpha = static_cast<T>(1.0 - p.alpha);
  op.eps = static_cast<T>(p.eps);
  op.mu = static_cast<T>(p.momentum);
  op.lr = static_cast<T>(p.lr);
  op.has_wd = p.weight_decay != 0.0;
  op.has_mu = p.momentum > 0.0;
  op.centered = p.centered;
  const RmspropEntry<T> e{param, grad, square_avg, grad_avg, buf, p.n};
  launch_multi_tensor("rmsprop_step", op, &e, 1, s);
}

template <class T>
int64_t adam_step_multi_table_capacity() {
  return multi_tensor_capacity<AdamOp<T>, AdamEntry<T>>();
}

template void adam_step<float>(const AdamParams&, float*, const float*, float*, float*, float*, Stream);
template void adam_step<double>(const AdamParams&, double*, const double*, double*, double*, double*, Stream);
template void adam_step_multi<float>(const AdamParams&, const AdamTensor<float>*, int64_t, Stream);
template void adam_step_multi<double>(const AdamParams&, const AdamTensor<double>*, int64_t, Stream);
template void sgd_step<float>(const SgdParams&, float*, const float*, float*, Stream);
template void sgd_step<double>(const SgdParams&, double*, const double*, double*, Stream);
template void rmsprop_step<float>(const RmspropParams&, float*, const float*, float*, float*, float*, Stream);
template void rmsprop_step<double>(const RmspropParams&, double*, const double*, double*, double*, double*, Stream);
template int64_t adam_step_multi_table_capacity<float>();
template int64_t adam_step_multi_table_capacity<double>();

}  // namespace gan::kernels::cuda
