// avg_pool2d and nearest/bilinear upsampling (forward and backward) against
// naive per-element loops written from PyTorch's definitions, float and
// double, NaN-poisoned outputs; a few hand-computed PyTorch values; the
// adjoint identity <fprop(x), dy> == <x, bprop(dy)> in double; error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gan/kernels/resample.h"

namespace gan::kernels {
namespace {

template <class T>
std::vector<T> random_vec(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& e : v) e = static_cast<T>(u(rng));
  return v;
}

template <class T>
std::vector<T> poisoned(int64_t n) {
  return std::vector<T>(static_cast<size_t>(n), std::numeric_limits<T>::quiet_NaN());
}

template <class T>
void expect_close(const std::vector<T>& got, const std::vector<double>& ref, const std::string& what) {
  ASSERT_EQ(got.size(), ref.size()) << what;
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(std::isfinite(double(got[i]))) << what << " index " << i;
    ASSERT_NEAR(double(got[i]), ref[i], tol * (1 + std::abs(ref[i]))) << what << " index " << i;
  }
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// ---- avg_pool2d ----

// Calls f(x index, y index, weight) for every input pixel that each output averages.
template <class F>
void for_each_pool_tap(const Pool2dParams& p, F&& f) {
  for (int64_t plane = 0; plane < p.n * p.c; ++plane)
    for (int64_t oh = 0; oh < p.h_out; ++oh)
      for (int64_t ow = 0; ow < p.w_out; ++ow) {
        // Divisor: window positions inside the padded input, or inside the real input.
        int64_t count = 0;
        for (int64_t ki = 0; ki < p.kh; ++ki)
          for (int64_t kj = 0; kj < p.kw; ++kj) {
            const int64_t ih = oh * p.stride_h - p.pad_h + ki, iw = ow * p.stride_w - p.pad_w + kj;
            const bool real = ih >= 0 && ih < p.h_in && iw >= 0 && iw < p.w_in;
            const bool padded = ih >= -p.pad_h && ih < p.h_in + p.pad_h && iw >= -p.pad_w &&
                                iw < p.w_in + p.pad_w;
            count += p.count_include_pad ? padded : real;
          }
        for (int64_t ki = 0; ki < p.kh; ++ki)
          for (int64_t kj = 0; kj < p.kw; ++kj) {
            const int64_t ih = oh * p.stride_h - p.pad_h + ki, iw = ow * p.stride_w - p.pad_w + kj;
            if (ih < 0 || ih >= p.h_in || iw < 0 || iw >= p.w_in) continue;
            f((plane * p.h_in + ih) * p.w_in + iw, (plane * p.h_out + oh) * p.w_out + ow,
              1.0 / double(count));
          }
      }
}

struct PoolCase {
  const char* name;
  int64_t n, c, h, w, kh, kw, sh, sw, ph, pw;
  bool include_pad;
};
const PoolCase kPoolCases[] = {
    {"2x2_default_stride", 3, 2, 8, 6, 2, 2, 0, 0, 0, 0, true},
    {"2x2_odd_7x5", 1, 3, 7, 5, 2, 2, 0, 0, 0, 0, true},
    {"3x3_s2_p1_include", 2, 3, 7, 5, 3, 3, 2, 2, 1, 1, true},
    {"3x3_s2_p1_exclude", 2, 3, 7, 5, 3, 3, 2, 2, 1, 1, false},
    {"3x3_s1_p1_exclude", 3, 2, 6, 7, 3, 3, 1, 1, 1, 1, false},
    {"4x2_asymmetric", 2, 2, 9, 7, 4, 2, 3, 1, 2, 1, false},
};

Pool2dParams make_pool(const PoolCase& c) {
  Pool2dParams p;
  p.n = c.n;
  p.c = c.c;
  p.h_in = c.h;
  p.w_in = c.w;
  p.kh = c.kh;
  p.kw = c.kw;
  p.stride_h = c.sh;
  p.stride_w = c.sw;
  p.pad_h = c.ph;
  p.pad_w = c.pw;
  p.count_include_pad = c.include_pad;
  avg_pool2d_infer(p);
  return p;
}

// ---- upsampling: PyTorch's source-index formulas, per element ----

int64_t nearest_src(int64_t dst, int64_t in, int64_t out) {
  return std::min<int64_t>(static_cast<int64_t>(std::floor(double(dst) * in / out)), in - 1);
}

// Source taps and weights of one output coordinate (upsample_bilinear2d).
struct Tap {
  int64_t i0, i1;
  double l0, l1;
};
Tap bilinear_src(int64_t dst, int64_t in, int64_t out, bool align_corners) {
  double src;
  if (align_corners) {
    src = out > 1 ? double(dst) * double(in - 1) / double(out - 1) : 0.0;
  } else {
    src = (double(dst) + 0.5) * double(in) / double(out) - 0.5;
    if (src < 0) src = 0;
  }
  const int64_t i0 = static_cast<int64_t>(src);
  const int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
  const double l1 = src - double(i0);
  return {i0, i1, 1 - l1, l1};
}

// Calls f(x index, y index, weight) for each (input, output) pair the upsampling mixes.
template <class F>
void for_each_upsample_tap(const Upsample2dParams& p, bool bilinear, F&& f) {
  for (int64_t plane = 0; plane < p.n * p.c; ++plane)
    for (int64_t oh = 0; oh < p.h_out; ++oh)
      for (int64_t ow = 0; ow < p.w_out; ++ow) {
        const int64_t yi = (plane * p.h_out + oh) * p.w_out + ow;
        if (!bilinear) {
          f((plane * p.h_in + nearest_src(oh, p.h_in, p.h_out)) * p.w_in +
                nearest_src(ow, p.w_in, p.w_out),
            yi, 1.0);
          continue;
        }
        const Tap th = bilinear_src(oh, p.h_in, p.h_out, p.align_corners);
        const Tap tw = bilinear_src(ow, p.w_in, p.w_out, p.align_corners);
        const int64_t hs[2] = {th.i0, th.i1}, ws[2] = {tw.i0, tw.i1};
        const double hl[2] = {th.l0, th.l1}, wl[2] = {tw.l0, tw.l1};
        for (int a = 0; a < 2; ++a)
          for (int b = 0; b < 2; ++b)
            f((plane * p.h_in + hs[a]) * p.w_in + ws[b], yi, hl[a] * wl[b]);
      }
}

struct UpCase {
  const char* name;
  int64_t n, c, h_in, w_in, h_out, w_out;
};
const UpCase kUpCases[] = {
    {"2x", 3, 2, 3, 5, 6, 10},
    {"non_integer", 2, 3, 5, 7, 8, 11},
    {"downscale", 1, 2, 7, 5, 3, 2},
    {"to_1x1", 2, 1, 4, 3, 1, 1},
    {"from_1x1", 2, 2, 1, 1, 4, 3},
    {"large_parallel", 3, 16, 14, 14, 28, 28},
};

Upsample2dParams make_up(const UpCase& c, bool align_corners) {
  Upsample2dParams p;
  p.n = c.n;
  p.c = c.c;
  p.h_in = c.h_in;
  p.w_in = c.w_in;
  p.h_out = c.h_out;
  p.w_out = c.w_out;
  p.align_corners = align_corners;
  return p;
}

template <class T>
class ResampleTest : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ResampleTest, Types);

