// Gradient-check rows: attention (fused op: the attention_bprop kernel for the
// first order, the composite backward for the second), its materialized
// composite, and the SelfAttention2d module (SAGAN and BigGAN variants) with
// respect to its input and every parameter, gamma set away from its initial 0
// so the attention path carries gradient. Second order on all of them: R1 /
// WGAN-GP differentiate a SAGAN discriminator's input gradient.
#include <memory>

#include "gan/nn/self_attention.h"
#include "gradcheck_table.h"

namespace gan::testing {
namespace {

using V = std::vector<Tensor>;

GradcheckRow attention_row(std::string name, Shape q, Shape k, Shape v, double scale, bool materialized = false) {
  return {std::move(name),
          [q, k, v](Generator& g) {
            return V{rand_leaf(g, q), rand_leaf(g, k), rand_leaf(g, v)};
          },
          [scale, materialized](const V& in) {
            return materialized ? ops::attention_materialized(in[0], in[1], in[2], scale)
                                : ops::attention(in[0], in[1], in[2], scale);
          },
          true};
}

// The module's input and parameters are the checked leaves (gradcheck perturbs
// them in place, so the module sees the perturbation).
GradcheckRow module_row(std::string name, nn::AttentionVariant variant, int64_t c, Shape x) {
  auto holder = std::make_shared<std::shared_ptr<nn::SelfAttention2d>>();
  return {std::move(name),
          [holder, variant, c, x](Generator& g) {
            *holder = std::make_shared<nn::SelfAttention2d>(c, g, variant, DType::f64);
            (*holder)->gamma.data<double>()[0] = 0.7;  // 0 would hide the attention path
            V in{rand_leaf(g, x)};
            for (const Tensor& p : (*holder)->parameters()) in.push_back(p);
            return in;
          },
          [holder](const V& in) { return (*holder)->forward(in[0]); }, true};
}

const RegisterRows rows({
    attention_row("attention B2 N5 M4 d3 dv2", {2, 5, 3}, {2, 4, 3}, {2, 4, 2}, 1.0),
    attention_row("attention B1 N3 M6 d2 dv4 scale 0.5", {1, 3, 2}, {1, 6, 2}, {1, 6, 4}, 0.5),
    attention_row("attention M=1 (dq = dk = 0)", {2, 3, 2}, {2, 1, 2}, {2, 1, 3}, 1.0),
    attention_row("attention_materialized B2 N4 M3 d2 dv3", {2, 4, 2}, {2, 3, 2}, {2, 3, 3}, 0.7, true),
    module_row("SelfAttention2d SAGAN C8 [2,8,2,3]", nn::AttentionVariant::sagan, 8, {2, 8, 2, 3}),
    module_row("SelfAttention2d BigGAN C16 [1,16,3,2]", nn::AttentionVariant::biggan, 16, {1, 16, 3, 2}),
});

}  // namespace
}  // namespace gan::testing
