// Conventions shared by every kernel family (DESIGN.md, "Kernels: three tiers").
//
// kernels/ knows nothing of tensors or autograd: launchers take a params struct
// (sizes, with shape comments), raw pointers and a Stream. The CPU reference
// lives in namespace gan::kernels::cpu, the CUDA kernels (later) in
// gan::kernels::cuda, with the same launcher signatures.
//
// Layout: every buffer is dense and row-major (contiguous), images are NCHW.
// Element type: CPU references are templates instantiated for float and double
// (double is for finite-difference gradient checks).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace gan::kernels {

// Opaque stream handle: cudaStream_t on the CUDA flavours, ignored on the CPU.
struct Stream {
  void* handle = nullptr;
};

// Largest tensor rank a kernel params struct describes (broadcast, permute, reduce).
inline constexpr int kMaxDims = 8;

// Thrown by launchers for invalid parameters; the message names the kernel.
class KernelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const char* kernel, const std::string& what) {
  throw KernelError(std::string(kernel) + ": " + what);
}

}  // namespace gan::kernels
