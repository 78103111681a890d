// The implicit-GEMM core shared by conv2d fprop/dgrad/wgrad, conv_transpose2d
// and gemm (internal to kernels/cuda/).
//
// What it computes: for z in [0, Z) (conv groups or GEMM batches)
//   C_z [M, N] = A_z [M, K] * B_z [K, N]
// where A and B are never materialised: a Problem (igemm_conv.cuh,
// gemm.cu) maps a tile coordinate (z, m, k) / (z, n, k) to the address of the
// element in the real tensor (the im2col gather happens here, in the tile
// loader) or to nullptr for a zero (padding, stride holes, tile edges), and
// (z, m, n) to the output offset. The epilogue applies alpha, bias,
// activation, beta*C and a residual, then stores.
//
// Tiles (compile-time, CUTLASS vocabulary): threadblock BM x BN x BK, warp
// WM x WN, instruction m16n16k8 (tf32 wmma) or one FMA per thread per k.
//   TileLarge    128x128x32, warps 2x4 of 64x32, 256 threads
//   TileSmall     64x64x32,  warps 2x2 of 32x32, 128 threads
//   TileSmallF64  64x64x16,  warps 2x2 of 32x32, 128 threads (double)
//   TileNarrow   128x16x32,  warps 4x1 of 32x16, 128 threads (float, N <= 16:
//                the image-side conv passes with N = 1 or 3 channels, which
//                the 64-wide tile ran at 3/64 of its multiplies)
//
// Shared memory: two stages (double buffering). Each operand tile is stored
// with its global-memory-contiguous dimension contiguous in shared memory, so
// that consecutive threads load consecutive addresses and store consecutive
// words:
//   K-major operand  (k contiguous in global, e.g. the filter in fprop)
//     s[x][k], row pitch BK + 4 words;
//   MN-major operand (m or n contiguous, e.g. the activations in fprop)
//     s[k][x], row pitch X + 4 words (X = BM or BN).
// Bank conflicts are avoided by PADDING (not a swizzle): the +4 word pitch
// keeps every row 16-byte aligned (cp.async 16-byte copies, wmma ldm % 4 == 0,
// fragment pointers 32-byte aligned) and shifts consecutive rows by 4 banks.
// Loader stores: one warp writes 32 consecutive words of one row (scalar) or
// 4 quarter-warps each 128 contiguous bytes of one row (16-byte copies):
// conflict-free. FMA reads: a warp's lanes are 8 (m) x 4 (n); K-major reads
// touch 8 rows at banks 4r + k (distinct), MN-major reads touch 8 or 4
// consecutive words; the other lanes read the same words (broadcast).
// The wmma epilogue stages each warp's 64x32 accumulators through shared
// memory with pitch WN + 4 and reads them back in the same 8x4 lane pattern.
//
// Pipeline: stage s+1 is fetched with cp_async (4-byte copies, or 16-byte
// copies where the Problem says 4 consecutive elements are contiguous and
// aligned: 1x1 convs, GEMM rows, filter rows) while stage s is multiplied;
// cp_async_wait<1> + one barrier per k step, one barrier before a stage is
// overwritten. Zero fill (padding, edges) is cp.async with src-size 0.
//
// Numerics: fp32 = FMA in float (double for T = double); tf32 = operands
// rounded to TF32 (cvt.rna) in the fragments, wmma m16n16k8, FP32
// accumulation. Split-K: blockIdx.z also selects a slice of the k steps; each
// slice writes its partial [N, M] tile to a workspace and a second kernel sums
// the slices in slice order (deterministic; no atomics), then runs the
// epilogue.
#pragma once

#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>
#include <type_traits>

#include "cuda_common.cuh"
#include "device_workspace.cuh"
#include "gan/kernels/igemm.h"

