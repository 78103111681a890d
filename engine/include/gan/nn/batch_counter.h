// A BatchNorm's num_batches_tracked += 1 ([] i64 buffer) wherever the buffer
// lives, without reading a device copy back each forward.
//
// On the host the buffer is incremented in place. On a device the count is
// mirrored on the host and written with fill_ (a kernel, enqueued): a read
// back would be a synchronisation in every BatchNorm forward, and the
// increment through a device pointer on the host that this replaces crashed
// the first H200 run. The mirror is re-read (once) when the buffer changed
// under it: load_state_dict, copy_ and Module::to bump the tensor's version.
#pragma once

#include <cstdint>

#include "gan/tensor.h"

namespace gan::nn {

class BatchCounter {
 public:
  void increment(Tensor& counter);

 private:
  bool known_ = false;   // count_ / version_ describe the buffer
  int64_t count_ = 0;
  uint64_t version_ = 0;
};

}  // namespace gan::nn
