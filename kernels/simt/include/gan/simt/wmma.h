// nvcuda::wmma for the SIMT emulator (included by gan/simt/simt.h).
//
// Shapes: any M x N x K (the hardware ones are m16n16k8 for tf32 and
// m16n16k16 / m32n8k16 / m8n32k16 for f16 and bf16), f32 accumulators only.
//
// A fragment holds its tile spread over the 32 lanes of a warp: element i of
// lane l is element i*32 + l of the tile in row-major order. The hardware
// layout is unspecified and different, so kernels may only treat x[] element
// by element (scale, convert, activate), exactly as on the GPU.
//
// mma_sync is a warp collective (all 32 lanes, like the hardware): the last
// lane to arrive computes D = A*B + C for the whole warp. Inputs are rounded as
// the tensor cores take them: tf32 keeps the top 10 mantissa bits of each f32
// (the low 13 bits are ignored: kernels round first with __float_to_tf32,
// round-to-nearest-away like cvt.rna.tf32.f32); f16/bf16 are exact. Products
// are exact in double, summed in double and rounded once per mma_sync to f32;
// the hardware's internal accumulation differs in the last bits, so compare
// with a tolerance of a few ulp per K.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace nvcuda::wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };
namespace precision {
struct tf32 {};
}  // namespace precision

namespace detail {

template <class Use, int M, int N, int K>
struct tile_dims;
template <int M, int N, int K>
struct tile_dims<matrix_a, M, N, K> {
  static constexpr int rows = M, cols = K;
};
template <int M, int N, int K>
struct tile_dims<matrix_b, M, N, K> {
  static constexpr int rows = K, cols = N;
};
template <int M, int N, int K>
struct tile_dims<accumulator, M, N, K> {
  static constexpr int rows = M, cols = N;
};

template <class T>
struct storage {
  using type = T;
};
template <>
struct storage<precision::tf32> {
  using type = float;
};

inline unsigned lane_id() {
  const unsigned linear = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  return linear % 32u;
}

// The value the tensor core multiplies.
inline double input_value(float v, precision::tf32) {
  return std::bit_cast<float>(std::bit_cast<uint32_t>(v) & 0xffffe000u);
}
inline double input_value(__half v, __half) { return __half2float(v); }
inline double input_value(__nv_bfloat16 v, __nv_bfloat16) { return __bfloat162float(v); }
inline double input_value(float v, float) { return v; }

}  // namespace detail

template <class Use, int M, int N, int K, class T, class Layout = void>
class fragment {
 public:
  using precision_type = T;
  using element_type = typename detail::storage<T>::type;
  using storage_element_type = element_type;
  static constexpr int rows = detail::tile_dims<Use, M, N, K>::rows;
  static constexpr int cols = detail::tile_dims<Use, M, N, K>::cols;
  static_assert(rows * cols % 32 == 0, "wmma tile must split evenly over 32 lanes");
  static constexpr int num_elements = rows * cols / 32;
  element_type x[num_elements];
};

template <class Use, int M, int N, int K, class T, class Layout, class V>
inline void fill_fragment(fragment<Use, M, N, K, T, Layout>& f, const V& v) {
  for (auto& e : f.x) e = static_cast<typename fragment<Use, M, N, K, T, Layout>::element_type>(v);
}

// matrix_a / matrix_b: the layout is part of the fragment type.
template <class Use, int M, int N, int K, class T, class Layout, class P>
inline void load_matrix_sync(fragment<Use, M, N, K, T, Layout>& f, const P* p, unsigned ldm) {
  static_assert(std::is_same_v<Layout, row_major> || std::is_same_v<Layout, col_major>,
                "accumulator loads take a layout_t argument");
  using F = fragment<Use, M, N, K, T, Layout>;
  const unsigned lane = detail::lane_id();
  for (int i = 0; i < F::num_elements; ++i) {
    const int e = i * 32 + static_cast<int>(lane);
    const int r = e / F::cols, c = e % F::cols;
    f.x[i] = std::is_same_v<Layout, row_major> ? p[r * ldm + c] : p[c * ldm + r];
  }
}