namespace gan::kernels::cuda::igemm {

using detail::check_launch;
using detail::stream_of;

template <int BM_, int BN_, int BK_, int WM_, int WN_>
struct Tile {
  static constexpr int BM = BM_, BN = BN_, BK = BK_, WM = WM_, WN = WN_;
  static constexpr int kWarpsM = BM / WM, kWarpsN = BN / WN;
  static constexpr int kThreads = 32 * kWarpsM * kWarpsN;
  static constexpr int kPad = 4;   // words of padding per shared-memory row
  static constexpr int kStages = 2;
  // FMA thread tile: a warp is 8 (m) x 4 (n) lanes, each owns TM x TN outputs
  // at stride 8 / 4 inside the warp tile.
  static constexpr int TM = WM / 8, TN = WN / 4;
  static_assert(BM % WM == 0 && BN % WN == 0 && WM % 16 == 0 && WN % 16 == 0 && BK % 8 == 0);
};
using TileLarge = Tile<128, 128, 32, 64, 32>;
using TileSmall = Tile<64, 64, 32, 32, 32>;
using TileSmallF64 = Tile<64, 64, 16, 32, 32>;
using TileNarrow = Tile<128, 16, 32, 32, 16>;  // warps 4x1: N <= 16 (RGB / grey conv passes)

// Elements of one stage of one operand with extent X along m or n.
template <class TileT, bool KMajor, int X>
GAN_HOST_DEVICE constexpr int operand_words() {
  return KMajor ? X * (TileT::BK + TileT::kPad) : TileT::BK * (X + TileT::kPad);
}

template <class TileT, bool KMajor, int X>
GAN_DEVICE_INLINE int smem_index(int x, int k) {
  return KMajor ? x * (TileT::BK + TileT::kPad) + k : k * (X + TileT::kPad) + x;
}

// Dynamic shared memory of one launch, in bytes: both stages of both operands,
// or the wmma epilogue's staging of the accumulators, whichever is larger.
template <class Prob, class TileT, bool kTf32>
GAN_HOST_DEVICE constexpr std::size_t smem_bytes() {
  using T = typename Prob::T;
  constexpr int stage = operand_words<TileT, Prob::kAKMajor, TileT::BM>() + operand_words<TileT, Prob::kBKMajor, TileT::BN>();
  constexpr int mainloop = TileT::kStages * stage;
  constexpr int epilogue = kTf32 ? TileT::kWarpsM * TileT::kWarpsN * TileT::WM * (TileT::WN + TileT::kPad) : 0;
  return sizeof(T) * static_cast<std::size_t>(mainloop > epilogue ? mainloop : epilogue);
}

// What the epilogue does with an accumulated value v at (z, m, n), offset idx:
//   r = act(alpha * v + bias[c]) + beta * out[idx] + residual[idx]
// (GEMM uses alpha/beta; the fused conv uses bias/act/residual.)
template <class T>
struct Epilogue {
  T* out = nullptr;
  const T* bias = nullptr;
  const T* residual = nullptr;
  T alpha = T(1), beta = T(0);
  Activation act = Activation::identity;
  T slope = T(0.01);
};

template <class T>
GAN_DEVICE_INLINE T activate(T v, Activation act, T slope) {
  switch (act) {
    case Activation::relu: return v > T(0) ? v : T(0);
    case Activation::leaky_relu: return v >= T(0) ? v : v * slope;
    case Activation::tanh: return detail::d_tanh(v);
    default: return v;
  }
}

template <class Prob, class T>
GAN_DEVICE_INLINE void store_output(const Prob& prob, const Epilogue<T>& ep, int z, int m, int n, T v) {
  const int64_t idx = prob.out_index(z, m, n);
  if (idx < 0) return;  // a padding row of the problem (ConvDgradPhaseProblem)
  T r = ep.alpha * v;
  if (ep.bias != nullptr) r += ep.bias[prob.bias_index(z, n)];
  r = activate(r, ep.act, ep.slope);
  if (ep.beta != T(0)) r += ep.beta * ep.out[idx];  // beta == 0: C is not read (NaN in C does not propagate)
  if (ep.residual != nullptr) r += ep.residual[idx];
  ep.out[idx] = r;
}

// Per-launch runtime arguments of the core.
template <class T>
struct Run {
  int splits = 1;            // k slices (blockIdx.z = z * splits + slice)
  int ktiles_per_split = 0;  // BK-wide k steps per slice
  bool vec_a = false, vec_b = false;  // 16-byte copies for A / B
  T* workspace = nullptr;    // splits > 1: [splits, Z, N, M] partial sums
};

// Copies one operand tile (extent X along m or n, BK along k) of the k step
// starting at k0 into shared memory s with cp_async. addr(x, k) returns the
// global address of element (tile origin + x, k0 + k) or nullptr (zero).
// VEC: 16-byte copies of 16/sizeof(T) elements along the contiguous
// dimension; the Problem guarantees that a vector is wholly valid or wholly
// invalid, contiguous and aligned.
template <class TileT, bool KMajor, int X, bool VEC, class T, class Addr>
GAN_DEVICE_INLINE void load_operand(T* s, int tid, const T* base, Addr addr) {
  constexpr int V = VEC ? 16 / static_cast<int>(sizeof(T)) : 1;
  constexpr int kContig = KMajor ? TileT::BK : X;  // extent of the contiguous dimension
  constexpr int kRows = KMajor ? X : TileT::BK;
  constexpr int kVecsPerRow = kContig / V;
  constexpr int kTotal = kRows * kVecsPerRow;
  static_assert(kTotal % TileT::kThreads == 0, "tile loads split evenly over the threads");
#pragma unroll
  for (int it = 0; it < kTotal / TileT::kThreads; ++it) {
    const int e = it * TileT::kThreads + tid;
    const int row = e / kVecsPerRow;
    const int col = (e - row * kVecsPerRow) * V;
    const int x = KMajor ? row : col;
    const int k = KMajor ? col : row;
    const T* src = addr(x, k);
    T* dst = s + smem_index<TileT, KMajor, X>(x, k);
    if constexpr (VEC) {
      cp_async<16>(dst, src != nullptr ? src : base, src != nullptr ? 16 : 0);
    } else {
      cp_async<static_cast<int>(sizeof(T))>(dst, src != nullptr ? src : base, src != nullptr ? static_cast<int>(sizeof(T)) : 0);
    }
  }
}

template <class Prob, class TileT>
GAN_DEVICE_INLINE void load_stage(const Prob& prob, typename Prob::T* sa, typename Prob::T* sb, int tid, int z, int m0,
                                  int n0, int k0, bool vec_a, bool vec_b) {
  using T = typename Prob::T;
  auto addr_a = [&](int x, int k) -> const T* { return prob.a_ptr(z, m0 + x, k0 + k); };
  auto addr_b = [&](int x, int k) -> const T* { return prob.b_ptr(z, n0 + x, k0 + k); };
  // vec_* are uniform across the block: no divergence.
  if (vec_a) load_operand<TileT, Prob::kAKMajor, TileT::BM, true>(sa, tid, prob.a_base, addr_a);
  else load_operand<TileT, Prob::kAKMajor, TileT::BM, false>(sa, tid, prob.a_base, addr_a);
  if (vec_b) load_operand<TileT, Prob::kBKMajor, TileT::BN, true>(sb, tid, prob.b_base, addr_b);
  else load_operand<TileT, Prob::kBKMajor, TileT::BN, false>(sb, tid, prob.b_base, addr_b);
}

// ---- math policies: the per-stage multiply and the accumulator read-out ----------

// Exact FMA: each thread owns TM x TN accumulators (lanes 8 x 4 per warp).
template <class Prob, class TileT>
struct MathFma {
  using T = typename Prob::T;
  T acc[TileT::TM][TileT::TN];

