// nn::Module: registration, traversal, modes, state_dict / load_state_dict, dtype
// and device conversion in place.
#include "gan/nn/module.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "gan/autograd.h"

namespace gan {

Tensor find_tensor(const NamedTensors& named, const std::string& name) {
  for (const auto& [n, t] : named)
    if (n == name) return t;
  return {};
}

NamedTensors add_prefix(const std::string& prefix, const NamedTensors& named) {
  NamedTensors out;
  out.reserve(named.size());
  for (const auto& [n, t] : named) out.emplace_back(prefix + n, t);
  return out;
}

NamedTensors strip_prefix(const std::string& prefix, const NamedTensors& named) {
  NamedTensors out;
  for (const auto& [n, t] : named)
    if (n.size() >= prefix.size() && n.compare(0, prefix.size(), prefix) == 0)
      out.emplace_back(n.substr(prefix.size()), t);
  return out;
}

}  // namespace gan

namespace gan::nn {

namespace {
std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::string list_str(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "]";
}

// Replaces the data inside t's TensorImpl with src's (same shape): every handle
// on this impl sees the new dtype/device. The gradient is dropped.
void replace_contents(Tensor& t, const Tensor& src) {
  TensorImpl& dst = t.impl();
  const TensorImpl& s = src.impl();
  dst.storage = s.storage;
  dst.offset = s.offset;
  dst.dtype = s.dtype;
  dst.grad = nullptr;
  t.bump_version();
}
}  // namespace

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {}

Tensor Module::forward(const Tensor&) {
  throw Error(detail::concat(type_name_, ": this module has no single-input forward(Tensor)"));
}

void Module::check_new_name(const std::string& name, const char* what) const {
  GAN_CHECK(!name.empty(), type_name_, ": cannot register a ", what, " with an empty name");
  GAN_CHECK(name.find('.') == std::string::npos, type_name_, ": ", what, " name '", name,
            "' must not contain '.'");
  auto taken = [&](const auto& list) {
    return std::any_of(list.begin(), list.end(), [&](const auto& p) { return p.first == name; });
  };
  GAN_CHECK(!taken(params_) && !taken(buffers_) && !taken(children_), type_name_, ": cannot register ", what, " '",
            name, "': the name is already taken");
}

Tensor Module::register_parameter(const std::string& name, Tensor t) {
  if (!t.defined()) return t;
  check_new_name(name, "parameter");
  GAN_CHECK(is_floating(t.dtype()), type_name_, ": parameter '", name, "' must be floating point, got ",
            dtype_name(t.dtype()));
  GAN_CHECK(t.is_leaf(), type_name_, ": parameter '", name, "' must be a leaf tensor (detach it first)");
  t.requires_grad_(true);
  params_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  if (!t.defined()) return t;
  check_new_name(name, "buffer");
  buffers_.emplace_back(name, t);
  return t;
}

void Module::register_module_impl(const std::string& name, ModulePtr m) {
  GAN_CHECK(m != nullptr, type_name_, ": cannot register a null module as '", name, "'");
  GAN_CHECK(m.get() != this, type_name_, ": cannot register a module as its own child");
  check_new_name(name, "module");
  children_.emplace_back(name, std::move(m));
}

// ---- traversal ---------------------------------------------------------------------

void Module::collect_parameters(const std::string& prefix, NamedTensors& out, std::vector<const TensorImpl*>& seen,
                                bool recurse) const {
  for (const auto& [n, t] : params_) {
    const TensorImpl* id = t.impl_ptr().get();
    if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
    seen.push_back(id);
    out.emplace_back(join(prefix, n), t);
  }
  if (!recurse) return;
  for (const auto& [n, c] : children_) c->collect_parameters(join(prefix, n), out, seen, true);
}

void Module::collect_buffers(const std::string& prefix, NamedTensors& out, bool recurse) const {
  for (const auto& [n, t] : buffers_) out.emplace_back(join(prefix, n), t);
  if (!recurse) return;
  for (const auto& [n, c] : children_) c->collect_buffers(join(prefix, n), out, true);
}

void Module::collect_state(const std::string& prefix, NamedTensors& out) const {
  for (const auto& [n, t] : params_) out.emplace_back(join(prefix, n), t);
  for (const auto& [n, t] : buffers_) out.emplace_back(join(prefix, n), t);
  for (const auto& [n, c] : children_) c->collect_state(join(prefix, n), out);
}

void Module::collect_modules(const std::string& prefix, NamedModules& out) {
  for (const auto& [n, m] : out)
    if (m.get() == this) return;  // a module registered twice is listed once (as torch)
  // A module not owned by a shared_ptr (e.g. on the stack) lists itself through a
  // non-owning pointer (aliasing constructor, no control block).
  ModulePtr self = weak_from_this().lock();
  if (!self) self = ModulePtr(ModulePtr(), this);
  out.emplace_back(prefix, std::move(self));
  for (const auto& [n, c] : children_) c->collect_modules(join(prefix, n), out);
}

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  std::vector<const TensorImpl*> seen;
  collect_parameters("", out, seen, recurse);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  collect_buffers("", out, recurse);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_buffers(recurse)) out.push_back(t);
  return out;
}

