// RMSprop: hyper-parameters and the per-tensor call of the fused kernel
// (CPU reference or CUDA, by the parameter's device).
#include "gan/optim/rmsprop.h"

#include "gan/dispatch.h"
#include "gan/kernels/optim.h"

namespace gan::optim {

namespace {
HyperParams rmsprop_defaults(const RMSpropOptions& o) {
  return {{"lr", o.lr},
          {"alpha", o.alpha},
          {"eps", o.eps},
          {"weight_decay", o.weight_decay},
          {"momentum", o.momentum},
          {"centered", o.centered ? 1.0 : 0.0}};
}
}  // namespace

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions o)
    : RMSprop(std::vector<ParamGroup>{ParamGroup(std::move(params))}, o) {}

RMSprop::RMSprop(std::vector<ParamGroup> groups, RMSpropOptions o) : Optimizer("RMSprop", rmsprop_defaults(o)) {
  for (auto& g : groups) add_param_group(std::move(g));
}

void RMSprop::check_hyper(const HyperParams& h) const {
  const double lr = h.at("lr"), alpha = h.at("alpha"), eps = h.at("eps"), mu = h.at("momentum"),
               wd = h.at("weight_decay");
  GAN_CHECK(lr >= 0, "RMSprop: invalid learning rate ", lr);
  GAN_CHECK(eps >= 0, "RMSprop: invalid eps ", eps);
  GAN_CHECK(alpha >= 0, "RMSprop: invalid alpha ", alpha);
  GAN_CHECK(mu >= 0, "RMSprop: invalid momentum ", mu);
  GAN_CHECK(wd >= 0, "RMSprop: invalid weight_decay ", wd);
}

std::vector<std::string> RMSprop::buffer_names() const { return {"square_avg", "grad_avg", "momentum_buffer"}; }

void RMSprop::update(const HyperParams& h, Tensor& param, const Tensor& grad, ParamState& st) {
  kernels::RmspropParams p;
  p.n = param.numel();
  p.lr = h.at("lr");
  p.alpha = h.at("alpha");
  p.eps = h.at("eps");
  p.weight_decay = h.at("weight_decay");
  p.momentum = h.at("momentum");
  p.centered = h.at("centered") != 0.0;
  Tensor sq = buffer(st, "square_avg", param);
  Tensor ga, buf;
  if (p.centered) ga = buffer(st, "grad_avg", param);
  if (p.momentum > 0.0) buf = buffer(st, "momentum_buffer", param);
  dispatch_float_device("RMSprop", param, [&]<class T>() {
    GAN_KERNEL(param, rmsprop_step<T>)(p, param.data<T>(), grad.data<T>(), sq.data<T>(),
                                       ga.defined() ? ga.data<T>() : nullptr, buf.defined() ? buf.data<T>() : nullptr,
                                       stream_of(param));
  });
}

}  // namespace gan::optim
