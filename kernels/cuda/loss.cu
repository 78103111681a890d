// CUDA losses and softmax (loss.h): per-element BCE-with-logits and squared
// error (fprop/bprop; reduction "none", the engine reduces), softmax and
// log-softmax over the last dim of [M, D] rows (fprop/bprop), and cross
// entropy with int64 labels [M] on logits [M, D]. Same launchers as the CPU
// reference (kernels/cpu/loss.cpp), in namespace gan::kernels::cuda.
//
// Layout: flat [n] for the elementwise losses; row-major [M, D] rows.
//
// Numerics (the stable forms of the reference): BCE is
// max(x, 0) - x*t + log1p(exp(-|x|)) and its gradient takes sigmoid from
// exp(-|x|) on both sides; both are evaluated in double, as the reference
// does (n is a batch of discriminator outputs: the FP64 cost is nothing).
// Softmax rows subtract the row max; exp is evaluated in T's precision, every
// row SUM (sum exp, sum dy*y, sum dy) accumulates in double, and
// log(sum) is taken in double; log-softmax is x - max - log(sum), never
// log(softmax).
//
// Algorithm: the elementwise losses are functors on the contiguous map
// (elementwise_map.cuh: 16-byte vector loads when aligned). Row ops run
// softmax_rows_kernel-style group kernels: a group of GROUP threads owns one
// row (GROUP = 32 for D <= 1024, 8 rows per 256-thread block, warp shuffles
// only; GROUP = 256 above, one row per block, plus one shared-memory step),
// three coalesced passes over the row (max, sum, write; the row stays in
// L1/L2 between passes).
// Cross entropy checks each label as it reads it, with no read back before
// the launch (a stream synchronisation per call, several per conditional
// GAN step): a label outside [0, D) gives that row a NaN loss (fprop) and a
// zero gradient row (bprop), and the fault is recorded (index_fault.cuh)
// for the engine to raise at its next read back (gan/kernels/index_fault.h).
// The CPU reference throws before writing.
//
// Napkin math: elementwise 3-4 elements moved per element; a softmax row is
// read 3 times from cache and once from DRAM, written once: ~2*M*D elements of
// DRAM traffic, 8 B each for float.
#include <gan/kernels/portable.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "cuda_common.cuh"
#include "elementwise_map.cuh"
#include "gan/kernels/loss.h"
#include "index_fault.cuh"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

// ---- elementwise losses -----------------------------------------------------------

template <class T>
struct BceFprop {
  GAN_DEVICE_INLINE T operator()(T logit, T target) const {
    const double x = static_cast<double>(logit), t = static_cast<double>(target);
    return static_cast<T>((x < 0.0 ? 0.0 : x) - x * t + log1p(exp(-fabs(x))));
  }
};

template <class T>
struct BceBprop {
  GAN_DEVICE_INLINE T operator()(T logit, T target, T dloss) const {
    const double x = static_cast<double>(logit);
    const double z = exp(-fabs(x));  // in (0, 1]: no overflow for either sign
    const double sig = x >= 0.0 ? 1.0 / (1.0 + z) : z / (1.0 + z);
    return static_cast<T>((sig - static_cast<double>(target)) * static_cast<double>(dloss));
  }
};

template <class T>
struct MseFprop {
  GAN_DEVICE_INLINE T operator()(T x, T t) const {
    const T r = x - t;
    return r * r;
  }
};

template <class T>
struct MseBprop {
  GAN_DEVICE_INLINE T operator()(T x, T t, T dloss) const { return T(2) * (x - t) * dloss; }
};

// ---- row kernels ---------------------------------------------------------------------

// Row statistics of softmax: the row max (in T) and log(sum exp(x - max))
// (sum in double). All-(-Inf) rows keep max = 0 as the reference does.
template <class T, int GROUP>
GAN_DEVICE_INLINE void row_logsumexp(const T* xr, int64_t d, bool valid, int lane, double* smem, double& mx,
                                     double& lse) {
  T m = -d_inf<T>();
  if (valid) {
    for (int64_t j = lane; j < d; j += GROUP) m = max_nan(m, xr[j]);
  }
  double md = group_allreduce<GROUP>(static_cast<double>(m), MaxOp{}, smem);
  if (md == -d_inf<double>()) md = 0.0;
  double sum = 0.0;
  if (valid) {
    for (int64_t j = lane; j < d; j += GROUP) sum += static_cast<double>(d_exp(static_cast<T>(static_cast<double>(xr[j]) - md)));
  }
  sum = group_allreduce<GROUP>(sum, SumOp{}, smem);
  mx = md;
  lse = log(sum);
}

