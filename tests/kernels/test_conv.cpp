// Conv2d and ConvTranspose2d (fprop, dgrad, wgrad, bias) against naive direct
// loops written from the definitions, float and double, on fresh random
// inputs and NaN-poisoned outputs; the adjoint identity
//   <conv(x, w), dy> == <x, dgrad(dy, w)> == <w, wgrad(x, dy)>
// in double; and the error messages of the shape inference.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gan/kernels/conv.h"

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
double tolerance() {
  return std::is_same_v<T, float> ? 2e-5 : 1e-12;
}

// max |got - ref| <= tol * (1 + max|ref|) * sqrt(terms per output); NaN fails.
template <class T>
void expect_close(const std::vector<T>& got, const std::vector<double>& ref, int64_t terms,
                  const std::string& what) {
  ASSERT_EQ(got.size(), ref.size()) << what;
  double scale = 1;
  for (double v : ref) scale = std::max(scale, std::abs(v));
  const double tol = tolerance<T>() * scale * std::sqrt(double(terms) + 1);
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(std::isfinite(double(got[i]))) << what << " index " << i;
    ASSERT_NEAR(double(got[i]), ref[i], tol) << what << " index " << i;
  }
}

// ---- Naive Conv2d: the 7-loop direct convolution and its two adjoints ----

int64_t x_idx(const Conv2dParams& p, int64_t n, int64_t c, int64_t h, int64_t w) {
  return ((n * p.c_in + c) * p.h_in + h) * p.w_in + w;
}
int64_t y_idx(const Conv2dParams& p, int64_t n, int64_t c, int64_t h, int64_t w) {
  return ((n * p.c_out + c) * p.h_out + h) * p.w_out + w;
}
int64_t w_idx(const Conv2dParams& p, int64_t co, int64_t ci, int64_t ki, int64_t kj) {
  return ((co * (p.c_in / p.groups) + ci) * p.kh + ki) * p.kw + kj;
}

// Calls f(x index, y index, w index) for every (input, output, weight) triple
// that the convolution multiplies: y[n,co,oh,ow] += x[n,ci,ih,iw] * w[co,ci',ki,kj].
template <class F>
void for_each_tap(const Conv2dParams& p, F&& f) {
  const int64_t cg_in = p.c_in / p.groups, cg_out = p.c_out / p.groups;
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t co = 0; co < p.c_out; ++co)
      for (int64_t oh = 0; oh < p.h_out; ++oh)
        for (int64_t ow = 0; ow < p.w_out; ++ow)
          for (int64_t ci = 0; ci < cg_in; ++ci)
            for (int64_t ki = 0; ki < p.kh; ++ki)
              for (int64_t kj = 0; kj < p.kw; ++kj) {
                const int64_t ih = oh * p.stride_h - p.pad_h + ki * p.dil_h;
                const int64_t iw = ow * p.stride_w - p.pad_w + kj * p.dil_w;
                if (ih < 0 || ih >= p.h_in || iw < 0 || iw >= p.w_in) continue;
                const int64_t c = (co / cg_out) * cg_in + ci;
                f(x_idx(p, n, c, ih, iw), y_idx(p, n, co, oh, ow), w_idx(p, co, ci, ki, kj));
              }
}

template <class T>
std::vector<double> conv_naive(const Conv2dParams& p, const std::vector<T>& x,
                               const std::vector<T>& w, const T* bias) {
  std::vector<double> y(size_t(p.n * p.c_out * p.h_out * p.w_out), 0.0);
  for_each_tap(p, [&](int64_t xi, int64_t yi, int64_t wi) { y[yi] += double(x[xi]) * w[wi]; });
  if (bias)
    for (size_t i = 0; i < y.size(); ++i) y[i] += bias[(i / (p.h_out * p.w_out)) % p.c_out];
  return y;
}
template <class T>
std::vector<double> dgrad_naive(const Conv2dParams& p, const std::vector<T>& dy,
                                const std::vector<T>& w) {
  std::vector<double> dx(size_t(p.n * p.c_in * p.h_in * p.w_in), 0.0);
  for_each_tap(p, [&](int64_t xi, int64_t yi, int64_t wi) { dx[xi] += double(dy[yi]) * w[wi]; });
  return dx;
}
template <class T>
std::vector<double> wgrad_naive(const Conv2dParams& p, const std::vector<T>& x,
                                const std::vector<T>& dy) {
  std::vector<double> dw(size_t(p.c_out * (p.c_in / p.groups) * p.kh * p.kw), 0.0);
  for_each_tap(p, [&](int64_t xi, int64_t yi, int64_t wi) { dw[wi] += double(x[xi]) * dy[yi]; });
  return dw;
}

