// NamedTensors: an ordered list of (name, tensor) pairs — what state_dict()
// returns, what optimizers serialize to, and what checkpoints store. Order is
// insertion order (the order a checkpoint lays tensors out in).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gan/tensor.h"

namespace gan {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// The tensor stored under `name`, or an undefined Tensor.
Tensor find_tensor(const NamedTensors& named, const std::string& name);

// Every entry with `prefix` prepended to its name ("G." + "main.0.weight").
NamedTensors add_prefix(const std::string& prefix, const NamedTensors& named);
// The entries whose name starts with `prefix`, with the prefix removed (order kept).
NamedTensors strip_prefix(const std::string& prefix, const NamedTensors& named);

}  // namespace gan