  GAN_DEVICE_INLINE void init() {
#pragma unroll
    for (int i = 0; i < TileT::TM; ++i)
#pragma unroll
      for (int j = 0; j < TileT::TN; ++j) acc[i][j] = T(0);
  }

  GAN_DEVICE_INLINE void multiply(const T* sa, const T* sb, int wm, int wn, int lane_m, int lane_n) {
#pragma unroll 4
    for (int k = 0; k < TileT::BK; ++k) {
      T a[TileT::TM], b[TileT::TN];
#pragma unroll
      for (int i = 0; i < TileT::TM; ++i)
        a[i] = sa[smem_index<TileT, Prob::kAKMajor, TileT::BM>(wm + lane_m + 8 * i, k)];
#pragma unroll
      for (int j = 0; j < TileT::TN; ++j)
        b[j] = sb[smem_index<TileT, Prob::kBKMajor, TileT::BN>(wn + lane_n + 4 * j, k)];
#pragma unroll
      for (int i = 0; i < TileT::TM; ++i)
#pragma unroll
        for (int j = 0; j < TileT::TN; ++j) acc[i][j] = fma(a[i], b[j], acc[i][j]);
    }
  }

  // The value at (wm + lane_m + 8i, wn + lane_n + 4j) of the block tile.
  GAN_DEVICE_INLINE void finish(T* /*smem*/, int /*warp*/, int /*lane_m*/, int /*lane_n*/) {}
};

// TF32 tensor cores through nvcuda::wmma m16n16k8, FP32 accumulators.
template <class Prob, class TileT>
struct MathTf32 {
  using T = typename Prob::T;
  static_assert(std::is_same_v<T, float>, "the tf32 path is for float");
  static constexpr int FM = TileT::WM / 16, FN = TileT::WN / 16;
  using LayoutA = std::conditional_t<Prob::kAKMajor, nvcuda::wmma::row_major, nvcuda::wmma::col_major>;
  using LayoutB = std::conditional_t<Prob::kBKMajor, nvcuda::wmma::col_major, nvcuda::wmma::row_major>;
  using FragA = nvcuda::wmma::fragment<nvcuda::wmma::matrix_a, 16, 16, 8, nvcuda::wmma::precision::tf32, LayoutA>;
  using FragB = nvcuda::wmma::fragment<nvcuda::wmma::matrix_b, 16, 16, 8, nvcuda::wmma::precision::tf32, LayoutB>;
  using FragC = nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 8, float>;
  static constexpr unsigned kLdA = Prob::kAKMajor ? TileT::BK + TileT::kPad : TileT::BM + TileT::kPad;
  static constexpr unsigned kLdB = Prob::kBKMajor ? TileT::BK + TileT::kPad : TileT::BN + TileT::kPad;

