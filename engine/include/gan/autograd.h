// Define-by-run autograd.
//
// Each differentiable op that runs while grad mode is on and has an input that
// requires grad records a Node on its output: the inputs (the graph's edges) and
// a backward function that maps the output's gradient to one gradient per input,
// written with engine ops. Because the backward is made of engine ops, running it
// with grad mode on (create_graph) records a graph of the gradient itself, which
// is what WGAN-GP and R1 differentiate again.
//
// Saved tensors: a backward captures what it needs by value. Capturing the op's
// own output by value would be a reference cycle (output -> node -> output), so
// outputs are captured through SavedOutput, a weak handle that is valid whenever
// the node can still be reached (the output is alive while anything downstream is).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gan/tensor.h"

namespace gan::autograd {

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node {
  std::string name;                 // op name, for errors and graph dumps
  std::vector<Tensor> inputs;       // edges; undefined or non-requires-grad entries get no gradient
  BackwardFn backward;              // released after use unless retain_graph
  bool twice_differentiable = true; // false: backward uses first-order-only kernels
  uint64_t sequence = 0;            // creation order
};

// ---- grad mode -------------------------------------------------------------
bool grad_enabled();
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};
class EnableGradGuard {
 public:
  explicit EnableGradGuard(bool enabled = true);
  ~EnableGradGuard();
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool prev_;
};

// True when grad mode is on and any input requires grad: the op must record.
bool needs_grad(std::initializer_list<const Tensor*> inputs);
bool needs_grad(const std::vector<Tensor>& inputs);

// Attaches a node to `out` (which must be freshly created by the op) if needs_grad(inputs).
// `twice_differentiable = false` marks ops whose backward is a first-order kernel:
// differentiating through it with create_graph is an error naming the op.
void record(Tensor& out, std::string name, std::vector<Tensor> inputs, BackwardFn backward,
            bool twice_differentiable = true);

// Weak handle on an op's output for use inside its own backward.
class SavedOutput {
 public:
  SavedOutput() = default;
  explicit SavedOutput(const Tensor& out) : impl_(out.impl_ptr()) {}
  Tensor get() const;  // throws if the output is gone

 private:
  std::weak_ptr<TensorImpl> impl_;
};

// Accumulates d(root)/d(leaf) into leaf.grad() for every leaf reachable from root.
// `grad` defaults to ones for a one-element root (required otherwise).
void backward(const Tensor& root, const Tensor& grad = {}, bool retain_graph = false,
              bool create_graph = false);
void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads,
              bool retain_graph = false, bool create_graph = false);

// Returns d(sum_i <outputs_i, grad_outputs_i>)/d(inputs_j) without touching .grad.
// With create_graph the results carry their own graph (differentiable again).
// retain_graph defaults to create_graph. An input the outputs do not depend on is
// an error unless allow_unused (then its gradient is an undefined Tensor).
struct GradOptions {
  bool create_graph = false;
  int retain_graph = -1;  // -1: same as create_graph
  bool allow_unused = false;
};
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, GradOptions opt = {});

}  // namespace gan::autograd

namespace gan {
using autograd::NoGradGuard;
}
