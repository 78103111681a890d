// Adam / AdamW: hyper-parameters and the per-tensor call of the fused kernel.
#include "gan/optim/adam.h"

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

void Adam::update(const HyperParams& h, Tensor& param, const Tensor& grad, ParamState& st) {
  kernels::AdamParams p;
  p.n = param.numel();
  p.step = st.step;
  p.lr = h.at("lr");
  p.beta1 = h.at("beta1");
  p.beta2 = h.at("beta2");
  p.eps = h.at("eps");
  p.weight_decay = h.at("weight_decay");
  p.decoupled = decoupled_;
  p.amsgrad = h.at("amsgrad") != 0.0;
  Tensor& m = buffer(st, "exp_avg", param);
  Tensor& v = buffer(st, "exp_avg_sq", param);
  Tensor vmax;
  if (p.amsgrad) vmax = buffer(st, "max_exp_avg_sq", param);
  dispatch_float(name().c_str(), param, [&]<class T>() {
    kernels::cpu::adam_step<T>(p, param.data<T>(), grad.data<T>(), m.data<T>(), v.data<T>(),
                               vmax.defined() ? vmax.data<T>() : nullptr);
  });
}

}  // namespace gan::optim
