// Forward values and error messages of the linalg / conv / resample engine ops,
// against tiny direct computations written here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "gan/autograd.h"
#include "gan/ops.h"
#include "gan/random.h"

namespace gan {
namespace {

using ::testing::HasSubstr;

Tensor randn64(const Shape& s, uint64_t seed) {
  Generator g(seed);
  return Tensor::randn(s, g, {DType::f64});
}

void expect_close(const Tensor& a, const std::vector<double>& b, double tol, const std::string& what) {
  const std::vector<double> av = a.to_double_vector();
  ASSERT_EQ(av.size(), b.size()) << what;
  for (size_t i = 0; i < av.size(); ++i) ASSERT_NEAR(av[i], b[i], tol) << what << " element " << i;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no gan::Error thrown)";
}

// ---- direct references ------------------------------------------------------------

std::vector<double> ref_conv2d(const Tensor& xt, const Tensor& wt, const Tensor& bt, const ops::Conv2dOptions& o,
                               Shape& out) {
  const auto x = xt.to_double_vector(), w = wt.to_double_vector();
  const int64_t N = xt.size(0), C = xt.size(1), H = xt.size(2), W = xt.size(3);
  const int64_t CO = wt.size(0), CG = wt.size(1), KH = wt.size(2), KW = wt.size(3), G = o.groups;
  const int64_t OH = (H + 2 * o.padding[0] - o.dilation[0] * (KH - 1) - 1) / o.stride[0] + 1;
  const int64_t OW = (W + 2 * o.padding[1] - o.dilation[1] * (KW - 1) - 1) / o.stride[1] + 1;
  out = {N, CO, OH, OW};
  std::vector<double> y(static_cast<size_t>(N * CO * OH * OW), 0.0);
  const int64_t cog = CO / G;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t co = 0; co < CO; ++co)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = bt.defined() ? bt.to_double_vector()[static_cast<size_t>(co)] : 0.0;
          const int64_t g = co / cog;
          for (int64_t ci = 0; ci < CG; ++ci)
            for (int64_t i = 0; i < KH; ++i)
              for (int64_t j = 0; j < KW; ++j) {
                const int64_t ih = oh * o.stride[0] - o.padding[0] + i * o.dilation[0];
                const int64_t iw = ow * o.stride[1] - o.padding[1] + j * o.dilation[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += x[static_cast<size_t>(((n * C + g * CG + ci) * H + ih) * W + iw)] *
                       w[static_cast<size_t>(((co * CG + ci) * KH + i) * KW + j)];
              }
          y[static_cast<size_t>(((n * CO + co) * OH + oh) * OW + ow)] = acc;
        }
  return y;
}

std::vector<double> ref_conv_transpose2d(const Tensor& xt, const Tensor& wt, const Tensor& bt,
                                         const ops::ConvTranspose2dOptions& o, Shape& out) {
  const auto x = xt.to_double_vector(), w = wt.to_double_vector();
  const int64_t N = xt.size(0), C = xt.size(1), H = xt.size(2), W = xt.size(3);
  const int64_t COG = wt.size(1), KH = wt.size(2), KW = wt.size(3), G = o.groups, CO = COG * G, CG = C / G;
  const int64_t OH = (H - 1) * o.stride[0] - 2 * o.padding[0] + o.dilation[0] * (KH - 1) + o.output_padding[0] + 1;
  const int64_t OW = (W - 1) * o.stride[1] - 2 * o.padding[1] + o.dilation[1] * (KW - 1) + o.output_padding[1] + 1;
  out = {N, CO, OH, OW};
  std::vector<double> y(static_cast<size_t>(N * CO * OH * OW), 0.0);
  if (bt.defined()) {
    const auto b = bt.to_double_vector();
    for (int64_t n = 0; n < N; ++n)
      for (int64_t co = 0; co < CO; ++co)
        for (int64_t k = 0; k < OH * OW; ++k) y[static_cast<size_t>((n * CO + co) * OH * OW + k)] = b[static_cast<size_t>(co)];
  }
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t ih = 0; ih < H; ++ih)
        for (int64_t iw = 0; iw < W; ++iw) {
          const double xv = x[static_cast<size_t>(((n * C + c) * H + ih) * W + iw)];
          const int64_t g = c / CG;
          for (int64_t co = 0; co < COG; ++co)
            for (int64_t i = 0; i < KH; ++i)
              for (int64_t j = 0; j < KW; ++j) {
                const int64_t oh = ih * o.stride[0] - o.padding[0] + i * o.dilation[0];
                const int64_t ow = iw * o.stride[1] - o.padding[1] + j * o.dilation[1];
                if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
                y[static_cast<size_t>(((n * CO + g * COG + co) * OH + oh) * OW + ow)] +=
                    xv * w[static_cast<size_t>(((c * COG + co) * KH + i) * KW + j)];
              }
        }
  return y;
}

