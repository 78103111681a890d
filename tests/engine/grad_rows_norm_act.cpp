// Gradient-check rows (f64) for batch_norm_act (gan/ops/norm_act.h): batch norm
// with a fused relu / leaky_relu, training (batch statistics, with and without
// running stats) and eval, first and second order. The random inputs put y at
// O(1) away from the kink at 0 with probability ~1, so central differences see
// one branch per element.
#include "gradcheck_table.h"

namespace gan::testing {
namespace {

using V = std::vector<Tensor>;
using ops::NormActivation;

const RegisterRows rows({
    {"batch_norm_act train leaky_relu(0.2) affine [4,3,2]",
     [](Generator& g) { return V{rand_leaf(g, {4, 3, 2}), rand_leaf(g, {3}), rand_leaf(g, {3})}; },
     [](const V& in) {
       return ops::batch_norm_act(in[0], in[1], in[2], {}, {}, true, NormActivation::leaky_relu, 0.2);
     }, true},
    {"batch_norm_act train relu affine [2,3,2,2]",
     [](Generator& g) { return V{rand_leaf(g, {2, 3, 2, 2}), rand_leaf(g, {3}), rand_leaf(g, {3})}; },
     [](const V& in) { return ops::batch_norm_act(in[0], in[1], in[2], {}, {}, true, NormActivation::relu); },
     true},
    {"batch_norm_act train leaky_relu(0.1) running stats, no affine [5,2]",
     [](Generator& g) {
       return V{rand_leaf(g, {5, 2}), Tensor::zeros({2}, {DType::f64}), Tensor::ones({2}, {DType::f64})};
     },
     [](const V& in) {
       return ops::batch_norm_act(in[0], {}, {}, in[1], in[2], true, NormActivation::leaky_relu, 0.1);
     }, true},
    {"batch_norm_act eval relu affine [4,3,2]",
     [](Generator& g) {
       Tensor rm = Tensor::randn({3}, g, {DType::f64});
       Tensor rv = Tensor::rand({3}, g, 0.5, 2.0, {DType::f64});
       return V{rand_leaf(g, {4, 3, 2}), rand_leaf(g, {3}), rand_leaf(g, {3}), rm, rv};
     },
     [](const V& in) { return ops::batch_norm_act(in[0], in[1], in[2], in[3], in[4], false, NormActivation::relu); },
     true},
    {"batch_norm_act eval leaky_relu(0.2) affine [4,3,2]",
     [](Generator& g) {
       Tensor rm = Tensor::randn({3}, g, {DType::f64});
       Tensor rv = Tensor::rand({3}, g, 0.5, 2.0, {DType::f64});
       return V{rand_leaf(g, {4, 3, 2}), rand_leaf(g, {3}), rand_leaf(g, {3}), rm, rv};
     },
     [](const V& in) {
       return ops::batch_norm_act(in[0], in[1], in[2], in[3], in[4], false, NormActivation::leaky_relu, 0.2);
     }, true},
});

}  // namespace
}  // namespace gan::testing
