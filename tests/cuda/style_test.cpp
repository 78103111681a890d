// CUDA StyleGAN / ProGAN kernels (style.h) vs their CPU references: AdaIN with
// and without fused noise / leaky-ReLU (warp per row for HW <= 1024, block per
// row above: 64x64), pixel norm, weight (de)modulation, minibatch stddev —
// forward and backward, float and double, both schedule orders. Shapes with
// H*W not a multiple of the block (7x7, 5x3), channel counts 3 and 13, N = 1.
// Outputs start NaN-poisoned, so an element a kernel fails to write shows up.
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/style.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;

// Same double formulas as the reference, sums in another order, one rounding.
// Normalized outputs and gradients are differences of nearly equal terms:
// compared with max_rel_err_scaled (see cuda_test_util.h).
template <class T>
constexpr double style_tol() {
  return std::is_same_v<T, float> ? 2e-6 : 1e-10;
}

struct Nchw {
  int64_t n, c, h, w;
};
const Nchw kShapes[] = {{1, 3, 7, 7}, {2, 13, 5, 3}, {3, 8, 32, 32}, {2, 3, 64, 64}, {1, 1, 1, 1}};

std::string nchw_str(const Nchw& s) { return shape_str({s.n, s.c, s.h, s.w}); }

template <class T>
void adain_cases() {
  for (const auto& sh : kShapes) {
    const int64_t hw = sh.h * sh.w;
    k::AdaINParams p;
    p.n = sh.n;
    p.c = sh.c;
    p.hw = hw;
    const auto nx = static_cast<std::size_t>(sh.n * sh.c * hw), nc = static_cast<std::size_t>(sh.n * sh.c);
    const auto x = random_vector<T>(nx, next_seed(), -1.0, 3.0);
    const auto dy = random_vector<T>(nx, next_seed(), -1.0, 1.0);
    const auto noise = random_vector<T>(static_cast<std::size_t>(sh.n * hw), next_seed());
    const auto scale = random_vector<T>(static_cast<std::size_t>(sh.c), next_seed(), -0.5, 0.5);
    const auto gamma = random_vector<T>(nc, next_seed(), 0.5, 1.5);
    const auto beta = random_vector<T>(nc, next_seed(), -0.5, 0.5);
    for (int variant = 0; variant < 3; ++variant) {  // plain, noise, noise + leaky-ReLU 0.2
      const bool with_noise = variant > 0;
      p.slope = variant == 2 ? 0.2 : 1.0;
      const std::string shapes = nchw_str(sh) + (variant == 0 ? "" : variant == 1 ? " noise" : " noise+lrelu");
      const T* nz = with_noise ? noise.data() : nullptr;
      const T* sc = with_noise ? scale.data() : nullptr;
      std::vector<T> y(nx), sm(nc), si(nc);
      k::cpu::adain_fprop<T>(p, x.data(), nz, sc, gamma.data(), beta.data(), y.data(), sm.data(), si.data());
      double err_y = 0, err_s = 0;
      std::string orders = for_each_order([&] {
        DeviceBuffer<T> dx(x), dn(noise), ds(scale), dg(gamma), db(beta), dyb(nx, nan_value<T>()),
            dm(nc, nan_value<T>()), di(nc, nan_value<T>());
        k::cuda::adain_fprop<T>(p, dx.get(), with_noise ? dn.get() : nullptr, with_noise ? ds.get() : nullptr,
                                dg.get(), db.get(), dyb.get(), dm.get(), di.get());
        err_y = std::max(err_y, max_rel_err_scaled(dyb.download(), y));
        err_s = std::max({err_s, max_rel_err(dm.download(), sm), max_rel_err(di.download(), si)});
      });
      check_and_record<T>("adain_fprop y", shapes + " (scaled)", orders, err_y, style_tol<T>());
      check_and_record<T>("adain_fprop mean,invstd", shapes, orders, err_s, style_tol<T>());

      std::vector<T> gx(nx), gg(nc), gb(nc), gs(nc);
      k::cpu::adain_bprop<T>(p, x.data(), nz, sc, gamma.data(), dy.data(), sm.data(), si.data(), gx.data(), gg.data(),
                             gb.data(), gs.data());
      double err_dx = 0, err_p = 0;
      orders = for_each_order([&] {
        DeviceBuffer<T> dx(x), dn(noise), ds(scale), dg(gamma), ddy(dy), dm(sm), di(si), ogx(nx, nan_value<T>()),
            ogg(nc, nan_value<T>()), ogb(nc, nan_value<T>()), ogs(nc, nan_value<T>());
        k::cuda::adain_bprop<T>(p, dx.get(), with_noise ? dn.get() : nullptr, with_noise ? ds.get() : nullptr,
                                dg.get(), ddy.get(), dm.get(), di.get(), ogx.get(), ogg.get(), ogb.get(), ogs.get());
        // Against dy's size: over a 1x1 instance every dx (and dgamma, dscale) is 0 up to rounding.
        const double t = max_abs(dy);
        err_dx = std::max(err_dx, max_rel_err_scaled(ogx.download(), gx, t));
        err_p = std::max({err_p, max_rel_err_scaled(ogg.download(), gg, t), max_rel_err_scaled(ogb.download(), gb, t),
                          max_rel_err_scaled(ogs.download(), gs, t)});
      });
      check_and_record<T>("adain_bprop dx", shapes + " (scaled)", orders, err_dx, style_tol<T>());
      check_and_record<T>("adain_bprop dgamma,dbeta,dscale", shapes + " (scaled)", orders, err_p, style_tol<T>());
    }
    // Parameter gradients only (dx nullptr): dx stays poisoned.
    std::vector<T> gg(nc), gb(nc);
    p.slope = 1.0;
    k::cpu::adain_bprop<T>(p, x.data(), nullptr, nullptr, gamma.data(), dy.data(), gamma.data(), beta.data(), nullptr,
                           gg.data(), gb.data(), nullptr);
    double err = 0;
    const std::string orders = for_each_order([&] {
      DeviceBuffer<T> dx(x), dg(gamma), ddy(dy), dm(gamma), di(beta), ogg(nc, nan_value<T>()), ogb(nc, nan_value<T>());
      k::cuda::adain_bprop<T>(p, dx.get(), nullptr, nullptr, dg.get(), ddy.get(), dm.get(), di.get(), nullptr,
                              ogg.get(), ogb.get(), nullptr);
      err = std::max({err, max_rel_err_scaled(ogg.download(), gg), max_rel_err_scaled(ogb.download(), gb)});
    });
    check_and_record<T>("adain_bprop params only", nchw_str(sh) + " (scaled)", orders, err, style_tol<T>());
  }
}

