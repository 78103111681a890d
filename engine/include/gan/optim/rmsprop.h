// RMSprop, exactly torch.optim.RMSprop.
// Hyper-parameter keys: lr, alpha, eps, weight_decay, momentum, centered (0 or 1).
// State buffers: square_avg; grad_avg when centered; momentum_buffer when momentum > 0.
#pragma once

#include "gan/optim/optimizer.h"

namespace gan::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, RMSpropOptions options = {});
  RMSprop(std::vector<ParamGroup> groups, RMSpropOptions options = {});

 protected:
  void update(const HyperParams& group, Tensor& param, const Tensor& grad, ParamState& st) override;
  void check_hyper(const HyperParams& group) const override;
  std::vector<std::string> buffer_names() const override;
};

}  // namespace gan::optim