// ---- conv2d -----------------------------------------------------------------------------

struct ConvCase {
  Shape x, w;
  bool bias;
  ops::Conv2dOptions o;
};

TEST(ConvOps, Conv2dMatchesDirectComputation) {
  const std::vector<ConvCase> cases = {
      {{2, 3, 5, 5}, {4, 3, 3, 3}, true, {}},
      {{2, 2, 6, 6}, {3, 2, 4, 4}, true, {.stride = {2, 2}, .padding = {1, 1}}},
      {{1, 2, 7, 6}, {2, 2, 3, 3}, false, {.padding = {2, 1}, .dilation = {2, 2}}},
      {{2, 4, 5, 5}, {6, 2, 3, 3}, true, {.padding = {1, 1}, .groups = 2}},
      {{1, 3, 4, 4}, {5, 3, 1, 1}, false, {}},
      {{1, 2, 7, 5}, {2, 2, 3, 2}, true, {.stride = {2, 1}, .padding = {1, 0}, .dilation = {1, 2}}},
  };
  uint64_t seed = 1;
  for (const auto& c : cases) {
    const Tensor x = randn64(c.x, seed++), w = randn64(c.w, seed++);
    const Tensor b = c.bias ? randn64({c.w[0]}, seed++) : Tensor();
    Shape ref_shape;
    const auto ref = ref_conv2d(x, w, b, c.o, ref_shape);
    const Tensor y = ops::conv2d(x, w, b, c.o);
    ASSERT_EQ(y.shape(), ref_shape) << shape_str(c.x);
    expect_close(y, ref, 1e-10, "conv2d f64 " + shape_str(c.x) + " " + shape_str(c.w));
    const Tensor y32 = ops::conv2d(x.to(DType::f32), w.to(DType::f32), c.bias ? b.to(DType::f32) : Tensor(), c.o);
    EXPECT_EQ(y32.dtype(), DType::f32);
    expect_close(y32, ref, 1e-4, "conv2d f32 " + shape_str(c.x) + " " + shape_str(c.w));
  }
}

TEST(ConvOps, ConvTranspose2dMatchesDirectComputation) {
  struct Case {
    Shape x, w;
    bool bias;
    ops::ConvTranspose2dOptions o;
  };
  const std::vector<Case> cases = {
      {{2, 3, 3, 3}, {3, 2, 4, 4}, true, {.stride = {2, 2}, .padding = {1, 1}}},
      {{1, 2, 3, 4}, {2, 3, 3, 3}, true, {.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 1}}},
      {{1, 4, 3, 3}, {4, 2, 3, 3}, false, {.dilation = {2, 2}, .groups = 2}},
      {{2, 2, 4, 3}, {2, 1, 1, 1}, true, {}},
      {{1, 2, 3, 3}, {2, 2, 3, 2}, false, {.stride = {3, 2}, .padding = {0, 1}, .output_padding = {2, 0}}},
  };
  uint64_t seed = 100;
  for (const auto& c : cases) {
    const Tensor x = randn64(c.x, seed++), w = randn64(c.w, seed++);
    const Tensor b = c.bias ? randn64({c.w[1] * c.o.groups}, seed++) : Tensor();
    Shape ref_shape;
    const auto ref = ref_conv_transpose2d(x, w, b, c.o, ref_shape);
    const Tensor y = ops::conv_transpose2d(x, w, b, c.o);
    ASSERT_EQ(y.shape(), ref_shape) << shape_str(c.x);
    expect_close(y, ref, 1e-10, "conv_transpose2d " + shape_str(c.x) + " " + shape_str(c.w));
    const Tensor y32 =
        ops::conv_transpose2d(x.to(DType::f32), w.to(DType::f32), c.bias ? b.to(DType::f32) : Tensor(), c.o);
    expect_close(y32, ref, 1e-4, "conv_transpose2d f32 " + shape_str(c.x));
  }
}

