// CUDA resampling vs the CPU reference: avg_pool2d (2x2; 3x3 stride 2 pad 1
// with and without count_include_pad; 3x2 stride 1x2 pad 1x0), nearest and
// bilinear upsampling (2x, non-integer, downscaling, 1x1 output; bilinear with
// align_corners both ways), forward and backward (gathers), f32 and f64, on
// 7x5 images with 3 channels and batch 1 and 3. Outputs start NaN-poisoned so
// an element a kernel skips shows up. The kernels follow the reference's
// summation order, so the expected error is 0 (tolerances allow a few ulp).
#include <vector>

#include "cuda_test_util.h"
#include "gan/kernels/resample.h"

namespace gan::cuda_test {
namespace {

namespace k = gan::kernels;

template <class T>
constexpr double resample_tol() {
  return std::is_same_v<T, float> ? 1e-6 : 1e-14;
}

struct Image {
  int64_t n, c, h, w;
};
const Image kImages[] = {{1, 3, 7, 5}, {3, 3, 7, 5}};

// Runs fprop and bprop on the emulator / GPU, compares both with the CPU.
template <class T, class P>
void compare(const char* fname, const char* bname, const P& p, int64_t in_elems, int64_t out_elems,
             void (*cpu_f)(const P&, const T*, T*, k::Stream), void (*gpu_f)(const P&, const T*, T*, k::Stream),
             void (*cpu_b)(const P&, const T*, T*, k::Stream), void (*gpu_b)(const P&, const T*, T*, k::Stream),
             const std::string& shapes) {
  const auto nin = static_cast<std::size_t>(in_elems), nout = static_cast<std::size_t>(out_elems);
  const auto x = random_vector<T>(nin, next_seed());
  const auto dy = random_vector<T>(nout, next_seed());
  std::vector<T> y(nout), dx(nin);
  cpu_f(p, x.data(), y.data(), {});
  cpu_b(p, dy.data(), dx.data(), {});
  double err_f = 0, err_b = 0;
  const std::string orders = for_each_order([&] {
    DeviceBuffer<T> dxin(x), dyout(nout, nan_value<T>()), ddy(dy), ddx(nin, nan_value<T>());
    gpu_f(p, dxin.get(), dyout.get(), {});
    gpu_b(p, ddy.get(), ddx.get(), {});
    err_f = std::max(err_f, max_rel_err(dyout.download(), y));
    err_b = std::max(err_b, max_rel_err(ddx.download(), dx));
  });
  check_and_record<T>(fname, shapes, orders, err_f, resample_tol<T>());
  check_and_record<T>(bname, shapes, orders, err_b, resample_tol<T>());
}

template <class T>
void avg_pool_cases() {
  struct Cfg {
    int64_t kh, kw, sh, sw, ph, pw;
    bool cip;
  };
  const Cfg cfgs[] = {{2, 2, 0, 0, 0, 0, true}, {3, 3, 2, 2, 1, 1, true}, {3, 3, 2, 2, 1, 1, false},
                      {3, 2, 1, 2, 1, 0, false}};
  for (const Image& im : kImages) {
    for (const Cfg& c : cfgs) {
      k::Pool2dParams p;
      p.n = im.n;
      p.c = im.c;
      p.h_in = im.h;
      p.w_in = im.w;
      p.kh = c.kh;
      p.kw = c.kw;
      p.stride_h = c.sh;
      p.stride_w = c.sw;
      p.pad_h = c.ph;
      p.pad_w = c.pw;
      p.count_include_pad = c.cip;
      k::avg_pool2d_infer(p);
      const std::string shapes = cat(shape_str({im.n, im.c, im.h, im.w}), " k", c.kh, "x", c.kw, " s", p.stride_h, "x",
                                     p.stride_w, " p", c.ph, "x", c.pw, c.cip ? " cip" : " nocip");
      compare<T, k::Pool2dParams>("avg_pool2d_fprop", "avg_pool2d_bprop", p, im.n * im.c * im.h * im.w,
                                  p.n * p.c * p.h_out * p.w_out, &k::cpu::avg_pool2d_fprop<T>,
                                  &k::cuda::avg_pool2d_fprop<T>, &k::cpu::avg_pool2d_bprop<T>,
                                  &k::cuda::avg_pool2d_bprop<T>, shapes);
    }
  }
}

TEST(CudaPool, AvgPool2dFloat) {
  GAN_REQUIRE_DEVICE();
  avg_pool_cases<float>();
}
TEST(CudaPool, AvgPool2dDouble) {
  GAN_REQUIRE_DEVICE();
  avg_pool_cases<double>();
}

// 2x, non-integer up (11x8), down (4x3), 1x1.
struct OutSize {
  int64_t h, w;
};
const OutSize kOuts[] = {{14, 10}, {11, 8}, {4, 3}, {1, 1}};

template <class T>
void upsample_cases(bool bilinear) {
  for (const Image& im : kImages) {
    for (const OutSize& o : kOuts) {
      for (bool align : {false, true}) {
        if (!bilinear && align) continue;
        k::Upsample2dParams p;
        p.n = im.n;
        p.c = im.c;
        p.h_in = im.h;
        p.w_in = im.w;
        p.h_out = o.h;
        p.w_out = o.w;
        p.align_corners = align;
        std::string shapes = cat(shape_str({im.n, im.c, im.h, im.w}), " -> ", o.h, "x", o.w);
        if (bilinear) shapes += align ? " align" : " half-pixel";
        const int64_t nin = im.n * im.c * im.h * im.w, nout = im.n * im.c * o.h * o.w;
        if (bilinear) {
          compare<T, k::Upsample2dParams>("upsample_bilinear2d_fprop", "upsample_bilinear2d_bprop", p, nin, nout,
                                          &k::cpu::upsample_bilinear2d_fprop<T>, &k::cuda::upsample_bilinear2d_fprop<T>,
                                          &k::cpu::upsample_bilinear2d_bprop<T>, &k::cuda::upsample_bilinear2d_bprop<T>,
                                          shapes);
        } else {
          compare<T, k::Upsample2dParams>("upsample_nearest2d_fprop", "upsample_nearest2d_bprop", p, nin, nout,
                                          &k::cpu::upsample_nearest2d_fprop<T>, &k::cuda::upsample_nearest2d_fprop<T>,
                                          &k::cpu::upsample_nearest2d_bprop<T>, &k::cuda::upsample_nearest2d_bprop<T>,
                                          shapes);
        }
      }
    }
  }
}

TEST(CudaUpsample, NearestFloat) {
  GAN_REQUIRE_DEVICE();
  upsample_cases<float>(false);
}
TEST(CudaUpsample, NearestDouble) {
  GAN_REQUIRE_DEVICE();
  upsample_cases<double>(false);
}
TEST(CudaUpsample, BilinearFloat) {
  GAN_REQUIRE_DEVICE();
  upsample_cases<float>(true);
}
TEST(CudaUpsample, BilinearDouble) {
  GAN_REQUIRE_DEVICE();
  upsample_cases<double>(true);
}

// The launchers validate as the reference does, on the host, before any launch.
TEST(CudaResample, BadParamsThrowBeforeWriting) {
  GAN_REQUIRE_DEVICE();
  DeviceBuffer<float> x(105, 1.0f), y(105, nan_value<float>());
  k::Pool2dParams p;
  p.n = 1;
  p.c = 3;
  p.h_in = 7;
  p.w_in = 5;
  p.kh = p.kw = 2;
  p.pad_h = 2;  // more than half the kernel
  p.h_out = p.w_out = 1;
  try {
    k::cuda::avg_pool2d_fprop<float>(p, x.get(), y.get());
    FAIL() << "expected KernelError";
  } catch (const k::KernelError& e) {
    EXPECT_NE(std::string(e.what()).find("avg_pool2d"), std::string::npos) << e.what();
  }
  p.pad_h = 0;
  p.h_out = 3;  // infer gives 3x2
  p.w_out = 3;
  EXPECT_THROW(k::cuda::avg_pool2d_bprop<float>(p, x.get(), y.get()), k::KernelError);
  k::Upsample2dParams u;
  u.n = 1;
  u.c = 3;
  u.h_in = 7;
  u.w_in = 5;
  u.h_out = 0;
  u.w_out = 4;
  try {
    k::cuda::upsample_bilinear2d_fprop<float>(u, x.get(), y.get());
    FAIL() << "expected KernelError";
  } catch (const k::KernelError& e) {
    EXPECT_NE(std::string(e.what()).find("upsample_bilinear2d"), std::string::npos) << e.what();
  }
  EXPECT_THROW(k::cuda::upsample_nearest2d_bprop<float>(u, x.get(), y.get()), k::KernelError);
  for (float v : y.download()) EXPECT_TRUE(std::isnan(v));
}

}  // namespace
}  // namespace gan::cuda_test