TEST(CudaStyle, AdaINFloat) {
  GAN_REQUIRE_DEVICE();
  adain_cases<float>();
}
TEST(CudaStyle, AdaINDouble) {
  GAN_REQUIRE_DEVICE();
  adain_cases<double>();
}

TEST(CudaStyle, AdaINRejectsBadParamsBeforeLaunch) {
  GAN_REQUIRE_DEVICE();
  k::AdaINParams p;
  p.n = 1;
  p.c = 2;
  p.hw = 0;
  DeviceBuffer<float> x(4, 1.0f), y(4, nan_value<float>()), g(2, 1.0f);
  try {
    k::cuda::adain_fprop<float>(p, x.get(), nullptr, nullptr, g.get(), g.get(), y.get(), nullptr, nullptr);
    FAIL() << "expected KernelError";
  } catch (const k::KernelError& e) {
    EXPECT_NE(std::string(e.what()).find("adain_fprop"), std::string::npos) << e.what();
  }
  p.hw = 2;
  EXPECT_THROW(k::cuda::adain_fprop<float>(p, x.get(), x.get(), nullptr, g.get(), g.get(), y.get(), nullptr, nullptr),
               k::KernelError);
  for (float v : y.download()) EXPECT_TRUE(std::isnan(v));
}

template <class T>
void pixel_norm_cases() {
  for (const auto& sh : kShapes) {
    k::PixelNormParams p;
    p.n = sh.n;
    p.c = sh.c;
    p.hw = sh.h * sh.w;
    const auto nx = static_cast<std::size_t>(sh.n * sh.c * p.hw), np = static_cast<std::size_t>(sh.n * p.hw);
    const auto x = random_vector<T>(nx, next_seed());
    const auto dy = random_vector<T>(nx, next_seed());
    std::vector<T> y(nx), r(np), gx(nx);
    k::cpu::pixel_norm_fprop<T>(p, x.data(), y.data(), r.data());
    k::cpu::pixel_norm_bprop<T>(p, x.data(), dy.data(), r.data(), gx.data());
    double err_f = 0, err_b = 0;
    const std::string orders = for_each_order([&] {
      DeviceBuffer<T> dx(x), ddy(dy), oy(nx, nan_value<T>()), orr(np, nan_value<T>()), ogx(nx, nan_value<T>());
      k::cuda::pixel_norm_fprop<T>(p, dx.get(), oy.get(), orr.get());
      err_f = std::max({err_f, max_rel_err(oy.download(), y), max_rel_err(orr.download(), r)});
      DeviceBuffer<T> dr(r);
      k::cuda::pixel_norm_bprop<T>(p, dx.get(), ddy.get(), dr.get(), ogx.get());
      err_b = std::max(err_b, max_rel_err_scaled(ogx.download(), gx, max_abs(dy)));  // c = 1: dx ~ 0
    });
    check_and_record<T>("pixel_norm_fprop y,rnorm", nchw_str(sh), orders, err_f, style_tol<T>());
    check_and_record<T>("pixel_norm_bprop dx", nchw_str(sh) + " (scaled)", orders, err_b, style_tol<T>());
  }
}

