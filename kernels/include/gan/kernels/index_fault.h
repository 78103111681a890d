// Out-of-range indices found by the CUDA kernels, raised after the launch.
//
// The CUDA embedding and cross-entropy launchers do not read their indices
// back before launching (that is a stream synchronisation each: the GPU
// drains and the host launches nothing, 4-10 times in a conditional GAN's
// step). The kernel that reads an index checks it: out of range, it writes a
// defined value instead of reading out of bounds (0 for an embedding row, NaN
// for a cross-entropy loss row, nothing for a gradient) and records the fault
// (kernels/cuda/index_fault.cuh). The engine's runtime calls
// raise_index_fault() after every device -> host copy and synchronise, so the
// error reaches the caller at its next read back, naming the kernel, the
// index, its position and the valid range. The CPU reference launchers still
// throw before writing anything.
#pragma once

namespace gan::kernels::cuda {

// Throws KernelError for the fault recorded since the last call and clears it;
// does nothing without one. Call when the device has finished the launches
// (after a synchronising copy). When several indices of one launch are out of
// range, the message names one of them; when several launches fault, the
// first one's.
void raise_index_fault();

}  // namespace gan::kernels::cuda
