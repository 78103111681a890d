// CUDA losses and softmax vs the CPU reference: BCE-with-logits and MSE
// (fprop/bprop, logits up to +-100), softmax / log-softmax over rows (warp per
// row and block per row, fprop/bprop), cross entropy (fprop/bprop; a bad label
// is raised after the launch, with nothing read out of bounds).
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/loss.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;

template <class T>
constexpr double loss_tol() {
  return std::is_same_v<T, float> ? 2e-6 : 1e-13;
}

template <class T>
void elementwise_losses() {
  for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{4099}}) {
    auto x = random_vector<T>(n, next_seed(), -6.0, 6.0);
    if (n >= 7) {
      x[1] = T(100);
      x[2] = T(-100);
    }
    const auto t = random_vector<T>(n, next_seed(), 0.0, 1.0);
    const auto g = random_vector<T>(n, next_seed(), -1.0, 1.0);
    const std::string shapes = cat("[", n, "]");
    struct Variant {
      const char* name;
      bool bprop;
      void (*cpu2)(int64_t, const T*, const T*, T*, k::Stream);
      void (*gpu2)(int64_t, const T*, const T*, T*, k::Stream);
      void (*cpu3)(int64_t, const T*, const T*, const T*, T*, k::Stream);
      void (*gpu3)(int64_t, const T*, const T*, const T*, T*, k::Stream);
    };
    const Variant variants[] = {
        {"bce_with_logits_fprop", false, &k::cpu::bce_with_logits_fprop<T>, &k::cuda::bce_with_logits_fprop<T>, nullptr,
         nullptr},
        {"bce_with_logits_bprop", true, nullptr, nullptr, &k::cpu::bce_with_logits_bprop<T>,
         &k::cuda::bce_with_logits_bprop<T>},
        {"mse_fprop", false, &k::cpu::mse_fprop<T>, &k::cuda::mse_fprop<T>, nullptr, nullptr},
        {"mse_bprop", true, nullptr, nullptr, &k::cpu::mse_bprop<T>, &k::cuda::mse_bprop<T>},
    };
    for (const auto& v : variants) {
      std::vector<T> ref(n);
      const auto nn = static_cast<int64_t>(n);
      if (v.bprop) v.cpu3(nn, x.data(), t.data(), g.data(), ref.data(), {});
      else v.cpu2(nn, x.data(), t.data(), ref.data(), {});
      double err = 0;
      const std::string orders = for_each_order([&] {
        DeviceBuffer<T> dx(x), dt(t), dg(g), dout(n, nan_value<T>());
        if (v.bprop) v.gpu3(nn, dx.get(), dt.get(), dg.get(), dout.get(), {});
        else v.gpu2(nn, dx.get(), dt.get(), dout.get(), {});
        err = std::max(err, max_rel_err(dout.download(), ref));
      });
      check_and_record<T>(v.name, shapes, orders, err, loss_tol<T>());
    }
  }
}

TEST(CudaLoss, BceAndMseFloat) {
  GAN_REQUIRE_DEVICE();
  elementwise_losses<float>();
}
TEST(CudaLoss, BceAndMseDouble) {
  GAN_REQUIRE_DEVICE();
  elementwise_losses<double>();
}

struct RowShape {
  int64_t m, d;
};
// d <= 1024: a warp per row; above: a block per row.
const RowShape kRows[] = {{1, 1}, {7, 10}, {33, 1000}, {3, 2500}, {5, 1025}};

template <class T>
void softmax_rows() {
  for (const auto& r : kRows) {
    const std::size_t n = static_cast<std::size_t>(r.m * r.d);
    auto x = random_vector<T>(n, next_seed(), -8.0, 8.0);
    if (n > 3) x[2] = T(60);  // one dominant logit: tiny log-probabilities elsewhere in its row
    const auto dy = random_vector<T>(n, next_seed(), -1.0, 1.0);
    const std::string shapes = shape_str({r.m, r.d});
    for (bool log : {false, true}) {
      std::vector<T> y(n), dx(n);
      if (log) {
        k::cpu::log_softmax_fprop<T>(r.m, r.d, x.data(), y.data());
        k::cpu::log_softmax_bprop<T>(r.m, r.d, y.data(), dy.data(), dx.data());
      } else {
        k::cpu::softmax_fprop<T>(r.m, r.d, x.data(), y.data());
        k::cpu::softmax_bprop<T>(r.m, r.d, y.data(), dy.data(), dx.data());
      }
      double err_f = 0, err_b = 0;
      const std::string orders = for_each_order([&] {
        DeviceBuffer<T> dxin(x), dyout(n, nan_value<T>()), dyref(y), ddy(dy), ddx(n, nan_value<T>());
        if (log) {
          k::cuda::log_softmax_fprop<T>(r.m, r.d, dxin.get(), dyout.get());
          k::cuda::log_softmax_bprop<T>(r.m, r.d, dyref.get(), ddy.get(), ddx.get());
        } else {
          k::cuda::softmax_fprop<T>(r.m, r.d, dxin.get(), dyout.get());
          k::cuda::softmax_bprop<T>(r.m, r.d, dyref.get(), ddy.get(), ddx.get());
        }
        err_f = std::max(err_f, max_rel_err(dyout.download(), y));
        err_b = std::max(err_b, max_rel_err_scaled(ddx.download(), dx));
      });
      // exp in T's precision (the CPU takes it in double): a few ulp of float.
      // Backward: differences of nearly equal double sums, summed in another order.
      const double tol = std::is_same_v<T, float> ? 2e-5 : 1e-13;
      const double tol_b = std::is_same_v<T, float> ? 2e-5 : 1e-11;
      check_and_record<T>(log ? "log_softmax_fprop" : "softmax_fprop", shapes, orders, err_f, tol);
      check_and_record<T>(log ? "log_softmax_bprop" : "softmax_bprop", shapes + " (scaled)", orders, err_b, tol_b);
    }
  }
}

