// Optimizer base: parameter groups, step/zero_grad, state_dict / load_state_dict.
#include "gan/optim/optimizer.h"

#include <algorithm>
#include <set>

#include "gan/autograd.h"

namespace gan::optim {

namespace {
std::string state_key(size_t i, const std::string& what) { return "state." + std::to_string(i) + "." + what; }
std::string group_key(size_t g, const std::string& what) {
  return "param_groups." + std::to_string(g) + "." + what;
}
}  // namespace

Optimizer::Optimizer(std::string name, HyperParams defaults) : name_(std::move(name)), defaults_(std::move(defaults)) {}

std::vector<const Tensor*> Optimizer::all_params() const {
  std::vector<const Tensor*> out;
  for (const auto& g : groups_)
    for (const auto& p : g.params) out.push_back(&p);
  return out;
}

void Optimizer::check_group(const ParamGroup& g, size_t index) const {
  for (const auto& [k, v] : g.options)
    GAN_CHECK(defaults_.count(k), name_, ": parameter group ", index, " sets unknown hyper-parameter '", k, "'");
  std::set<const TensorImpl*> seen;
  for (const auto* p : all_params()) seen.insert(p->impl_ptr().get());
  for (size_t i = 0; i < g.params.size(); ++i) {
    const Tensor& p = g.params[i];
    GAN_CHECK(p.defined(), name_, ": parameter ", i, " of group ", index, " is an undefined tensor");
    GAN_CHECK(is_floating(p.dtype()), name_, ": parameter ", i, " of group ", index, " (", p.str(),
              ") is not floating point");
    GAN_CHECK(p.is_leaf(), name_, ": parameter ", i, " of group ", index, " (", p.str(),
              ") is not a leaf tensor; optimizers update leaves");
    GAN_CHECK(seen.insert(p.impl_ptr().get()).second, name_, ": parameter ", i, " of group ", index, " (", p.str(),
              ") appears more than once across parameter groups");
  }
}

void Optimizer::add_param_group(ParamGroup group) {
  const size_t index = groups_.size();
  check_group(group, index);
  HyperParams full = defaults_;
  for (const auto& [k, v] : group.options) full[k] = v;
  group.options = std::move(full);
  try {
    check_hyper(group.options);
  } catch (const Error& e) {
    throw Error(detail::concat(e.what(), " (parameter group ", index, ")"));
  }
  state_.resize(state_.size() + group.params.size());
  groups_.push_back(std::move(group));
}

double Optimizer::get(const std::string& key, size_t group) const {
  GAN_CHECK(group < groups_.size(), name_, ": parameter group ", group, " out of range (", groups_.size(),
            " groups)");
  auto it = groups_[group].options.find(key);
  GAN_CHECK(it != groups_[group].options.end(), name_, ": no hyper-parameter '", key, "'");
  return it->second;
}

void Optimizer::set(const std::string& key, double value, size_t group) {
  GAN_CHECK(group < groups_.size(), name_, ": parameter group ", group, " out of range (", groups_.size(),
            " groups)");
  GAN_CHECK(defaults_.count(key), name_, ": no hyper-parameter '", key, "'");
  HyperParams h = groups_[group].options;
  h[key] = value;
  check_hyper(h);
  groups_[group].options = std::move(h);
}

void Optimizer::set(const std::string& key, double value) {
  for (size_t g = 0; g < groups_.size(); ++g) set(key, value, g);
}

int64_t Optimizer::step_count(size_t index) const {
  GAN_CHECK(index < state_.size(), name_, ": parameter index ", index, " out of range (", state_.size(),
            " parameters)");
  return state_[index].step;
}

Tensor Optimizer::state(size_t index, const std::string& buffer) const {
  GAN_CHECK(index < state_.size(), name_, ": parameter index ", index, " out of range (", state_.size(),
            " parameters)");
  auto it = state_[index].buffers.find(buffer);
  return it == state_[index].buffers.end() ? Tensor() : it->second;
}

Tensor& Optimizer::buffer(ParamState& st, const std::string& name, const Tensor& param) {
  auto it = st.buffers.find(name);
  if (it == st.buffers.end()) {
    it = st.buffers.emplace(name, Tensor::zeros(param.shape(), Options{param.dtype(), param.device()})).first;
  }
  return it->second;
}

void Optimizer::update_group(const HyperParams& group, std::vector<Slot>& slots) {
  for (Slot& s : slots) update(group, s.param, s.grad, *s.state);
}

void Optimizer::step() {
  NoGradGuard guard;
  size_t index = 0;
  std::vector<Slot> slots;
  for (const auto& g : groups_) {
    slots.clear();
    for (const Tensor& p0 : g.params) {
      ParamState& st = state_[index++];
      Tensor param = p0;
      Tensor grad = param.grad();
      if (!grad.defined()) continue;
      GAN_CHECK(grad.shape() == param.shape(), name_, ".step: gradient ", shape_str(grad.shape()),
                " does not match parameter ", shape_str(param.shape()));
      GAN_CHECK(grad.device() == param.device(), name_, ".step: gradient on ", grad.device().str(),
                " but parameter ", param.str(), " on ", param.device().str());
      if (grad.dtype() != param.dtype()) grad = grad.detach().to(param.dtype());
      // State created under another dtype or device (to() after steps) follows the parameter.
      for (auto& [k, b] : st.buffers)
        if (b.dtype() != param.dtype() || b.device() != param.device())
          b = b.to(param.dtype()).to(param.device());
      ++st.step;
      slots.push_back({param, grad, &st});
    }
    update_group(g.options, slots);
    for (Slot& s : slots) {
      s.param.bump_version();
      for (auto& [k, b] : s.state->buffers) b.bump_version();
    }
  }
}

void Optimizer::zero_grad() {
  for (auto& g : groups_)
    for (auto& p : g.params) p.set_grad({});
}

NamedTensors Optimizer::state_dict() const {
  NamedTensors out;
  for (size_t i = 0; i < state_.size(); ++i) {
    const ParamState& st = state_[i];
    if (st.step == 0 && st.buffers.empty()) continue;
    out.emplace_back(state_key(i, "step"), Tensor::full({}, static_cast<double>(st.step), Options{DType::i64}));
    for (const auto& [k, b] : st.buffers) out.emplace_back(state_key(i, k), b.detach());
  }
  size_t first = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    for (const auto& [k, v] : groups_[g].options)
      out.emplace_back(group_key(g, k), Tensor::full({}, v, Options{DType::f64}));
    std::vector<int64_t> idx(groups_[g].params.size());
    for (size_t j = 0; j < idx.size(); ++j) idx[j] = static_cast<int64_t>(first + j);
    first += idx.size();
    out.emplace_back(group_key(g, "params"),
                     Tensor::from_data({static_cast<int64_t>(idx.size())}, idx, Options{DType::i64}));
  }
  return out;
}

