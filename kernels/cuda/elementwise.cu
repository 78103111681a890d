// CUDA elementwise kernels (elementwise.h): unary maps, broadcasting binary
// ops, where, fill and cast. Same launchers as the CPU reference
// (kernels/cpu/elementwise.cpp), in namespace gan::kernels::cuda.
//
// Layout: unary/fill/cast read and write flat contiguous [n] buffers. Binary
// and where write a contiguous output [shape...] and read each input through
// per-dim element strides in the output's index space (0 = broadcast).
//
// Algorithm: every op is a small functor (one template instantiation per op
// and dtype, so the op switch happens once on the host, never per element).
// The broadcast description is coalesced on the host exactly as the CPU
// reference does (size-1 dims dropped, dims every input steps through as one
// merged), then one of three kernels runs a grid-stride loop (the two
// contiguous ones live in elementwise_map.cuh, shared with loss.cu):
//   elementwise_contiguous_vec4_kernel  all operands contiguous and 16-byte
//       aligned: each thread moves 4 elements per iteration with 16-byte loads
//       and stores (float4; two double2 for double), the n % 4 tail by the
//       first threads of the grid;
//   elementwise_contiguous_kernel       contiguous but misaligned (views
//       at odd offsets): one element per iteration;
//   elementwise_broadcast_kernel<Index> anything else: the flat output index
//       is unravelled over the coalesced dims (innermost first, fully unrolled
//       over kMaxDims so the geometry stays in registers) into one offset per
//       input. Index is int32_t when every offset fits (integer division is
//       about 4x cheaper than 64-bit), int64_t otherwise.
// Blocks of 256 threads, at most 4096 blocks; beyond that threads loop.
//
// Napkin math: memory bound. Per element unary moves 8 B (float), binary
// 12 B, where 16 B, for ~1 FLOP (tens for exp/tanh/pow). On an H100 (~3 TB/s)
// a 16M-element float add (192 MB) takes ~65 us; the vec4 path issues a
// quarter of the memory instructions of the scalar one. The broadcast path
// adds ~ndim integer div/mod per element, hidden behind memory for ndim <= 4.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "cuda_common.cuh"
#include "elementwise_map.cuh"
#include "gan/kernels/cast_value.h"
#include "gan/kernels/elementwise.h"

