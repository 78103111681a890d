// The backward engine: reverse-topological traversal of the recorded graph,
// summing the gradients that reach each node from its consumers.
#include <algorithm>
#include <atomic>
#include <unordered_map>
#include <unordered_set>

#include "gan/autograd.h"
#include "gan/ops.h"

namespace gan::autograd {

namespace {
thread_local bool g_grad_enabled = true;
std::atomic<uint64_t> g_sequence{0};

// Adds g into slot (out of place: gradients may alias other tensors' storage).
void accumulate(Tensor& slot, const Tensor& g) { slot = slot.defined() ? ops::add(slot, g) : g; }

Tensor run_hooks(TensorImpl& impl, Tensor g) {
  for (auto& hook : impl.hooks) {
    Tensor r = hook(g);
    if (r.defined()) g = r;
  }
  return g;
}
}  // namespace

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : prev_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = prev_; }
EnableGradGuard::EnableGradGuard(bool enabled) : prev_(g_grad_enabled) { g_grad_enabled = enabled; }
EnableGradGuard::~EnableGradGuard() { g_grad_enabled = prev_; }

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor* t : inputs)
    if (t && t->defined() && t->requires_grad()) return true;
  return false;
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void record(Tensor& out, std::string name, std::vector<Tensor> inputs, BackwardFn backward,
            bool twice_differentiable) {
  if (!needs_grad(inputs)) return;
  auto node = std::make_shared<Node>();
  node->name = std::move(name);
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  node->twice_differentiable = twice_differentiable;
  node->sequence = g_sequence.fetch_add(1);
  out.impl().grad_fn = std::move(node);
  out.impl().requires_grad = true;
}

Tensor SavedOutput::get() const {
  auto p = impl_.lock();
  GAN_CHECK(p != nullptr, "autograd: a saved output was freed before its backward ran");
  return Tensor(p);
}

namespace {

// One traversal serves backward() (accumulate into leaves' .grad) and grad()
// (capture the gradients of the requested inputs).
struct Run {
  bool retain_graph = false;
  bool create_graph = false;
  // grad() mode: the impls whose gradient is wanted (leaves or interior tensors).
  std::unordered_map<TensorImpl*, size_t> wanted;
  std::vector<Tensor> captured;
  bool accumulate_leaves = true;
};

void execute(const std::vector<Tensor>& roots, const std::vector<Tensor>& root_grads, Run& run) {
  // Pending gradient per node (= per non-leaf tensor: each node has one output).
  std::unordered_map<Node*, Tensor> pending;
  std::unordered_map<Node*, TensorImpl*> output_of;  // for hooks and interior captures
  std::unordered_map<Node*, int> dependents;
  std::vector<Node*> order;

  // Collect the graph: count, for each node, how many edges point at it.
  std::vector<Node*> stack;
  std::unordered_set<Node*> seen;
  for (const Tensor& r : roots) {
    Node* n = r.grad_fn().get();
    if (n && seen.insert(n).second) stack.push_back(n);
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    GAN_CHECK(n->backward != nullptr, "autograd: trying to backward through the graph of '", n->name,
              "' a second time (its buffers were freed); pass retain_graph=true the first time");
    for (const Tensor& in : n->inputs) {
      if (!in.defined() || !in.requires_grad()) continue;
      Node* m = in.grad_fn().get();
      if (!m) continue;
      dependents[m] += 1;
      output_of[m] = &in.impl();
      if (seen.insert(m).second) stack.push_back(m);
    }
  }

  auto deliver_leaf = [&](const Tensor& leaf, Tensor g) {
    TensorImpl& impl = leaf.impl();
    g = run_hooks(impl, g);
    auto w = run.wanted.find(&impl);
    if (w != run.wanted.end()) accumulate(run.captured[w->second], g);
    if (run.accumulate_leaves) {
      Tensor slot = impl.grad ? Tensor(impl.grad) : Tensor();
      accumulate(slot, run.create_graph ? g : g.detach());
      impl.grad = slot.impl_ptr();
    }
  };

  // Seed the roots.
  std::vector<Node*> ready;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    GAN_CHECK(r.requires_grad(), "autograd: output ", i, " ", r.str(),
              " does not require grad (no input of it requires grad, or it was computed under no_grad)");
    Node* n = r.grad_fn().get();
    if (!n) {
      deliver_leaf(r, root_grads[i]);
      continue;
    }
    accumulate(pending[n], root_grads[i]);
    output_of.emplace(n, &r.impl());
  }
  for (const Tensor& r : roots) {
    Node* n = r.grad_fn().get();
    if (n && dependents[n] == 0 && std::find(ready.begin(), ready.end(), n) == ready.end()) ready.push_back(n);
  }

