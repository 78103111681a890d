// CUDA batch norm and layer norm vs the CPU reference: batch norm train/eval
// forward (y, saved statistics, running-stat update) and backward over
// (N, C, HW) shapes including a one-value channel (running_var update refused
// before any write) and HW = 1000 runs; layer norm forward/backward over
// M x D rows (warp per row for D <= 1024, block per row above, the column
// reduction for dgamma/dbeta); with and without affine / optional outputs;
// both batch norm forwards again with the fused relu / leaky_relu(0.2).
// Outputs start NaN-poisoned, so an element a kernel fails to write shows up.
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/norm.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;

// Forward outputs: the same double formulas, sums in another order, one
// rounding to T. y, dx and the parameter sums are differences of nearly equal
// terms: they are compared with max_rel_err_scaled (elements below 1e-3 of the
// largest |ref| relative to that). For double, the sum order alone moves a
// channel mean of 3136 values near 3 by ~1e-14 absolute, which that floor
// reports as up to ~1e-11; float rounds it away (0 in the table).
template <class T>
constexpr double norm_tol() {
  return std::is_same_v<T, float> ? 2e-6 : 1e-10;
}

struct BnShape {
  int64_t n, c, hw;
};
const BnShape kBnShapes[] = {{1, 3, 1}, {5, 3, 35}, {2, 1, 7}, {64, 16, 49}, {3, 7, 1000}};