namespace gan::kernels::cuda {
namespace {

using namespace detail;

// ---- op functors ------------------------------------------------------------------

template <class T, UnaryOp OP>
struct UnaryFn {
  T alpha, beta;
  GAN_DEVICE_INLINE T operator()(T x) const {
    if constexpr (OP == UnaryOp::neg) return -x;
    else if constexpr (OP == UnaryOp::exp) return d_exp(x);
    else if constexpr (OP == UnaryOp::log) return d_log(x);
    else if constexpr (OP == UnaryOp::sqrt) return d_sqrt(x);
    else if constexpr (OP == UnaryOp::rsqrt) return T(1) / d_sqrt(x);  // IEEE, as the CPU (not rsqrtf)
    else if constexpr (OP == UnaryOp::abs) return d_abs(x);
    else if constexpr (OP == UnaryOp::sign) return x > T(0) ? T(1) : (x < T(0) ? T(-1) : x);
    else if constexpr (OP == UnaryOp::square) return x * x;
    else if constexpr (OP == UnaryOp::reciprocal) return T(1) / x;
    else if constexpr (OP == UnaryOp::relu) return x < T(0) ? T(0) : x;  // NaN propagates
    else if constexpr (OP == UnaryOp::leaky_relu) return x > T(0) ? x : alpha * x;
    else if constexpr (OP == UnaryOp::tanh) return d_tanh(x);
    else if constexpr (OP == UnaryOp::sigmoid) {
      // exp of a non-positive argument only; NaN takes the second branch.
      if (x >= T(0)) return T(1) / (T(1) + d_exp(-x));
      const T e = d_exp(x);
      return e / (T(1) + e);
    } else if constexpr (OP == UnaryOp::softplus) {
      if (d_isnan(x)) return x;
      return (x < T(0) ? T(0) : x) + d_log1p(d_exp(-d_abs(x)));
    } else if constexpr (OP == UnaryOp::clamp) {
      if (d_isnan(x)) return x;
      const T lo = x < alpha ? alpha : x;  // std::max(x, alpha)
      return beta < lo ? beta : lo;        // std::min(lo, beta)
    } else if constexpr (OP == UnaryOp::pow_scalar) return d_pow(x, alpha);
    else if constexpr (OP == UnaryOp::add_scalar) return x + alpha;
    else if constexpr (OP == UnaryOp::mul_scalar) return x * alpha;
    else if constexpr (OP == UnaryOp::rsub_scalar) return alpha - x;
    else if constexpr (OP == UnaryOp::step) return x > T(0) ? T(1) : T(0);
    else {
      static_assert(OP == UnaryOp::gt_scalar, "unhandled UnaryOp");
      return x > alpha ? T(1) : T(0);
    }
  }
};

template <class T, BinaryOp OP>
struct BinaryFn {
  GAN_DEVICE_INLINE T operator()(T a, T b) const {
    if constexpr (OP == BinaryOp::add) return a + b;
    else if constexpr (OP == BinaryOp::sub) return a - b;
    else if constexpr (OP == BinaryOp::mul) return a * b;
    else if constexpr (OP == BinaryOp::div) return a / b;
    else if constexpr (OP == BinaryOp::pow) return d_pow(a, b);
    else if constexpr (OP == BinaryOp::maximum) return d_isnan(a) ? a : ((d_isnan(b) || b > a) ? b : a);
    else if constexpr (OP == BinaryOp::minimum) return d_isnan(a) ? a : ((d_isnan(b) || b < a) ? b : a);
    else if constexpr (OP == BinaryOp::gt) return a > b ? T(1) : T(0);
    else if constexpr (OP == BinaryOp::ge) return a >= b ? T(1) : T(0);
    else if constexpr (OP == BinaryOp::lt) return a < b ? T(1) : T(0);
    else if constexpr (OP == BinaryOp::le) return a <= b ? T(1) : T(0);
    else {
      static_assert(OP == BinaryOp::eq, "unhandled BinaryOp");
      return a == b ? T(1) : T(0);
    }
  }
};

// cond != 0 ? a : b   (a NaN condition counts as true)
template <class T>
struct WhereFn {
  GAN_DEVICE_INLINE T operator()(T c, T a, T b) const { return c != T(0) ? a : b; }
};

// ---- kernels ----------------------------------------------------------------------

// Coalesced broadcast geometry, dims stored innermost first so that the fully
// unrolled unravel loop indexes the arrays with compile-time constants.
template <class Index, int N>
struct Geom {
  int ndim;
  Index shape[kMaxDims];      // shape[k]: extent of the k-th innermost dim
  Index stride[N][kMaxDims];  // stride[i][k]: input i's element stride along it
};

template <class T, class F, int N, class Index>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    elementwise_broadcast_kernel(int64_t numel, Geom<Index, N> g, F f, Inputs<T, N> in, T* out) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < numel; i += stride) {
    Index rem = static_cast<Index>(i);
    Index off[N] = {};
#pragma unroll
    for (int k = 0; k < kMaxDims; ++k) {
      if (k < g.ndim) {
        const Index q = rem / g.shape[k];
        const Index r = rem - q * g.shape[k];
        rem = q;
#pragma unroll
        for (int j = 0; j < N; ++j) off[j] += r * g.stride[j][k];
      }
    }
    T args[N];
#pragma unroll
    for (int j = 0; j < N; ++j) args[j] = in.p[j][off[j]];
    out[i] = apply(f, args);
  }
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks) fill_vec4_kernel(int64_t n, T value, T* out) {
  const int64_t tid = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t packs = n / kVec;
  const Vec4<T> v{{value, value, value, value}};
  for (int64_t i = tid; i < packs; i += stride) store4(out + i * kVec, v);
  const int64_t t = packs * kVec + tid;
  if (t < n) out[t] = value;
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks) fill_kernel(int64_t n, T value, T* out) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) out[i] = value;
}

