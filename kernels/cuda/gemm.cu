// CUDA batched, strided GEMM (gemm.h), same contract and KernelError cases as
// the CPU reference (kernels/cpu/gemm.cpp):
//   C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b], row-major, stride 0 = broadcast.
//
// Algorithm: the implicit-GEMM core (igemm_core.cuh) with Z = batch and a
// Problem per transpose combination (GemmProblem<T, TA, TB>): A is K-major
// (rows of [m, k]) unless trans_a, B is MN-major (rows of [k, n]) unless
// trans_b, so shared memory keeps the contiguous dimension contiguous.
// 16-byte cp.async loads when the contiguous extent and the batch stride are
// multiples of 4 floats (2 doubles) and the pointer is 16-byte aligned.
// beta == 0 never reads C; alpha == 0 (or k == 0) never reads A or B.
//
// Napkin math: 2*batch*m*n*k FLOPs; minimum bytes sizeof(T)*(|A| + |B| + |C|
// (+|C| when beta != 0)). A Linear 1024 -> 1024 at batch 128 is 0.27 GFLOP on
// ~5 MB: compute-bound on tensor cores only from m, n, k of a few hundred.
#include <gan/kernels/portable.h>

#include <cstdint>
#include <string>

#include "gan/kernels/gemm.h"
#include "igemm_core.cuh"

namespace gan::kernels::cuda {
namespace igemm {

template <class T_, bool TA, bool TB>
struct GemmProblem {
  using T = T_;
  static constexpr bool kAKMajor = !TA, kBKMajor = TB;
  int M, N, K, Z;
  int64_t sa, sb, sc;
  const T* a;
  const T* b;
  const T* a_base;
  const T* b_base;

  GAN_DEVICE_INLINE const T* a_ptr(int z, int m, int k) const {
    if (m >= M || k >= K) return nullptr;
    return a + z * sa + (TA ? static_cast<int64_t>(k) * M + m : static_cast<int64_t>(m) * K + k);
  }
  GAN_DEVICE_INLINE const T* b_ptr(int z, int n, int k) const {
    if (n >= N || k >= K) return nullptr;
    return b + z * sb + (TB ? static_cast<int64_t>(n) * K + k : static_cast<int64_t>(k) * N + n);
  }
  GAN_DEVICE_INLINE int64_t out_index(int z, int m, int n) const { return z * sc + static_cast<int64_t>(m) * N + n; }
  GAN_DEVICE_INLINE int bias_index(int /*z*/, int /*n*/) const { return 0; }

