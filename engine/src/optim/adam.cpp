// Adam / AdamW: hyper-parameters, the per-tensor kernel call (CPU) and the
// multi-tensor launch per group (CUDA).
#include "gan/optim/adam.h"

#include <algorithm>
#include <vector>

#include "gan/dispatch.h"
#include "gan/kernels/optim.h"

namespace gan::optim {

namespace {
HyperParams adam_defaults(const AdamOptions& o) {
  return {{"lr", o.lr},   {"beta1", o.beta1},         {"beta2", o.beta2},
          {"eps", o.eps}, {"weight_decay", o.weight_decay}, {"amsgrad", o.amsgrad ? 1.0 : 0.0}};
}
std::vector<ParamGroup> one_group(std::vector<Tensor> params) {
  std::vector<ParamGroup> g;
  g.emplace_back(std::move(params));
  return g;
}
}  // namespace

Adam::Adam(std::string name, std::vector<ParamGroup> groups, AdamOptions o, bool decoupled)
    : Optimizer(std::move(name), adam_defaults(o)), decoupled_(decoupled) {
  for (auto& g : groups) add_param_group(std::move(g));
}

Adam::Adam(std::vector<Tensor> params, AdamOptions o) : Adam("Adam", one_group(std::move(params)), o, false) {}
Adam::Adam(std::vector<ParamGroup> groups, AdamOptions o) : Adam("Adam", std::move(groups), o, false) {}

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions o) : Adam("AdamW", one_group(std::move(params)), o, true) {}
AdamW::AdamW(std::vector<ParamGroup> groups, AdamWOptions o) : Adam("AdamW", std::move(groups), o, true) {}

void Adam::check_hyper(const HyperParams& h) const {
  const double lr = h.at("lr"), b1 = h.at("beta1"), b2 = h.at("beta2"), eps = h.at("eps"), wd = h.at("weight_decay");
  GAN_CHECK(lr >= 0, name(), ": invalid learning rate ", lr);
  GAN_CHECK(eps >= 0, name(), ": invalid eps ", eps);
  GAN_CHECK(b1 >= 0 && b1 < 1, name(), ": invalid beta1 ", b1, " (need 0 <= beta1 < 1)");
  GAN_CHECK(b2 >= 0 && b2 < 1, name(), ": invalid beta2 ", b2, " (need 0 <= beta2 < 1)");
  GAN_CHECK(wd >= 0, name(), ": invalid weight_decay ", wd);
}

std::vector<std::string> Adam::buffer_names() const { return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}; }

namespace {
kernels::AdamParams adam_params(const HyperParams& h, bool decoupled) {
  kernels::AdamParams p;
  p.lr = h.at("lr");
  p.beta1 = h.at("beta1");
  p.beta2 = h.at("beta2");
  p.eps = h.at("eps");
  p.weight_decay = h.at("weight_decay");
  p.decoupled = decoupled;
  p.amsgrad = h.at("amsgrad") != 0.0;
  return p;
}
}  // namespace

void Adam::update_group(const HyperParams& h, std::vector<Slot>& slots) {
  // Sets of CUDA slots sharing dtype and device, in first-seen order.
  std::vector<std::vector<Slot*>> sets;
  for (Slot& s : slots) {
    if (!s.param.device().is_cuda()) {
      update(h, s.param, s.grad, *s.state);
      continue;
    }
    auto it = std::find_if(sets.begin(), sets.end(), [&](const std::vector<Slot*>& set) {
      return set[0]->param.dtype() == s.param.dtype() && set[0]->param.device() == s.param.device();
    });
    if (it == sets.end()) sets.push_back({&s});
    else it->push_back(&s);
  }
  [[maybe_unused]] const kernels::AdamParams p = adam_params(h, decoupled_);  // used by the CUDA batch only
  for (const auto& set : sets) {
    const Tensor& first = set[0]->param;
    dispatch_float_device(name().c_str(), first, [&]<class T>() {
#if defined(GAN_HAS_CUDA_KERNELS)
      std::vector<kernels::AdamTensor<T>> list;
      list.reserve(set.size());
      for (Slot* s : set) {
        Tensor& m = buffer(*s->state, "exp_avg", s->param);
        Tensor& v = buffer(*s->state, "exp_avg_sq", s->param);
        T* vmax = p.amsgrad ? buffer(*s->state, "max_exp_avg_sq", s->param).template data<T>() : nullptr;
        list.push_back({s->param.data<T>(), s->grad.data<T>(), m.data<T>(), v.data<T>(), vmax, s->param.numel(),
                        s->state->step});
      }
      kernels::cuda::adam_step_multi<T>(p, list.data(), static_cast<int64_t>(list.size()), stream_of(first));
#endif
    });
  }
}

void Adam::update(const HyperParams& h, Tensor& param, const Tensor& grad, ParamState& st) {
  kernels::AdamParams p = adam_params(h, decoupled_);
  p.n = param.numel();
  p.step = st.step;
  Tensor& m = buffer(st, "exp_avg", param);
  Tensor& v = buffer(st, "exp_avg_sq", param);
  Tensor vmax;
  if (p.amsgrad) vmax = buffer(st, "max_exp_avg_sq", param);
  dispatch_float_device(name().c_str(), param, [&]<class T>() {
    GAN_KERNEL(param, adam_step<T>)(p, param.data<T>(), grad.data<T>(), m.data<T>(), v.data<T>(),
                                   vmax.defined() ? vmax.data<T>() : nullptr, stream_of(param));
  });
}

}  // namespace gan::optim