template <class T>
__global__ void __launch_bounds__(kThreads, kMinBlocks) arange_kernel(int64_t n, double start, double step, T* __restrict__ out) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = cast_value<T>(__dadd_rn(start, __dmul_rn(static_cast<double>(i), step)));  // no FMA: the reference's sum
}

template <class From, class To>
__global__ void __launch_bounds__(kThreads, kMinBlocks) cast_vec4_kernel(int64_t n, const From* __restrict__ x, To* __restrict__ y) {
  const int64_t tid = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t packs = n / kVec;
  for (int64_t i = tid; i < packs; i += stride) {
    const Vec4<From> v = load4(x + i * kVec);
    store4(y + i * kVec, Vec4<To>{{cast_value<To>(v.v[0]), cast_value<To>(v.v[1]), cast_value<To>(v.v[2]),
                                   cast_value<To>(v.v[3])}});
  }
  const int64_t t = packs * kVec + tid;
  if (t < n) y[t] = cast_value<To>(x[t]);
}

template <class From, class To>
__global__ void __launch_bounds__(kThreads, kMinBlocks) cast_kernel(int64_t n, const From* __restrict__ x, To* __restrict__ y) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    y[i] = cast_value<To>(x[i]);
}

// ---- host side ---------------------------------------------------------------------

void check_broadcast(const char* kernel, const BroadcastParams& p) {
  if (p.ndim < 0 || p.ndim > kMaxDims) {
    fail(kernel, "ndim " + std::to_string(p.ndim) + " outside [0, " + std::to_string(kMaxDims) + "]");
  }
  int64_t numel = 1;
  for (int d = 0; d < p.ndim; ++d) {
    if (p.shape[d] < 0) fail(kernel, "negative size " + std::to_string(p.shape[d]) + " at dim " + std::to_string(d));
    numel *= p.shape[d];
  }
  if (numel != p.numel) {
    fail(kernel, "numel " + std::to_string(p.numel) + " does not match the shape's product " + std::to_string(numel));
  }
}

// The CPU reference's coalescing: drop size-1 dims, merge dim d into d+1 when
// every input strides through both as one. Returns at least one dim.
BroadcastParams coalesce(const BroadcastParams& p, int inputs) {
  BroadcastParams q;
  q.numel = p.numel;
  for (int d = 0; d < p.ndim; ++d) {
    if (p.shape[d] == 1) continue;
    bool merges = q.ndim > 0;
    for (int i = 0; merges && i < inputs; ++i) merges = q.stride[i][q.ndim - 1] == p.stride[i][d] * p.shape[d];
    if (merges) {
      q.shape[q.ndim - 1] *= p.shape[d];
      for (int i = 0; i < inputs; ++i) q.stride[i][q.ndim - 1] = p.stride[i][d];
    } else {
      q.shape[q.ndim] = p.shape[d];
      for (int i = 0; i < inputs; ++i) q.stride[i][q.ndim] = p.stride[i][d];
      ++q.ndim;
    }
  }
  if (q.ndim == 0) {
    q.ndim = 1;
    q.shape[0] = 1;
  }
  return q;
}

template <class Index, int N>
Geom<Index, N> make_geom(const BroadcastParams& q) {
  Geom<Index, N> g{};
  g.ndim = q.ndim;
  for (int k = 0; k < q.ndim; ++k) {
    const int d = q.ndim - 1 - k;
    g.shape[k] = static_cast<Index>(q.shape[d]);
    for (int i = 0; i < N; ++i) g.stride[i][k] = static_cast<Index>(q.stride[i][d]);
  }
  for (int k = q.ndim; k < kMaxDims; ++k) {  // unused dims: harmless values
    g.shape[k] = 1;
    for (int i = 0; i < N; ++i) g.stride[i][k] = 0;
  }
  return g;
}

// True when every flat index and every input offset fits in int32.
template <int N>
bool fits_int32(const BroadcastParams& q) {
  constexpr int64_t kMax = 2147483647;
  if (q.numel > kMax) return false;
  for (int i = 0; i < N; ++i) {
    int64_t reach = 0;
    for (int d = 0; d < q.ndim; ++d) reach += (q.shape[d] - 1) * (q.stride[i][d] < 0 ? -q.stride[i][d] : q.stride[i][d]);
    if (reach > kMax) return false;
  }
  return true;
}

