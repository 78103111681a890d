// CUDA batched GEMM (implicit-GEMM core, kernels/cuda/gemm.cu) vs the CPU
// reference (OpenBLAS): all four transpose combinations, m/n/k that are not
// tile multiples, k = 1, k = 0 and alpha = 0 (C only scaled by beta), batch
// strides with broadcast (stride 0) of A or B, alpha != 1 and beta != 0 (C
// read) or beta == 0 (C NaN-poisoned, never read), 16-byte and 4-byte loads,
// both tiles, split-K forced, fp32 / tf32 / fp64. Errors are max |got - ref| /
// max |ref|; tolerances tf32 1e-2, fp32 1e-5, fp64 1e-12.
#include <cmath>
#include <string>
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/gemm.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;
namespace kc = gan::kernels::cuda;

template <class T>
double scaled_err(const std::vector<T>& got, const std::vector<T>& ref) {
  double scale = 0;
  for (T v : ref)
    if (std::isfinite(static_cast<double>(v))) scale = std::max(scale, std::abs(static_cast<double>(v)));
  return max_rel_err(got, ref, std::max(err_floor<T>(), scale));
}

template <class T>
double tol(kc::MathMode m) {
  if constexpr (std::is_same_v<T, double>) return 1e-12;
  return m == kc::MathMode::tf32 ? 1e-2 : 1e-5;
}

struct GemmCase {
  int64_t batch, m, n, k;
  double alpha, beta;
  bool broadcast_a, broadcast_b;
};

template <class T>
void gemm_case(const GemmCase& c, bool ta, bool tb, const kc::IgemmOptions& o) {
  k::GemmParams p;
  p.batch = c.batch, p.m = c.m, p.n = c.n, p.k = c.k;
  p.trans_a = ta, p.trans_b = tb;
  p.alpha = c.alpha, p.beta = c.beta;
  p.stride_a = c.broadcast_a ? 0 : c.m * c.k;
  p.stride_b = c.broadcast_b ? 0 : c.k * c.n;
  p.stride_c = c.m * c.n;
  const auto na = static_cast<std::size_t>((c.broadcast_a ? 1 : c.batch) * c.m * c.k);
  const auto nb = static_cast<std::size_t>((c.broadcast_b ? 1 : c.batch) * c.k * c.n);
  const auto nc = static_cast<std::size_t>(c.batch * c.m * c.n);
  const auto a = random_vector<T>(na, next_seed());
  const auto b = random_vector<T>(nb, next_seed());
  // beta == 0: C starts as NaN and must be overwritten without being read.
  const auto c0 = c.beta != 0 ? random_vector<T>(nc, next_seed()) : std::vector<T>(nc, nan_value<T>());
  std::vector<T> ref = c0;
  if (c.beta == 0) std::fill(ref.begin(), ref.end(), T(0));
  k::cpu::gemm<T>(p, a.data(), b.data(), ref.data());
  double err = 0;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<T> ga(a), gb(b), gc(c0);
    kc::gemm_with<T>(p, ga.get(), gb.get(), gc.get(), o);
    err = std::max(err, scaled_err(gc.download(), ref));
  });
  const std::string shapes = cat("b", c.batch, " ", c.m, "x", c.n, "x", c.k, ta ? " tA" : "", tb ? " tB" : "",
                                 " a", c.alpha, " b", c.beta, c.broadcast_a ? " bcastA" : "",
                                 c.broadcast_b ? " bcastB" : "", " ", kc::gemm_selected_kernel<T>(p, o));
  check_and_record<T>("gemm", shapes, orders, err, tol<T>(o.math));
}

kc::IgemmOptions opts(kc::MathMode m, kc::TileChoice t = kc::TileChoice::automatic, int split = 0) {
  kc::IgemmOptions o;
  o.math = m;
  o.tile = t;
  o.split_k = split;
  return o;
}

template <class T>
void all_cases(kc::MathMode m) {
  const GemmCase cases[] = {
      {1, 37, 29, 45, 1.0, 0.0, false, false},   // odd sizes, 4-byte loads
      {3, 20, 24, 16, 1.5, 0.5, false, true},    // batch, broadcast B, beta != 0, 16-byte loads
      {2, 33, 17, 1, 1.0, 0.0, true, false},     // k = 1, broadcast A
      {1, 70, 68, 96, -0.5, 2.0, false, false},  // several tiles of 64 along m and n
  };
  for (const auto& c : cases)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) gemm_case<T>(c, ta, tb, opts(m));
}

TEST(CudaGemm, AllTransposesFp32) {
  GAN_REQUIRE_DEVICE();
  all_cases<float>(kc::MathMode::fp32);
}

TEST(CudaGemm, AllTransposesTf32) {
  GAN_REQUIRE_DEVICE();
  all_cases<float>(kc::MathMode::tf32);
}

TEST(CudaGemm, AllTransposesDouble) {
  GAN_REQUIRE_DEVICE();
  all_cases<double>(kc::MathMode::fp32);
}

