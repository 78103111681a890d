// SGD with momentum, dampening, Nesterov and weight decay, exactly torch.optim.SGD.
// Hyper-parameter keys: lr, momentum, dampening, weight_decay, nesterov (0 or 1).
// State buffer: momentum_buffer (when momentum != 0; initialised to the first gradient).
#pragma once

#include "gan/optim/optimizer.h"

namespace gan::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;  // needs momentum > 0 and dampening == 0
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options = {});
  SGD(std::vector<ParamGroup> groups, SGDOptions options = {});

 protected:
  void update(const HyperParams& group, Tensor& param, const Tensor& grad, ParamState& st) override;
  void check_hyper(const HyperParams& group) const override;
  std::vector<std::string> buffer_names() const override;
};

}  // namespace gan::optim
