// The portable kernel surface: the one header a kernels/cuda/*.cu includes.
//
// nvcc compiles the .cu for the GPU; g++ compiles the same file as C++ and
// this header brings in the SIMT emulator (gan/simt/simt.h), which runs every
// launch on the CPU (DESIGN.md, "The SIMT emulator"). Rules for the source:
//
//   launch        GAN_LAUNCH(grid, block, smem_bytes, stream, kernel<T, 16>)(args...)
//                 The kernel comes last so template arguments with commas pass
//                 through; give template arguments explicitly (the emulator
//                 takes the kernel's address). `<<<>>>` under nvcc.
//   dynamic smem  GAN_DYNAMIC_SHARED(float, tile);   // float* tile, 16-byte aligned
//   opt-in smem   GAN_SET_MAX_DYNAMIC_SHARED(bytes, kernel<T, 16>);  // > 48 KiB
//   device code   #if GAN_DEVICE_CODE ... #endif — true in nvcc's device pass
//                 and in the emulator (never test __CUDA_ARCH__ directly: it
//                 is undefined in the emulator); GAN_CUDA_ARCH is __CUDA_ARCH__
//                 or 900 in the emulator.
//   async copy    gan::kernels::cp_async<16>(smem, gmem [, src_bytes]);
//                 cp_async_commit(); cp_async_wait<N>(); cp_async_wait_all();
//                 The emulator performs the copy at the wait that covers it
//                 (and drops copies never waited for), so reading the
//                 destination before the wait shows stale data.
//   static smem   __shared__ arrays as usual; no initialisers (as in CUDA).
//   other         threadIdx & co., __syncthreads, __syncwarp, *_sync warp
//                 intrinsics, atomics, math intrinsics, vector types,
//                 cuda_fp16.h / cuda_bf16.h types, nvcuda::wmma (tf32, f16,
//                 bf16 with f32 accumulators). Inline PTX only inside small
//                 wrappers like cp_async below, with an emulated twin.
#pragma once

#if defined(__CUDACC__)

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <mma.h>

#define GAN_LAUNCH(grid, block, smem, stream, ...) __VA_ARGS__<<<(grid), (block), (smem), (stream)>>>
#define GAN_DYNAMIC_SHARED(T, name)                                   \
  extern __shared__ __align__(16) unsigned char gan_dynamic_shared_[]; \
  T* name = reinterpret_cast<T*>(gan_dynamic_shared_)
#define GAN_SET_MAX_DYNAMIC_SHARED(bytes, ...) \
  cudaFuncSetAttribute(__VA_ARGS__, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes))
#if defined(__CUDA_ARCH__)
#define GAN_DEVICE_CODE 1
#define GAN_CUDA_ARCH __CUDA_ARCH__
#else
#define GAN_DEVICE_CODE 0
#define GAN_CUDA_ARCH 0
#endif

#else  // g++: the SIMT emulator

#include <gan/simt/simt.h>

#define GAN_LAUNCH(grid, block, smem, stream, ...) \
  ::gan::simt::make_launch(#__VA_ARGS__, __FILE__, __LINE__, (grid), (block), (smem), (stream), __VA_ARGS__)
#define GAN_DYNAMIC_SHARED(T, name) T* name = static_cast<T*>(::gan::simt::dynamic_shared())
#define GAN_SET_MAX_DYNAMIC_SHARED(bytes, ...) \
  ::gan::simt::set_max_dynamic_shared(#__VA_ARGS__, reinterpret_cast<const void*>(__VA_ARGS__), (bytes))
#define GAN_DEVICE_CODE 1
#define GAN_CUDA_ARCH 900

#endif

#define GAN_DEVICE __device__
#define GAN_HOST_DEVICE __host__ __device__
#define GAN_DEVICE_INLINE __device__ __forceinline__

namespace gan::kernels {

// cp.async (sm_80+): copy Bytes (4, 8 or 16) from global to shared memory
// asynchronously; the first src_bytes come from gmem_src, the rest are zero
// (predicated tile loads at matrix edges). Both addresses aligned to Bytes.
template <int Bytes>
GAN_DEVICE_INLINE void cp_async(void* smem_dst, const void* gmem_src, int src_bytes = Bytes) {
  static_assert(Bytes == 4 || Bytes == 8 || Bytes == 16, "cp.async copies 4, 8 or 16 bytes");
#if defined(GAN_SIMT)
  ::gan::simt::detail::cp_async(smem_dst, gmem_src, Bytes, src_bytes);
#elif defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  const auto dst = static_cast<unsigned>(__cvta_generic_to_shared(smem_dst));
  if constexpr (Bytes == 16) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(gmem_src), "r"(src_bytes));
  } else {
    asm volatile("cp.async.ca.shared.global [%0], [%1], %2, %3;\n" ::"r"(dst), "l"(gmem_src), "n"(Bytes),
                 "r"(src_bytes));
  }
#else  // older GPUs: a synchronous copy
  auto* d = static_cast<unsigned char*>(smem_dst);
  const auto* s = static_cast<const unsigned char*>(gmem_src);
  for (int i = 0; i < Bytes; ++i) d[i] = i < src_bytes ? s[i] : 0;
#endif
}

// Closes the group of cp_async calls issued since the last commit.
GAN_DEVICE_INLINE void cp_async_commit() {
#if defined(GAN_SIMT)
  ::gan::simt::detail::cp_async_commit();
#elif defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.commit_group;\n" ::);
#endif
}

// Waits until at most N committed groups are still in flight.
template <int N>
GAN_DEVICE_INLINE void cp_async_wait() {
#if defined(GAN_SIMT)
  ::gan::simt::detail::cp_async_wait(N);
#elif defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
#endif
}

// Commits the open group and waits for every copy of this thread.
GAN_DEVICE_INLINE void cp_async_wait_all() {
  cp_async_commit();
  cp_async_wait<0>();
}

}  // namespace gan::kernels
