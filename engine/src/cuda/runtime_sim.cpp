// gan::cuda runtime of the sim flavour: the SIMT emulator runs kernels on the
// CPU, so device memory is host memory (simt::device_alloc: 64-byte aligned,
// poisoned with NaN bytes so that a kernel reading what nobody wrote shows it;
// with GAN_SIMT_GUARD=1 closed to host code outside launches and copies), and
// every operation is synchronous. The device presents itself as an H100 (the
// emulator checks launches against its limits).
#include <cstring>

#include <gan/simt/device_memory.h>

#include "copy_count.h"
#include "device_faults.h"
#include "gan/cuda/runtime.h"
#include "gan/error.h"

namespace gan::cuda {

const char* backend_name() { return "sim"; }
bool available() { return true; }
int device_count() { return 1; }

DeviceProperties properties(int device) {
  GAN_CHECK(device == 0, "cuda::properties: device ", device, " does not exist (the emulator has one)");
  DeviceProperties p;
  p.name = "NVIDIA H100 (SIMT emulator on the CPU)";
  p.major = 9;
  p.minor = 0;
  p.sm_count = 132;
  p.total_memory = size_t{80} << 30;
  p.shared_memory_per_block_optin = 227 * 1024;
  p.emulated = true;
  return p;
}

void* raw_malloc(size_t bytes, int device) {
  GAN_CHECK(device == 0, "cuda::malloc: device ", device, " does not exist (the emulator has one)");
  return simt::device_alloc(bytes);  // NaN-poisoned; guarded pages under GAN_SIMT_GUARD=1
}

void raw_free(void* ptr, int) { simt::device_free(ptr); }

void memcpy(void* dst, const void* src, size_t bytes, CopyKind kind) {
  if (!bytes) return;
  if (kind == CopyKind::device_to_host) detail::note_device_to_host_copy();
  if (kind == CopyKind::host_to_device) detail::note_host_to_device_copy();
  {
    const simt::DeviceAccess access;
    std::memcpy(dst, src, bytes);
  }
  if (kind == CopyKind::device_to_host) detail::raise_device_faults();
}
void memset(void* dst, int value, size_t bytes) {
  if (!bytes) return;
  const simt::DeviceAccess access;
  std::memset(dst, value, bytes);
}
void synchronize(int) { detail::raise_device_faults(); }

}  // namespace gan::cuda
