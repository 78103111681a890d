// StepReadback (step_readback.h): queued 0-d tensors, read back in one copy
// per device.
#include "step_readback.h"

#include <cmath>
#include <utility>

#include "gan/autograd.h"
#include "gan/error.h"
#include "gan/ops.h"

namespace gan::models {

void StepReadback::add(std::string name, Tensor scalar, double* dst, bool check, double host, bool root) {
  if (scalar.defined()) {
    GAN_CHECK(scalar.numel() == 1, "StepReadback: '", name, "' has ", scalar.numel(), " elements, expected 1");
    scalar = scalar.detach();
  }
  entries_.push_back({std::move(name), std::move(scalar), dst, check, host, root});
}

void StepReadback::add_logged(const Logged& l, std::vector<std::pair<std::string, double>>* append) {
  add(l.name, l.tensor, nullptr, /*check=*/true, l.tensor.defined() ? 0.0 : l.value);
  entries_.back().append = append;
}

void StepReadback::read(const std::function<void(const std::string&, double)>& on_bad) {
  NoGradGuard ng;
  std::vector<double> values(entries_.size());
  for (size_t i = 0; i < entries_.size(); ++i) values[i] = entries_[i].host;
  // Device tensors: gathered per device into one vector [k], then one copy.
  // Mixed dtypes meet in f64 (cast on the device; exact for f32 and for i64
  // below 2^53), so a step that logs an f64 or i64 number among f32 ones
  // still reads back once.
  std::vector<bool> done(entries_.size(), false);
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Tensor& t = entries_[i].scalar;
    if (done[i] || !t.defined()) continue;
    if (t.device().is_cpu()) {
      values[i] += t.item();
      done[i] = true;
      continue;
    }
    std::vector<size_t> idx;
    std::vector<Tensor> parts;
    bool mixed = false;
    for (size_t j = i; j < entries_.size(); ++j) {
      const Tensor& u = entries_[j].scalar;
      if (done[j] || !u.defined() || u.device() != t.device()) continue;
      idx.push_back(j);
      parts.push_back(u.reshape({1}));
      mixed = mixed || u.dtype() != t.dtype();
      done[j] = true;
    }
    if (mixed)
      for (Tensor& part : parts) part = part.to(DType::f64);
    const std::vector<double> host = ops::cat(parts, 0).to_double_vector();  // the one copy for this device
    for (size_t k = 0; k < idx.size(); ++k) values[idx[k]] += host[k];
  }
  std::vector<Entry> entries = std::move(entries_);
  entries_.clear();
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].root) values[i] = std::sqrt(values[i]);
    if (entries[i].dst != nullptr) *entries[i].dst = values[i];
    if (entries[i].append != nullptr) entries[i].append->emplace_back(entries[i].name, values[i]);
  }
  for (size_t i = 0; i < entries.size(); ++i)
    if (entries[i].check && !std::isfinite(values[i])) on_bad(entries[i].name, values[i]);
}

}  // namespace gan::models