enum class RowOp { softmax, log_softmax, cross_entropy };

// [M, D] -> [M, D]: softmax, log-softmax, or (cross_entropy) log-softmax into
// y plus loss[i] = -y[i, label[i]].
template <class T, RowOp OP, int GROUP>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    softmax_rows_fprop_kernel(int64_t m, int64_t d, const T* __restrict__ x, T* __restrict__ y,
                              const int64_t* __restrict__ labels, T* __restrict__ loss, IndexFaultSink fault) {
  constexpr int kRowsPerBlock = kThreads / GROUP;
  __shared__ double smem[kThreads / 32];
  const int group = static_cast<int>(threadIdx.x) / GROUP;
  const int lane = static_cast<int>(threadIdx.x) % GROUP;
  for (int64_t base = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock; base < m;
       base += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const int64_t row = base + group;
    const bool valid = row < m;
    const T* xr = x + (valid ? row : 0) * d;
    double mx, lse;
    row_logsumexp<T, GROUP>(xr, d, valid, lane, smem, mx, lse);
    if (!valid) continue;
    T* yr = y + row * d;
    for (int64_t j = lane; j < d; j += GROUP) {
      const double a = static_cast<double>(xr[j]) - mx - lse;
      if constexpr (OP == RowOp::softmax) yr[j] = d_exp(static_cast<T>(a));
      else yr[j] = static_cast<T>(a);
    }
    if constexpr (OP == RowOp::cross_entropy) {
      if (lane == 0) {
        const int64_t label = labels[row];
        if (label >= 0 && label < d) {
          loss[row] = -static_cast<T>(static_cast<double>(xr[label]) - mx - lse);
        } else {
          loss[row] = static_cast<T>(::nan(""));  // a quiet NaN (device math API and <cmath>)
          record_index_fault(fault, row, label, d);
        }
      }
    }
  }
}

// softmax:     dx = y * (dy - sum_row(dy * y))
// log_softmax: dx = dy - exp(y) * sum_row(dy)
template <class T, RowOp OP, int GROUP>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    softmax_rows_bprop_kernel(int64_t m, int64_t d, const T* __restrict__ y, const T* __restrict__ dy,
                              T* __restrict__ dx) {
  constexpr int kRowsPerBlock = kThreads / GROUP;
  __shared__ double smem[kThreads / 32];
  const int group = static_cast<int>(threadIdx.x) / GROUP;
  const int lane = static_cast<int>(threadIdx.x) % GROUP;
  for (int64_t base = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock; base < m;
       base += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const int64_t row = base + group;
    const bool valid = row < m;
    const int64_t off = (valid ? row : 0) * d;
    double acc = 0.0;
    if (valid) {
      for (int64_t j = lane; j < d; j += GROUP) {
        if constexpr (OP == RowOp::softmax) acc += static_cast<double>(dy[off + j]) * static_cast<double>(y[off + j]);
        else acc += static_cast<double>(dy[off + j]);
      }
    }
    acc = group_allreduce<GROUP>(acc, SumOp{}, smem);
    if (!valid) continue;
    for (int64_t j = lane; j < d; j += GROUP) {
      const double g = static_cast<double>(dy[off + j]);
      if constexpr (OP == RowOp::softmax) dx[off + j] = static_cast<T>(static_cast<double>(y[off + j]) * (g - acc));
      else dx[off + j] = static_cast<T>(g - static_cast<double>(d_exp(y[off + j])) * acc);
    }
  }
}

