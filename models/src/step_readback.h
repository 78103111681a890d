// The numbers a training step logs and checks, read back from the device in
// one copy at the end of the step (internal to models/src/).
//
// Why: on a GPU every Tensor::item() is a device -> host copy that waits for
// the device to drain, and the host launches nothing while it waits. The
// Trainer read 7 scalars that way in each DCGAN step (D's loss before its
// backward, both gradient norms, D(real), D(fake), r_t, G's loss before its
// backward), and the systems one per logged scalar (WGAN-GP: 3 per critic
// step), so the GPU idled that many times a step. Now each is queued as a 0-d
// tensor (a system returns its scalars as tensors: gan_system.h, Logged) and
// read() copies them all at once: one read back per step (a Trainer test
// holds DCGAN, WGAN-GP and SphereGAN to that on the emulator).
//
// Divergence checks keep their order: entries are checked in the order they
// were queued (penalty, loss_d, D's scalars, grad_norm_d per critic step, then
// loss_g, G's scalars, grad_norm_g), so the first non-finite one names the same
// quantity as when each was checked on the spot. What changes: the step runs
// to its end before the check (the optimizers may apply the non-finite update
// in memory); it is still never counted, logged or checkpointed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "gan/models/gan_system.h"
#include "gan/tensor.h"

namespace gan::models {

class StepReadback {
 public:
  // Queues value = (tensor's element, if defined) + host; sqrt applied when
  // `root` (gradient norms: a sum of squares). On read(), *dst (if not null)
  // receives the value; `check`: a non-finite value is reported by read().
  void add(std::string name, Tensor scalar, double* dst, bool check = true, double host = 0, bool root = false);
  // A system's logged scalar (a host double or a [] tensor), checked in queue
  // order; with `append`, (name, value) is appended to it on read(), in queue
  // order (StepStats::scalars: the last D step's, then G's).
  void add_logged(const Logged& l, std::vector<std::pair<std::string, double>>* append);

  // Copies every queued tensor to the host (one cat and one copy per device,
  // mixed dtypes cast to f64 on the device first; CPU tensors are read in
  // place), writes the destinations in queue order and
  // calls on_bad(name, value) for the first checked entry that is not finite
  // (on_bad is expected to throw). Clears the queue.
  void read(const std::function<void(const std::string&, double)>& on_bad);

 private:
  struct Entry {
    std::string name;
    Tensor scalar;  // [] or undefined
    double* dst;
    bool check;
    double host;
    bool root;
    std::vector<std::pair<std::string, double>>* append = nullptr;
  };
  std::vector<Entry> entries_;
};

}  // namespace gan::models
