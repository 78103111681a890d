// The device -> host copy counter behind cuda::device_to_host_copies()
// (gan/cuda/runtime.h), shared by the cuda and sim runtimes (internal to
// engine/src/cuda/).
#pragma once

namespace gan::cuda::detail {

// Called by a runtime's memcpy for each device -> host copy. Thread-safe.
void note_device_to_host_copy();
// Called by a runtime's memcpy for each host -> device copy. Thread-safe.
void note_host_to_device_copy();

}  // namespace gan::cuda::detail