// conv_transpose2d(dy, w) is the input gradient of conv2d(x, w) (the adjoint).
TEST(ConvOps, ConvTranspose2dIsAdjointOfConv2d) {
  struct Case {
    Shape x, w;
    ops::Conv2dOptions o;
    std::array<int64_t, 2> output_padding;
  };
  const std::vector<Case> cases = {
      {{2, 3, 7, 7}, {4, 3, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}}, {0, 0}},
      {{2, 3, 8, 8}, {4, 3, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}}, {1, 1}},
      {{1, 4, 9, 8}, {6, 2, 3, 3}, {.stride = {1, 1}, .padding = {1, 2}, .dilation = {2, 2}, .groups = 2}, {0, 0}},
      {{1, 2, 8, 8}, {3, 2, 4, 4}, {.stride = {2, 2}, .padding = {1, 1}}, {0, 0}},
  };
  uint64_t seed = 200;
  for (const auto& c : cases) {
    Tensor x = randn64(c.x, seed++);
    x.requires_grad_();
    const Tensor w = randn64(c.w, seed++);
    const Tensor y = ops::conv2d(x, w, {}, c.o);
    const Tensor dy = randn64(y.shape(), seed++);
    const Tensor dx = autograd::grad({y}, {x}, {dy})[0];
    ops::ConvTranspose2dOptions t;
    t.stride = c.o.stride;
    t.padding = c.o.padding;
    t.dilation = c.o.dilation;
    t.groups = c.o.groups;
    t.output_padding = c.output_padding;
    const Tensor xt = ops::conv_transpose2d(dy, w, {}, t);
    ASSERT_EQ(xt.shape(), x.shape());
    expect_close(xt, dx.to_double_vector(), 1e-10, "adjoint " + shape_str(c.x));
    // And <conv2d(x, w), dy> == <x, conv_transpose2d(dy, w)>.
    double lhs = 0, rhs = 0;
    const auto yv = y.to_double_vector(), dyv = dy.to_double_vector(), xv = x.to_double_vector(),
               xtv = xt.to_double_vector();
    for (size_t i = 0; i < yv.size(); ++i) lhs += yv[i] * dyv[i];
    for (size_t i = 0; i < xv.size(); ++i) rhs += xv[i] * xtv[i];
    EXPECT_NEAR(lhs, rhs, 1e-9 * (1 + std::abs(lhs)));
  }
}

TEST(ConvOps, Conv2dErrorsNameOpAndShapes) {
  const Tensor x = Tensor::zeros({1, 3, 5, 5}), w = Tensor::zeros({4, 2, 3, 3});
  std::string msg = error_of([&] { ops::conv2d(x, w); });
  EXPECT_THAT(msg, HasSubstr("conv2d"));
  EXPECT_THAT(msg, HasSubstr("[1, 3, 5, 5]"));
  EXPECT_THAT(msg, HasSubstr("[4, 2, 3, 3]"));
  EXPECT_THAT(msg, HasSubstr("groups 1"));

  msg = error_of([&] { ops::conv2d(Tensor::zeros({1, 4, 5, 5}), Tensor::zeros({4, 4, 3, 3}), {}, {.groups = 2}); });
  EXPECT_THAT(msg, HasSubstr("conv2d"));
  EXPECT_THAT(msg, HasSubstr("[1, 4, 5, 5]"));
  EXPECT_THAT(msg, HasSubstr("[4, 4, 3, 3]"));
  EXPECT_THAT(msg, HasSubstr("groups 2"));

  msg = error_of([&] { ops::conv2d(Tensor::zeros({3, 5, 5}), w); });
  EXPECT_THAT(msg, HasSubstr("conv2d"));
  EXPECT_THAT(msg, HasSubstr("[3, 5, 5]"));
  EXPECT_THAT(msg, HasSubstr("[4, 2, 3, 3]"));

  msg = error_of([&] { ops::conv2d(Tensor::zeros({1, 2, 2, 2}), w); });  // output < 1
  EXPECT_THAT(msg, HasSubstr("conv2d"));
  EXPECT_THAT(msg, HasSubstr("[1, 2, 2, 2]"));
  EXPECT_THAT(msg, HasSubstr("[4, 2, 3, 3]"));
  EXPECT_THAT(msg, HasSubstr("< 1"));

  msg = error_of([&] { ops::conv2d(Tensor::zeros({1, 2, 5, 5}), w, Tensor::zeros({3})); });
  EXPECT_THAT(msg, HasSubstr("bias [3]"));

  msg = error_of([&] { ops::conv2d(Tensor::zeros({1, 2, 5, 5}), Tensor::zeros({4, 2, 3, 3}, {DType::f64})); });
  EXPECT_THAT(msg, HasSubstr("conv2d"));
}

