// gan::cuda runtime of the cuda flavour: the real CUDA runtime.
#include <cuda_runtime.h>

#include <algorithm>

#include "copy_count.h"
#include "device_faults.h"
#include "gan/cuda/runtime.h"
#include "gan/error.h"

namespace gan::cuda {

namespace {
void check(cudaError_t err, const char* call) {
  GAN_CHECK(err == cudaSuccess, "cuda::", call, ": ", cudaGetErrorName(err), ": ", cudaGetErrorString(err));
}
}  // namespace

const char* backend_name() { return "cuda"; }

int device_count() {
  int n = 0;
  // No driver or no device is "zero devices", not an error: GPU tests skip on it.
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

bool available() { return device_count() > 0; }

DeviceProperties properties(int device) {
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, device), "properties");
  DeviceProperties p;
  p.name = prop.name;
  p.major = prop.major;
  p.minor = prop.minor;
  p.sm_count = prop.multiProcessorCount;
  p.total_memory = prop.totalGlobalMem;
  p.shared_memory_per_block_optin = prop.sharedMemPerBlockOptin;
  return p;
}

void* raw_malloc(size_t bytes, int device) {
  check(cudaSetDevice(device), "malloc (set device)");
  void* p = nullptr;
  check(cudaMalloc(&p, std::max<size_t>(bytes, 1)), "malloc");
  return p;
}

void raw_free(void* ptr, int device) {
  check(cudaSetDevice(device), "free (set device)");
  check(cudaFree(ptr), "free");
}

void memcpy(void* dst, const void* src, size_t bytes, CopyKind kind) {
  if (!bytes) return;
  if (kind == CopyKind::device_to_host) detail::note_device_to_host_copy();
  if (kind == CopyKind::host_to_device) detail::note_host_to_device_copy();
  const cudaMemcpyKind k = kind == CopyKind::host_to_device   ? cudaMemcpyHostToDevice
                           : kind == CopyKind::device_to_host ? cudaMemcpyDeviceToHost
                                                              : cudaMemcpyDeviceToDevice;
  check(cudaMemcpy(dst, src, bytes, k), "memcpy");
  if (kind == CopyKind::device_to_host) detail::raise_device_faults();  // the copy waited for the kernels
}

void memset(void* dst, int value, size_t bytes) {
  if (bytes) check(cudaMemset(dst, value, bytes), "memset");
}

void synchronize(int device) {
  check(cudaSetDevice(device), "synchronize (set device)");
  check(cudaDeviceSynchronize(), "synchronize");
  detail::raise_device_faults();
}

}  // namespace gan::cuda