  FragC frag[FM][FN];
  float acc[TileT::TM][TileT::TN];  // filled by finish()

  GAN_DEVICE_INLINE void init() {
#pragma unroll
    for (int i = 0; i < FM; ++i)
#pragma unroll
      for (int j = 0; j < FN; ++j) nvcuda::wmma::fill_fragment(frag[i][j], 0.0f);
  }

  GAN_DEVICE_INLINE void multiply(const float* sa, const float* sb, int wm, int wn, int /*lane_m*/, int /*lane_n*/) {
#pragma unroll
    for (int k = 0; k < TileT::BK; k += 8) {
      FragA a[FM];
      FragB b[FN];
#pragma unroll
      for (int i = 0; i < FM; ++i) {
        nvcuda::wmma::load_matrix_sync(a[i], sa + smem_index<TileT, Prob::kAKMajor, TileT::BM>(wm + 16 * i, k), kLdA);
#pragma unroll
        for (int e = 0; e < a[i].num_elements; ++e) a[i].x[e] = nvcuda::wmma::__float_to_tf32(a[i].x[e]);
      }
#pragma unroll
      for (int j = 0; j < FN; ++j) {
        nvcuda::wmma::load_matrix_sync(b[j], sb + smem_index<TileT, Prob::kBKMajor, TileT::BN>(wn + 16 * j, k), kLdB);
#pragma unroll
        for (int e = 0; e < b[j].num_elements; ++e) b[j].x[e] = nvcuda::wmma::__float_to_tf32(b[j].x[e]);
      }
#pragma unroll
      for (int i = 0; i < FM; ++i)
#pragma unroll
        for (int j = 0; j < FN; ++j) nvcuda::wmma::mma_sync(frag[i][j], a[i], b[j], frag[i][j]);
    }
  }

