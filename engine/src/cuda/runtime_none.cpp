// gan::cuda runtime of the cpu flavour: there is no device.
#include "gan/cuda/runtime.h"
#include "gan/error.h"

namespace gan::cuda {

namespace {
[[noreturn]] void none(const char* call) {
  throw Error(detail::concat("cuda::", call, ": this build of gan has no CUDA backend (cpu flavour); "
                             "configure with -DGAN_CUDA=on (GPU) or -DGAN_CUDA=sim (emulator)"));
}
}  // namespace

const char* backend_name() { return "none"; }
bool available() { return false; }
int device_count() { return 0; }
DeviceProperties properties(int) { none("properties"); }
void* raw_malloc(size_t, int) { none("malloc"); }
void raw_free(void*, int) { none("free"); }
void memcpy(void*, const void*, size_t, CopyKind) { none("memcpy"); }
void memset(void*, int, size_t) { none("memset"); }
void synchronize(int) { none("synchronize"); }

}  // namespace gan::cuda
