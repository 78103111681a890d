// CUDA EMA of weights over a list of tensors in one launch (optim.h,
// ema_update_multi): ema <- beta * ema + (1 - beta) * param for every tensor
// of a generator, as the CPU reference (kernels/cpu/multi_tensor.cpp) computes
// it: torch.lerp(param, ema, w), w = T(beta), diff = ema - param,
// w < 0.5 ? param + w * diff : ema - diff * (T(1) - w). Products and sums go
// through __fmul_rn/__fadd_rn (double: __d*_rn) so nvcc cannot contract them
// into FMAs: bit-identical to the reference.
//
// Layout: each entry's ema and param are dense [n] arrays of T.
// Algorithm: the chunked multi-tensor launch of multi_tensor.cuh (a kernel-
// argument table of {ema, param, n}, ~130 tensors per launch, a block per
// 16384-element chunk, 16-byte accesses when both pointers are aligned).
// Napkin math: 12 B per f32 element (read param and ema, write ema), 3 FLOPs:
// memory bound. The DCGAN-28 generator (~1.0 M parameters) moves 12 MB per
// update, ~4 us at 3 TB/s, i.e. about one launch latency: per-tensor launches
// would double or triple it.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <vector>

#include "cuda_common.cuh"
#include "gan/kernels/optim.h"
#include "multi_tensor.cuh"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

GAN_DEVICE_INLINE float mul_rn(float a, float b) { return __fmul_rn(a, b); }
GAN_DEVICE_INLINE double mul_rn(double a, double b) { return __dmul_rn(a, b); }
GAN_DEVICE_INLINE float add_rn(float a, float b) { return __fadd_rn(a, b); }
GAN_DEVICE_INLINE double add_rn(double a, double b) { return __dadd_rn(a, b); }

template <class T>
struct EmaEntry {
  T* ema;
  const T* param;
  int64_t n;
};

template <class T>
struct EmaOp {
  static constexpr int kMinBlocksPerSm = kMinBlocks;
  T w, one_minus_w;

  GAN_DEVICE_INLINE T lerp(T a, T b) const {  // a = param, b = ema
    const T diff = add_rn(b, -a);
    return w < T(0.5) ? add_rn(a, mul_rn(w, diff)) : add_rn(b, -mul_rn(diff, one_minus_w));
  }
  GAN_DEVICE_INLINE bool aligned(const EmaEntry<T>& e) const { return aligned16(e.ema) && aligned16(e.param); }
  GAN_DEVICE_INLINE void apply1(const EmaEntry<T>& e, int64_t i) const { e.ema[i] = lerp(e.param[i], e.ema[i]); }
  GAN_DEVICE_INLINE void apply4(const EmaEntry<T>& e, int64_t i) const {
    const Vec4<T> a = load4(e.param + i);
    Vec4<T> b = load4(e.ema + i);
#pragma unroll
    for (int k = 0; k < kVec; ++k) b.v[k] = lerp(a.v[k], b.v[k]);
    store4(e.ema + i, b);
  }
};

}  // namespace

template <class T>
void ema_update_multi(const EmaParams& p, const EmaTensor<T>* tensors, int64_t count, Stream s) {
  kernels::detail::check_ema_multi("ema_update_multi", p, tensors, count);
  EmaOp<T> op;
  op.w = static_cast<T>(p.beta);
  op.one_minus_w = T(1) - op.w;
  std::vector<EmaEntry<T>> entries;
  entries.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) entries.push_back({tensors[i].ema, tensors[i].param, tensors[i].n});
  launch_multi_tensor("ema_update_multi", op, entries.data(), count, s);
}

template <class T>
int64_t ema_update_multi_table_capacity() {
  return multi_tensor_capacity<EmaOp<T>, EmaEntry<T>>();
}

template void ema_update_multi<float>(const EmaParams&, const EmaTensor<float>*, int64_t, Stream);
template void ema_update_multi<double>(const EmaParams&, const EmaTensor<double>*, int64_t, Stream);
template int64_t ema_update_multi_table_capacity<float>();
template int64_t ema_update_multi_table_capacity<double>();

}  // namespace gan::kernels::cuda
