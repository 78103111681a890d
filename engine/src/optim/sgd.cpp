// SGD: hyper-parameters and the per-tensor call of the fused kernel
// (CPU reference or CUDA, by the parameter's device).
#include "gan/optim/sgd.h"

#include "gan/dispatch.h"
#include "gan/kernels/optim.h"

namespace gan::optim {

namespace {
HyperParams sgd_defaults(const SGDOptions& o) {
  return {{"lr", o.lr},
          {"momentum", o.momentum},
          {"dampening", o.dampening},
          {"weight_decay", o.weight_decay},
          {"nesterov", o.nesterov ? 1.0 : 0.0}};
}
}  // namespace

SGD::SGD(std::vector<Tensor> params, SGDOptions o) : SGD(std::vector<ParamGroup>{ParamGroup(std::move(params))}, o) {}

SGD::SGD(std::vector<ParamGroup> groups, SGDOptions o) : Optimizer("SGD", sgd_defaults(o)) {
  for (auto& g : groups) add_param_group(std::move(g));
}

void SGD::check_hyper(const HyperParams& h) const {
  const double lr = h.at("lr"), mu = h.at("momentum"), damp = h.at("dampening"), wd = h.at("weight_decay");
  GAN_CHECK(lr >= 0, "SGD: invalid learning rate ", lr);
  GAN_CHECK(mu >= 0, "SGD: invalid momentum ", mu);
  GAN_CHECK(wd >= 0, "SGD: invalid weight_decay ", wd);
  GAN_CHECK(h.at("nesterov") == 0.0 || (mu > 0 && damp == 0), "SGD: nesterov momentum requires a momentum and ",
            "zero dampening (momentum ", mu, ", dampening ", damp, ")");
}

std::vector<std::string> SGD::buffer_names() const { return {"momentum_buffer"}; }

void SGD::update(const HyperParams& h, Tensor& param, const Tensor& grad, ParamState& st) {
  kernels::SgdParams p;
  p.n = param.numel();
  p.lr = h.at("lr");
  p.momentum = h.at("momentum");
  p.dampening = h.at("dampening");
  p.weight_decay = h.at("weight_decay");
  p.nesterov = h.at("nesterov") != 0.0;
  Tensor buf;
  if (p.momentum != 0.0) {
    p.first_step = st.buffers.find("momentum_buffer") == st.buffers.end();
    buf = buffer(st, "momentum_buffer", param);
  }
  dispatch_float_device("SGD", param, [&]<class T>() {
    GAN_KERNEL(param, sgd_step<T>)(p, param.data<T>(), grad.data<T>(), buf.defined() ? buf.data<T>() : nullptr,
                                   stream_of(param));
  });
}

}  // namespace gan::optim
