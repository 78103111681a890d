// Tensor checkpoints: named tensors + string metadata in one safetensors file
// (the format PyTorch's `safetensors` reads), written atomically through
// gan::io (temp file, fsync, rename: a failed save leaves the old file intact).
//
// Supported dtypes: f32 (F32), f64 (F64), i64 (I64). Reading a file with any
// other dtype is a gan::Error naming the file and the tensor; malformed files
// raise the io layer's gan::io::FormatError (file + byte offset or header key).
//
// A training checkpoint puts each object under a prefix:
//   NamedTensors all;
//   append_module_state(all, "G.", *G);       append_optimizer_state(all, "opt_G.", opt_G);
//   save_tensors(path, all, {{"step", "1200"}});
//   auto ck = load_tensors(path);
//   load_module_state(ck.tensors, "G.", *G);  load_optimizer_state(ck.tensors, "opt_G.", opt_G);
#pragma once

#include <map>
#include <string>

#include "gan/nn/named_tensors.h"

namespace gan {

namespace nn {
class Module;
}
namespace optim {
class Optimizer;
}

struct TensorFile {
  NamedTensors tensors;                         // in file (data buffer) order
  std::map<std::string, std::string> metadata;  // "__metadata__" of the header
  // The tensor named `name`; throws gan::Error naming the key if absent.
  Tensor at(const std::string& name) const;
};

// Writes the tensors (copied to the CPU; row-major little-endian) in the given order.
// Names must be unique and non-empty; undefined tensors are an error naming the key.
void save_tensors(const std::string& path, const NamedTensors& tensors,
                  const std::map<std::string, std::string>& metadata = {});
TensorFile load_tensors(const std::string& path);

// Module state (state_dict) and optimizer state under a prefix.
void append_module_state(NamedTensors& out, const std::string& prefix, const nn::Module& module);
void append_optimizer_state(NamedTensors& out, const std::string& prefix, const optim::Optimizer& optimizer);
// Restores from the entries that start with `prefix` (others are ignored). Errors
// (missing/unexpected keys, shapes) are those of load_state_dict, prefixed.
void load_module_state(const NamedTensors& in, const std::string& prefix, nn::Module& module, bool strict = true);
void load_optimizer_state(const NamedTensors& in, const std::string& prefix, optim::Optimizer& optimizer);

}  // namespace gan
