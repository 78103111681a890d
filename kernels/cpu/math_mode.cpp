// The process-wide float math of the CUDA implicit-GEMM kernels (igemm.h).
// Defined here, in a file every flavour compiles, because igemm.h declares it in
// every flavour: code that sets the mode (tests, the trainer's callers, a
// program choosing exact FP32) links in the cpu flavour too, where the switch
// has nothing to switch (the CPU references always compute in full precision).
#include <atomic>

#include "gan/kernels/igemm.h"

namespace gan::kernels::cuda {
namespace {

std::atomic<bool> g_allow_tf32{true};  // PyTorch's cudnn.allow_tf32 default

}  // namespace

void set_allow_tf32(bool allow) { g_allow_tf32.store(allow, std::memory_order_relaxed); }
bool allow_tf32() { return g_allow_tf32.load(std::memory_order_relaxed); }

}  // namespace gan::kernels::cuda