TEST(CudaGemm, TilesAndSplitK) {
  GAN_REQUIRE_DEVICE();
  const GemmCase big{1, 150, 132, 72, 1.0, 0.0, false, false};   // 2 x 2 large tiles, partial
  const GemmCase deep{2, 40, 36, 200, 1.0, 0.25, false, false};  // 7 k steps of 32
  for (auto m : {kc::MathMode::fp32, kc::MathMode::tf32}) {
    gemm_case<float>(big, false, true, opts(m, kc::TileChoice::large, 1));
    gemm_case<float>(big, true, false, opts(m, kc::TileChoice::small, 1));
    gemm_case<float>(deep, false, false, opts(m, kc::TileChoice::large, 3));
    gemm_case<float>(deep, true, true, opts(m, kc::TileChoice::small, 7));
    // The narrow tile (128x16) forced on many columns: 9 and 3 tiles along n.
    gemm_case<float>(big, true, true, opts(m, kc::TileChoice::narrow, 1));
    gemm_case<float>(deep, false, true, opts(m, kc::TileChoice::narrow, 3));
  }
  // Automatically narrow (N = 3 <= 16), M over two tiles, K not a multiple of 32.
  const GemmCase thin{2, 260, 3, 70, 1.0, 0.5, false, false};
  for (bool ta : {false, true}) {
    gemm_case<float>(thin, ta, !ta, opts(kc::MathMode::fp32));
    gemm_case<float>(thin, !ta, ta, opts(kc::MathMode::tf32));
  }
  EXPECT_NE(kc::gemm_selected_kernel<float>(k::GemmParams{1, 260, 3, 70, false, false, 1.0, 0.0, 0, 0, 0},
                                            opts(kc::MathMode::fp32))
                .find("_128x16x32_"),
            std::string::npos);
  gemm_case<double>(deep, false, true, opts(kc::MathMode::fp32, kc::TileChoice::automatic, 4));
  // automatic split-K: 1 tile, 16 k steps -> splits
  const GemmCase auto_split{1, 8, 8, 512, 1.0, 0.0, false, false};
  gemm_case<float>(auto_split, false, false, opts(kc::MathMode::fp32));
  EXPECT_NE(kc::gemm_selected_kernel<float>(
                k::GemmParams{1, 8, 8, 512, false, false, 1.0, 0.0, 0, 0, 0}, opts(kc::MathMode::fp32))
                .find("splitk4"),
            std::string::npos);
}

TEST(CudaGemm, ZeroKAndZeroAlphaOnlyScaleC) {
  GAN_REQUIRE_DEVICE();
  for (const GemmCase& c : {GemmCase{2, 9, 7, 0, 1.0, 0.5, false, false}, GemmCase{1, 9, 7, 5, 0.0, 3.0, false, false},
                            GemmCase{1, 9, 7, 0, 1.0, 0.0, false, false}}) {
    gemm_case<float>(c, false, false, opts(kc::MathMode::fp32));
    gemm_case<double>(c, true, false, opts(kc::MathMode::fp32));
  }
}

TEST(CudaGemm, MisalignedPointersUseScalarLoads) {
  GAN_REQUIRE_DEVICE();
  // A view one float into the buffer: 16-byte loads would fault; the launcher
  // must notice and take the 4-byte path.
  k::GemmParams p;
  p.m = 16, p.n = 16, p.k = 16;
  const auto a = random_vector<float>(256, next_seed());
  const auto b = random_vector<float>(256, next_seed());
  std::vector<float> ref(256, 0.0f);
  k::cpu::gemm<float>(p, a.data(), b.data(), ref.data());
  double err = 0;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<float> ga(a, 1), gb(b, 3), gc(256, nan_value<float>(), 1);
    kc::gemm_with<float>(p, ga.get(), gb.get(), gc.get(), opts(kc::MathMode::fp32));
    err = std::max(err, scaled_err(gc.download(), ref));
  });
  check_and_record<float>("gemm", "16x16x16 misaligned A, B, C (4-byte loads)", orders, err, 1e-5);
}

TEST(CudaGemm, BadInputIsRejected) {
  std::vector<float> buf(64, 0.0f);
  k::GemmParams p;
  p.batch = 2, p.m = 2, p.n = 2, p.k = 2;
  p.stride_c = 0;  // two batches into one C
  EXPECT_THROW(kc::gemm<float>(p, buf.data(), buf.data(), buf.data()), k::KernelError);
  p.stride_c = 4;
  p.m = -1;
  EXPECT_THROW(kc::gemm<float>(p, buf.data(), buf.data(), buf.data()), k::KernelError);
  p.m = 2;
  EXPECT_THROW(kc::gemm<float>(p, nullptr, buf.data(), buf.data()), k::KernelError);
}

}  // namespace
}  // namespace gan::cuda_test

namespace gan::cuda_test {
namespace {

// GAN_KERNEL-style dispatch must resolve (one cuda::gemm per T, CPU signature).
TEST(CudaGemm, ContractMatchesCpuSignature) {
  bool cuda = true;
  const auto f = cuda ? &gan::kernels::cuda::gemm<float> : &gan::kernels::cpu::gemm<float>;
  const auto g = cuda ? &gan::kernels::cuda::gemm<double> : &gan::kernels::cpu::gemm<double>;
  EXPECT_TRUE(f != nullptr && g != nullptr);
}

}  // namespace
}  // namespace gan::cuda_test