TEST(CudaStyle, PixelNormFloat) {
  GAN_REQUIRE_DEVICE();
  pixel_norm_cases<float>();
}
TEST(CudaStyle, PixelNormDouble) {
  GAN_REQUIRE_DEVICE();
  pixel_norm_cases<double>();
}

struct ModShape {
  int64_t n, o, i, k;
};
const ModShape kModShapes[] = {{1, 3, 3, 9}, {2, 13, 7, 9}, {4, 8, 16, 1}, {3, 5, 13, 9}, {2, 33, 40, 9}};

template <class T>
void modulation_cases() {
  for (const auto& sh : kModShapes) {
    for (bool demod : {true, false}) {
      k::ModulationParams p;
      p.n = sh.n;
      p.o = sh.o;
      p.i = sh.i;
      p.k = sh.k;
      p.demodulate = demod;
      const auto nw = static_cast<std::size_t>(sh.o * sh.i * sh.k), ns = static_cast<std::size_t>(sh.n * sh.i);
      const auto nm = static_cast<std::size_t>(sh.n) * nw, nd = static_cast<std::size_t>(sh.n * sh.o);
      const auto w = random_vector<T>(nw, next_seed());
      const auto s = random_vector<T>(ns, next_seed(), 0.2, 2.0);
      const auto g = random_vector<T>(nm, next_seed());
      std::vector<T> wm(nm), d(nd), rd(nd), dw(nw), dst(ns);
      k::cpu::modulate_fprop<T>(p, w.data(), s.data(), wm.data(), d.data());
      k::cpu::modulate_bprop<T>(p, w.data(), s.data(), d.data(), g.data(), rd.data(), dw.data(), dst.data());
      const std::string shapes = shape_str({sh.n, sh.o, sh.i, sh.k}) + (demod ? " demod" : "");
      double err_f = 0, err_b = 0;
      const std::string orders = for_each_order([&] {
        DeviceBuffer<T> dwb(w), dsb(s), dgb(g), owm(nm, nan_value<T>()), od(nd, nan_value<T>());
        k::cuda::modulate_fprop<T>(p, dwb.get(), dsb.get(), owm.get(), od.get());
        err_f = std::max(err_f, max_rel_err(owm.download(), wm));
        if (demod) err_f = std::max(err_f, max_rel_err(od.download(), d));
        DeviceBuffer<T> ddb(d), ord(nd, nan_value<T>()), odw(nw, nan_value<T>()), ods(ns, nan_value<T>());
        k::cuda::modulate_bprop<T>(p, dwb.get(), dsb.get(), ddb.get(), dgb.get(), ord.get(), odw.get(), ods.get());
        err_b = std::max({err_b, max_rel_err_scaled(odw.download(), dw), max_rel_err_scaled(ods.download(), dst)});
      });
      check_and_record<T>("modulate_fprop wm,d", shapes, orders, err_f, style_tol<T>());
      check_and_record<T>("modulate_bprop dw,dstyle", shapes + " (scaled)", orders, err_b, style_tol<T>());
    }
  }
}