TYPED_TEST(ResampleTest, AvgPool2dMatchesNaive) {
  using T = TypeParam;
  uint32_t seed = 1;
  for (const PoolCase& c : kPoolCases) {
    SCOPED_TRACE(c.name);
    const Pool2dParams p = make_pool(c);
    std::mt19937 rng(seed++);
    const int64_t nx = p.n * p.c * p.h_in * p.w_in, ny = p.n * p.c * p.h_out * p.w_out;
    const auto x = random_vec<T>(nx, rng);
    const auto dy = random_vec<T>(ny, rng);
    std::vector<double> y_ref(ny, 0.0), dx_ref(nx, 0.0);
    for_each_pool_tap(p, [&](int64_t xi, int64_t yi, double wgt) {
      y_ref[yi] += wgt * x[xi];
      dx_ref[xi] += wgt * dy[yi];
    });
    auto y = poisoned<T>(ny);
    cpu::avg_pool2d_fprop<T>(p, x.data(), y.data());
    expect_close(y, y_ref, "fprop");
    auto dx = poisoned<T>(nx);
    cpu::avg_pool2d_bprop<T>(p, dy.data(), dx.data());
    expect_close(dx, dx_ref, "bprop");
  }
}

TYPED_TEST(ResampleTest, UpsampleMatchesNaive) {
  using T = TypeParam;
  uint32_t seed = 100;
  for (const UpCase& c : kUpCases)
    for (int mode = 0; mode < 3; ++mode) {  // nearest, bilinear, bilinear align_corners
      const bool bilinear = mode > 0;
      const Upsample2dParams p = make_up(c, mode == 2);
      SCOPED_TRACE(std::string(c.name) + " mode " + std::to_string(mode));
      std::mt19937 rng(seed++);
      const int64_t nx = p.n * p.c * p.h_in * p.w_in, ny = p.n * p.c * p.h_out * p.w_out;
      const auto x = random_vec<T>(nx, rng);
      const auto dy = random_vec<T>(ny, rng);
      std::vector<double> y_ref(ny, 0.0), dx_ref(nx, 0.0);
      for_each_upsample_tap(p, bilinear, [&](int64_t xi, int64_t yi, double wgt) {
        y_ref[yi] += wgt * x[xi];
        dx_ref[xi] += wgt * dy[yi];
      });
      auto y = poisoned<T>(ny);
      auto dx = poisoned<T>(nx);
      if (bilinear) {
        cpu::upsample_bilinear2d_fprop<T>(p, x.data(), y.data());
        cpu::upsample_bilinear2d_bprop<T>(p, dy.data(), dx.data());
      } else {
        cpu::upsample_nearest2d_fprop<T>(p, x.data(), y.data());
        cpu::upsample_nearest2d_bprop<T>(p, dy.data(), dx.data());
      }
      expect_close(y, y_ref, "fprop");
      expect_close(dx, dx_ref, "bprop");
    }
}