template <class T>
void batch_norm_cases() {
  for (const auto& sh : kBnShapes) {
    k::BatchNormParams p;
    p.n = sh.n;
    p.c = sh.c;
    p.hw = sh.hw;
    p.eps = 1e-5;
    p.momentum = 0.1;
    const auto n = static_cast<std::size_t>(sh.n * sh.c * sh.hw);
    const auto c = static_cast<std::size_t>(sh.c);
    const int64_t count = sh.n * sh.hw;
    // An offset mean (3) against a spread of 1: the two-pass variance matters.
    const auto x = random_vector<T>(n, next_seed(), 2.0, 4.0);
    const auto dy = random_vector<T>(n, next_seed(), -1.0, 1.0);
    const auto gamma = random_vector<T>(c, next_seed(), 0.5, 1.5);
    const auto beta = random_vector<T>(c, next_seed(), -0.5, 0.5);
    const auto rm0 = random_vector<T>(c, next_seed(), -0.5, 0.5);
    const auto rv0 = random_vector<T>(c, next_seed(), 0.5, 1.5);
    const std::string base = shape_str({sh.n, sh.c, sh.hw});

    for (bool affine : {true, false}) {
      const T* g = affine ? gamma.data() : nullptr;
      const T* b = affine ? beta.data() : nullptr;
      const bool running = count >= 2;  // (1, 3, 1): only the running-stat-free forward
      const std::string shapes = base + (affine ? "" : " no affine") + (running ? "" : " no running");

      // ---- train forward ----
      std::vector<T> y(n), smean(c), sinv(c), rm = rm0, rv = rv0;
      k::cpu::batch_norm_train_fprop<T>(p, x.data(), g, b, y.data(), smean.data(), sinv.data(),
                                        running ? rm.data() : nullptr, running ? rv.data() : nullptr);
      double err_y = 0, err_stats = 0;
      std::string orders = for_each_order([&] {
        DeviceBuffer<T> dx(x), dg(gamma), db(beta), dyb(n, nan_value<T>()), dm(c, nan_value<T>()),
            di(c, nan_value<T>()), drm(rm0), drv(rv0);
        k::cuda::batch_norm_train_fprop<T>(p, dx.get(), affine ? dg.get() : nullptr, affine ? db.get() : nullptr,
                                           dyb.get(), dm.get(), di.get(), running ? drm.get() : nullptr,
                                           running ? drv.get() : nullptr);
        err_y = std::max(err_y, max_rel_err_scaled(dyb.download(), y));
        err_stats = std::max({err_stats, max_rel_err(dm.download(), smean), max_rel_err(di.download(), sinv)});
        if (running) err_stats = std::max({err_stats, max_rel_err(drm.download(), rm), max_rel_err(drv.download(), rv)});
      });
      check_and_record<T>("batch_norm_train_fprop y", shapes + " (scaled)", orders, err_y, norm_tol<T>());
      check_and_record<T>("batch_norm_train_fprop stats", shapes, orders, err_stats, norm_tol<T>());

      // ---- eval forward (running statistics) ----
      std::vector<T> ye(n);
      k::cpu::batch_norm_eval_fprop<T>(p, x.data(), g, b, rm0.data(), rv0.data(), ye.data());
      double err_e = 0;
      orders = for_each_order([&] {
        DeviceBuffer<T> dx(x), dg(gamma), db(beta), drm(rm0), drv(rv0), dyb(n, nan_value<T>());
        k::cuda::batch_norm_eval_fprop<T>(p, dx.get(), affine ? dg.get() : nullptr, affine ? db.get() : nullptr,
                                          drm.get(), drv.get(), dyb.get());
        err_e = std::max(err_e, max_rel_err_scaled(dyb.download(), ye));
      });
      check_and_record<T>("batch_norm_eval_fprop", shapes + " (scaled)", orders, err_e, norm_tol<T>());

      // ---- fused activation: both forwards with relu / leaky_relu(0.2) ----
      // y starts NaN-poisoned: an unwritten element fails; an element written
      // without the activation (negative where the reference clamps / scales)
      // differs from the reference by ~|v| >> tol.
      for (k::NormActivation act : {k::NormActivation::relu, k::NormActivation::leaky_relu}) {
        k::BatchNormParams pa = p;
        pa.act = act;
        pa.slope = 0.2;
        const std::string an = act == k::NormActivation::relu ? " relu" : " leaky_relu(0.2)";
        std::vector<T> ya(n), sma(c), sia(c), rma = rm0, rva = rv0, yea(n);
        k::cpu::batch_norm_train_fprop<T>(pa, x.data(), g, b, ya.data(), sma.data(), sia.data(),
                                          running ? rma.data() : nullptr, running ? rva.data() : nullptr);
        k::cpu::batch_norm_eval_fprop<T>(pa, x.data(), g, b, rm0.data(), rv0.data(), yea.data());
        double err_ya = 0, err_sa = 0, err_ea = 0;
        orders = for_each_order([&] {
          DeviceBuffer<T> dx(x), dg(gamma), db(beta), dyb(n, nan_value<T>()), dm(c, nan_value<T>()),
              di(c, nan_value<T>()), drm(rm0), drv(rv0), dye(n, nan_value<T>());
          k::cuda::batch_norm_train_fprop<T>(pa, dx.get(), affine ? dg.get() : nullptr, affine ? db.get() : nullptr,
                                             dyb.get(), dm.get(), di.get(), running ? drm.get() : nullptr,
                                             running ? drv.get() : nullptr);
          err_ya = std::max(err_ya, max_rel_err_scaled(dyb.download(), ya));
          err_sa = std::max({err_sa, max_rel_err(dm.download(), sma), max_rel_err(di.download(), sia)});
          if (running) err_sa = std::max({err_sa, max_rel_err(drm.download(), rma), max_rel_err(drv.download(), rva)});
          DeviceBuffer<T> drm0(rm0), drv0(rv0);
          k::cuda::batch_norm_eval_fprop<T>(pa, dx.get(), affine ? dg.get() : nullptr, affine ? db.get() : nullptr,
                                            drm0.get(), drv0.get(), dye.get());
          err_ea = std::max(err_ea, max_rel_err_scaled(dye.download(), yea));
        });
        check_and_record<T>("batch_norm_train_fprop" + an + " y", shapes + " (scaled)", orders, err_ya, norm_tol<T>());
        check_and_record<T>("batch_norm_train_fprop" + an + " stats", shapes, orders, err_sa, norm_tol<T>());
        check_and_record<T>("batch_norm_eval_fprop" + an, shapes + " (scaled)", orders, err_ea, norm_tol<T>());
      }

      // ---- backwards: all outputs (affine) / dgamma, dbeta only or dx only (no affine) ----
      for (bool train : {true, false}) {
        std::vector<T> gx(n), gg(c), gb(c);
        const bool want_dx = affine || !train;  // no affine + train: dgamma/dbeta only (dx nullptr)
        const bool want_params = affine || train;
        T* rdx = want_dx ? gx.data() : nullptr;
        T* rdg = want_params ? gg.data() : nullptr;
        T* rdb = want_params ? gb.data() : nullptr;
        if (train) {
          k::cpu::batch_norm_train_bprop<T>(p, x.data(), dy.data(), g, smean.data(), sinv.data(), rdx, rdg, rdb);
        } else {
          k::cpu::batch_norm_eval_bprop<T>(p, x.data(), dy.data(), g, rm0.data(), rv0.data(), rdx, rdg, rdb);
        }
        double err_dx = 0, err_p = 0;
        orders = for_each_order([&] {
          DeviceBuffer<T> dx(x), ddy(dy), dg(gamma), dsm(smean), dsi(sinv), drm(rm0), drv(rv0),
              ddx(n, nan_value<T>()), ddg(c, nan_value<T>()), ddb(c, nan_value<T>());
          T* odx = want_dx ? ddx.get() : nullptr;
          T* odg = want_params ? ddg.get() : nullptr;
          T* odb = want_params ? ddb.get() : nullptr;
          if (train) {
            k::cuda::batch_norm_train_bprop<T>(p, dx.get(), ddy.get(), affine ? dg.get() : nullptr, dsm.get(),
                                               dsi.get(), odx, odg, odb);
          } else {
            k::cuda::batch_norm_eval_bprop<T>(p, dx.get(), ddy.get(), affine ? dg.get() : nullptr, drm.get(),
                                              drv.get(), odx, odg, odb);
          }
          if (want_dx) err_dx = std::max(err_dx, max_rel_err_scaled(ddx.download(), gx));
          else
            for (T v : ddx.download()) EXPECT_TRUE(std::isnan(v)) << "dx written although nullptr was passed";
          if (want_params)
            err_p = std::max({err_p, max_rel_err_scaled(ddg.download(), gg), max_rel_err_scaled(ddb.download(), gb)});
        });
        const std::string name = train ? "batch_norm_train_bprop" : "batch_norm_eval_bprop";
        if (want_dx) check_and_record<T>(name + " dx", shapes + " (scaled)", orders, err_dx, norm_tol<T>());
        if (want_params)
          check_and_record<T>(name + " dgamma,dbeta", shapes + " (scaled)", orders, err_p, norm_tol<T>());
      }
    }
  }
}