TEST(CudaLoss, SoftmaxFloat) {
  GAN_REQUIRE_DEVICE();
  softmax_rows<float>();
}
TEST(CudaLoss, SoftmaxDouble) {
  GAN_REQUIRE_DEVICE();
  softmax_rows<double>();
}

template <class T>
void cross_entropy() {
  for (const auto& r : kRows) {
    const std::size_t n = static_cast<std::size_t>(r.m * r.d);
    const auto x = random_vector<T>(n, next_seed(), -8.0, 8.0);
    std::vector<int64_t> labels(static_cast<std::size_t>(r.m));
    for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int64_t>((i * 7919 + 3) % r.d);
    const auto dloss = random_vector<T>(labels.size(), next_seed(), -1.0, 1.0);
    std::vector<T> loss(labels.size()), save(n), dlogits(n);
    k::cpu::cross_entropy_fprop<T>(r.m, r.d, x.data(), labels.data(), loss.data(), save.data());
    k::cpu::cross_entropy_bprop<T>(r.m, r.d, save.data(), labels.data(), dloss.data(), dlogits.data());
    double err_f = 0, err_b = 0;
    const std::string orders = for_each_order([&] {
      DeviceBuffer<T> dx(x), dl(labels.size(), nan_value<T>()), ds(n, nan_value<T>()), dsref(save), dg(dloss),
          dd(n, nan_value<T>());
      DeviceBuffer<int64_t> dlab(labels);
      k::cuda::cross_entropy_fprop<T>(r.m, r.d, dx.get(), dlab.get(), dl.get(), ds.get());
      k::cuda::cross_entropy_bprop<T>(r.m, r.d, dsref.get(), dlab.get(), dg.get(), dd.get());
      err_f = std::max({err_f, max_rel_err(dl.download(), loss), max_rel_err(ds.download(), save)});
      err_b = std::max(err_b, max_rel_err_scaled(dd.download(), dlogits));
    });
    const double tol = std::is_same_v<T, float> ? 2e-5 : 1e-13;
    check_and_record<T>("cross_entropy_fprop", shape_str({r.m, r.d}), orders, err_f, tol);
    check_and_record<T>("cross_entropy_bprop", shape_str({r.m, r.d}) + " (scaled)", orders, err_b,
                        std::is_same_v<T, float> ? 2e-5 : 1e-11);
  }
}

TEST(CudaLoss, CrossEntropyFloat) {
  GAN_REQUIRE_DEVICE();
  cross_entropy<float>();
}
TEST(CudaLoss, CrossEntropyDouble) {
  GAN_REQUIRE_DEVICE();
  cross_entropy<double>();
}

// A bad label reads nothing out of bounds (its loss row NaN, its gradient
// row 0) and is raised after the launch (gan/kernels/index_fault.h).
TEST(CudaLoss, CrossEntropyBadLabelIsRaisedAfterTheLaunch) {
  GAN_REQUIRE_DEVICE();
  const int64_t m = 5, d = 4;
  const auto x = random_vector<float>(static_cast<std::size_t>(m * d), next_seed());
  std::vector<float> ref_loss(m), ref_save(m * d), ref_dx(m * d);
  const std::vector<int64_t> good{0, 3, 2, 1, 1};
  k::cpu::cross_entropy_fprop<float>(m, d, x.data(), good.data(), ref_loss.data(), ref_save.data());
  const std::vector<float> ones(m, 1.0f);
  k::cpu::cross_entropy_bprop<float>(m, d, ref_save.data(), good.data(), ones.data(), ref_dx.data());
  for (const int64_t bad : {int64_t{4}, int64_t{-1}}) {
    DeviceBuffer<float> dx(x), dl(m, nan_value<float>()), ds(m * d, nan_value<float>());
    DeviceBuffer<int64_t> dlab(std::vector<int64_t>{0, 3, bad, 1, 1});
    EXPECT_NO_THROW(k::cuda::cross_entropy_fprop<float>(m, d, dx.get(), dlab.get(), dl.get(), ds.get()));
    const std::string where = "label " + std::to_string(bad) + " at row 2 is out of range [0, 4)";
    for (const char* kernel : {"cross_entropy_fprop", "cross_entropy_bprop"}) {
      if (std::string(kernel) == "cross_entropy_bprop") {
        DeviceBuffer<float> dg(ones), dd(m * d, nan_value<float>());
        EXPECT_NO_THROW(k::cuda::cross_entropy_bprop<float>(m, d, ds.get(), dlab.get(), dg.get(), dd.get()));
        const std::vector<float> got = dd.download();
        for (int64_t i = 0; i < m * d; ++i)
          if (i / d == 2) EXPECT_EQ(got[static_cast<std::size_t>(i)], 0.0f) << i;
          else EXPECT_NEAR(got[static_cast<std::size_t>(i)], ref_dx[static_cast<std::size_t>(i)], 1e-6) << i;
      }
      expect_index_fault(kernel, where);
    }
    const std::vector<float> loss = dl.download();
    for (int64_t i = 0; i < m; ++i)
      if (i == 2) EXPECT_TRUE(std::isnan(loss[2]));
      else EXPECT_NEAR(loss[static_cast<std::size_t>(i)], ref_loss[static_cast<std::size_t>(i)], 1e-6) << i;
  }
}

}  // namespace
}  // namespace gan::cuda_test