// Values PyTorch gives (F.interpolate / F.avg_pool2d), worked out by hand.
TEST(ResampleKnownValues, MatchPyTorch) {
  const double x[2] = {0, 1};  // [1, 1, 1, 2]
  std::vector<double> y(4);
  Upsample2dParams p{1, 1, 1, 2, 1, 4, false};
  cpu::upsample_bilinear2d_fprop<double>(p, x, y.data());
  EXPECT_EQ(y, (std::vector<double>{0, 0.25, 0.75, 1}));
  cpu::upsample_nearest2d_fprop<double>(p, x, y.data());
  EXPECT_EQ(y, (std::vector<double>{0, 0, 1, 1}));
  p = {1, 1, 1, 2, 1, 3, true};
  y.resize(3);
  cpu::upsample_bilinear2d_fprop<double>(p, x, y.data());
  EXPECT_EQ(y, (std::vector<double>{0, 0.5, 1}));

  // 3x3 ones, 3x3 window, pad 1: corner averages 4 of 9 (include pad) or 4 of 4.
  const std::vector<double> ones(9, 1.0);
  Pool2dParams q{1, 1, 3, 3, 3, 3, 1, 1, 1, 1, true};
  avg_pool2d_infer(q);
  std::vector<double> out(9);
  cpu::avg_pool2d_fprop<double>(q, ones.data(), out.data());
  EXPECT_DOUBLE_EQ(out[0], 4.0 / 9.0);
  EXPECT_DOUBLE_EQ(out[1], 6.0 / 9.0);
  EXPECT_DOUBLE_EQ(out[4], 1.0);
  q.count_include_pad = false;
  cpu::avg_pool2d_fprop<double>(q, ones.data(), out.data());
  EXPECT_DOUBLE_EQ(out[0], 1.0);
  EXPECT_DOUBLE_EQ(out[1], 1.0);
}

