// ema_update (ema.h): validation, grouping by dtype/device, one multi-tensor
// kernel call per group.
#include "gan/optim/ema.h"

#include <algorithm>
#include <cmath>

#include "gan/autograd.h"
#include "gan/dispatch.h"
#include "gan/kernels/optim.h"

namespace gan::optim {

void ema_update(const std::vector<Tensor>& ema, const std::vector<Tensor>& params, double beta) {
  GAN_CHECK(beta >= 0.0 && beta <= 1.0, "ema_update: beta must be in [0, 1], got ", beta);
  GAN_CHECK(ema.size() == params.size(), "ema_update: ", ema.size(), " EMA tensors but ", params.size(),
            " parameters");
  for (size_t i = 0; i < ema.size(); ++i) {
    const Tensor &e = ema[i], &p = params[i];
    GAN_CHECK(e.defined() && p.defined(), "ema_update: tensor pair ", i, " has an undefined tensor");
    GAN_CHECK(e.shape() == p.shape(), "ema_update: pair ", i, ": EMA ", shape_str(e.shape()), " vs parameter ",
              shape_str(p.shape()));
    GAN_CHECK(e.dtype() == p.dtype() && e.device() == p.device(), "ema_update: pair ", i, ": EMA ", e.str(),
              " and parameter ", p.str(), " differ in dtype or device");
    GAN_CHECK(is_floating(e.dtype()), "ema_update: pair ", i, " (", e.str(), ") is not floating point");
  }
  NoGradGuard guard;
  // Index sets sharing dtype and device, in first-seen order.
  std::vector<std::vector<size_t>> sets;
  for (size_t i = 0; i < ema.size(); ++i) {
    auto it = std::find_if(sets.begin(), sets.end(), [&](const std::vector<size_t>& s) {
      return ema[s[0]].dtype() == ema[i].dtype() && ema[s[0]].device() == ema[i].device();
    });
    if (it == sets.end()) sets.push_back({i});
    else it->push_back(i);
  }
  const kernels::EmaParams kp{beta};
  for (const auto& set : sets) {
    const Tensor& first = ema[set[0]];
    dispatch_float_device("ema_update", first, [&]<class T>() {
      std::vector<kernels::EmaTensor<T>> list;
      list.reserve(set.size());
      for (size_t i : set) list.push_back({Tensor(ema[i]).data<T>(), params[i].data<T>(), ema[i].numel()});
      GAN_KERNEL(first, ema_update_multi<T>)(kp, list.data(), static_cast<int64_t>(list.size()), stream_of(first));
    });
  }
  for (const Tensor& e : ema) Tensor(e).bump_version();
}

}  // namespace gan::optim