// dlogits[i, j] = dloss[i] * (exp(save[i, j]) - [j == label[i]]), over M*D elements.
template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    cross_entropy_bprop_kernel(int64_t m, int64_t d, const T* __restrict__ save, const int64_t* __restrict__ labels,
                               const T* __restrict__ dloss, T* __restrict__ dlogits, IndexFaultSink fault) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t k = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; k < m * d; k += stride) {
    const int64_t i = k / d, j = k - i * d;
    const int64_t label = labels[i];
    if (label < 0 || label >= d) {
      dlogits[k] = T(0);
      if (j == 0) record_index_fault(fault, i, label, d);
      continue;
    }
    const double p = static_cast<double>(d_exp(save[k]));
    dlogits[k] = static_cast<T>(static_cast<double>(dloss[i]) * (p - (j == label ? 1.0 : 0.0)));
  }
}

void check_n(const char* kernel, int64_t n) {
  if (n < 0) fail(kernel, "negative size (n=" + std::to_string(n) + ")");
}

void check_md(const char* kernel, int64_t m, int64_t d) {
  if (m < 0 || d < 0) fail(kernel, "negative size (m=" + std::to_string(m) + ", d=" + std::to_string(d) + ")");
}

// The one runtime switch for row kernels: a warp per row up to D = 1024, a block per row above.
template <class T, RowOp OP>
void launch_rows_fprop(const char* kernel, int64_t m, int64_t d, const T* x, T* y, const int64_t* labels, T* loss,
                       Stream s) {
  if (m == 0 || d == 0) return;
  const IndexFaultSink fault =
      OP == RowOp::cross_entropy ? index_fault_sink(kCrossEntropyFprop, kernel) : IndexFaultSink{nullptr, nullptr, 0};
  if (d <= 1024) {
    constexpr int kRows = kThreads / 32;
    GAN_LAUNCH(grid_for((m + kRows - 1) / kRows, 1), kThreads, 0, stream_of(s), softmax_rows_fprop_kernel<T, OP, 32>)(
        m, d, x, y, labels, loss, fault);
  } else {
    GAN_LAUNCH(grid_for(m, 1), kThreads, 0, stream_of(s), softmax_rows_fprop_kernel<T, OP, kThreads>)(m, d, x, y,
                                                                                                     labels, loss, fault);
  }
  check_launch(kernel);
}

template <class T, RowOp OP>
void launch_rows_bprop(const char* kernel, int64_t m, int64_t d, const T* y, const T* dy, T* dx, Stream s) {
  if (m == 0 || d == 0) return;
  if (d <= 1024) {
    constexpr int kRows = kThreads / 32;
    GAN_LAUNCH(grid_for((m + kRows - 1) / kRows, 1), kThreads, 0, stream_of(s), softmax_rows_bprop_kernel<T, OP, 32>)(
        m, d, y, dy, dx);
  } else {
    GAN_LAUNCH(grid_for(m, 1), kThreads, 0, stream_of(s), softmax_rows_bprop_kernel<T, OP, kThreads>)(m, d, y, dy, dx);
  }
  check_launch(kernel);
}

}  // namespace

template <class T>
void bce_with_logits_fprop(int64_t n, const T* logits, const T* target, T* loss, Stream s) {
  check_n("bce_with_logits_fprop", n);
  launch_contiguous<T, BceFprop<T>, 2>("bce_with_logits_fprop", n, BceFprop<T>{}, Inputs<T, 2>{{logits, target}}, loss,
                                       s);
}

template <class T>
void bce_with_logits_bprop(int64_t n, const T* logits, const T* target, const T* dloss, T* dlogits, Stream s) {
  check_n("bce_with_logits_bprop", n);
  launch_contiguous<T, BceBprop<T>, 3>("bce_with_logits_bprop", n, BceBprop<T>{},
                                       Inputs<T, 3>{{logits, target, dloss}}, dlogits, s);
}

template <class T>
void mse_fprop(int64_t n, const T* x, const T* target, T* loss, Stream s) {
  check_n("mse_fprop", n);
  launch_contiguous<T, MseFprop<T>, 2>("mse_fprop", n, MseFprop<T>{}, Inputs<T, 2>{{x, target}}, loss, s);
}