void Optimizer::load_state_dict(const NamedTensors& sd) {
  const auto params = all_params();
  const std::string who = name_ + ".load_state_dict";
  std::vector<ParamState> new_state(state_.size());
  std::vector<HyperParams> new_hyper(groups_.size());
  std::vector<bool> group_seen(groups_.size(), false);
  std::set<std::string> keys;

  auto parse_index = [&](const std::string& s, size_t& pos, const std::string& key) -> size_t {
    size_t end = pos;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
    GAN_CHECK(end > pos && end < s.size() && s[end] == '.' && end - pos < 10, who, ": malformed key '", key, "'");
    const size_t v = std::stoul(s.substr(pos, end - pos));
    pos = end + 1;
    return v;
  };

  for (const auto& [key, t] : sd) {
    GAN_CHECK(keys.insert(key).second, who, ": duplicate key '", key, "'");
    GAN_CHECK(t.defined(), who, ": '", key, "' is an undefined tensor");
    if (key.rfind("state.", 0) == 0) {
      size_t pos = 6;
      const size_t i = parse_index(key, pos, key);
      const std::string what = key.substr(pos);
      GAN_CHECK(i < params.size(), who, ": '", key, "' refers to parameter ", i, " but this ", name_, " has ",
                params.size(), " parameters");
      if (what == "step") {
        GAN_CHECK(t.numel() == 1, who, ": '", key, "' must hold one value, got ", shape_str(t.shape()));
        const double v = t.item();
        GAN_CHECK(v >= 0, who, ": '", key, "' is negative");
        new_state[i].step = static_cast<int64_t>(v);
      } else {
        const auto names = buffer_names();
        GAN_CHECK(std::find(names.begin(), names.end(), what) != names.end(), who, ": unexpected key '", key,
                  "' (", name_, " has no state buffer '", what, "')");
        const Tensor& p = *params[i];
        GAN_CHECK(t.shape() == p.shape(), who, ": '", key, "' has shape ", shape_str(t.shape()), " but parameter ",
                  i, " has shape ", shape_str(p.shape()));
        GAN_CHECK(is_floating(t.dtype()), who, ": '", key, "' must be floating point, got ", dtype_name(t.dtype()));
        new_state[i].buffers[what] = t;
      }
    } else if (key.rfind("param_groups.", 0) == 0) {
      size_t pos = 13;
      const size_t g = parse_index(key, pos, key);
      const std::string what = key.substr(pos);
      GAN_CHECK(g < groups_.size(), who, ": '", key, "' refers to parameter group ", g, " but this ", name_,
                " has ", groups_.size(), " groups");
      if (what == "params") {
        group_seen[g] = true;
        GAN_CHECK(t.dim() == 1 && t.size(0) == static_cast<int64_t>(groups_[g].params.size()), who,
                  ": parameter group ", g, " has ", groups_[g].params.size(), " parameters but '", key,
                  "' lists ", t.numel(), " (shape ", shape_str(t.shape()), ")");
      } else {
        GAN_CHECK(defaults_.count(what), who, ": unexpected hyper-parameter key '", key, "'");
        GAN_CHECK(t.numel() == 1, who, ": '", key, "' must hold one value, got ", shape_str(t.shape()));
        new_hyper[g][what] = t.item();
      }
    } else {
      throw Error(detail::concat(who, ": unexpected key '", key, "'"));
    }
  }
  // Group structure must match exactly.
  for (size_t g = 0; g < groups_.size(); ++g)
    GAN_CHECK(group_seen[g], who, ": missing key '", group_key(g, "params"), "' (the state has fewer groups than the ",
              groups_.size(), " of this optimizer)");
  for (size_t i = 0; i < new_state.size(); ++i)
    GAN_CHECK(new_state[i].buffers.empty() || new_state[i].step > 0 || keys.count(state_key(i, "step")), who,
              ": missing key '", state_key(i, "step"), "'");
  // Hyper-parameters: a complete, valid set per group.
  for (size_t g = 0; g < groups_.size(); ++g) {
    HyperParams h = groups_[g].options;
    for (const auto& [k, v] : new_hyper[g]) h[k] = v;
    try {
      check_hyper(h);
    } catch (const Error& e) {
      throw Error(detail::concat(who, ": ", e.what(), " (parameter group ", g, ")"));
    }
    new_hyper[g] = std::move(h);
  }
  // Commit: buffers copied into fresh tensors of the parameter's dtype/device.
  NoGradGuard guard;
  for (size_t i = 0; i < new_state.size(); ++i) {
    for (auto& [k, b] : new_state[i].buffers) {
      Tensor fresh = Tensor::empty(params[i]->shape(), Options{params[i]->dtype(), params[i]->device()});
      fresh.copy_(b.detach());
      b = fresh;
    }
  }
  state_ = std::move(new_state);
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = std::move(new_hyper[g]);
}

}  // namespace gan::optim
