// Gradient-check rows: spectral_norm_weight and conditional_batch_norm.
//
// spectral_norm_weight rows run in eval mode (u, v fixed inputs, so W / sigma
// with sigma = u^T W v is a plain function of W that finite differences can
// see), first and second order, for the dim-0 and dim-1 views, and inside a
// linear layer (the input gradient of an SN discriminator layer, which a
// gradient penalty differentiates again). One training-mode row restarts u
// from the same vector at every evaluation and iterates to convergence: then
// u v^T is the exact derivative of the top singular value, so the
// constant-u,v backward matches finite differences (first order only: the
// second derivative of sigma_1 is not u v^T's).
#include "gradcheck_table.h"

namespace gan::testing {
namespace {

using V = std::vector<Tensor>;

// A non-grad f64 vector of standard normals.
Tensor vec(Generator& g, int64_t n) { return Tensor::randn({n}, g, {DType::f64}); }

GradcheckRow sn_eval_row(std::string name, Shape w_shape, int64_t dim, bool second) {
  return {name,
          [w_shape, dim](Generator& g) {
            const int64_t rows = w_shape[static_cast<size_t>(dim)];
            const int64_t cols = shape_numel(w_shape) / rows;
            return V{rand_leaf(g, w_shape), vec(g, rows), vec(g, cols)};
          },
          [dim](const V& in) { return ops::spectral_norm_weight(in[0], in[1], in[2], 1, false, dim); }, second};
}

const RegisterRows rows({
    sn_eval_row("spectral_norm_weight eval [4,6]", {4, 6}, 0, true),
    sn_eval_row("spectral_norm_weight eval conv [3,2,2,2]", {3, 2, 2, 2}, 0, true),
    sn_eval_row("spectral_norm_weight eval dim 1 (conv_t) [2,3,2,2]", {2, 3, 2, 2}, 1, true),
    sn_eval_row("spectral_norm_weight eval one row [1,5]", {1, 5}, 0, true),
    {"linear(x, spectral_norm_weight) eval, x and W",
     [](Generator& g) { return V{rand_leaf(g, {3, 5}), rand_leaf(g, {4, 5}), vec(g, 4), vec(g, 5)}; },
     [](const V& in) { return ops::tanh(ops::linear(in[0], ops::spectral_norm_weight(in[1], in[2], in[3], 1, false))); },
     true},
    {"spectral_norm_weight training, converged from a fixed u [4,6]",
     [](Generator& g) { return V{rand_leaf(g, {4, 6}), vec(g, 4), vec(g, 6)}; },
     [](const V& in) {
       Tensor u = in[1].clone(), v = in[2].clone();  // the same start at every evaluation
       return ops::spectral_norm_weight(in[0], u, v, 200, true);
     },
     false},
    // ---- conditional batch norm ------------------------------------------------------------
    {"conditional_batch_norm train [3,2,2,2]",
     [](Generator& g) { return V{rand_leaf(g, {3, 2, 2, 2}), rand_leaf(g, {3, 2}), rand_leaf(g, {3, 2})}; },
     [](const V& in) { return ops::conditional_batch_norm(in[0], in[1], in[2], {}, {}, true); }, true},
    {"conditional_batch_norm train running stats [4,3]",
     [](Generator& g) {
       return V{rand_leaf(g, {4, 3}), rand_leaf(g, {4, 3}), rand_leaf(g, {4, 3}), Tensor::zeros({3}, {DType::f64}),
                Tensor::ones({3}, {DType::f64})};
     },
     [](const V& in) { return ops::conditional_batch_norm(in[0], in[1], in[2], in[3], in[4], true); }, true},
    {"conditional_batch_norm eval [2,3,2,2]",
     [](Generator& g) {
       Tensor rm = Tensor::randn({3}, g, {DType::f64});
       Tensor rv = Tensor::rand({3}, g, 0.5, 2.0, {DType::f64});
       return V{rand_leaf(g, {2, 3, 2, 2}), rand_leaf(g, {2, 3}), rand_leaf(g, {2, 3}), rm, rv};
     },
     [](const V& in) { return ops::conditional_batch_norm(in[0], in[1], in[2], in[3], in[4], false); }, true},
});

}  // namespace
}  // namespace gan::testing