TEST(CudaNorm, BatchNormFloat) {
  GAN_REQUIRE_DEVICE();
  batch_norm_cases<float>();
}
TEST(CudaNorm, BatchNormDouble) {
  GAN_REQUIRE_DEVICE();
  batch_norm_cases<double>();
}

// One value per channel: the unbiased running variance is undefined, so the
// launcher throws before launching (outputs stay poisoned); N*HW = 0 as well.
TEST(CudaNorm, BatchNormOneValuePerChannelRefusesRunningVar) {
  GAN_REQUIRE_DEVICE();
  k::BatchNormParams p;
  p.n = 1;
  p.c = 3;
  p.hw = 1;
  const auto x = random_vector<float>(3, next_seed());
  DeviceBuffer<float> dx(x), dy(3, nan_value<float>()), dm(3, nan_value<float>()), di(3, nan_value<float>()),
      drm(3, 0.0f), drv(3, 1.0f);
  try {
    k::cuda::batch_norm_train_fprop<float>(p, dx.get(), nullptr, nullptr, dy.get(), dm.get(), di.get(), drm.get(),
                                           drv.get());
    FAIL() << "expected KernelError";
  } catch (const k::KernelError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("batch_norm_train_fprop"), std::string::npos) << what;
    EXPECT_NE(what.find("more than 1 value per channel"), std::string::npos) << what;
  }
  for (float v : dy.download()) EXPECT_TRUE(std::isnan(v));
  for (float v : dm.download()) EXPECT_TRUE(std::isnan(v));
  for (float v : drm.download()) EXPECT_EQ(v, 0.0f);
  for (float v : drv.download()) EXPECT_EQ(v, 1.0f);
  p.n = 0;
  EXPECT_THROW(k::cuda::batch_norm_train_fprop<float>(p, dx.get(), nullptr, nullptr, dy.get(), nullptr, nullptr,
                                                      nullptr, nullptr),
               k::KernelError);
  EXPECT_THROW(k::cuda::batch_norm_train_bprop<float>(p, dx.get(), dy.get(), nullptr, dm.get(), di.get(), dy.get(),
                                                      nullptr, nullptr),
               k::KernelError);
  p.n = 1;
  p.eps = -1;
  EXPECT_THROW(k::cuda::batch_norm_eval_fprop<float>(p, dx.get(), nullptr, nullptr, drm.get(), drv.get(), dy.get()),
               k::KernelError);
}