template <class T>
void mse_bprop(int64_t n, const T* x, const T* target, const T* dloss, T* dx, Stream s) {
  check_n("mse_bprop", n);
  launch_contiguous<T, MseBprop<T>, 3>("mse_bprop", n, MseBprop<T>{}, Inputs<T, 3>{{x, target, dloss}}, dx, s);
}

template <class T>
void softmax_fprop(int64_t m, int64_t d, const T* x, T* y, Stream s) {
  check_md("softmax_fprop", m, d);
  launch_rows_fprop<T, RowOp::softmax>("softmax_fprop", m, d, x, y, nullptr, nullptr, s);
}

template <class T>
void log_softmax_fprop(int64_t m, int64_t d, const T* x, T* y, Stream s) {
  check_md("log_softmax_fprop", m, d);
  launch_rows_fprop<T, RowOp::log_softmax>("log_softmax_fprop", m, d, x, y, nullptr, nullptr, s);
}

template <class T>
void softmax_bprop(int64_t m, int64_t d, const T* y, const T* dy, T* dx, Stream s) {
  check_md("softmax_bprop", m, d);
  launch_rows_bprop<T, RowOp::softmax>("softmax_bprop", m, d, y, dy, dx, s);
}

template <class T>
void log_softmax_bprop(int64_t m, int64_t d, const T* y, const T* dy, T* dx, Stream s) {
  check_md("log_softmax_bprop", m, d);
  launch_rows_bprop<T, RowOp::log_softmax>("log_softmax_bprop", m, d, y, dy, dx, s);
}

template <class T>
void cross_entropy_fprop(int64_t m, int64_t d, const T* logits, const int64_t* labels, T* loss, T* save_log_softmax,
                         Stream s) {
  constexpr const char* kernel = "cross_entropy_fprop";
  check_md(kernel, m, d);
  if (m > 0 && d == 0) fail(kernel, "label at row 0 is out of range [0, 0) (no classes)");
  launch_rows_fprop<T, RowOp::cross_entropy>(kernel, m, d, logits, save_log_softmax, labels, loss, s);
}

template <class T>
void cross_entropy_bprop(int64_t m, int64_t d, const T* save_log_softmax, const int64_t* labels, const T* dloss,
                         T* dlogits, Stream s) {
  constexpr const char* kernel = "cross_entropy_bprop";
  check_md(kernel, m, d);
  if (m > 0 && d == 0) fail(kernel, "label at row 0 is out of range [0, 0) (no classes)");
  if (m * d == 0) return;
  const IndexFaultSink fault = index_fault_sink(kCrossEntropyBprop, kernel);
  GAN_LAUNCH(grid_for(m * d), kThreads, 0, stream_of(s), cross_entropy_bprop_kernel<T>)(m, d, save_log_softmax, labels,
                                                                                         dloss, dlogits, fault);
  check_launch(kernel);
}

#define GAN_INSTANTIATE_LOSS(T)                                                                    \
  template void bce_with_logits_fprop<T>(int64_t, const T*, const T*, T*, Stream);                  \
  template void bce_with_logits_bprop<T>(int64_t, const T*, const T*, const T*, T*, Stream);        \
  template void mse_fprop<T>(int64_t, const T*, const T*, T*, Stream);                              \
  template void mse_bprop<T>(int64_t, const T*, const T*, const T*, T*, Stream);                    \
  template void softmax_fprop<T>(int64_t, int64_t, const T*, T*, Stream);                           \
  template void log_softmax_fprop<T>(int64_t, int64_t, const T*, T*, Stream);                       \
  template void softmax_bprop<T>(int64_t, int64_t, const T*, const T*, T*, Stream);                 \
  template void log_softmax_bprop<T>(int64_t, int64_t, const T*, const T*, T*, Stream);             \
  template void cross_entropy_fprop<T>(int64_t, int64_t, const T*, const int64_t*, T*, T*, Stream); \
  template void cross_entropy_bprop<T>(int64_t, int64_t, const T*, const int64_t*, const T*, T*, Stream);
GAN_INSTANTIATE_LOSS(float)
GAN_INSTANTIATE_LOSS(double)
#undef GAN_INSTANTIATE_LOSS

}  // namespace gan::kernels::cuda