// ---- Naive ConvTranspose2d, by the scatter definition ----
// y[n, g*Cg_out+co, ih*s - p + ki*d, iw*s - p + kj*d] += x[n, g*Cg_in+ci, ih, iw] * w[g*Cg_in+ci, co, ki, kj]

template <class F>
void for_each_tap_t(const ConvTranspose2dParams& p, F&& f) {
  const int64_t cg_in = p.c_in / p.groups, cg_out = p.c_out / p.groups;
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t ci = 0; ci < p.c_in; ++ci)
      for (int64_t ih = 0; ih < p.h_in; ++ih)
        for (int64_t iw = 0; iw < p.w_in; ++iw)
          for (int64_t co = 0; co < cg_out; ++co)
            for (int64_t ki = 0; ki < p.kh; ++ki)
              for (int64_t kj = 0; kj < p.kw; ++kj) {
                const int64_t oh = ih * p.stride_h - p.pad_h + ki * p.dil_h;
                const int64_t ow = iw * p.stride_w - p.pad_w + kj * p.dil_w;
                if (oh < 0 || oh >= p.h_out || ow < 0 || ow >= p.w_out) continue;
                const int64_t c = (ci / cg_in) * cg_out + co;
                const int64_t xi = ((n * p.c_in + ci) * p.h_in + ih) * p.w_in + iw;
                const int64_t yi = ((n * p.c_out + c) * p.h_out + oh) * p.w_out + ow;
                const int64_t wi = ((ci * cg_out + co) * p.kh + ki) * p.kw + kj;
                f(xi, yi, wi);
              }
}

// ---- Cases ----