  EnableGradGuard mode(run.create_graph);
  while (!ready.empty()) {
    // Latest-created first: a deterministic order that matches the forward in reverse.
    auto it = std::max_element(ready.begin(), ready.end(),
                               [](Node* a, Node* b) { return a->sequence < b->sequence; });
    Node* n = *it;
    ready.erase(it);
    Tensor g = pending[n];
    pending.erase(n);
    if (TensorImpl* out = output_of[n]) {
      g = run_hooks(*out, g);
      auto w = run.wanted.find(out);
      if (w != run.wanted.end()) accumulate(run.captured[w->second], g);
    }
    GAN_CHECK(!run.create_graph || n->twice_differentiable, "autograd: '", n->name,
              "' has no second derivative in this build; create_graph through it is not supported");
    std::vector<Tensor> grads = n->backward(g);
    GAN_CHECK(grads.size() == n->inputs.size(), "autograd: backward of '", n->name, "' returned ",
              grads.size(), " gradients for ", n->inputs.size(), " inputs");
    for (size_t i = 0; i < grads.size(); ++i) {
      const Tensor& in = n->inputs[i];
      if (!in.defined() || !in.requires_grad() || !grads[i].defined()) continue;
      GAN_CHECK(grads[i].shape() == in.shape(), "autograd: backward of '", n->name, "' gave gradient ",
                shape_str(grads[i].shape()), " for input ", i, " of shape ", shape_str(in.shape()));
      Node* m = in.grad_fn().get();
      if (!m) {
        deliver_leaf(in, grads[i]);
        continue;
      }
      accumulate(pending[m], grads[i]);
      if (--dependents[m] == 0) ready.push_back(m);
    }
    if (!run.retain_graph) {
      n->backward = nullptr;  // frees the saved tensors
    }
  }
}

std::vector<Tensor> default_grads(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads) {
  std::vector<Tensor> out(roots.size());
  for (size_t i = 0; i < roots.size(); ++i) {
    if (i < grads.size() && grads[i].defined()) {
      GAN_CHECK(grads[i].shape() == roots[i].shape(), "autograd: grad_output ", i, " has shape ",
                shape_str(grads[i].shape()), " but output has shape ", shape_str(roots[i].shape()));
      out[i] = grads[i];
    } else {
      GAN_CHECK(roots[i].numel() == 1, "autograd: grad can be implicitly created only for one-element outputs; output ",
                i, " has shape ", shape_str(roots[i].shape()));
      out[i] = Tensor::ones(roots[i].shape(), Options{roots[i].dtype(), roots[i].device()});
    }
  }
  return out;
}

}  // namespace

void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads, bool retain_graph,
              bool create_graph) {
  Run run;
  run.retain_graph = retain_graph || create_graph;
  run.create_graph = create_graph;
  execute(roots, default_grads(roots, grads), run);
}

void backward(const Tensor& root, const Tensor& grad, bool retain_graph, bool create_graph) {
  backward(std::vector<Tensor>{root}, std::vector<Tensor>{grad}, retain_graph, create_graph);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, GradOptions opt) {
  Run run;
  run.create_graph = opt.create_graph;
  run.retain_graph = opt.retain_graph < 0 ? opt.create_graph : opt.retain_graph != 0;
  run.accumulate_leaves = false;
  run.captured.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    GAN_CHECK(inputs[i].defined() && inputs[i].requires_grad(), "autograd::grad: input ", i,
              " does not require grad");
    run.wanted.emplace(&inputs[i].impl(), i);
  }
  execute(outputs, default_grads(outputs, grad_outputs), run);
  for (size_t i = 0; i < inputs.size(); ++i) {
    GAN_CHECK(run.captured[i].defined() || opt.allow_unused, "autograd::grad: input ", i, " ",
              inputs[i].str(), " is not used by the outputs (pass allow_unused)");
  }
  return run.captured;
}

}  // namespace gan::autograd
