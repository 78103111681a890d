// detail::raise_device_faults() (device_faults.h).
#include "device_faults.h"

#include <string>

#include "gan/error.h"

#if defined(GAN_HAS_CUDA_KERNELS)
#include "gan/kernels/common.h"
#include "gan/kernels/index_fault.h"
#endif

namespace gan::cuda::detail {

void raise_device_faults() {
#if defined(GAN_HAS_CUDA_KERNELS)
  try {
    kernels::cuda::raise_index_fault();
  } catch (const kernels::KernelError& e) {
    throw Error(e.what());
  }
#endif
}

}  // namespace gan::cuda::detail
