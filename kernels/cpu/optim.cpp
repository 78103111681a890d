// Optimizer updates (CPU reference): Adam/AdamW, SGD with momentum, RMSprop.
//
// Each is one elementwise pass over n elements of param, grad and state
// (torch.optim's single-tensor algorithms, in the same operation order so f64
// results match torch to rounding):
//   Adam:    g = grad (+ wd*param unless decoupled; decoupled: param *= 1 - lr*wd)
//            m = lerp(m, g, 1-b1); v = b2*v + (1-b2)*g*g; [vmax = max(vmax, v)]
//            param -= lr/(1-b1^t) * m / (sqrt(v or vmax)/sqrt(1-b2^t) + eps)
//   SGD:     g = grad + wd*param; buf = first ? g : mu*buf + (1-damp)*g
//            d = nesterov ? g + mu*buf : buf (or g without momentum); param -= lr*d
//   RMSprop: g = grad + wd*param; sq = alpha*sq + (1-alpha)*g*g
//            centered: ga = lerp(ga, g, 1-alpha); avg = sqrt(sq - ga*ga) + eps, else sqrt(sq) + eps
//            momentum: buf = mu*buf + g/avg; param -= lr*buf, else param -= lr*g/avg
// Napkin math: Adam reads 4 and writes 3 arrays (7n elements moved, ~12 flops/elt):
// memory bound everywhere.
#include "gan/kernels/optim.h"

#include <cmath>

#include "gan/kernels/cpu_parallel.h"

namespace gan::kernels::cpu {

namespace {
// torch.lerp: weight < 0.5 ? a + w*(b-a) : b - (b-a)*(1-w)
template <class T>
inline T lerp(T a, T b, T w) {
  const T diff = b - a;
  return w < T(0.5) ? a + w * diff : b - diff * (T(1) - w);
}

template <class F>
void for_range(int64_t n, F&& f) {
  parallel_for(n, 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) f(i);
  });
}
}  // namespace

template <class T>
void adam_step(const AdamParams& p, T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq,
               Stream) {
  detail::check_adam("adam_step", p, p.n, p.step, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq);
  const double bc1 = 1.0 - std::pow(p.beta1, static_cast<double>(p.step));
  const double bc2 = 1.0 - std::pow(p.beta2, static_cast<double>(p.step));
  const T step_size = static_cast<T>(p.lr / bc1);
  const T bc2_sqrt = static_cast<T>(std::sqrt(bc2));
  const T w1 = static_cast<T>(1.0 - p.beta1);
  const T b2 = static_cast<T>(p.beta2), one_minus_b2 = static_cast<T>(1.0 - p.beta2);
  const T eps = static_cast<T>(p.eps);
  const T wd = static_cast<T>(p.weight_decay);
  const T decay = static_cast<T>(1.0 - p.lr * p.weight_decay);
  const bool has_wd = p.weight_decay != 0.0;
  for_range(p.n, [&](int64_t i) {
    T g = grad[i];
    T x = param[i];
    if (has_wd) {
      if (p.decoupled) x = x * decay;
      else g = g + wd * x;
    }
    const T m = lerp(exp_avg[i], g, w1);
    const T v = exp_avg_sq[i] * b2 + one_minus_b2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    T vv = v;
    if (p.amsgrad) {
      const T vm = max_exp_avg_sq[i];
      vv = (vm > v || std::isnan(vm)) ? vm : v;
      max_exp_avg_sq[i] = vv;
    }
    const T denom = std::sqrt(vv) / bc2_sqrt + eps;
    param[i] = x - step_size * (m / denom);
  });
}

template <class T>
void sgd_step(const SgdParams& p, T* param, const T* grad, T* buf, Stream) {
  if (p.n < 0) fail("sgd_step", "negative element count");
  if (p.momentum != 0.0 && buf == nullptr) fail("sgd_step", "momentum needs a momentum buffer");
  const T wd = static_cast<T>(p.weight_decay), mu = static_cast<T>(p.momentum);
  const T keep = static_cast<T>(1.0 - p.dampening), lr = static_cast<T>(p.lr);
  const bool has_wd = p.weight_decay != 0.0, has_mu = p.momentum != 0.0;
  for_range(p.n, [&](int64_t i) {
    T d = grad[i];
    if (has_wd) d = d + wd * param[i];
    if (has_mu) {
      const T b = p.first_step ? d : buf[i] * mu + keep * d;
      buf[i] = b;
      d = p.nesterov ? d + mu * b : b;
    }
    param[i] = param[i] - lr * d;
  });
}

template <class T>
void rmsprop_step(const RmspropParams& p, T* param, const T* grad, T* square_avg, T* grad_avg, T* buf, Stream) {
  if (p.n < 0) fail("rmsprop_step", "negative element count");
  if (p.centered && grad_avg == nullptr) fail("rmsprop_step", "centered needs grad_avg");
  if (p.momentum > 0.0 && buf == nullptr) fail("rmsprop_step", "momentum needs a momentum buffer");
  const T wd = static_cast<T>(p.weight_decay), alpha = static_cast<T>(p.alpha);
  const T one_minus_alpha = static_cast<T>(1.0 - p.alpha), eps = static_cast<T>(p.eps);
  const T mu = static_cast<T>(p.momentum), lr = static_cast<T>(p.lr);
  const bool has_wd = p.weight_decay != 0.0, has_mu = p.momentum > 0.0;
  for_range(p.n, [&](int64_t i) {
    T g = grad[i];
    if (has_wd) g = g + wd * param[i];
    const T sq = square_avg[i] * alpha + one_minus_alpha * g * g;
    square_avg[i] = sq;
    T avg;
    if (p.centered) {
      const T ga = lerp(grad_avg[i], g, one_minus_alpha);
      grad_avg[i] = ga;
      avg = std::sqrt(sq - ga * ga);
    } else {
      avg = std::sqrt(sq);
    }
    avg = avg + eps;
    if (has_mu) {
      const T b = buf[i] * mu + g / avg;
      buf[i] = b;
      param[i] = param[i] - lr * b;
    } else {
      param[i] = param[i] - lr * (g / avg);
    }
  });
}

template void adam_step<float>(const AdamParams&, float*, const float*, float*, float*, float*, Stream);
template void adam_step<double>(const AdamParams&, double*, const double*, double*, double*, double*, Stream);
template void sgd_step<float>(const SgdParams&, float*, const float*, float*, Stream);
template void sgd_step<double>(const SgdParams&, double*, const double*, double*, Stream);
template void rmsprop_step<float>(const RmspropParams&, float*, const float*, float*, float*, float*, Stream);
template void rmsprop_step<double>(const RmspropParams&, double*, const double*, double*, double*, double*, Stream);

}  // namespace gan::kernels::cpu
