// CUDA per-sample affine (conditional batch norm) vs the CPU reference: y
// NaN-poisoned, with and without beta, shapes with HW = 1, a single row, HW
// not a multiple of anything, and more elements than one grid pass.
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/cond_norm.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;

// x * gamma + beta: the kernel keeps the product's rounding (no FMA), as the
// CPU, so every device computes the reference's bits. (Contracted, the H200
// differed by 6e-6 relative in f32 where the sum cancels.)
template <class T>
constexpr double affine_tol() {
  return 0.0;
}

template <class T>
void per_sample_affine_cases() {
  struct Sh {
    int64_t n, c, hw;
  };
  for (const Sh& sh : {Sh{1, 1, 1}, Sh{3, 5, 7}, Sh{4, 9, 1}, Sh{2, 3, 1000}, Sh{64, 16, 49}, Sh{5, 600, 400}}) {
    k::PerSampleAffineParams p;
    p.n = sh.n;
    p.c = sh.c;
    p.hw = sh.hw;
    const auto total = static_cast<std::size_t>(sh.n * sh.c * sh.hw), rows = static_cast<std::size_t>(sh.n * sh.c);
    const auto x = random_vector<T>(total, next_seed());
    const auto gamma = random_vector<T>(rows, next_seed(), 0.5, 1.5);
    const auto beta = random_vector<T>(rows, next_seed(), -0.5, 0.5);
    for (bool with_beta : {true, false}) {
      std::vector<T> y(total);
      k::cpu::per_sample_affine<T>(p, x.data(), gamma.data(), with_beta ? beta.data() : nullptr, y.data());
      double err = 0;
      const std::string orders = for_each_order([&] {
        DeviceBuffer<T> dx(x), dg(gamma), db(beta), dy(total, nan_value<T>());
        k::cuda::per_sample_affine<T>(p, dx.get(), dg.get(), with_beta ? db.get() : nullptr, dy.get());
        err = std::max(err, max_rel_err_scaled(dy.download(), y));
      });
      check_and_record<T>("per_sample_affine", cat(shape_str({sh.n, sh.c, sh.hw}), with_beta ? "" : " no beta",
                                                   " (scaled)"),
                          orders, err, affine_tol<T>());
    }
  }
}

TEST(CudaCondNorm, PerSampleAffineFloat) {
  GAN_REQUIRE_DEVICE();
  per_sample_affine_cases<float>();
}
TEST(CudaCondNorm, PerSampleAffineDouble) {
  GAN_REQUIRE_DEVICE();
  per_sample_affine_cases<double>();
}

TEST(CudaCondNorm, NegativeSizeThrowsBeforeWriting) {
  GAN_REQUIRE_DEVICE();
  k::PerSampleAffineParams p;
  p.n = 2;
  p.c = -1;
  DeviceBuffer<float> dx(4, 1.0f), dg(2, 1.0f), dy(4, nan_value<float>());
  EXPECT_THROW(k::cuda::per_sample_affine<float>(p, dx.get(), dg.get(), nullptr, dy.get()), k::KernelError);
  for (float v : dy.download()) EXPECT_TRUE(std::isnan(v));
}

}  // namespace
}  // namespace gan::cuda_test