template <class T>
void layer_norm_cases() {
  std::vector<std::pair<int64_t, int64_t>> shapes;
  for (int64_t m : {1, 5, 130})
    for (int64_t d : {1, 37, 1000}) shapes.emplace_back(m, d);
  shapes.emplace_back(3, 2500);  // block per row
  for (const auto& [m, d] : shapes) {
    k::LayerNormParams p;
    p.m = m;
    p.d = d;
    p.eps = 1e-5;
    const auto n = static_cast<std::size_t>(m * d);
    const auto md = static_cast<std::size_t>(m), dd = static_cast<std::size_t>(d);
    const auto x = random_vector<T>(n, next_seed(), -3.0, 5.0);
    const auto dy = random_vector<T>(n, next_seed(), -1.0, 1.0);
    const auto gamma = random_vector<T>(dd, next_seed(), 0.5, 1.5);
    const auto beta = random_vector<T>(dd, next_seed(), -0.5, 0.5);
    for (bool affine : {true, false}) {
      const std::string sh = shape_str({m, d}) + (affine ? "" : " no affine");
      const T* g = affine ? gamma.data() : nullptr;
      const T* b = affine ? beta.data() : nullptr;
      std::vector<T> y(n), sm(md), si(md), gx(n), gg(dd), gb(dd);
      k::cpu::layer_norm_fprop<T>(p, x.data(), g, b, y.data(), sm.data(), si.data());
      k::cpu::layer_norm_bprop<T>(p, x.data(), dy.data(), g, sm.data(), si.data(), gx.data(),
                                  affine ? gg.data() : nullptr, affine ? gb.data() : nullptr);
      double err_y = 0, err_s = 0, err_dx = 0, err_p = 0;
      const std::string orders = for_each_order([&] {
        DeviceBuffer<T> dx(x), ddy(dy), dg(gamma), db(beta), dyo(n, nan_value<T>()), dm(md, nan_value<T>()),
            di(md, nan_value<T>()), dsm(sm), dsi(si), ddx(n, nan_value<T>()), ddg(dd, nan_value<T>()),
            ddb(dd, nan_value<T>());
        k::cuda::layer_norm_fprop<T>(p, dx.get(), affine ? dg.get() : nullptr, affine ? db.get() : nullptr, dyo.get(),
                                     dm.get(), di.get());
        // The backward runs on the reference's saved statistics (isolates it from the forward).
        k::cuda::layer_norm_bprop<T>(p, dx.get(), ddy.get(), affine ? dg.get() : nullptr, dsm.get(), dsi.get(),
                                     ddx.get(), affine ? ddg.get() : nullptr, affine ? ddb.get() : nullptr);
        err_y = std::max(err_y, max_rel_err_scaled(dyo.download(), y));
        err_s = std::max({err_s, max_rel_err(dm.download(), sm), max_rel_err(di.download(), si)});
        // Against dy's size: with d = 1 every dx is 0 up to rounding.
        err_dx = std::max(err_dx, max_rel_err_scaled(ddx.download(), gx, max_abs(dy)));
        if (affine) err_p = std::max({err_p, max_rel_err_scaled(ddg.download(), gg, max_abs(dy)),
                                      max_rel_err_scaled(ddb.download(), gb, max_abs(dy))});
        else {
          for (T v : ddg.download()) EXPECT_TRUE(std::isnan(v)) << "dgamma written although nullptr was passed";
        }
      });
      check_and_record<T>("layer_norm_fprop y", sh + " (scaled)", orders, err_y, norm_tol<T>());
      check_and_record<T>("layer_norm_fprop stats", sh, orders, err_s, norm_tol<T>());
      check_and_record<T>("layer_norm_bprop dx", sh + " (scaled)", orders, err_dx, norm_tol<T>());
      if (affine) check_and_record<T>("layer_norm_bprop dgamma,dbeta", sh + " (scaled)", orders, err_p, norm_tol<T>());
    }
  }
}

TEST(CudaNorm, LayerNormFloat) {
  GAN_REQUIRE_DEVICE();
  layer_norm_cases<float>();
}
TEST(CudaNorm, LayerNormDouble) {
  GAN_REQUIRE_DEVICE();
  layer_norm_cases<double>();
}

TEST(CudaNorm, LayerNormEmptyRowsThrow) {
  GAN_REQUIRE_DEVICE();
  k::LayerNormParams p;
  p.m = 2;
  p.d = 0;
  DeviceBuffer<float> buf(4, 0.0f);
  EXPECT_THROW(k::cuda::layer_norm_fprop<float>(p, buf.get(), nullptr, nullptr, buf.get(), nullptr, nullptr),
               k::KernelError);
  EXPECT_THROW(k::cuda::layer_norm_bprop<float>(p, buf.get(), buf.get(), nullptr, buf.get(), buf.get(), buf.get(),
                                                nullptr, nullptr),
               k::KernelError);
}

}  // namespace
}  // namespace gan::cuda_test