  // Stages the warp's WM x WN accumulators through shared memory (the caller
  // has passed a barrier after the last multiply) and reads them back in the
  // FMA lane pattern, so both policies share one epilogue.
  GAN_DEVICE_INLINE void finish(float* smem, int warp, int lane_m, int lane_n) {
    constexpr unsigned kLdC = TileT::WN + TileT::kPad;
    float* c = smem + warp * TileT::WM * kLdC;
#pragma unroll
    for (int i = 0; i < FM; ++i)
#pragma unroll
      for (int j = 0; j < FN; ++j)
        nvcuda::wmma::store_matrix_sync(c + 16 * i * kLdC + 16 * j, frag[i][j], kLdC, nvcuda::wmma::mem_row_major);
    __syncwarp();
#pragma unroll
    for (int i = 0; i < TileT::TM; ++i)
#pragma unroll
      for (int j = 0; j < TileT::TN; ++j) acc[i][j] = c[(lane_m + 8 * i) * kLdC + lane_n + 4 * j];
  }
};

// ---- the kernel ---------------------------------------------------------------------

// grid (ceil(M/BM), ceil(N/BN), Z * splits); block TileT::kThreads.
// __launch_bounds__(threads, 1): with the thread count alone ptxas capped the
// 128-thread tf32 fprop kernel at 128 registers on sm_90 and spilled 4 bytes;
// one resident block guaranteed lets it keep the accumulators in registers.
template <class Prob, class TileT, bool kTf32>
__global__ void __launch_bounds__(TileT::kThreads, 1)
    igemm_kernel(Prob prob, Epilogue<typename Prob::T> ep, Run<typename Prob::T> run) {
  using T = typename Prob::T;
  using Math = std::conditional_t<kTf32, MathTf32<Prob, TileT>, MathFma<Prob, TileT>>;
  GAN_DYNAMIC_SHARED(T, smem);
  constexpr int kWordsA = operand_words<TileT, Prob::kAKMajor, TileT::BM>();
  constexpr int kWordsB = operand_words<TileT, Prob::kBKMajor, TileT::BN>();
  // Stage s: A at smem + s*(kWordsA + kWordsB), B right after it. Computed,
  // not kept in a pointer array: a dynamically indexed array would live in
  // local memory (a 32-byte stack frame).
  auto stage_a = [smem](int s) { return smem + s * (kWordsA + kWordsB); };
  auto stage_b = [smem](int s) { return smem + s * (kWordsA + kWordsB) + kWordsA; };

  const int tid = static_cast<int>(threadIdx.x);
  const int warp = tid / 32, lane = tid % 32;
  const int lane_m = lane % 8, lane_n = lane / 8;
  const int wm = (warp % TileT::kWarpsM) * TileT::WM;
  const int wn = (warp / TileT::kWarpsM) * TileT::WN;
  const int m0 = static_cast<int>(blockIdx.x) * TileT::BM;
  const int n0 = static_cast<int>(blockIdx.y) * TileT::BN;
  const int z = static_cast<int>(blockIdx.z) / run.splits;
  const int slice = static_cast<int>(blockIdx.z) - z * run.splits;

  const int ktiles = (prob.K + TileT::BK - 1) / TileT::BK;
  const int kt_begin = slice * run.ktiles_per_split;
  const int kt_end = min(ktiles, kt_begin + run.ktiles_per_split);

  Math math;
  math.init();
  if (kt_begin < kt_end) {
    load_stage<Prob, TileT>(prob, stage_a(0), stage_b(0), tid, z, m0, n0, kt_begin * TileT::BK, run.vec_a, run.vec_b);
    cp_async_commit();
  }
  for (int kt = kt_begin; kt < kt_end; ++kt) {
    const int cur = (kt - kt_begin) & 1;
    if (kt + 1 < kt_end)  // the next stage flies while this one is multiplied
      load_stage<Prob, TileT>(prob, stage_a(cur ^ 1), stage_b(cur ^ 1), tid, z, m0, n0, (kt + 1) * TileT::BK,
                              run.vec_a, run.vec_b);
    cp_async_commit();
    cp_async_wait<1>();  // this thread's copies of stage cur have landed ...
    __syncthreads();     // ... and everyone else's
    math.multiply(stage_a(cur), stage_b(cur), wm, wn, lane_m, lane_n);
    __syncthreads();  // stage cur is overwritten by the next iteration's load
  }
  math.finish(smem, warp, lane_m, lane_n);

#pragma unroll
  for (int i = 0; i < TileT::TM; ++i) {
    const int m = m0 + wm + lane_m + 8 * i;
    if (m >= prob.M) continue;
#pragma unroll
    for (int j = 0; j < TileT::TN; ++j) {
      const int n = n0 + wn + lane_n + 4 * j;
      if (n >= prob.N) continue;
      if (run.splits > 1) {
        // [slice, z, n, m]: lanes with consecutive lane_m write consecutive words.
        run.workspace[((static_cast<int64_t>(slice) * prob.Z + z) * prob.N + n) * prob.M + m] = math.acc[i][j];
      } else {
        store_output(prob, ep, z, m, n, math.acc[i][j]);
      }
    }
  }
}

// Split-K second pass: out(z, m, n) = epilogue(sum over slices in order).
template <class Prob>
__global__ void __launch_bounds__(detail::kThreads)
    igemm_splitk_reduce_kernel(Prob prob, Epilogue<typename Prob::T> ep, const typename Prob::T* ws, int splits) {
  using T = typename Prob::T;
  const int64_t mn = static_cast<int64_t>(prob.M) * prob.N;
  const int64_t total = mn * prob.Z;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; e < total; e += stride) {
    const int z = static_cast<int>(e / mn);
    const int64_t r = e - z * mn;
    const int n = static_cast<int>(r / prob.M);
    const int m = static_cast<int>(r - static_cast<int64_t>(n) * prob.M);
    T s = ws[e];
    for (int sp = 1; sp < splits; ++sp) s += ws[sp * total + e];
    store_output(prob, ep, z, m, n, s);
  }
}

