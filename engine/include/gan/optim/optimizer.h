// gan::optim::Optimizer: the base of Adam, AdamW, SGD and RMSprop.
//
// Parameters are organised in groups, each with its own hyper-parameters (a map
// from name to value; keys a group does not set take the optimizer's defaults),
// so one optimizer can train modules at different learning rates, and TTUR is
// two optimizers with different lr. step() updates, in place under no_grad,
// every parameter that has a gradient (others are skipped, their state
// untouched), through the fused kernels of gan/kernels/optim.h on the
// parameter's device (CPU reference or CUDA; Adam/AdamW update all CUDA tensors
// of a group of one dtype and device in one multi-tensor launch), and bumps
// each updated tensor's version.
//
// Per-parameter state is indexed by the parameter's position across all groups
// (group 0's params first). state_dict() as named tensors:
//   "state.<i>.step"            i64 []   updates applied to parameter i
//   "state.<i>.<buffer>"        like the parameter (exp_avg, exp_avg_sq,
//                                        momentum_buffer, square_avg, ...)
//   "param_groups.<g>.<hyper>"  f64 []   every hyper-parameter of group g (lr, ...)
//   "param_groups.<g>.params"   i64 [k]  the parameter indices of group g
// The buffers in state_dict() are detached views sharing storage with the live
// state (as torch): save them right away, or clone them to keep a snapshot.
// load_state_dict() checks group and parameter counts, buffer names and shapes
// (errors name the key and both shapes) before changing anything; values are
// copied (dtype converted to the parameter's).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gan/nn/named_tensors.h"
#include "gan/tensor.h"

namespace gan::optim {

using HyperParams = std::map<std::string, double>;

struct ParamGroup {
  std::vector<Tensor> params;
  HyperParams options;  // overrides of the optimizer's defaults ("lr", "weight_decay", ...)

  ParamGroup() = default;
  ParamGroup(std::vector<Tensor> p, HyperParams o = {}) : params(std::move(p)), options(std::move(o)) {}
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  const std::string& name() const { return name_; }

  // One update of every parameter that has a gradient.
  void step();
  // Sets every parameter's .grad to undefined.
  void zero_grad();

  // Groups, after construction with every hyper-parameter filled in from the defaults.
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  size_t num_groups() const { return groups_.size(); }
  // Appends a group (missing hyper-parameters from the defaults; unknown names are an error).
  void add_param_group(ParamGroup group);

  // Hyper-parameter access; unknown names and group indices are errors.
  double get(const std::string& key, size_t group = 0) const;
  void set(const std::string& key, double value, size_t group);
  void set(const std::string& key, double value);  // every group
  double lr(size_t group = 0) const { return get("lr", group); }
  void set_lr(double lr) { set("lr", lr); }
  void set_lr(double lr, size_t group) { set("lr", lr, group); }
  const HyperParams& defaults() const { return defaults_; }

  // Updates applied to parameter `index` (position across groups), 0 before the first.
  int64_t step_count(size_t index) const;
  // The state buffer `buffer` of parameter `index`, or an undefined tensor.
  Tensor state(size_t index, const std::string& buffer) const;

  NamedTensors state_dict() const;
  void load_state_dict(const NamedTensors& state);

 protected:
  struct ParamState {
    int64_t step = 0;
    std::map<std::string, Tensor> buffers;
  };

  // Subclass constructors call add_param_group for each group (after this base
  // is constructed, so check_hyper dispatches to them).
  Optimizer(std::string name, HyperParams defaults);

  // Applies one update to `param` (a floating tensor with a gradient of the same
  // shape, dtype and device) under no_grad. `st.step` is already incremented.
  // Buffers are created lazily by the subclass (zeros_like, or torch's
  // first-step rule).
  virtual void update(const HyperParams& group, Tensor& param, const Tensor& grad, ParamState& st) = 0;

  // One parameter of a group that takes part in this step.
  struct Slot {
    Tensor param, grad;
    ParamState* state;
  };
  // Updates every slot of one group (those with a gradient, in group order,
  // steps already incremented). The default calls update() per slot; Adam
  // overrides it to update a group's CUDA tensors in one multi-tensor launch.
  virtual void update_group(const HyperParams& group, std::vector<Slot>& slots);
  // Validates one group's hyper-parameters (ranges); the error names the optimizer.
  virtual void check_hyper(const HyperParams& group) const = 0;
  // Names of the per-parameter state buffers this optimizer may create.
  virtual std::vector<std::string> buffer_names() const = 0;

  // Returns st.buffers[name], created as zeros like `param` if absent.
  static Tensor& buffer(ParamState& st, const std::string& name, const Tensor& param);

 private:
  void check_group(const ParamGroup& g, size_t index) const;
  std::vector<const Tensor*> all_params() const;

  std::string name_;
  HyperParams defaults_;
  std::vector<ParamGroup> groups_;
  std::vector<ParamState> state_;  // one per parameter across groups
};

}  // namespace gan::optim