TEST(CudaStyle, ModulationFloat) {
  GAN_REQUIRE_DEVICE();
  modulation_cases<float>();
}
TEST(CudaStyle, ModulationDouble) {
  GAN_REQUIRE_DEVICE();
  modulation_cases<double>();
}

struct MbShape {
  int64_t n, c, h, w, group;
};
const MbShape kMbShapes[] = {{4, 3, 7, 7, 4}, {6, 13, 5, 3, 3}, {1, 3, 4, 4, 1}, {8, 5, 8, 8, 4},
                             {4, 3, 64, 64, 2}, {16, 13, 4, 4, 4}};

template <class T>
void minibatch_cases() {
  for (const auto& sh : kMbShapes) {
    k::MinibatchStdParams p;
    p.n = sh.n;
    p.c = sh.c;
    p.hw = sh.h * sh.w;
    p.group = sh.group;
    const auto nx = static_cast<std::size_t>(sh.n * sh.c * p.hw), ny = static_cast<std::size_t>(sh.n * (sh.c + 1) * p.hw);
    const auto ng = static_cast<std::size_t>(sh.n / sh.group);
    const auto x = random_vector<T>(nx, next_seed());
    const auto dy = random_vector<T>(ny, next_seed());
    std::vector<T> y(ny), s(ng), gx(nx);
    k::cpu::minibatch_stddev_fprop<T>(p, x.data(), y.data(), s.data());
    k::cpu::minibatch_stddev_bprop<T>(p, x.data(), dy.data(), gx.data());
    double err_f = 0, err_b = 0;
    const std::string orders = for_each_order([&] {
      DeviceBuffer<T> dx(x), ddy(dy), oy(ny, nan_value<T>()), os(ng, nan_value<T>()), ogx(nx, nan_value<T>());
      k::cuda::minibatch_stddev_fprop<T>(p, dx.get(), oy.get(), os.get());
      err_f = std::max({err_f, max_rel_err(oy.download(), y), max_rel_err(os.download(), s)});
      k::cuda::minibatch_stddev_bprop<T>(p, dx.get(), ddy.get(), ogx.get());
      err_b = std::max(err_b, max_rel_err_scaled(ogx.download(), gx));
    });
    const std::string shapes = shape_str({sh.n, sh.c, sh.h, sh.w}) + " G=" + std::to_string(sh.group);
    check_and_record<T>("minibatch_stddev_fprop y", shapes, orders, err_f, style_tol<T>());
    check_and_record<T>("minibatch_stddev_bprop dx", shapes + " (scaled)", orders, err_b, style_tol<T>());
  }
}

TEST(CudaStyle, MinibatchStdDevFloat) {
  GAN_REQUIRE_DEVICE();
  minibatch_cases<float>();
}
TEST(CudaStyle, MinibatchStdDevDouble) {
  GAN_REQUIRE_DEVICE();
  minibatch_cases<double>();
}

TEST(CudaStyle, MinibatchStdDevRejectsIndivisibleBatch) {
  GAN_REQUIRE_DEVICE();
  k::MinibatchStdParams p;
  p.n = 6;
  p.c = 2;
  p.hw = 4;
  p.group = 4;
  DeviceBuffer<float> x(48, 1.0f), y(60, nan_value<float>());
  EXPECT_THROW(k::cuda::minibatch_stddev_fprop<float>(p, x.get(), y.get(), nullptr), k::KernelError);
  for (float v : y.download()) EXPECT_TRUE(std::isnan(v));
}

}  // namespace
}  // namespace gan::cuda_test