TEST(ConvOps, ConvTranspose2dErrorsNameOpAndShapes) {
  std::string msg = error_of([&] { ops::conv_transpose2d(Tensor::zeros({1, 3, 4, 4}), Tensor::zeros({2, 2, 3, 3})); });
  EXPECT_THAT(msg, HasSubstr("conv_transpose2d"));
  EXPECT_THAT(msg, HasSubstr("[1, 3, 4, 4]"));
  EXPECT_THAT(msg, HasSubstr("[2, 2, 3, 3]"));
  EXPECT_THAT(msg, HasSubstr("groups 1"));

  ops::ConvTranspose2dOptions o;
  o.output_padding = {2, 2};  // not < max(stride, dilation) = 1
  msg = error_of([&] { ops::conv_transpose2d(Tensor::zeros({1, 2, 4, 4}), Tensor::zeros({2, 2, 3, 3}), {}, o); });
  EXPECT_THAT(msg, HasSubstr("conv_transpose2d"));
  EXPECT_THAT(msg, HasSubstr("output padding"));
  EXPECT_THAT(msg, HasSubstr("[1, 2, 4, 4]"));

  ops::ConvTranspose2dOptions big_pad;
  big_pad.padding = {3, 3};
  msg = error_of([&] { ops::conv_transpose2d(Tensor::zeros({1, 2, 2, 2}), Tensor::zeros({2, 2, 3, 3}), {}, big_pad); });
  EXPECT_THAT(msg, HasSubstr("conv_transpose2d"));
  EXPECT_THAT(msg, HasSubstr("< 1"));
}

// ---- matmul / linear -----------------------------------------------------------------------

std::vector<double> ref_mm(const std::vector<double>& a, const std::vector<double>& b, int64_t n, int64_t k,
                           int64_t m) {
  std::vector<double> c(static_cast<size_t>(n * m), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      for (int64_t l = 0; l < k; ++l)
        c[static_cast<size_t>(i * m + j)] += a[static_cast<size_t>(i * k + l)] * b[static_cast<size_t>(l * m + j)];
  return c;
}

TEST(MatmulOps, ForwardValuesAndShapes) {
  const Tensor a = randn64({2, 1, 3, 4}, 1), b = randn64({3, 4, 2}, 2);
  const Tensor c = ops::matmul(a, b);
  ASSERT_EQ(c.shape(), (Shape{2, 3, 3, 2}));
  const auto av = a.to_double_vector(), bv = b.to_double_vector(), cv = c.to_double_vector();
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      std::vector<double> ai(av.begin() + i * 12, av.begin() + (i + 1) * 12);
      std::vector<double> bj(bv.begin() + j * 8, bv.begin() + (j + 1) * 8);
      const auto r = ref_mm(ai, bj, 3, 4, 2);
      for (size_t e = 0; e < r.size(); ++e) ASSERT_NEAR(cv[static_cast<size_t>((i * 3 + j) * 6) + e], r[e], 1e-12);
    }
  // 2-D, f32
  const Tensor a2 = randn64({3, 5}, 3), b2 = randn64({5, 4}, 4);
  expect_close(ops::matmul(a2.to(DType::f32), b2.to(DType::f32)),
               ref_mm(a2.to_double_vector(), b2.to_double_vector(), 3, 5, 4), 1e-4, "matmul f32");
  // 1-D operands as NumPy.
  const Tensor v = randn64({5}, 5);
  const Tensor vm = ops::matmul(v, b2);
  EXPECT_EQ(vm.shape(), (Shape{4}));
  expect_close(vm, ref_mm(v.to_double_vector(), b2.to_double_vector(), 1, 5, 4), 1e-12, "vec @ mat");
  const Tensor mv = ops::matmul(a2, v);
  EXPECT_EQ(mv.shape(), (Shape{3}));
  expect_close(mv, ref_mm(a2.to_double_vector(), v.to_double_vector(), 3, 5, 1), 1e-12, "mat @ vec");
  const Tensor vv = ops::matmul(v, v);
  EXPECT_EQ(vv.shape(), (Shape{}));
  EXPECT_NEAR(vv.item(), ref_mm(v.to_double_vector(), v.to_double_vector(), 1, 5, 1)[0], 1e-12);
  EXPECT_EQ(ops::matmul(randn64({2, 3, 5}, 6), v).shape(), (Shape{2, 3}));
  EXPECT_EQ(ops::matmul(v, randn64({2, 5, 3}, 7)).shape(), (Shape{2, 3}));
}