// Binary and where: contiguous path when the coalesced description is one run
// with unit strides, the broadcast kernel otherwise.
template <class T, class F, int N>
void launch_broadcast(const char* kernel, const std::string& name, const BroadcastParams& p, const F& f,
                      const Inputs<T, N>& in, T* out, Stream s) {
  check_broadcast(kernel, p);
  if (p.numel == 0) return;
  const BroadcastParams q = coalesce(p, N);
  bool contiguous = q.ndim == 1;
  for (int i = 0; contiguous && i < N; ++i) contiguous = q.stride[i][0] == 1 || q.shape[0] == 1;
  if (contiguous) {
    launch_contiguous<T, F, N>(name, q.numel, f, in, out, s);
    return;
  }
  if (fits_int32<N>(q)) {
    GAN_LAUNCH(grid_for(q.numel), kThreads, 0, stream_of(s), elementwise_broadcast_kernel<T, F, N, int32_t>)(
        q.numel, make_geom<int32_t, N>(q), f, in, out);
  } else {
    GAN_LAUNCH(grid_for(q.numel), kThreads, 0, stream_of(s), elementwise_broadcast_kernel<T, F, N, int64_t>)(
        q.numel, make_geom<int64_t, N>(q), f, in, out);
  }
  check_launch(name.c_str());
}

// The one runtime switch from op to instantiation.
template <class T, class Run>
void with_unary_fn(UnaryOp op, T alpha, T beta, Run&& run) {
#define GAN_UNARY_CASE(NAME) \
  case UnaryOp::NAME: return run(UnaryFn<T, UnaryOp::NAME>{alpha, beta});
  switch (op) {
    GAN_UNARY_CASE(neg)
    GAN_UNARY_CASE(exp)
    GAN_UNARY_CASE(log)
    GAN_UNARY_CASE(sqrt)
    GAN_UNARY_CASE(rsqrt)
    GAN_UNARY_CASE(abs)
    GAN_UNARY_CASE(sign)
    GAN_UNARY_CASE(square)
    GAN_UNARY_CASE(reciprocal)
    GAN_UNARY_CASE(relu)
    GAN_UNARY_CASE(leaky_relu)
    GAN_UNARY_CASE(tanh)
    GAN_UNARY_CASE(sigmoid)
    GAN_UNARY_CASE(softplus)
    GAN_UNARY_CASE(clamp)
    GAN_UNARY_CASE(pow_scalar)
    GAN_UNARY_CASE(add_scalar)
    GAN_UNARY_CASE(mul_scalar)
    GAN_UNARY_CASE(rsub_scalar)
    GAN_UNARY_CASE(step)
    GAN_UNARY_CASE(gt_scalar)
  }
#undef GAN_UNARY_CASE
  fail("unary", "unknown op " + std::to_string(static_cast<int>(op)));
}

template <class T, class Run>
void with_binary_fn(BinaryOp op, Run&& run) {
#define GAN_BINARY_CASE(NAME) \
  case BinaryOp::NAME: return run(BinaryFn<T, BinaryOp::NAME>{});
  switch (op) {
    GAN_BINARY_CASE(add)
    GAN_BINARY_CASE(sub)
    GAN_BINARY_CASE(mul)
    GAN_BINARY_CASE(div)
    GAN_BINARY_CASE(pow)
    GAN_BINARY_CASE(maximum)
    GAN_BINARY_CASE(minimum)
    GAN_BINARY_CASE(gt)
    GAN_BINARY_CASE(ge)
    GAN_BINARY_CASE(lt)
    GAN_BINARY_CASE(le)
    GAN_BINARY_CASE(eq)
  }
#undef GAN_BINARY_CASE
  fail("binary", "unknown op " + std::to_string(static_cast<int>(op)));
}

}  // namespace

// ---- launchers ---------------------------------------------------------------------

