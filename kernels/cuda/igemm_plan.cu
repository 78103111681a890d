// Host side of the implicit-GEMM runtime selection (igemm_core.cuh): the
// SM count the selection aims at, plan names and the extent checks. No
// kernels in this file. (The process-wide TF32 switch is in
// kernels/cpu/math_mode.cpp: declared in every flavour, so defined in every one.)
#include <gan/kernels/portable.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "igemm_core.cuh"

namespace gan::kernels::cuda {
IgemmOptions default_igemm_options() {
  IgemmOptions o;
  o.math = allow_tf32() ? MathMode::tf32 : MathMode::fp32;
  return o;
}

namespace igemm {

int sm_count() {
#if defined(__CUDACC__)
  // Per device: the selection must not change between two calls on one GPU.
  int dev = 0;
  int sms = 0;
  if (cudaGetDevice(&dev) != cudaSuccess ||
      cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess || sms <= 0) {
    (void)cudaGetLastError();  // no device: plan as for an H100; the launch reports the error
    return 132;
  }
  return sms;
#else
  return 132;  // the emulator models an H100
#endif
}

std::string plan_name(const char* pass, bool is_double, const Plan& plan) {
  int bm = TileSmall::BM, bn = TileSmall::BN, bk = TileSmall::BK, wm = TileSmall::WM, wn = TileSmall::WN;
  if (is_double) {
    bm = TileSmallF64::BM, bn = TileSmallF64::BN, bk = TileSmallF64::BK, wm = TileSmallF64::WM, wn = TileSmallF64::WN;
  } else if (plan.tile == TileChoice::large) {
    bm = TileLarge::BM, bn = TileLarge::BN, bk = TileLarge::BK, wm = TileLarge::WM, wn = TileLarge::WN;
  } else if (plan.tile == TileChoice::narrow) {
    bm = TileNarrow::BM, bn = TileNarrow::BN, bk = TileNarrow::BK, wm = TileNarrow::WM, wn = TileNarrow::WN;
  }
  std::string s = "igemm_";
  s.append(pass);
  s.append(is_double ? "_fp64_" : plan.tf32 ? "_tf32_" : "_fp32_");
  s.append(std::to_string(bm) + "x" + std::to_string(bn) + "x" + std::to_string(bk));
  s.append("_w" + std::to_string(wm) + "x" + std::to_string(wn));
  s.append("_s2");
  if (plan.splits > 1) s.append("_splitk" + std::to_string(plan.splits));
  if (plan.vec_a || plan.vec_b) {
    s.append("_ld16");
    if (plan.vec_a) s.append("a");
    if (plan.vec_b) s.append("b");
  }
  return s;
}

void check_extents(const char* kernel, int64_t m, int64_t n, int64_t k, int64_t z, int splits, int bn) {
  constexpr int64_t kIntMax = 2147483647;
  if (m > kIntMax || n > kIntMax || k > kIntMax) {
    fail(kernel, "GEMM extents exceed the int range of the implicit GEMM (m " + std::to_string(m) + ", n " +
                     std::to_string(n) + ", k " + std::to_string(k) + ")");
  }
  if ((n + bn - 1) / bn > 65535 || z * splits > 65535) {
    fail(kernel, "grid too large: n " + std::to_string(n) + " (at most 65535 tiles of " + std::to_string(bn) +
                     ") or groups/batch " +
                     std::to_string(z) + " x split-K " + std::to_string(splits) + " > 65535");
  }
}

}  // namespace igemm
}  // namespace gan::kernels::cuda