TEST(MatmulOps, ErrorsNameOpAndShapes) {
  std::string msg = error_of([] { ops::matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5})); });
  EXPECT_THAT(msg, HasSubstr("matmul"));
  EXPECT_THAT(msg, HasSubstr("[2, 3]"));
  EXPECT_THAT(msg, HasSubstr("[4, 5]"));
  msg = error_of([] { ops::matmul(Tensor::zeros({2, 2, 3}), Tensor::zeros({3, 3, 5})); });
  EXPECT_THAT(msg, HasSubstr("matmul"));
  EXPECT_THAT(msg, HasSubstr("[2, 2, 3]"));
  EXPECT_THAT(msg, HasSubstr("[3, 3, 5]"));
}

TEST(LinearOps, ForwardValuesAndErrors) {
  const Tensor x = randn64({2, 3, 4}, 11), w = randn64({5, 4}, 12), b = randn64({5}, 13);
  const Tensor y = ops::linear(x, w, b);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 5}));
  const auto xv = x.to_double_vector(), wv = w.to_double_vector(), bv = b.to_double_vector(), yv = y.to_double_vector();
  for (int64_t r = 0; r < 6; ++r)
    for (int64_t o = 0; o < 5; ++o) {
      double acc = bv[static_cast<size_t>(o)];
      for (int64_t i = 0; i < 4; ++i) acc += xv[static_cast<size_t>(r * 4 + i)] * wv[static_cast<size_t>(o * 4 + i)];
      ASSERT_NEAR(yv[static_cast<size_t>(r * 5 + o)], acc, 1e-12);
    }
  EXPECT_EQ(ops::linear(randn64({4}, 14), w).shape(), (Shape{5}));
  std::string msg = error_of([&] { ops::linear(randn64({2, 3}, 1), w); });
  EXPECT_THAT(msg, HasSubstr("linear"));
  EXPECT_THAT(msg, HasSubstr("[2, 3]"));
  EXPECT_THAT(msg, HasSubstr("[5, 4]"));
  msg = error_of([&] { ops::linear(x, w, randn64({4}, 1)); });
  EXPECT_THAT(msg, HasSubstr("linear"));
  EXPECT_THAT(msg, HasSubstr("[4]"));
  EXPECT_THAT(msg, HasSubstr("[5, 4]"));
}

// ---- resampling --------------------------------------------------------------------------------

TEST(ConvResample, ForwardValues) {
  const Tensor x = Tensor::from_data({1, 1, 2, 2}, std::vector<double>{1, 2, 3, 4}, {DType::f64});
  expect_close(ops::upsample_nearest2d(x, 4, 4), {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, 1e-12, "nearest");
  expect_close(ops::upsample_bilinear2d(x, 3, 3, true), {1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4}, 1e-12, "bilinear ac");
  // align_corners=false: rows 2 -> 1 sample src 0.5 (row mean [2, 3]); cols 2 -> 4 sample
  // src = (dst + 0.5)/2 - 0.5 clamped to [0, 1]: 0, .25, .75, 1 (PyTorch's values).
  expect_close(ops::upsample_bilinear2d(x, 1, 4, false).reshape({4}), {2.0, 2.25, 2.75, 3.0}, 1e-12, "bilinear");
  const Tensor p = Tensor::arange(16, {DType::f64}).reshape({1, 1, 4, 4});
  expect_close(ops::avg_pool2d(p, {2, 2}), {2.5, 4.5, 10.5, 12.5}, 1e-12, "avg_pool2d");
  const Tensor p32 = ops::avg_pool2d(p.to(DType::f32), {2, 2});
  EXPECT_EQ(p32.dtype(), DType::f32);
  expect_close(p32, {2.5, 4.5, 10.5, 12.5}, 1e-6, "avg_pool2d f32");
  // count_include_pad=false at the corner: mean of the real pixels only.
  expect_close(ops::avg_pool2d(p, {3, 3}, {2, 2}, {1, 1}, false).reshape({4}), {2.5, 4.0, 8.5, 10.0}, 1e-12,
               "avg_pool2d exclude pad");
  std::string msg = error_of([&] { ops::avg_pool2d(Tensor::zeros({4, 4}), {2, 2}); });
  EXPECT_THAT(msg, HasSubstr("avg_pool2d"));
  EXPECT_THAT(msg, HasSubstr("[4, 4]"));
  msg = error_of([&] { ops::upsample_bilinear2d(Tensor::zeros({1, 1, 2, 2}), 0, 3); });
  EXPECT_THAT(msg, HasSubstr("upsample_bilinear2d"));
  EXPECT_THAT(msg, HasSubstr("[1, 1, 2, 2]"));
}

}  // namespace
}  // namespace gan