TEST(ResampleAdjoint, BackwardIsTransposeOfForward) {
  std::mt19937 rng(5);
  for (const PoolCase& c : kPoolCases) {
    SCOPED_TRACE(c.name);
    const Pool2dParams p = make_pool(c);
    const auto x = random_vec<double>(p.n * p.c * p.h_in * p.w_in, rng);
    const auto dy = random_vec<double>(p.n * p.c * p.h_out * p.w_out, rng);
    auto y = poisoned<double>(dy.size()), dx = poisoned<double>(x.size());
    cpu::avg_pool2d_fprop<double>(p, x.data(), y.data());
    cpu::avg_pool2d_bprop<double>(p, dy.data(), dx.data());
    EXPECT_NEAR(dot(y, dy), dot(x, dx), 1e-12 * (1 + std::abs(dot(y, dy))));
  }
  for (const UpCase& c : kUpCases)
    for (int mode = 0; mode < 3; ++mode) {
      SCOPED_TRACE(std::string(c.name) + " mode " + std::to_string(mode));
      const Upsample2dParams p = make_up(c, mode == 2);
      const auto x = random_vec<double>(p.n * p.c * p.h_in * p.w_in, rng);
      const auto dy = random_vec<double>(p.n * p.c * p.h_out * p.w_out, rng);
      auto y = poisoned<double>(dy.size()), dx = poisoned<double>(x.size());
      if (mode == 0) {
        cpu::upsample_nearest2d_fprop<double>(p, x.data(), y.data());
        cpu::upsample_nearest2d_bprop<double>(p, dy.data(), dx.data());
      } else {
        cpu::upsample_bilinear2d_fprop<double>(p, x.data(), y.data());
        cpu::upsample_bilinear2d_bprop<double>(p, dy.data(), dx.data());
      }
      EXPECT_NEAR(dot(y, dy), dot(x, dx), 1e-12 * (1 + std::abs(dot(y, dy))));
    }
}

template <class F>
void expect_kernel_error(F&& f, std::initializer_list<const char*> needles) {
  try {
    f();
    ADD_FAILURE() << "expected KernelError";
  } catch (const KernelError& e) {
    for (const char* s : needles)
      EXPECT_NE(std::string(e.what()).find(s), std::string::npos) << e.what() << " lacks " << s;
  }
}

TEST(ResampleErrors, RejectBadParams) {
  Pool2dParams q{1, 1, 4, 4, 2, 2, 0, 0, 2, 0, true};  // pad 2 > kernel/2
  expect_kernel_error([&] { avg_pool2d_infer(q); }, {"avg_pool2d", "padding 2x0"});
  q = {1, 1, 2, 2, 3, 3, 0, 0, 0, 0, true};  // 3x3 window on a 2x2 image
  expect_kernel_error([&] { avg_pool2d_infer(q); }, {"avg_pool2d", "empty"});
  q = {1, 1, 4, 4, 2, 2, 0, 0, 0, 0, true};
  avg_pool2d_infer(q);
  EXPECT_EQ(q.stride_h, 2);  // stride 0 means the kernel size
  EXPECT_EQ(q.h_out, 2);
  q.h_out = 3;
  std::vector<float> buf(64);
  expect_kernel_error([&] { cpu::avg_pool2d_fprop<float>(q, buf.data(), buf.data()); },
                      {"avg_pool2d", "3x2"});
  const Upsample2dParams u{1, 1, 2, 2, 0, 4, false};
  expect_kernel_error([&] { cpu::upsample_bilinear2d_fprop<float>(u, buf.data(), buf.data()); },
                      {"upsample_bilinear2d", "out 0x4"});
}

}  // namespace
}  // namespace gan::kernels
