// Gradient-check rows: shape ops, normalization, losses, softmax, embedding.
//
// Linear ops (permute, cat, slice, ...) are wrapped in square() for their
// second-order rows so the gradient of the gradient actually flows back
// through the op's backward (and through that backward's own backward).
#include "gradcheck_table.h"

namespace gan::testing {
namespace {

using V = std::vector<Tensor>;
using ops::Reduction;

Tensor i64(const Shape& s, std::vector<int64_t> v) { return Tensor::from_data(s, v); }

// Targets in (0, 1) for bce, requiring grad.
Tensor prob_leaf(Generator& g, const Shape& s) { return pos_leaf(g, s, 0.1, 0.9); }

GradcheckRow softmax_row(std::string name, bool log, int64_t dim) {
  return {name, [](Generator& g) { return V{rand_leaf(g, {3, 4})}; },
          [log, dim](const V& in) { return log ? ops::log_softmax(in[0], dim) : ops::softmax(in[0], dim); }, true};
}

GradcheckRow bce_row(std::string name, Reduction r, bool second) {
  return {name, [](Generator& g) { return V{rand_leaf(g, {3, 4}, 2.0), prob_leaf(g, {3, 4})}; },
          [r](const V& in) { return ops::bce_with_logits(in[0], in[1], r); }, second};
}

GradcheckRow mse_row(std::string name, Reduction r, bool second) {
  return {name, [](Generator& g) { return V{rand_leaf(g, {3, 4}), rand_leaf(g, {3, 4})}; },
          [r](const V& in) { return ops::mse_loss(in[0], in[1], r); }, second};
}

GradcheckRow ce_row(std::string name, Reduction r, bool second) {
  return {name, [](Generator& g) { return V{rand_leaf(g, {4, 5}), i64({4}, {1, 0, 4, 2})}; },
          [r](const V& in) { return ops::cross_entropy(in[0], in[1], r); }, second};
}

const RegisterRows rows({
    // ---- shape --------------------------------------------------------------------------------
    {"permute 3-D (2,0,1)", [](Generator& g) { return V{rand_leaf(g, {2, 3, 4})}; },
     [](const V& in) { return ops::square(ops::permute(in[0], {2, 0, 1})); }, true},
    {"transpose 0,-1", [](Generator& g) { return V{rand_leaf(g, {3, 2, 4})}; },
     [](const V& in) { return ops::transpose(in[0], 0, -1); }, false},
    {"cat dim 1 (3 inputs)",
     [](Generator& g) { return V{rand_leaf(g, {2, 1, 3}), rand_leaf(g, {2, 2, 3}), rand_leaf(g, {2, 3, 3})}; },
     [](const V& in) { return ops::square(ops::cat({in[0], in[1], in[2]}, 1)); }, true},
    {"stack dim -1", [](Generator& g) { return V{rand_leaf(g, {2, 3}), rand_leaf(g, {2, 3})}; },
     [](const V& in) { return ops::stack({in[0], in[1]}, -1); }, false},
    {"slice dim 1 start -6 step 2", [](Generator& g) { return V{rand_leaf(g, {3, 7})}; },
     [](const V& in) { return ops::square(ops::slice(in[0], 1, -6, 7, 2)); }, true},
    {"slice dim 0 clamped -10..100 step 2", [](Generator& g) { return V{rand_leaf(g, {5, 3})}; },
     [](const V& in) { return ops::square(ops::slice(in[0], 0, -10, 100, 2)); }, true},
    {"index_select0 repeated rows", [](Generator& g) { return V{rand_leaf(g, {4, 3})}; },
     [](const V& in) { return ops::square(ops::index_select0(in[0], i64({5}, {2, 0, 2, 3, 2}))); }, true},
    // ---- normalization ------------------------------------------------------------------------
    {"batch_norm train affine [4,3,2]",
     [](Generator& g) { return V{rand_leaf(g, {4, 3, 2}), rand_leaf(g, {3}), rand_leaf(g, {3})}; },
     [](const V& in) { return ops::batch_norm(in[0], in[1], in[2], {}, {}, true); }, false},
    {"batch_norm train 2nd order [2,3,2,2]",
     [](Generator& g) { return V{rand_leaf(g, {2, 3, 2, 2}), rand_leaf(g, {3}), rand_leaf(g, {3})}; },
     [](const V& in) { return ops::batch_norm(in[0], in[1], in[2], {}, {}, true); }, true},
    {"batch_norm train running stats, no affine",
     [](Generator& g) {
       return V{rand_leaf(g, {5, 2}), Tensor::zeros({2}, {DType::f64}), Tensor::ones({2}, {DType::f64})};
     },
     [](const V& in) { return ops::batch_norm(in[0], {}, {}, in[1], in[2], true, 0.1); }, true},
    {"batch_norm eval affine",
     [](Generator& g) {
       Tensor rm = Tensor::randn({3}, g, {DType::f64});
       Tensor rv = Tensor::rand({3}, g, 0.5, 2.0, {DType::f64});
       return V{rand_leaf(g, {4, 3, 2}), rand_leaf(g, {3}), rand_leaf(g, {3}), rm, rv};
     },
     [](const V& in) { return ops::batch_norm(in[0], in[1], in[2], in[3], in[4], false); }, true},
    {"layer_norm 1 dim affine", [](Generator& g) { return V{rand_leaf(g, {3, 5}), rand_leaf(g, {5}), rand_leaf(g, {5})}; },
     [](const V& in) { return ops::layer_norm(in[0], 1, in[1], in[2]); }, true},
    {"layer_norm 2 dims affine",
     [](Generator& g) { return V{rand_leaf(g, {2, 3, 4}), rand_leaf(g, {3, 4}), rand_leaf(g, {3, 4})}; },
     [](const V& in) { return ops::layer_norm(in[0], 2, in[1], in[2]); }, true},
    {"layer_norm no affine", [](Generator& g) { return V{rand_leaf(g, {4, 6})}; },
     [](const V& in) { return ops::layer_norm(in[0], 1); }, true},
    {"instance_norm affine [2,3,2,3]",
     [](Generator& g) { return V{rand_leaf(g, {2, 3, 2, 3}), rand_leaf(g, {3}), rand_leaf(g, {3})}; },
     [](const V& in) { return ops::instance_norm(in[0], in[1], in[2]); }, true},
    // ---- losses -------------------------------------------------------------------------------
    bce_row("bce_with_logits mean", Reduction::mean, true),
    bce_row("bce_with_logits sum", Reduction::sum, false),
    bce_row("bce_with_logits none", Reduction::none, true),
    mse_row("mse_loss mean", Reduction::mean, true),
    mse_row("mse_loss sum", Reduction::sum, false),
    mse_row("mse_loss none", Reduction::none, true),
    ce_row("cross_entropy mean", Reduction::mean, true),
    ce_row("cross_entropy sum", Reduction::sum, false),
    ce_row("cross_entropy none", Reduction::none, false),
    softmax_row("softmax dim -1", false, -1),
    softmax_row("softmax dim 0", false, 0),
    softmax_row("log_softmax dim -1", true, -1),
    softmax_row("log_softmax dim 0", true, 0),
    // ---- embedding ----------------------------------------------------------------------------
    {"embedding table grad [2,3] idx", [](Generator& g) { return V{rand_leaf(g, {5, 4})}; },
     [](const V& in) { return ops::square(ops::embedding(i64({2, 3}, {1, 4, 1, 0, 3, 1}), in[0])); }, true},
});

}  // namespace
}  // namespace gan::testing
