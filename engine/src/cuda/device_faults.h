// Faults the CUDA kernels found on the device and left for the host to raise
// (gan/kernels/index_fault.h: an out-of-range embedding index or
// cross-entropy label), shared by the cuda and sim runtimes (internal to
// engine/src/cuda/).
#pragma once

namespace gan::cuda::detail {

// Called by a runtime after each synchronising device -> host copy and each
// synchronize(): throws gan::Error for a recorded fault ("embedding_fprop:
// index 12 at position 3 is out of range [0, 10) ..."), so it reaches the
// caller at its next read back (a training step: its one read back).
void raise_device_faults();

}  // namespace gan::cuda::detail
