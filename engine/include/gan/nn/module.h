// gan::nn::Module: the base of every layer and model.
//
// A module owns named parameters (leaf tensors that require grad), named buffers
// (state that is saved but not trained, e.g. batch-norm running statistics) and
// named child modules, each kept in registration order. Names are hierarchical:
// a parameter "weight" of child "0" of child "main" is "main.0.weight".
//
// Modules are held by std::shared_ptr and are not copyable. Layers keep their
// parameters as public Tensor members (e.g. Linear::weight) that share the
// TensorImpl registered here, so a handle stays valid for the module's lifetime:
// load_state_dict copies values into the existing tensors, and to(DType) /
// to(Device) replace the storage *inside* each TensorImpl (the same handles,
// held by the layer, by an optimizer or by user code, see the converted data).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gan/nn/named_tensors.h"
#include "gan/tensor.h"

namespace gan::nn {

class Module;
using ModulePtr = std::shared_ptr<Module>;
using NamedModules = std::vector<std::pair<std::string, ModulePtr>>;

class Module : public std::enable_shared_from_this<Module> {
 public:
  explicit Module(std::string type_name = "Module");
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Single-input forward. The default throws: modules with other signatures
  // (several inputs, conditioning) define their own call methods.
  virtual Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x) { return forward(x); }

  // "Linear", "Sequential", ... (set by the layer's constructor).
  const std::string& type_name() const { return type_name_; }

  // ---- traversal (registration order; a tensor shared by two modules is listed once)
  NamedTensors named_parameters(bool recurse = true) const;
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  const NamedModules& named_children() const { return children_; }
  // Pre-order, self first under the name "" (then "main", "main.0", ...). A root
  // not owned by a shared_ptr appears through a non-owning pointer. A module
  // registered under two names is listed once, under the first.
  NamedModules named_modules();
  // Runs fn on every module, children first then self (like torch's apply).
  void apply(const std::function<void(Module&)>& fn);
  int64_t num_parameters() const;  // total elements of parameters()

  // Lookup by hierarchical name ("main.0.weight"); throws gan::Error if absent.
  Tensor parameter(const std::string& name) const;
  Tensor buffer(const std::string& name) const;
  ModulePtr child(const std::string& name) const;

  // ---- modes (recursive)
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // ---- state
  // Parameters then buffers of each module, self before children, hierarchical
  // names. The tensors are detached views sharing storage with the module: clone
  // them to snapshot values.
  NamedTensors state_dict() const;
  // Copies each entry into the existing tensor (under no_grad; dtype converted).
  // Validates everything before copying anything. Throws gan::Error listing the
  // missing keys, the unexpected keys and every shape mismatch (key, checkpoint
  // shape, model shape). strict = false ignores missing and unexpected keys
  // (shape mismatches stay errors).
  void load_state_dict(const NamedTensors& state, bool strict = true);

  // Sets every parameter's .grad to undefined.
  void zero_grad();

  // Converts the floating-point parameters and buffers (i64 buffers such as
  // num_batches_tracked stay i64) in place: every TensorImpl keeps its identity,
  // its storage is replaced, its .grad dropped. Returns *this.
  Module& to(DType dtype);
  Module& to(Device device);

 protected:
  // Registers `t` as a parameter (sets requires_grad) and returns the stored handle.
  Tensor register_parameter(const std::string& name, Tensor t);
  // An undefined tensor registers "no parameter" (e.g. bias=false): nothing is stored.
  Tensor register_buffer(const std::string& name, Tensor t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    register_module_impl(name, m);
    return m;
  }
  void register_module_impl(const std::string& name, ModulePtr m);

 private:
  void check_new_name(const std::string& name, const char* what) const;
  void collect_parameters(const std::string& prefix, NamedTensors& out, std::vector<const TensorImpl*>& seen,
                          bool recurse) const;
  void collect_buffers(const std::string& prefix, NamedTensors& out, bool recurse) const;
  void collect_state(const std::string& prefix, NamedTensors& out) const;
  void collect_modules(const std::string& prefix, NamedModules& out);
  void for_each_tensor(const std::function<void(Tensor&)>& fn);

  std::string type_name_;
  bool training_ = true;
  NamedTensors params_;
  NamedTensors buffers_;
  NamedModules children_;
};

}  // namespace gan::nn
