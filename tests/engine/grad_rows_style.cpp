// Gradient-check rows: StyleGAN / ProGAN ops (gan/ops/style.h), f64, first
// order (the fused backward kernels: grad mode off) and second order (the
// composite backwards that create_graph records) for every op: minibatch
// stddev and pixel norm sit in discriminators (R1 / WGAN-GP), AdaIN and
// modulation in generators (path-length regularization).
#include "gan/ops/style.h"
#include "gradcheck_table.h"

namespace gan::testing {
namespace {

using V = std::vector<Tensor>;

const RegisterRows rows({
    // ---- AdaIN ------------------------------------------------------------------------------
    {"adain [2,3,3,2] per-sample gamma/beta",
     [](Generator& g) { return V{rand_leaf(g, {2, 3, 3, 2}, 1.5, 0.5), rand_leaf(g, {2, 3}), rand_leaf(g, {2, 3})}; },
     [](const V& in) { return ops::adain(in[0], in[1], in[2]); }, true},
    {"adain [1,2,5] (N=1, 1-D spatial)",
     [](Generator& g) { return V{rand_leaf(g, {1, 2, 5}), rand_leaf(g, {1, 2}), rand_leaf(g, {1, 2})}; },
     [](const V& in) { return ops::adain(in[0], in[1], in[2]); }, true},
    {"noise_adain slope 1 (noise, scale, x, gamma, beta)",
     [](Generator& g) {
       return V{rand_leaf(g, {2, 3, 2, 3}), rand_leaf(g, {2, 1, 2, 3}), rand_leaf(g, {3}), rand_leaf(g, {2, 3}),
                rand_leaf(g, {2, 3})};
     },
     [](const V& in) { return ops::noise_adain(in[0], in[1], in[2], in[3], in[4], 1.0); }, true},
    {"noise_adain leaky_relu 0.2",
     [](Generator& g) {
       return V{rand_leaf(g, {2, 3, 2, 3}), rand_leaf(g, {2, 1, 2, 3}), rand_leaf(g, {3}), rand_leaf(g, {2, 3}),
                rand_leaf(g, {2, 3})};
     },
     [](const V& in) { return ops::noise_adain(in[0], in[1], in[2], in[3], in[4], 0.2); }, true},
    {"noise_injection [2,3,2,2]",
     [](Generator& g) { return V{rand_leaf(g, {2, 3, 2, 2}), rand_leaf(g, {2, 1, 2, 2}), rand_leaf(g, {3})}; },
     [](const V& in) { return ops::square(ops::noise_injection(in[0], in[1], in[2])); }, true},
    // ---- pixel norm -------------------------------------------------------------------------
    {"pixel_norm [2,3,2,2]", [](Generator& g) { return V{rand_leaf(g, {2, 3, 2, 2})}; },
     [](const V& in) { return ops::pixel_norm(in[0]); }, true},
    {"pixel_norm [3,5] (latent vectors)", [](Generator& g) { return V{rand_leaf(g, {3, 5})}; },
     [](const V& in) { return ops::pixel_norm(in[0]); }, true},
    // ---- modulation -------------------------------------------------------------------------
    {"modulate_weight demod [3,2,3,3] x style [2,2]",
     [](Generator& g) { return V{rand_leaf(g, {3, 2, 3, 3}), rand_leaf(g, {2, 2}, 0.5, 1.0)}; },
     [](const V& in) { return ops::modulate_weight(in[0], in[1], true); }, true},
    {"modulate_weight no demod", [](Generator& g) { return V{rand_leaf(g, {2, 3, 1, 2}), rand_leaf(g, {2, 3})}; },
     [](const V& in) { return ops::square(ops::modulate_weight(in[0], in[1], false)); }, true},
    {"modulated_conv2d demod pad 1 [2,2,4,4]",
     [](Generator& g) {
       return V{rand_leaf(g, {2, 2, 4, 4}), rand_leaf(g, {3, 2, 3, 3}), rand_leaf(g, {2, 2}, 0.5, 1.0)};
     },
     [](const V& in) {
       ops::Conv2dOptions o;
       o.padding = {1, 1};
       return ops::modulated_conv2d(in[0], in[1], in[2], true, o);
     },
     true},
    // ---- minibatch stddev --------------------------------------------------------------------
    {"minibatch_stddev G=2 [4,2,2,3]", [](Generator& g) { return V{rand_leaf(g, {4, 2, 2, 3})}; },
     [](const V& in) { return ops::square(ops::minibatch_stddev(in[0], 2)); }, true},
    {"minibatch_stddev G=4 clamped to N=3 [3,2,2,2]", [](Generator& g) { return V{rand_leaf(g, {3, 2, 2, 2})}; },
     [](const V& in) { return ops::square(ops::minibatch_stddev(in[0], 4)); }, true},
    {"minibatch_stddev G=3 [6,1,2,2]", [](Generator& g) { return V{rand_leaf(g, {6, 1, 2, 2})}; },
     [](const V& in) { return ops::minibatch_stddev(in[0], 3); }, true},
});

}  // namespace
}  // namespace gan::testing
