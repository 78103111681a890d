// Multi-tensor optimizer updates (CPU reference): Adam/AdamW over a list of
// tensors and the EMA of weights (optim.h).
//
// adam_step_multi is a loop over the single-tensor reference (kernels/cpu/optim.cpp)
// with each entry's own n and step, so it is bit-identical to calling
// adam_step per tensor; the CUDA multi-tensor launch is checked against it.
// All entries are validated first: a bad entry anywhere leaves every tensor
// untouched.
//
// EMA: ema = torch.lerp(param, ema, w) with w = T(beta): diff = ema - param,
// w < 0.5 ? param + w * diff : ema - diff * (1 - w), each operation rounded to
// T. Napkin math: reads param and ema, writes ema (12 B per f32 element, 1-3
// FLOPs): memory bound.
#include "gan/kernels/cpu_parallel.h"
#include "gan/kernels/optim.h"

namespace gan::kernels::cpu {

template <class T>
void adam_step_multi(const AdamParams& p, const AdamTensor<T>* tensors, int64_t count, Stream s) {
  detail::check_adam_multi("adam_step_multi", p, tensors, count);
  for (int64_t i = 0; i < count; ++i) {
    const AdamTensor<T>& t = tensors[i];
    AdamParams q = p;
    q.n = t.n;
    q.step = t.step;
    adam_step<T>(q, t.param, t.grad, t.exp_avg, t.exp_avg_sq, t.max_exp_avg_sq, s);
  }
}

template <class T>
void ema_update_multi(const EmaParams& p, const EmaTensor<T>* tensors, int64_t count, Stream) {
  detail::check_ema_multi("ema_update_multi", p, tensors, count);
  const T w = static_cast<T>(p.beta);
  const T one_minus_w = T(1) - w;
  for (int64_t k = 0; k < count; ++k) {
    T* ema = tensors[k].ema;
    const T* param = tensors[k].param;
    parallel_for(tensors[k].n, 1 << 14, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const T a = param[i], b = ema[i];
        const T diff = b - a;
        ema[i] = w < T(0.5) ? a + w * diff : b - diff * one_minus_w;
      }
    });
  }
}

template void adam_step_multi<float>(const AdamParams&, const AdamTensor<float>*, int64_t, Stream);
template void adam_step_multi<double>(const AdamParams&, const AdamTensor<double>*, int64_t, Stream);
template void ema_update_multi<float>(const EmaParams&, const EmaTensor<float>*, int64_t, Stream);
template void ema_update_multi<double>(const EmaParams&, const EmaTensor<double>*, int64_t, Stream);

}  // namespace gan::kernels::cpu
