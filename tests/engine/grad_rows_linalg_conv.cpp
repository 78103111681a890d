// Gradient-check rows: matmul, linear, conv2d, conv_transpose2d, avg_pool2d,
// upsample nearest / bilinear.
//
// Second-order rows wrap the op in square(): these ops are linear or bilinear, so
// without a nonlinearity after them the second-order check would not reach the
// branches of their backward's backward that differentiate w.r.t. the incoming
// gradient (the branches WGAN-GP's penalty goes through).
#include "gradcheck_table.h"

namespace gan::testing {
namespace {

using V = std::vector<Tensor>;

GradcheckRow matmul_row(std::string name, Shape a, Shape b) {
  return {name, [a, b](Generator& g) { return V{rand_leaf(g, a), rand_leaf(g, b)}; },
          [](const V& in) { return ops::square(ops::matmul(in[0], in[1])); }, true};
}

GradcheckRow conv_row(std::string name, Shape x, Shape w, bool bias, ops::Conv2dOptions o) {
  return {name,
          [x, w, bias](Generator& g) {
            V v{rand_leaf(g, x), rand_leaf(g, w, 0.5)};
            if (bias) v.push_back(rand_leaf(g, {w[0]}));
            return v;
          },
          [bias, o](const V& in) { return ops::square(ops::conv2d(in[0], in[1], bias ? in[2] : Tensor(), o)); },
          true};
}

GradcheckRow convt_row(std::string name, Shape x, Shape w, bool bias, ops::ConvTranspose2dOptions o) {
  return {name,
          [x, w, bias, o](Generator& g) {
            V v{rand_leaf(g, x), rand_leaf(g, w, 0.5)};
            if (bias) v.push_back(rand_leaf(g, {w[1] * o.groups}));
            return v;
          },
          [bias, o](const V& in) {
            return ops::square(ops::conv_transpose2d(in[0], in[1], bias ? in[2] : Tensor(), o));
          },
          true};
}

GradcheckRow resample_row(std::string name, Shape x, std::function<Tensor(const Tensor&)> op) {
  return {name, [x](Generator& g) { return V{rand_leaf(g, x)}; },
          [op](const V& in) { return ops::square(op(in[0])); }, true};
}

const RegisterRows rows({
    // ---- matmul / linear -------------------------------------------------------------
    {"matmul 2-D (plain)", [](Generator& g) { return V{rand_leaf(g, {3, 4}), rand_leaf(g, {4, 2})}; },
     [](const V& in) { return ops::matmul(in[0], in[1]); }, true},
    matmul_row("matmul 2-D, squared", {3, 4}, {4, 2}),
    matmul_row("matmul batch broadcast [2,1,3,4]@[3,4,2]", {2, 1, 3, 4}, {3, 4, 2}),
    matmul_row("matmul batched @ 2-D [2,3,4]@[4,5]", {2, 3, 4}, {4, 5}),
    matmul_row("matmul 2-D @ batched [3,4]@[2,4,2]", {3, 4}, {2, 4, 2}),
    matmul_row("matmul vec @ mat [4]@[4,3]", {4}, {4, 3}),
    matmul_row("matmul mat @ vec [3,4]@[4]", {3, 4}, {4}),
    matmul_row("matmul vec @ batched [4]@[2,4,3]", {4}, {2, 4, 3}),
    matmul_row("matmul vec @ vec", {5}, {5}),
    {"linear bias [2,3,4] w[5,4], squared",
     [](Generator& g) { return V{rand_leaf(g, {2, 3, 4}), rand_leaf(g, {5, 4}), rand_leaf(g, {5})}; },
     [](const V& in) { return ops::square(ops::linear(in[0], in[1], in[2])); }, true},
    {"linear no bias [4] w[3,4], squared", [](Generator& g) { return V{rand_leaf(g, {4}), rand_leaf(g, {3, 4})}; },
     [](const V& in) { return ops::square(ops::linear(in[0], in[1])); }, true},

    // ---- conv2d ----------------------------------------------------------------------
    {"conv2d 3x3 pad 1 bias (plain)",
     [](Generator& g) { return V{rand_leaf(g, {2, 2, 5, 5}), rand_leaf(g, {3, 2, 3, 3}), rand_leaf(g, {3})}; },
     [](const V& in) { return ops::conv2d(in[0], in[1], in[2], {.padding = {1, 1}}); }, true},
    conv_row("conv2d 3x3 pad 1 bias, squared", {2, 2, 5, 5}, {3, 2, 3, 3}, true, {.padding = {1, 1}}),
    conv_row("conv2d 4x4 stride 2 pad 1 bias, squared", {2, 2, 6, 6}, {3, 2, 4, 4}, true,
             {.stride = {2, 2}, .padding = {1, 1}}),
    conv_row("conv2d 3x3 dilation 2, squared", {1, 2, 7, 7}, {2, 2, 3, 3}, false, {.dilation = {2, 2}}),
    conv_row("conv2d groups 2 pad 1 bias, squared", {2, 4, 5, 5}, {4, 2, 3, 3}, true,
             {.padding = {1, 1}, .groups = 2}),
    conv_row("conv2d 1x1 bias, squared", {2, 3, 4, 4}, {2, 3, 1, 1}, true, {}),
    conv_row("conv2d 3x2 stride 2x1 pad 1x0, squared", {1, 2, 6, 5}, {2, 2, 3, 2}, false,
             {.stride = {2, 1}, .padding = {1, 0}}),

    // ---- conv_transpose2d --------------------------------------------------------------
    convt_row("conv_transpose2d 4x4 stride 2 pad 1 bias, squared", {2, 3, 3, 3}, {3, 2, 4, 4}, true,
              {.stride = {2, 2}, .padding = {1, 1}}),
    convt_row("conv_transpose2d 3x3 s2 p1 output_padding 1, sq.", {1, 2, 3, 3}, {2, 2, 3, 3}, true,
              {.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 1}}),
    convt_row("conv_transpose2d groups 2 dilation 2, squared", {1, 4, 3, 3}, {4, 1, 3, 3}, true,
              {.dilation = {2, 2}, .groups = 2}),

    // ---- resampling -------------------------------------------------------------------
    resample_row("avg_pool2d 2x2, squared", {2, 2, 4, 4}, [](const Tensor& x) { return ops::avg_pool2d(x, {2, 2}); }),
    resample_row("avg_pool2d 3x3 s2 p1 exclude pad, squared", {1, 2, 5, 5},
                 [](const Tensor& x) { return ops::avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}, false); }),
    resample_row("upsample_nearest2d 3x3->6x5, squared", {1, 2, 3, 3},
                 [](const Tensor& x) { return ops::upsample_nearest2d(x, 6, 5); }),
    resample_row("upsample_bilinear2d 3x4->5x7, squared", {1, 2, 3, 4},
                 [](const Tensor& x) { return ops::upsample_bilinear2d(x, 5, 7, false); }),
    resample_row("upsample_bilinear2d align_corners 3x3->6x6, sq.", {1, 2, 3, 3},
                 [](const Tensor& x) { return ops::upsample_bilinear2d(x, 6, 6, true); }),
});

}  // namespace
}  // namespace gan::testing
