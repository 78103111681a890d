// The CUDA runtime as the engine sees it: one small interface, three builds.
//
//   cuda flavour: the real CUDA runtime (cudaMalloc, cudaMemcpy, ...);
//   sim flavour:  the SIMT emulator's runtime: device memory is host memory,
//                 copies and streams are synchronous, the device is an H100;
//   cpu flavour:  no device; every call but available()/device_count() throws.
//
// Everything above this header (storage, allocator, Tensor::to, ops) is the
// same code in all three builds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace gan::cuda {

struct DeviceProperties {
  std::string name;
  int major = 0, minor = 0;          // compute capability
  int sm_count = 0;
  size_t total_memory = 0;           // bytes
  size_t shared_memory_per_block_optin = 0;
  bool emulated = false;             // true in the sim flavour
};

// "cuda", "sim" or "none".
const char* backend_name();
// True when a CUDA device can be used (sim: always; cuda: cudaGetDeviceCount > 0).
bool available();
int device_count();
DeviceProperties properties(int device = 0);

// Raw device memory; errors (out of memory, no device) throw gan::Error naming the call.
void* raw_malloc(size_t bytes, int device = 0);
void raw_free(void* ptr, int device = 0);

enum class CopyKind { host_to_device, device_to_host, device_to_device };
void memcpy(void* dst, const void* src, size_t bytes, CopyKind kind);
void memset(void* dst, int value, size_t bytes);
// Waits for all work on the device (a no-op on the emulator, whose launches are synchronous).
void synchronize(int device = 0);
// How many device -> host copies this process has made (every Tensor::item()
// and .to(cpu) of device data is one, and each waits for the device to drain):
// tests hold the training step to one read back (models/src/trainer.cpp).
// Thread-safe; 0 in the cpu flavour.
uint64_t device_to_host_copies();
// How many host -> device copies (Tensor::to(device) of host data, from_data
// on a device). From pageable memory each waits for the device's earlier work
// before it starts, so an upload in the middle of a step stalls it as a read
// back does. Thread-safe; 0 in the cpu flavour.
uint64_t host_to_device_copies();

}  // namespace gan::cuda
