// Scratch device memory owned by one launcher call (internal to kernels/cuda/).
//
// kernels/ cannot use the engine's caching allocator (dependencies go one
// way), so a launcher that needs a workspace (the split-K partial sums of the
// implicit GEMM) allocates it here:
//   nvcc      cudaMallocAsync / cudaFreeAsync on the launch stream: the free is
//             stream-ordered after the kernels that use the buffer, and the
//             driver's memory pool makes repeated sizes cheap;
//   emulator  std::malloc / std::free ("device" memory is host memory and
//             launches are synchronous, so the kernels are done at the free).
#pragma once

#include <gan/kernels/portable.h>

#include <cstddef>
#include <cstdlib>
#include <string>

#include "cuda_common.cuh"

namespace gan::kernels::cuda::detail {

class DeviceWorkspace {
 public:
  DeviceWorkspace(std::size_t bytes, Stream s, const char* kernel) : stream_(s) {
    if (bytes == 0) return;
#if defined(__CUDACC__)
    const cudaError_t e = cudaMallocAsync(&ptr_, bytes, stream_of(s));
    if (e != cudaSuccess) {
      ptr_ = nullptr;
      fail(kernel, "workspace of " + std::to_string(bytes) + " bytes: " + cudaGetErrorString(e));
    }
#else
    ptr_ = std::malloc(bytes);
    if (ptr_ == nullptr) fail(kernel, "workspace of " + std::to_string(bytes) + " bytes: out of memory");
#endif
  }
  ~DeviceWorkspace() {
    if (ptr_ == nullptr) return;
#if defined(__CUDACC__)
    cudaFreeAsync(ptr_, stream_of(stream_));
#else
    std::free(ptr_);
#endif
  }
  DeviceWorkspace(const DeviceWorkspace&) = delete;
  DeviceWorkspace& operator=(const DeviceWorkspace&) = delete;

  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }

 private:
  void* ptr_ = nullptr;
  Stream stream_;
};

}  // namespace gan::kernels::cuda::detail
