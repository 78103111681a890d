// CUDA spectral norm power iteration vs the CPU reference: u, v and sigma
// after n_iter = 0 (eval: sigma only), 1 and 3 steps, over matrices with one
// row, one column, row counts around the 64-row chunk of the column reduction
// and column counts that are not multiples of its 32-column tile, plus the
// dim-1 (ConvTranspose2d) view. v (an output for n_iter >= 1), sigma and the
// workspace start NaN-poisoned. Bad parameters throw before any launch.
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/spectral_norm.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;

// The same double sums in another order, then one rounding to T per element;
// u and v feed the next step, so a 1-ulp difference can grow a little over 3 steps.
template <class T>
constexpr double sn_tol() {
  return std::is_same_v<T, float> ? 2e-6 : 1e-12;
}

struct SnCase {
  int64_t rows, lead, inner;
};
const SnCase kCases[] = {{1, 1, 1},   {1, 1, 37},  {37, 1, 1},   {5, 1, 300}, {64, 1, 32},
                         {65, 1, 129}, {130, 1, 1000}, {7, 5, 9}, {129, 3, 16}};

template <class T>
void power_iteration_cases() {
  for (const auto& cs : kCases) {
    for (int n_iter : {0, 1, 3}) {
      k::SpectralNormParams p;
      p.rows = cs.rows;
      p.lead = cs.lead;
      p.inner = cs.inner;
      p.n_iter = n_iter;
      const auto rows = static_cast<std::size_t>(p.rows), cols = static_cast<std::size_t>(p.cols());
      const auto w = random_vector<T>(rows * cols, next_seed());
      const auto u0 = random_vector<T>(rows, next_seed(), -1.0, 1.0);
      const auto v0 = random_vector<T>(cols, next_seed(), -1.0, 1.0);
      std::vector<T> u = u0, v = v0;
      T sigma = nan_value<T>();
      k::cpu::spectral_norm_power_iteration<T>(p, w.data(), u.data(), v.data(), &sigma, nullptr);
      const auto ws = static_cast<std::size_t>(k::spectral_norm_workspace_doubles(p));
      double err_uv = 0, err_sigma = 0;
      const std::string orders = for_each_order([&] {
        // v is an input only in eval mode: otherwise it starts poisoned.
        DeviceBuffer<T> dw(w), du(u0), dv(n_iter == 0 ? v0 : std::vector<T>(cols, nan_value<T>())),
            dsig(1, nan_value<T>());
        DeviceBuffer<double> dws(ws, nan_value<double>());
        k::cuda::spectral_norm_power_iteration<T>(p, dw.get(), du.get(), dv.get(), dsig.get(), dws.get());
        err_uv = std::max({err_uv, max_rel_err_scaled(du.download(), u), max_rel_err_scaled(dv.download(), v)});
        err_sigma = std::max(err_sigma, max_rel_err(dsig.download(), std::vector<T>{sigma}));
      });
      const std::string shapes =
          cat(cs.lead == 1 ? "" : "dim1 ", shape_str({p.rows, p.cols()}), " n_iter ", n_iter);
      if (n_iter > 0)
        check_and_record<T>("spectral_norm_power_iteration u,v", shapes + " (scaled)", orders, err_uv, sn_tol<T>());
      else
        EXPECT_EQ(err_uv, 0.0) << "eval mode changed u or v " << shapes;
      check_and_record<T>("spectral_norm_power_iteration sigma", shapes, orders, err_sigma, sn_tol<T>());
    }
  }
}

TEST(CudaSpectralNorm, PowerIterationFloat) {
  GAN_REQUIRE_DEVICE();
  power_iteration_cases<float>();
}
TEST(CudaSpectralNorm, PowerIterationDouble) {
  GAN_REQUIRE_DEVICE();
  power_iteration_cases<double>();
}

TEST(CudaSpectralNorm, BadParametersThrowBeforeLaunch) {
  GAN_REQUIRE_DEVICE();
  k::SpectralNormParams p;
  p.rows = 3;
  p.inner = 4;
  p.n_iter = 1;
  DeviceBuffer<float> dw(12, 1.0f), du(3, 0.5f), dv(4, nan_value<float>()), dsig(1, nan_value<float>());
  DeviceBuffer<double> dws(static_cast<std::size_t>(k::spectral_norm_workspace_doubles(p)), 0.0);
  auto expect_fail = [&](const k::SpectralNormParams& q, double* ws, const char* text) {
    try {
      k::cuda::spectral_norm_power_iteration<float>(q, dw.get(), du.get(), dv.get(), dsig.get(), ws);
      ADD_FAILURE() << "expected KernelError: " << text;
    } catch (const k::KernelError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("spectral_norm_power_iteration"), std::string::npos) << what;
      EXPECT_NE(what.find(text), std::string::npos) << what;
    }
    for (float x : du.download()) EXPECT_EQ(x, 0.5f);
    for (float x : dsig.download()) EXPECT_TRUE(std::isnan(x));
  };
  expect_fail(p, nullptr, "workspace");
  k::SpectralNormParams q = p;
  q.rows = 0;
  expect_fail(q, dws.get(), "rows=0");
  q = p;
  q.n_iter = -2;
  expect_fail(q, dws.get(), "n_iter");
  q = p;
  q.eps = -1;
  expect_fail(q, dws.get(), "eps");
}

}  // namespace
}  // namespace gan::cuda_test
