// Adam and AdamW, exactly torch.optim.Adam / AdamW (bias-corrected moments).
// Hyper-parameter keys: lr, beta1, beta2, eps, weight_decay, amsgrad (0 or 1).
// State buffers: exp_avg, exp_avg_sq (and max_exp_avg_sq with amsgrad).
// On CUDA, every parameter of a group (per dtype and device) is updated by one
// multi-tensor kernel launch (kernels/cuda/optim.cu), bit-identical to the
// per-tensor CPU reference.
#pragma once

#include "gan/optim/optimizer.h"

namespace gan::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;   // GANs (DCGAN) use 0.5
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // Adam: L2 added to the gradient; AdamW: decoupled
  bool amsgrad = false;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options = {});
  Adam(std::vector<ParamGroup> groups, AdamOptions options = {});

 protected:
  Adam(std::string name, std::vector<ParamGroup> groups, AdamOptions options, bool decoupled);
  void update(const HyperParams& group, Tensor& param, const Tensor& grad, ParamState& st) override;
  // CPU slots: update() per tensor (the CPU reference). CUDA slots: grouped by
  // (dtype, device), each set in one adam_step_multi launch (per-tensor steps).
  void update_group(const HyperParams& group, std::vector<Slot>& slots) override;
  void check_hyper(const HyperParams& group) const override;
  std::vector<std::string> buffer_names() const override;

 private:
  bool decoupled_ = false;
};

// AdamW: decoupled weight decay (param *= 1 - lr * weight_decay before the Adam
// step). Default weight_decay 1e-2 as torch.
struct AdamWOptions : AdamOptions {
  AdamWOptions() { weight_decay = 1e-2; }
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamWOptions options = {});
  AdamW(std::vector<ParamGroup> groups, AdamWOptions options = {});
};

}  // namespace gan::optim