// ---- host side ------------------------------------------------------------------------

// What the selection decided for one launch.
struct Plan {
  TileChoice tile = TileChoice::small;  // large, small or narrow (double: small = TileSmallF64)
  bool tf32 = false;
  int splits = 1;
  int ktiles_per_split = 0;
  bool vec_a = false, vec_b = false;
};

// SMs of the current device (132 on an H100; the emulator pretends to be one).
int sm_count();

// Name of a plan, e.g. "igemm_fprop_tf32_128x128x32_w64x32_s2_splitk4_ld16b".
std::string plan_name(const char* pass, bool is_double, const Plan& plan);

template <class TileT>
inline int tiles_of(int64_t m, int64_t n, int64_t z) {
  return static_cast<int>(((m + TileT::BM - 1) / TileT::BM) * ((n + TileT::BN - 1) / TileT::BN) * z);
}

// Maps a problem to an instantiation: the narrow tile when N <= 16 (float),
// else the large tile when it alone fills the SMs, else the small tile; then
// split-K when the tiles still leave SMs idle and each slice keeps >= 4 k
// steps. Options can force tile, math and splits (a forced narrow tile on
// double runs the small one).
template <class Prob>
Plan select_plan(const Prob& prob, const IgemmOptions& opt, bool vec_a, bool vec_b) {
  using T = typename Prob::T;
  constexpr bool is_double = std::is_same_v<T, double>;
  const int sms = sm_count();
  Plan plan;
  plan.tf32 = !is_double && opt.math == MathMode::tf32;
  if (is_double) {
    plan.tile = TileChoice::small;
  } else if (opt.tile != TileChoice::automatic) {
    plan.tile = opt.tile;
  } else if (prob.N <= TileNarrow::BN) {
    plan.tile = TileChoice::narrow;
  } else {
    plan.tile = tiles_of<TileLarge>(prob.M, prob.N, prob.Z) >= sms ? TileChoice::large : TileChoice::small;
  }
  int bk = TileSmall::BK, tiles = tiles_of<TileSmall>(prob.M, prob.N, prob.Z);
  if (is_double) {
    bk = TileSmallF64::BK, tiles = tiles_of<TileSmallF64>(prob.M, prob.N, prob.Z);
  } else if (plan.tile == TileChoice::large) {
    bk = TileLarge::BK, tiles = tiles_of<TileLarge>(prob.M, prob.N, prob.Z);
  } else if (plan.tile == TileChoice::narrow) {
    bk = TileNarrow::BK, tiles = tiles_of<TileNarrow>(prob.M, prob.N, prob.Z);
  }
  const int ktiles = (prob.K + bk - 1) / bk;
  int splits = 1;
  if (opt.split_k > 0) {
    splits = opt.split_k;
  } else if (tiles < sms && ktiles >= 8) {
    // Up to one block per SM, not a fixed cap: a skinny GEMM with a long K
    // (wgrad of an RGB conv: M = 64, N = 48, K = N*H*W) is one tile, and each
    // k step of a block waits on its gathers, so the slices are the only
    // parallelism (capped at 16, the H200 spent 363 us on DCGAN-64's D1
    // wgrad against cuDNN's 44). The workspace stays <= ~SMs x one tile.
    splits = (sms + tiles - 1) / tiles;
    if (splits > ktiles / 4) splits = ktiles / 4;
  }
  if (splits > ktiles) splits = ktiles;
  if (splits < 1) splits = 1;
  plan.ktiles_per_split = (ktiles + splits - 1) / splits;
  plan.splits = plan.ktiles_per_split > 0 ? (ktiles + plan.ktiles_per_split - 1) / plan.ktiles_per_split : 1;
  plan.vec_a = vec_a;
  plan.vec_b = vec_b;
  return plan;
}