  static bool aligned(const T* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }
  bool vec_a() const {
    constexpr int v = 16 / static_cast<int>(sizeof(T));
    return (TA ? M : K) % v == 0 && sa % v == 0 && aligned(a);
  }
  bool vec_b() const {
    constexpr int v = 16 / static_cast<int>(sizeof(T));
    return (TB ? K : N) % v == 0 && sb % v == 0 && aligned(b);
  }
};

namespace {

void check_gemm(const GemmParams& p) {
  if (p.batch < 0 || p.m < 0 || p.n < 0 || p.k < 0) {
    fail("gemm", "negative size (batch " + std::to_string(p.batch) + ", m " + std::to_string(p.m) + ", n " +
                     std::to_string(p.n) + ", k " + std::to_string(p.k) + ")");
  }
  if (p.stride_a < 0 || p.stride_b < 0 || p.stride_c < 0) {
    fail("gemm", "negative batch stride (a " + std::to_string(p.stride_a) + ", b " + std::to_string(p.stride_b) +
                     ", c " + std::to_string(p.stride_c) + ")");
  }
  if (p.batch > 1 && p.stride_c == 0 && p.m > 0 && p.n > 0) {
    fail("gemm", "stride_c = 0 with batch " + std::to_string(p.batch) + " would write every batch into the same C");
  }
  constexpr int64_t kIntMax = 2147483647;
  if (p.m > kIntMax || p.n > kIntMax || p.k > kIntMax || p.batch > kIntMax) {
    fail("gemm", "dimension exceeds the int range (batch " + std::to_string(p.batch) + ", m " + std::to_string(p.m) +
                     ", n " + std::to_string(p.n) + ", k " + std::to_string(p.k) + ")");
  }
}

template <class T, bool TA, bool TB>
GemmProblem<T, TA, TB> make_problem(const GemmParams& p, const T* a, const T* b) {
  GemmProblem<T, TA, TB> prob{};
  prob.M = static_cast<int>(p.m);
  prob.N = static_cast<int>(p.n);
  // alpha == 0: the product is not computed at all (A and B are not read).
  prob.K = p.alpha == 0 ? 0 : static_cast<int>(p.k);
  prob.Z = static_cast<int>(p.batch);
  prob.sa = p.stride_a, prob.sb = p.stride_b, prob.sc = p.stride_c;
  prob.a = a, prob.b = b, prob.a_base = a, prob.b_base = b;
  return prob;
}

const char* pass_name(bool ta, bool tb) { return ta ? (tb ? "gemm_tt" : "gemm_tn") : (tb ? "gemm_nt" : "gemm_nn"); }

template <class T, bool TA, bool TB>
void run_gemm(const GemmParams& p, const T* a, const T* b, T* c, const IgemmOptions& opt, Stream s) {
  const auto prob = make_problem<T, TA, TB>(p, a, b);
  Epilogue<T> ep;
  ep.out = c;
  ep.alpha = static_cast<T>(p.alpha);
  ep.beta = static_cast<T>(p.beta);
  run_plan("gemm", prob, ep, select_plan(prob, opt, prob.vec_a(), prob.vec_b()), s);
}

template <class T, bool TA, bool TB>
std::string name_gemm(const GemmParams& p, const IgemmOptions& opt) {
  const auto prob = make_problem<T, TA, TB>(p, nullptr, nullptr);
  return plan_name(pass_name(TA, TB), std::is_same_v<T, double>,
                   select_plan(prob, opt, prob.vec_a(), prob.vec_b()));
}

}  // namespace
}  // namespace igemm

template <class T>
void gemm_with(const GemmParams& p, const T* a, const T* b, T* c, const IgemmOptions& opt, Stream s) {
  igemm::check_gemm(p);
  if (p.batch == 0 || p.m == 0 || p.n == 0) return;
  if (c == nullptr || (p.k > 0 && p.alpha != 0 && (a == nullptr || b == nullptr)))
    fail("gemm", "nullptr operand (a, b or c)");
  if (p.trans_a) {
    if (p.trans_b) igemm::run_gemm<T, true, true>(p, a, b, c, opt, s);
    else igemm::run_gemm<T, true, false>(p, a, b, c, opt, s);
  } else {
    if (p.trans_b) igemm::run_gemm<T, false, true>(p, a, b, c, opt, s);
    else igemm::run_gemm<T, false, false>(p, a, b, c, opt, s);
  }
}

template <class T>
void gemm(const GemmParams& p, const T* a, const T* b, T* c, Stream s) {
  gemm_with<T>(p, a, b, c, default_igemm_options(), s);
}

template <class T>
std::string gemm_selected_kernel(const GemmParams& p, const IgemmOptions& opt) {
  igemm::check_gemm(p);
  if (p.trans_a) return p.trans_b ? igemm::name_gemm<T, true, true>(p, opt) : igemm::name_gemm<T, true, false>(p, opt);
  return p.trans_b ? igemm::name_gemm<T, false, true>(p, opt) : igemm::name_gemm<T, false, false>(p, opt);
}

#define GAN_INSTANTIATE_CUDA_GEMM(T)                                                                   \
  template void gemm<T>(const GemmParams&, const T*, const T*, T*, Stream);                           \
  template void gemm_with<T>(const GemmParams&, const T*, const T*, T*, const IgemmOptions&, Stream); \
  template std::string gemm_selected_kernel<T>(const GemmParams&, const IgemmOptions&);
GAN_INSTANTIATE_CUDA_GEMM(float)
GAN_INSTANTIATE_CUDA_GEMM(double)
#undef GAN_INSTANTIATE_CUDA_GEMM

}  // namespace gan::kernels::cuda