template <class T>
void unary(const UnaryParams& p, UnaryOp op, const T* x, T* y, Stream s) {
  if (p.n < 0) fail("unary", std::string(unary_op_name(op)) + ": negative n " + std::to_string(p.n));
  with_unary_fn<T>(op, static_cast<T>(p.alpha), static_cast<T>(p.beta), [&](auto f) {
    launch_contiguous<T, decltype(f), 1>(std::string("unary(") + unary_op_name(op) + ")", p.n, f, Inputs<T, 1>{{x}},
                                         y, s);
  });
}

template <class T>
void binary(const BroadcastParams& p, BinaryOp op, const T* a, const T* b, T* out, Stream s) {
  with_binary_fn<T>(op, [&](auto f) {
    launch_broadcast<T, decltype(f), 2>("binary", std::string("binary(") + binary_op_name(op) + ")", p, f,
                                        Inputs<T, 2>{{a, b}}, out, s);
  });
}

template <class T>
void where(const BroadcastParams& p, const T* cond, const T* a, const T* b, T* out, Stream s) {
  launch_broadcast<T, WhereFn<T>, 3>("where", "where", p, WhereFn<T>{}, Inputs<T, 3>{{cond, a, b}}, out, s);
}

template <class T>
void fill(int64_t n, T value, T* out, Stream s) {
  if (n < 0) fail("fill", "negative n " + std::to_string(n));
  if (n == 0) return;
  if (aligned16(out)) {
    GAN_LAUNCH(grid_for((n + kVec - 1) / kVec), kThreads, 0, stream_of(s), fill_vec4_kernel<T>)(n, value, out);
  } else {
    GAN_LAUNCH(grid_for(n), kThreads, 0, stream_of(s), fill_kernel<T>)(n, value, out);
  }
  check_launch("fill");
}

template <class T>
void arange(int64_t n, double start, double step, T* out, Stream s) {
  if (n < 0) fail("arange", "negative n " + std::to_string(n));
  if (n == 0) return;
  GAN_LAUNCH(grid_for(n), kThreads, 0, stream_of(s), arange_kernel<T>)(n, start, step, out);
  check_launch("arange");
}

template <class From, class To>
void cast(int64_t n, const From* x, To* y, Stream s) {
  if (n < 0) fail("cast", "negative n " + std::to_string(n));
  if (n == 0) return;
  if (aligned16(x) && aligned16(y)) {
    GAN_LAUNCH(grid_for((n + kVec - 1) / kVec), kThreads, 0, stream_of(s), cast_vec4_kernel<From, To>)(n, x, y);
  } else {
    GAN_LAUNCH(grid_for(n), kThreads, 0, stream_of(s), cast_kernel<From, To>)(n, x, y);
  }
  check_launch("cast");
}

#define GAN_INSTANTIATE_ELEMENTWISE(T)                                                       \
  template void unary<T>(const UnaryParams&, UnaryOp, const T*, T*, Stream);                 \
  template void binary<T>(const BroadcastParams&, BinaryOp, const T*, const T*, T*, Stream); \
  template void where<T>(const BroadcastParams&, const T*, const T*, const T*, T*, Stream);  \
  template void fill<T>(int64_t, T, T*, Stream);
GAN_INSTANTIATE_ELEMENTWISE(float)
GAN_INSTANTIATE_ELEMENTWISE(double)
#undef GAN_INSTANTIATE_ELEMENTWISE
template void fill<int64_t>(int64_t, int64_t, int64_t*, Stream);  // counters (BatchNorm's num_batches_tracked)
template void arange<float>(int64_t, double, double, float*, Stream);
template void arange<double>(int64_t, double, double, double*, Stream);
template void arange<int64_t>(int64_t, double, double, int64_t*, Stream);

#define GAN_INSTANTIATE_CAST(From)                                     \
  template void cast<From, float>(int64_t, const From*, float*, Stream);   \
  template void cast<From, double>(int64_t, const From*, double*, Stream); \
  template void cast<From, int64_t>(int64_t, const From*, int64_t*, Stream);
GAN_INSTANTIATE_CAST(float)
GAN_INSTANTIATE_CAST(double)
GAN_INSTANTIATE_CAST(int64_t)
#undef GAN_INSTANTIATE_CAST

}  // namespace gan::kernels::cuda