NamedModules Module::named_modules() {
  NamedModules out;
  collect_modules("", out);
  return out;
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [n, c] : children_) c->apply(fn);
  fn(*this);
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& t : parameters()) n += t.numel();
  return n;
}

Tensor Module::parameter(const std::string& name) const {
  for (const auto& [n, t] : named_parameters())
    if (n == name) return t;
  throw Error(detail::concat(type_name_, ": no parameter named '", name, "'"));
}

Tensor Module::buffer(const std::string& name) const {
  for (const auto& [n, t] : named_buffers())
    if (n == name) return t;
  throw Error(detail::concat(type_name_, ": no buffer named '", name, "'"));
}

ModulePtr Module::child(const std::string& name) const {
  const auto dot = name.find('.');
  const std::string head = name.substr(0, dot);
  for (const auto& [n, c] : children_) {
    if (n != head) continue;
    return dot == std::string::npos ? c : c->child(name.substr(dot + 1));
  }
  throw Error(detail::concat(type_name_, ": no child module named '", name, "'"));
}

// ---- modes --------------------------------------------------------------------------

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

// ---- state --------------------------------------------------------------------------

NamedTensors Module::state_dict() const {
  NamedTensors raw;
  collect_state("", raw);
  NamedTensors out;
  out.reserve(raw.size());
  for (auto& [n, t] : raw) out.emplace_back(n, t.detach());
  return out;
}

void Module::load_state_dict(const NamedTensors& state, bool strict) {
  NamedTensors own;
  collect_state("", own);
  std::map<std::string, const Tensor*> given;
  std::vector<std::string> duplicates;
  for (const auto& [n, t] : state) {
    if (!given.emplace(n, &t).second) duplicates.push_back(n);
  }
  std::vector<std::string> missing, unexpected, mismatched;
  std::set<std::string> own_names;
  for (const auto& [n, t] : own) {
    own_names.insert(n);
    auto it = given.find(n);
    if (it == given.end()) {
      missing.push_back(n);
      continue;
    }
    const Tensor& src = *it->second;
    if (!src.defined()) {
      mismatched.push_back(n + ": checkpoint tensor is undefined");
    } else if (src.shape() != t.shape()) {
      mismatched.push_back(n + ": checkpoint " + shape_str(src.shape()) + " vs model " + shape_str(t.shape()));
    }
  }
  for (const auto& [n, t] : state)
    if (!own_names.count(n)) unexpected.push_back(n);

  std::ostringstream err;
  if (!duplicates.empty()) err << "; duplicate keys " << list_str(duplicates);
  if (strict && !missing.empty()) err << "; missing keys " << list_str(missing);
  if (strict && !unexpected.empty()) err << "; unexpected keys " << list_str(unexpected);
  if (!mismatched.empty()) {
    err << "; shape mismatch for ";
    for (size_t i = 0; i < mismatched.size(); ++i) err << (i ? ", " : "") << mismatched[i];
  }
  const std::string e = err.str();
  if (!e.empty()) throw Error(detail::concat("load_state_dict (", type_name_, "): ", e.substr(2)));

  NoGradGuard guard;
  for (auto& [n, t] : own) {
    auto it = given.find(n);
    if (it == given.end()) continue;
    t.copy_(it->second->detach());
  }
}

void Module::zero_grad() {
  for (auto& t : parameters()) t.set_grad({});
}

void Module::for_each_tensor(const std::function<void(Tensor&)>& fn) {
  std::vector<const TensorImpl*> seen;
  std::function<void(Module&)> walk = [&](Module& m) {
    for (auto* list : {&m.params_, &m.buffers_}) {
      for (auto& [n, t] : *list) {
        const TensorImpl* id = t.impl_ptr().get();
        if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
        seen.push_back(id);
        fn(t);
      }
    }
    for (auto& [n, c] : m.children_) walk(*c);
  };
  walk(*this);
}

Module& Module::to(DType dtype) {
  GAN_CHECK(is_floating(dtype), type_name_, ".to(", dtype_name(dtype), "): modules convert to f32 or f64 only");
  NoGradGuard guard;
  for_each_tensor([&](Tensor& t) {
    if (!is_floating(t.dtype()) || t.dtype() == dtype) return;
    replace_contents(t, t.detach().to(dtype));
  });
  return *this;
}

Module& Module::to(Device device) {
  NoGradGuard guard;
  for_each_tensor([&](Tensor& t) {
    if (t.device() == device) return;
    replace_contents(t, t.detach().to(device));
  });
  return *this;
}

}  // namespace gan::nn
