// BatchCounter (nn/batch_counter.h): num_batches_tracked += 1 on any device.
#include "gan/nn/batch_counter.h"

#include "gan/autograd.h"

namespace gan::nn {

void BatchCounter::increment(Tensor& counter) {
  NoGradGuard guard;
  if (counter.device().is_cpu()) {
    counter.data<int64_t>()[0] += 1;
    counter.bump_version();
    known_ = false;  // a later move to a device re-reads
    return;
  }
  if (!known_ || counter.version() != version_) count_ = static_cast<int64_t>(counter.item());
  ++count_;
  counter.fill_(static_cast<double>(count_));  // exact: counts stay far below 2^53
  version_ = counter.version();
  known_ = true;
}

}  // namespace gan::nn