// Checks the extents the kernel indexes with int and the grid limits.
// (bn: the plan's tile width along N, for the grid's y extent.)
void check_extents(const char* kernel, int64_t m, int64_t n, int64_t k, int64_t z, int splits, int bn);

template <class Prob, class TileT, bool kTf32>
void launch_plan(const char* kernel, const Prob& prob, const Epilogue<typename Prob::T>& ep, const Plan& plan,
                 Stream s) {
  using T = typename Prob::T;
  Run<T> run;
  run.splits = plan.splits;
  run.ktiles_per_split = plan.ktiles_per_split;
  run.vec_a = plan.vec_a;
  run.vec_b = plan.vec_b;
  const std::size_t ws_elems =
      plan.splits > 1 ? static_cast<std::size_t>(plan.splits) * prob.Z * static_cast<std::size_t>(prob.M) * prob.N : 0;
  detail::DeviceWorkspace ws(ws_elems * sizeof(T), s, kernel);
  run.workspace = ws.as<T>();
  constexpr std::size_t smem = smem_bytes<Prob, TileT, kTf32>();
  if constexpr (smem > 48 * 1024) GAN_SET_MAX_DYNAMIC_SHARED(smem, igemm_kernel<Prob, TileT, kTf32>);
  const dim3 grid(static_cast<unsigned>((prob.M + TileT::BM - 1) / TileT::BM),
                  static_cast<unsigned>((prob.N + TileT::BN - 1) / TileT::BN),
                  static_cast<unsigned>(prob.Z * plan.splits));
  GAN_LAUNCH(grid, TileT::kThreads, smem, stream_of(s), igemm_kernel<Prob, TileT, kTf32>)(prob, ep, run);
  check_launch(kernel);
  if (plan.splits > 1) {
    const int64_t total = static_cast<int64_t>(prob.M) * prob.N * prob.Z;
    GAN_LAUNCH(detail::grid_for(total), detail::kThreads, 0, stream_of(s), igemm_splitk_reduce_kernel<Prob>)(
        prob, ep, static_cast<const T*>(run.workspace), plan.splits);
    check_launch(kernel);
  }
}

// Runs prob with the plan's instantiation. Empty problems (M, N or Z == 0)
// launch nothing.
template <class Prob>
void run_plan(const char* kernel, const Prob& prob, const Epilogue<typename Prob::T>& ep, const Plan& plan, Stream s) {
  using T = typename Prob::T;
  if (prob.M == 0 || prob.N == 0 || prob.Z == 0) return;
  const bool narrow = !std::is_same_v<T, double> && plan.tile == TileChoice::narrow;
  check_extents(kernel, prob.M, prob.N, prob.K, prob.Z, plan.splits, narrow ? TileNarrow::BN : TileSmall::BN);
  if constexpr (std::is_same_v<T, double>) {
    launch_plan<Prob, TileSmallF64, false>(kernel, prob, ep, plan, s);
  } else {
    if (plan.tile == TileChoice::large) {
      if (plan.tf32) launch_plan<Prob, TileLarge, true>(kernel, prob, ep, plan, s);
      else launch_plan<Prob, TileLarge, false>(kernel, prob, ep, plan, s);
    } else if (plan.tile == TileChoice::narrow) {
      if (plan.tf32) launch_plan<Prob, TileNarrow, true>(kernel, prob, ep, plan, s);
      else launch_plan<Prob, TileNarrow, false>(kernel, prob, ep, plan, s);
    } else {
      if (plan.tf32) launch_plan<Prob, TileSmall, true>(kernel, prob, ep, plan, s);
      else launch_plan<Prob, TileSmall, false>(kernel, prob, ep, plan, s);
    }
  }
}

}  // namespace gan::kernels::cuda::igemm
