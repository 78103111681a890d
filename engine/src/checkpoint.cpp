// Checkpoints: gan::Tensor <-> safetensors through gan::io.
#include "gan/checkpoint.h"

#include <cstring>
#include <set>

#include "gan/io/safetensors.h"
#include "gan/nn/module.h"
#include "gan/optim/optimizer.h"

namespace gan {

namespace {
const char* st_dtype(DType dt) {
  switch (dt) {
    case DType::f32: return "F32";
    case DType::f64: return "F64";
    case DType::i64: return "I64";
  }
  return "?";
}
}  // namespace

Tensor TensorFile::at(const std::string& name) const {
  Tensor t = find_tensor(tensors, name);
  GAN_CHECK(t.defined(), "checkpoint has no tensor named '", name, "'");
  return t;
}

void save_tensors(const std::string& path, const NamedTensors& tensors,
                  const std::map<std::string, std::string>& metadata) {
  std::vector<Tensor> cpu;  // keeps the CPU copies alive while encoding
  cpu.reserve(tensors.size());
  std::vector<io::TensorView> views;
  views.reserve(tensors.size());
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    GAN_CHECK(!name.empty(), "save_tensors(", path, "): empty tensor name");
    GAN_CHECK(names.insert(name).second, "save_tensors(", path, "): duplicate tensor name '", name, "'");
    GAN_CHECK(t.defined(), "save_tensors(", path, "): tensor '", name, "' is undefined");
    cpu.push_back(t.detach().to(Device::cpu()));
    const Tensor& c = cpu.back();
    views.push_back(io::TensorView{name, st_dtype(c.dtype()), c.shape(), c.numel() ? c.raw_data() : nullptr,
                                   c.nbytes()});
  }
  try {
    io::write_safetensors(path, views, metadata);
  } catch (const std::invalid_argument& e) {
    throw Error(detail::concat("save_tensors(", path, "): ", e.what()));
  }
}

TensorFile load_tensors(const std::string& path) {
  io::SafetensorsFile f = io::read_safetensors(path);
  TensorFile out;
  out.metadata = std::move(f.metadata);
  out.tensors.reserve(f.order.size());
  for (const auto& name : f.order) {
    io::TensorData& d = f.tensors.at(name);
    DType dt;
    if (d.dtype == "F32") dt = DType::f32;
    else if (d.dtype == "F64") dt = DType::f64;
    else if (d.dtype == "I64") dt = DType::i64;
    else
      throw Error(detail::concat(path, ": tensor '", name, "' has dtype ", d.dtype,
                                 "; gan checkpoints hold F32, F64 or I64"));
    Tensor t = Tensor::empty(d.shape, Options{dt});
    GAN_CHECK(d.bytes.size() == t.nbytes(), path, ": tensor '", name, "' holds ", d.bytes.size(),
              " bytes, expected ", t.nbytes());
    if (!d.bytes.empty()) std::memcpy(t.raw_data(), d.bytes.data(), d.bytes.size());
    out.tensors.emplace_back(name, std::move(t));
  }
  return out;
}

void append_module_state(NamedTensors& out, const std::string& prefix, const nn::Module& module) {
  for (auto& e : add_prefix(prefix, module.state_dict())) out.push_back(std::move(e));
}

void append_optimizer_state(NamedTensors& out, const std::string& prefix, const optim::Optimizer& optimizer) {
  for (auto& e : add_prefix(prefix, optimizer.state_dict())) out.push_back(std::move(e));
}

void load_module_state(const NamedTensors& in, const std::string& prefix, nn::Module& module, bool strict) {
  try {
    module.load_state_dict(strip_prefix(prefix, in), strict);
  } catch (const Error& e) {
    throw Error(detail::concat("restoring module '", prefix, "': ", e.what()));
  }
}

void load_optimizer_state(const NamedTensors& in, const std::string& prefix, optim::Optimizer& optimizer) {
  try {
    optimizer.load_state_dict(strip_prefix(prefix, in));
  } catch (const Error& e) {
    throw Error(detail::concat("restoring optimizer '", prefix, "': ", e.what()));
  }
}

}  // namespace gan
