// Emulated device memory, and the guard that keeps host code out of it.
//
// Under the emulator device memory is host memory, so host code that reads or
// writes through a device pointer works here and crashes on a GPU: the first
// H200 run of `gan train --set device=cuda` died with SIGSEGV in its first
// step although every sim test passed. With the guard on (GAN_SIMT_GUARD=1, or
// set_guard), device_alloc maps whole pages and keeps them PROT_NONE except
// while the emulator itself touches them: during a launch, and inside a
// DeviceAccess scope (the runtime's memcpy / memset, a sim-only host read). A
// host access outside those is a SIGSEGV that the guard's handler reports as
//   gan::simt guard: host code touched device memory at 0x... (byte 40 of a
//   1024-byte device allocation at 0x...): a device pointer dereferenced on
//   the host, which crashes on a GPU. Backtrace: ...
// then aborts. Off by default: each launch then costs two mprotect calls per
// live allocation, which the caching allocator keeps to a few segments.
#pragma once

#include <cstddef>

namespace gan::simt {

// The guard, initialised from GAN_SIMT_GUARD (1/0), default off. It applies to
// allocations made while it is on; turning it off opens every guarded one.
bool guard();
void set_guard(bool on);

// 64-byte aligned (page-aligned when guarded), filled with 0xff bytes (NaN as
// f32/f64, -1 as integers) so that reading what nobody wrote shows.
void* device_alloc(std::size_t bytes);
void device_free(void* ptr);

// Opens every guarded allocation for its lifetime (to the whole process: page
// protection has no threads; nested scopes count; launches open one themselves).
class DeviceAccess {
 public:
  DeviceAccess();
  ~DeviceAccess();
  DeviceAccess(const DeviceAccess&) = delete;
  DeviceAccess& operator=(const DeviceAccess&) = delete;
};

}  // namespace gan::simt