template <int M, int N, int K, class T, class P>
inline void load_matrix_sync(fragment<accumulator, M, N, K, T, void>& f, const P* p, unsigned ldm,
                             layout_t layout) {
  using F = fragment<accumulator, M, N, K, T, void>;
  const unsigned lane = detail::lane_id();
  for (int i = 0; i < F::num_elements; ++i) {
    const int e = i * 32 + static_cast<int>(lane);
    const int r = e / F::cols, c = e % F::cols;
    f.x[i] = layout == mem_row_major ? p[r * ldm + c] : p[c * ldm + r];
  }
}

template <int M, int N, int K, class T, class P>
inline void store_matrix_sync(P* p, const fragment<accumulator, M, N, K, T, void>& f, unsigned ldm,
                              layout_t layout) {
  using F = fragment<accumulator, M, N, K, T, void>;
  const unsigned lane = detail::lane_id();
  for (int i = 0; i < F::num_elements; ++i) {
    const int e = i * 32 + static_cast<int>(lane);
    const int r = e / F::cols, c = e % F::cols;
    (layout == mem_row_major ? p[r * ldm + c] : p[c * ldm + r]) = f.x[i];
  }
}

namespace detail {

// Runs once per warp, on the last lane to arrive: D = A*B + C for all lanes.
template <class FD, class FA, class FB, class FC>
void mma_warp(void* const (*lanes)[4]) {
  constexpr int M = FA::rows, K = FA::cols, N = FB::cols;
  double a[M * K], b[K * N], c[M * N];
  using PA = typename FA::precision_type;
  using PB = typename FB::precision_type;
  for (int l = 0; l < 32; ++l) {
    const auto* fa = static_cast<const FA*>(lanes[l][1]);
    const auto* fb = static_cast<const FB*>(lanes[l][2]);
    const auto* fc = static_cast<const FC*>(lanes[l][3]);
    for (int i = 0; i < FA::num_elements; ++i) a[i * 32 + l] = input_value(fa->x[i], PA{});
    for (int i = 0; i < FB::num_elements; ++i) b[i * 32 + l] = input_value(fb->x[i], PB{});
    for (int i = 0; i < FC::num_elements; ++i) c[i * 32 + l] = fc->x[i];
  }
  for (int m = 0; m < M; ++m) {
    for (int n = 0; n < N; ++n) {
      double acc = 0.0;
      for (int k = 0; k < K; ++k) acc += a[m * K + k] * b[k * N + n];
      c[m * N + n] = static_cast<float>(acc + c[m * N + n]);
    }
  }
  for (int l = 0; l < 32; ++l) {  // D may alias C: written only after all of C was read
    auto* fd = static_cast<FD*>(lanes[l][0]);
    for (int i = 0; i < FD::num_elements; ++i) fd->x[i] = static_cast<float>(c[i * 32 + l]);
  }
}

}  // namespace detail

template <int M, int N, int K, class TA, class LA, class TB, class LB>
inline void mma_sync(fragment<accumulator, M, N, K, float, void>& d,
                     const fragment<matrix_a, M, N, K, TA, LA>& a,
                     const fragment<matrix_b, M, N, K, TB, LB>& b,
                     const fragment<accumulator, M, N, K, float, void>& c) {
  static_assert(std::is_same_v<TA, TB>, "wmma::mma_sync: A and B must have the same precision");
  using FD = fragment<accumulator, M, N, K, float, void>;
  using FA = fragment<matrix_a, M, N, K, TA, LA>;
  using FB = fragment<matrix_b, M, N, K, TB, LB>;
  gan::simt::detail::WarpCall call;
  call.op = gan::simt::detail::WarpOp::wmma_mma;
  call.mask = 0xffffffffu;
  call.ptrs[0] = &d;
  call.ptrs[1] = const_cast<FA*>(&a);
  call.ptrs[2] = const_cast<FB*>(&b);
  call.ptrs[3] = const_cast<FD*>(&c);
  call.finish = &detail::mma_warp<FD, FA, FB, FD>;
  gan::simt::detail::warp_collective(call);
}

// cvt.rna.tf32.f32: round to nearest, ties away from zero, to 10 mantissa bits.
inline float __float_to_tf32(float v) {
  uint32_t u = std::bit_cast<uint32_t>(v);
  if ((u & 0x7f800000u) == 0x7f800000u) return v;  // inf and NaN stay as they are
  u = (u + 0x1000u) & 0xffffe000u;
  return std::bit_cast<float>(u);
}

}  // namespace nvcuda::wmma