struct ConvCase {
  const char* name;
  int64_t n, c_in, h, w, c_out, kh, kw, sh, sw, ph, pw, dh, dw, groups;
};
const ConvCase kConvCases[] = {
    // name               n  ci  h   w  co kh kw sh sw ph pw dh dw  g
    {"3x3_pad1_odd",      3, 3,  7,  5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    {"3x3_stride2_pad0",  1, 2,  9,  8, 3, 3, 3, 2, 2, 0, 0, 1, 1, 1},
    {"5x5_pad2",          2, 3,  6,  7, 2, 5, 5, 1, 1, 2, 2, 1, 1, 1},
    {"dilation2",         2, 3,  9,  8, 4, 3, 3, 1, 1, 2, 2, 2, 2, 1},
    {"groups2",           3, 4,  6,  5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2},
    {"depthwise",         2, 5,  7,  6, 5, 3, 3, 2, 2, 1, 1, 1, 1, 5},
    {"1x1_batch1",        1, 8,  6,  5, 6, 1, 1, 1, 1, 0, 0, 1, 1, 1},
    {"1x1_batch3",        3, 8,  6,  5, 6, 1, 1, 1, 1, 0, 0, 1, 1, 1},
    {"1x1_large_plane",   3, 4, 20, 17, 5, 1, 1, 1, 1, 0, 0, 1, 1, 1},
    {"1x1_stride2",       3, 4,  7,  5, 3, 1, 1, 2, 2, 0, 0, 1, 1, 1},
    {"dcgan_4x4_s2_p1",   3, 3,  8,  8, 4, 4, 4, 2, 2, 1, 1, 1, 1, 1},
    {"dcgan_odd_7x5",     1, 3,  7,  5, 4, 4, 4, 2, 2, 1, 1, 1, 1, 1},
    {"asymmetric",        2, 3,  9,  7, 2, 3, 2, 2, 1, 1, 0, 1, 2, 1},
    {"wide_parallel",     4, 16, 12, 12, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1},
    // One output pixel, kernel = unpadded input (DCGAN's 7x7 head): the dense GEMM path.
    {"dense_head_7x6",    5, 3,  7,  6, 2, 7, 6, 1, 1, 0, 0, 1, 1, 1},
    {"dense_groups2",     3, 4,  3,  3, 2, 3, 3, 1, 1, 0, 0, 1, 1, 2},
    // 13 samples of 3x3 outputs: uneven sample blocks (kernels/cpu/conv2d.cpp Plan).
    {"uneven_blocks",    13, 3,  6,  6, 5, 4, 4, 2, 2, 1, 1, 1, 1, 1},
};

Conv2dParams make_conv(const ConvCase& c) {
  Conv2dParams p;
  p.n = c.n;
  p.c_in = c.c_in;
  p.h_in = c.h;
  p.w_in = c.w;
  p.c_out = c.c_out;
  p.kh = c.kh;
  p.kw = c.kw;
  p.stride_h = c.sh;
  p.stride_w = c.sw;
  p.pad_h = c.ph;
  p.pad_w = c.pw;
  p.dil_h = c.dh;
  p.dil_w = c.dw;
  p.groups = c.groups;
  conv2d_infer(p);
  return p;
}

struct ConvTCase {
  const char* name;
  int64_t n, c_in, h, w, c_out, kh, kw, sh, sw, ph, pw, dh, dw, oph, opw, groups;
};
const ConvTCase kConvTCases[] = {
    // name                 n  ci  h  w co kh kw sh sw ph pw dh dw oph opw g
    {"dcgan_4x4_s2_p1",     3, 4,  4, 4, 3, 4, 4, 2, 2, 1, 1, 1, 1, 0, 0, 1},
    {"dcgan_odd_7x5",       1, 3,  7, 5, 2, 4, 4, 2, 2, 1, 1, 1, 1, 0, 0, 1},
    {"3x3_s2_p1_outpad1",   2, 3,  5, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1},
    {"dil2_outpad1",        2, 2,  5, 6, 3, 3, 3, 1, 1, 1, 1, 2, 2, 1, 1, 1},
    {"3x3_pad2",            3, 3,  6, 5, 2, 3, 3, 1, 1, 2, 2, 1, 1, 0, 0, 1},
    {"groups2",             3, 4,  5, 5, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0, 2},
    {"depthwise",           2, 4,  5, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0, 4},
    {"1x1",                 3, 6,  5, 7, 4, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1},
    {"k7_on_1x1",           3, 10, 1, 1, 8, 7, 7, 1, 1, 0, 0, 1, 1, 0, 0, 1},
    {"asymmetric",          2, 3,  4, 5, 2, 3, 2, 2, 1, 0, 1, 1, 2, 1, 0, 1},
};

ConvTranspose2dParams make_convt(const ConvTCase& c) {
  ConvTranspose2dParams p;
  p.n = c.n;
  p.c_in = c.c_in;
  p.h_in = c.h;
  p.w_in = c.w;
  p.c_out = c.c_out;
  p.kh = c.kh;
  p.kw = c.kw;
  p.stride_h = c.sh;
  p.stride_w = c.sw;
  p.pad_h = c.ph;
  p.pad_w = c.pw;
  p.dil_h = c.dh;
  p.dil_w = c.dw;
  p.out_pad_h = c.oph;
  p.out_pad_w = c.opw;
  p.groups = c.groups;
  conv_transpose2d_infer(p);
  return p;
}

template <class T>
class ConvTest : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(ConvTest, Types);

TYPED_TEST(ConvTest, Conv2dMatchesDirectLoops) {
  using T = TypeParam;
  uint32_t seed = 1;
  for (const ConvCase& c : kConvCases) {
    SCOPED_TRACE(c.name);
    const Conv2dParams p = make_conv(c);
    std::mt19937 rng(seed++);
    const int64_t nx = p.n * p.c_in * p.h_in * p.w_in, ny = p.n * p.c_out * p.h_out * p.w_out;
    const int64_t nw = p.c_out * (p.c_in / p.groups) * p.kh * p.kw;
    const int64_t terms = (p.c_in / p.groups) * p.kh * p.kw;
    const auto x = random_vec<T>(nx, rng);
    const auto w = random_vec<T>(nw, rng);
    const auto bias = random_vec<T>(p.c_out, rng);
    const auto dy = random_vec<T>(ny, rng);

    auto y = poisoned<T>(ny);
    cpu::conv2d_fprop<T>(p, x.data(), w.data(), bias.data(), y.data());
    expect_close(y, conv_naive(p, x, w, bias.data()), terms, "fprop+bias");
    y = poisoned<T>(ny);
    cpu::conv2d_fprop<T>(p, x.data(), w.data(), nullptr, y.data());
    expect_close(y, conv_naive<T>(p, x, w, nullptr), terms, "fprop");

    auto dx = poisoned<T>(nx);
    cpu::conv2d_dgrad<T>(p, dy.data(), w.data(), dx.data());
    expect_close(dx, dgrad_naive(p, dy, w), p.c_out * p.kh * p.kw, "dgrad");

    auto dw = poisoned<T>(nw);
    cpu::conv2d_wgrad<T>(p, x.data(), dy.data(), dw.data());
    expect_close(dw, wgrad_naive(p, x, dy), p.n * p.h_out * p.w_out, "wgrad");
  }
}

TYPED_TEST(ConvTest, ConvTranspose2dMatchesScatterDefinition) {
  using T = TypeParam;
  uint32_t seed = 1000;
  for (const ConvTCase& c : kConvTCases) {
    SCOPED_TRACE(c.name);
    const ConvTranspose2dParams p = make_convt(c);
    std::mt19937 rng(seed++);
    const int64_t nx = p.n * p.c_in * p.h_in * p.w_in, ny = p.n * p.c_out * p.h_out * p.w_out;
    const int64_t nw = p.c_in * (p.c_out / p.groups) * p.kh * p.kw;
    const auto x = random_vec<T>(nx, rng);
    const auto w = random_vec<T>(nw, rng);
    const auto bias = random_vec<T>(p.c_out, rng);
    const auto dy = random_vec<T>(ny, rng);

    std::vector<double> y_ref(size_t(ny), 0.0), dx_ref(size_t(nx), 0.0), dw_ref(size_t(nw), 0.0);
    for_each_tap_t(p, [&](int64_t xi, int64_t yi, int64_t wi) {
      y_ref[yi] += double(x[xi]) * w[wi];
      dx_ref[xi] += double(dy[yi]) * w[wi];
      dw_ref[wi] += double(x[xi]) * dy[yi];
    });
    const int64_t hw = p.h_out * p.w_out;
    for (int64_t i = 0; i < ny; ++i) y_ref[i] += bias[(i / hw) % p.c_out];

    auto y = poisoned<T>(ny);
    cpu::conv_transpose2d_fprop<T>(p, x.data(), w.data(), bias.data(), y.data());
    expect_close(y, y_ref, p.c_in * p.kh * p.kw, "fprop+bias");

    auto dx = poisoned<T>(nx);
    cpu::conv_transpose2d_dgrad<T>(p, dy.data(), w.data(), dx.data());
    expect_close(dx, dx_ref, p.c_out * p.kh * p.kw, "dgrad");

    auto dw = poisoned<T>(nw);
    cpu::conv_transpose2d_wgrad<T>(p, x.data(), dy.data(), dw.data());
    expect_close(dw, dw_ref, p.n * p.h_in * p.w_in, "wgrad");
  }
}

TYPED_TEST(ConvTest, BiasGradSumsBatchAndPlane) {
  using T = TypeParam;
  std::mt19937 rng(7);
  const int64_t n = 3, c = 5, hw = 7 * 5;
  const auto dy = random_vec<T>(n * c * hw, rng);
  std::vector<double> ref(c, 0.0);
  for (int64_t i = 0; i < n * c * hw; ++i) ref[(i / hw) % c] += dy[i];
  auto db = poisoned<T>(c);
  cpu::bias_grad<T>(n, c, hw, dy.data(), db.data());
  expect_close(db, ref, n * hw, "bias_grad");
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// <conv(x,w), dy> == <x, dgrad(dy,w)> == <w, wgrad(x,dy)>: all three are the
// same triple sum, so they agree to rounding whatever the algorithm.
TEST(ConvAdjoint, Conv2dDouble) {
  uint32_t seed = 2000;
  for (const ConvCase& c : kConvCases) {
    SCOPED_TRACE(c.name);
    const Conv2dParams p = make_conv(c);
    std::mt19937 rng(seed++);
    const auto x = random_vec<double>(p.n * p.c_in * p.h_in * p.w_in, rng);
    const auto w = random_vec<double>(p.c_out * (p.c_in / p.groups) * p.kh * p.kw, rng);
    const auto dy = random_vec<double>(p.n * p.c_out * p.h_out * p.w_out, rng);
    auto y = poisoned<double>(dy.size()), dx = poisoned<double>(x.size()),
         dw = poisoned<double>(w.size());
    cpu::conv2d_fprop<double>(p, x.data(), w.data(), nullptr, y.data());
    cpu::conv2d_dgrad<double>(p, dy.data(), w.data(), dx.data());
    cpu::conv2d_wgrad<double>(p, x.data(), dy.data(), dw.data());
    const double a = dot(y, dy), b = dot(x, dx), d = dot(w, dw);
    EXPECT_NEAR(a, b, 1e-10 * std::abs(a));
    EXPECT_NEAR(a, d, 1e-10 * std::abs(a));
  }
}

TEST(ConvAdjoint, ConvTranspose2dDouble) {
  uint32_t seed = 3000;
  for (const ConvTCase& c : kConvTCases) {
    SCOPED_TRACE(c.name);
    const ConvTranspose2dParams p = make_convt(c);
    std::mt19937 rng(seed++);
    const auto x = random_vec<double>(p.n * p.c_in * p.h_in * p.w_in, rng);
    const auto w = random_vec<double>(p.c_in * (p.c_out / p.groups) * p.kh * p.kw, rng);
    const auto dy = random_vec<double>(p.n * p.c_out * p.h_out * p.w_out, rng);
    auto y = poisoned<double>(dy.size()), dx = poisoned<double>(x.size()),
         dw = poisoned<double>(w.size());
    cpu::conv_transpose2d_fprop<double>(p, x.data(), w.data(), nullptr, y.data());
    cpu::conv_transpose2d_dgrad<double>(p, dy.data(), w.data(), dx.data());
    cpu::conv_transpose2d_wgrad<double>(p, x.data(), dy.data(), dw.data());
    const double a = dot(y, dy), b = dot(x, dx), d = dot(w, dw);
    EXPECT_NEAR(a, b, 1e-10 * std::abs(a));
    EXPECT_NEAR(a, d, 1e-10 * std::abs(a));
  }
}

TEST(ConvShapes, InferMatchesPyTorchFormulas) {
  Conv2dParams p = make_conv({"", 1, 1, 28, 28, 64, 4, 4, 2, 2, 1, 1, 1, 1, 1});
  EXPECT_EQ(p.h_out, 14);
  EXPECT_EQ(p.w_out, 14);
  p = make_conv({"", 1, 64, 14, 14, 128, 4, 4, 2, 2, 1, 1, 1, 1, 1});
  EXPECT_EQ(p.h_out, 7);
  p = make_conv({"", 1, 3, 7, 5, 4, 3, 3, 1, 1, 0, 0, 2, 2, 1});  // span 5
  EXPECT_EQ(p.h_out, 3);
  EXPECT_EQ(p.w_out, 1);
  ConvTranspose2dParams t = make_convt({"", 1, 100, 1, 1, 256, 7, 7, 1, 1, 0, 0, 1, 1, 0, 0, 1});
  EXPECT_EQ(t.h_out, 7);
  t = make_convt({"", 1, 128, 7, 7, 64, 4, 4, 2, 2, 1, 1, 1, 1, 0, 0, 1});
  EXPECT_EQ(t.h_out, 14);
  t = make_convt({"", 1, 3, 5, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1});
  EXPECT_EQ(t.h_out, 10);  // (5-1)*2 - 2 + 2 + 1 + 1
  EXPECT_EQ(t.w_out, 8);
}

// Expects a KernelError whose message contains every needle.
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

TEST(ConvErrors, Conv2dInferRejectsBadShapes) {
  const ConvCase ok = {"", 2, 4, 8, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2};
  auto infer = [](ConvCase c) { return [c] { make_conv(c); }; };
  ConvCase c = ok;
  c.c_in = 3;  // 3 input channels in 2 groups
  expect_kernel_error(infer(c), {"conv2d", "c_in 3", "groups 2"});
  c = ok;
  c.c_out = 5;
  expect_kernel_error(infer(c), {"conv2d", "c_out 5", "groups 2"});
  c = ok;
  c.groups = 0;
  expect_kernel_error(infer(c), {"conv2d", "groups 0"});
  c = ok;
  c.h = 3;
  c.kh = 7;
  c.ph = 0;  // 7-tall kernel on a 3-tall image: negative output
  expect_kernel_error(infer(c), {"conv2d", "empty"});
  c = ok;
  c.n = 0;
  expect_kernel_error(infer(c), {"conv2d", "n 0"});
  c = ok;
  c.sh = 0;
  expect_kernel_error(infer(c), {"conv2d", "stride 0"});
}

TEST(ConvErrors, LaunchersRejectStaleOutputSize) {
  Conv2dParams p = make_conv({"", 1, 2, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1});
  p.h_out = 4;  // conv2d_infer says 5
  std::vector<float> buf(1024);
  expect_kernel_error([&] { cpu::conv2d_fprop<float>(p, buf.data(), buf.data(), nullptr, buf.data()); },
                      {"conv2d", "4x5", "5x5"});
}

TEST(ConvErrors, ConvTranspose2dInferRejectsBadOutputPadding) {
  ConvTCase c = {"", 1, 4, 5, 5, 4, 3, 3, 2, 2, 1, 1, 1, 1, 2, 0, 1};  // out_pad 2 >= stride 2
  expect_kernel_error([c] { make_convt(c); }, {"conv_transpose2d", "output padding"});
  c.oph = 0;
  c.groups = 3;
  expect_kernel_error([c] { make_convt(c); }, {"conv_transpose2d", "groups 3"});
  c.groups = 1;
  c.h = 1;
  c.kh = 1;
  c.ph = 1;  // (1-1)*2 - 2 + 0 + 1 = -1
  c.sh = 1;
  expect_kernel_error([c] { make_convt(c); }, {"conv_transpose2d", "empty"});
}

}  // namespace
}  // namespace gan::kernels
