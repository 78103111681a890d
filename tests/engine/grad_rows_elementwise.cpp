// Gradient-check rows: elementwise ops and reductions (first and second order).
#include "gradcheck_table.h"

namespace gan::testing {
namespace {

using V = std::vector<Tensor>;

GradcheckRow unary(std::string name, std::function<Tensor(const Tensor&)> op, bool positive = false) {
  return {name,
          [positive](Generator& g) { return V{positive ? pos_leaf(g, {3, 4}) : rand_leaf(g, {3, 4})}; },
          [op](const V& in) { return op(in[0]); },
          true};
}

GradcheckRow binary(std::string name, std::function<Tensor(const Tensor&, const Tensor&)> op, Shape a, Shape b,
                    bool positive_b = false) {
  return {name,
          [a, b, positive_b](Generator& g) { return V{rand_leaf(g, a), positive_b ? pos_leaf(g, b) : rand_leaf(g, b)}; },
          [op](const V& in) { return op(in[0], in[1]); },
          true};
}

const RegisterRows rows({
    binary("add broadcast", [](const Tensor& a, const Tensor& b) { return a + b; }, {2, 3, 4}, {3, 1}),
    binary("sub broadcast", [](const Tensor& a, const Tensor& b) { return a - b; }, {2, 1, 4}, {3, 1}),
    binary("mul broadcast", [](const Tensor& a, const Tensor& b) { return a * b; }, {2, 3, 4}, {1, 4}),
    binary("div broadcast", [](const Tensor& a, const Tensor& b) { return a / b; }, {2, 3}, {3}, /*positive_b=*/true),
    {"pow tensor", [](Generator& g) { return V{pos_leaf(g, {2, 3}), rand_leaf(g, {2, 3}, 0.5)}; },
     [](const V& in) { return ops::pow(in[0], in[1]); }, true},
    binary("maximum", [](const Tensor& a, const Tensor& b) { return ops::maximum(a, b); }, {3, 4}, {3, 4}),
    binary("minimum", [](const Tensor& a, const Tensor& b) { return ops::minimum(a, b); }, {3, 4}, {1, 4}),
    {"where", [](Generator& g) { return V{rand_leaf(g, {3, 4}), rand_leaf(g, {4})}; },
     [](const V& in) { return ops::where(ops::gt(in[0], 0.0).detach(), in[0], in[1]); }, true},
    unary("neg", [](const Tensor& x) { return -x; }),
    unary("exp", [](const Tensor& x) { return ops::exp(x); }),
    unary("log", [](const Tensor& x) { return ops::log(x); }, true),
    unary("sqrt", [](const Tensor& x) { return ops::sqrt(x); }, true),
    unary("rsqrt", [](const Tensor& x) { return ops::rsqrt(x); }, true),
    unary("abs", [](const Tensor& x) { return ops::abs(x); }),
    unary("square", [](const Tensor& x) { return ops::square(x); }),
    unary("reciprocal", [](const Tensor& x) { return ops::reciprocal(x); }, true),
    unary("pow scalar 3", [](const Tensor& x) { return ops::pow(x, 3.0); }),
    unary("pow scalar 0.5", [](const Tensor& x) { return ops::pow(x, 0.5); }, true),
    unary("add scalar", [](const Tensor& x) { return x + 2.5; }),
    unary("mul scalar", [](const Tensor& x) { return x * -1.5; }),
    unary("rsub scalar", [](const Tensor& x) { return 1.0 - x; }),
    unary("clamp", [](const Tensor& x) { return ops::clamp(x, -0.5, 0.7); }),
    unary("relu", [](const Tensor& x) { return ops::relu(x); }),
    unary("leaky_relu 0.2", [](const Tensor& x) { return ops::leaky_relu(x, 0.2); }),
    unary("tanh", [](const Tensor& x) { return ops::tanh(x); }),
    unary("sigmoid", [](const Tensor& x) { return ops::sigmoid(x); }),
    unary("softplus", [](const Tensor& x) { return ops::softplus(x); }),
    {"sum all", [](Generator& g) { return V{rand_leaf(g, {2, 3, 4})}; },
     [](const V& in) { return ops::sum(in[0]); }, true},
    {"sum dims 0,2", [](Generator& g) { return V{rand_leaf(g, {2, 3, 4})}; },
     [](const V& in) { return ops::sum(in[0], {0, 2}); }, true},
    {"mean dims 1 keepdim", [](Generator& g) { return V{rand_leaf(g, {2, 3, 4})}; },
     [](const V& in) { return ops::mean(in[0], {1}, true); }, true},
    {"mean dims -1,-3", [](Generator& g) { return V{rand_leaf(g, {2, 3, 4})}; },
     [](const V& in) { return ops::mean(in[0], {-1, -3}); }, true},
    {"max dim 1", [](Generator& g) { return V{rand_leaf(g, {3, 5})}; },
     [](const V& in) { return ops::max(in[0], {1}); }, true},
    {"min all", [](Generator& g) { return V{rand_leaf(g, {3, 5})}; },
     [](const V& in) { return ops::min(in[0]); }, true},
    {"var dims 0,2 unbiased", [](Generator& g) { return V{rand_leaf(g, {3, 2, 4})}; },
     [](const V& in) { return ops::var(in[0], {0, 2}, 1); }, true},
    {"sum_to", [](Generator& g) { return V{rand_leaf(g, {2, 3, 4})}; },
     [](const V& in) { return ops::sum_to(in[0], {3, 1}); }, true},
    {"expand", [](Generator& g) { return V{rand_leaf(g, {3, 1})}; },
     [](const V& in) { return ops::expand(in[0], {2, 3, 4}); }, true},
    {"reshape+narrow0", [](Generator& g) { return V{rand_leaf(g, {4, 3})}; },
     [](const V& in) { return ops::square(in[0].reshape({2, 6}).narrow0(1, 1)); }, true},
    {"to f32 and back", [](Generator& g) { return V{rand_leaf(g, {5})}; },
     [](const V& in) { return ops::square(in[0]).to(DType::f32).to(DType::f64); }, false,
     GradcheckOptions{.eps = 1e-3, .atol = 1e-3, .rtol = 1e-2}},
});

}  // namespace
}  // namespace gan::testing
