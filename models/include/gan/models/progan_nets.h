// ProGAN's nets (Karras, Aila, Laine & Lehtinen 2018, Progressive growing of
// GANs for improved quality, stability, and variation): a generator and a
// discriminator that exist at every resolution r_k = 4 * 2^k of a growing
// schedule, k = 0 .. stages - 1 (32x32: 4, 8, 16, 32), and blend a new
// resolution in smoothly (the fade-in, weight alpha).
//
// Layers (the paper's Table 2, narrowed): every conv and dense layer is
// equalized (gan/nn/equalized.h: weights stored N(0, 1), scaled by
// 1/sqrt(fan_in) at run time), biases start at 0. The paper's He gain sqrt(2)
// is applied as a factor sqrt(2) after every leaky ReLU (slope 0.2), as
// StyleGAN2's bias_act does: the same as gain sqrt(2) on the next layer's
// weights (in G the pixel norm that follows makes it moot). Two layers differ
// from the paper's official code by that factor: D's from_rgb (gain 1 here,
// sqrt(2) there) and D's last dense layer (sqrt(2) here, 1 there); the
// gradient penalty fixes D's output scale either way.
//
// G  z [N, z_dim] -> pixel norm -> dense z_dim -> w_0 * 4 * 4 -> [N, w_0, 4, 4] -> act, PN
//        -> block_0: conv3x3 w_0 -> w_0, act, PN                          h_0 [N, w_0, 4, 4]
//    block_k (k >= 1): nearest x2, conv3x3 w_{k-1} -> w_k, act, PN,
//        conv3x3 w_k -> w_k, act, PN                                     h_k [N, w_k, r_k, r_k]
//    to_rgb_k: 1x1 conv w_k -> C, linear (no tanh: the paper's output layer)
//    at stage k, alpha:  out = lerp(upsample2(to_rgb_{k-1}(h_{k-1})), to_rgb_k(h_k), alpha)
//        (alpha = 1: to_rgb_k(h_k) alone)                                 [N, C, r_k, r_k]
// D  from_rgb_k: 1x1 conv C -> v_k, act
//    block_k (k >= 1): conv3x3 v_k -> v_k, act, conv3x3 v_k -> v_{k-1}, act, avg-pool 2
//    head (4x4): [minibatch stddev: + 1 channel] conv3x3 -> v_0, act,
//        conv4x4 (valid) v_0 -> v_0, act (the features), dense v_0 -> 1
//    at stage k, alpha: x is first avg-pooled to r_k (any side r_k * 2^j:
//        the exact inverse of nearest upsampling), then
//        h = lerp(from_rgb_{k-1}(avgpool2(x)), block_k(from_rgb_k(x)), alpha),
//        blocks k-1 .. 1, head                                            -> [N]
// No batch norm anywhere (WGAN-GP's per-sample penalty forbids it in D).
// Widths: w_k = min(features_max, features_g * 2^(stages - 1 - k)), v_k the
// same with features_d — the paper's min(8192 / 2^k, 512) with its base and
// cap scaled down (features 32, max 128 at 32x32: 128, 128, 64, 32).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gan/nn/equalized.h"
#include "gan/nn/module.h"
#include "gan/nn/style.h"
#include "gan/random.h"

namespace gan::models {

struct ProganOptions {
  int64_t image_size = 32;      // the final resolution: 4 * 2^(stages - 1)
  int64_t channels = 1;         // of the images; D's from_rgb take channels * pack
  int64_t z_dim = 128;
  int64_t features_g = 32;      // G's width at the final resolution, doubled per halving ...
  int64_t features_d = 32;      // ... D's the same
  int64_t features_max = 128;   // ... up to this cap
  int64_t minibatch_stddev = 0; // D's head: group size of the stddev feature, 0 = off
  int64_t pack = 1;             // PacGAN: D's input has pack * channels channels
};

// Stages of a final resolution (4 -> 1, 8 -> 2, 16 -> 3, 32 -> 4); gan::Error
// for a size that is not 4 * 2^k.
int64_t progan_stages(int64_t image_size);
inline int64_t progan_resolution(int64_t stage) { return int64_t{4} << stage; }
// Width of stage k for `features` at the final resolution.
int64_t progan_width(const ProganOptions& o, int64_t features, int64_t stage);
// gan::Error naming the field.
void check_progan_options(const ProganOptions& o);

// Where the growing schedule is at a step: stage 0 for stable_steps; then for
// each stage k = 1 .. stages - 1 a fade-in of fade_steps (alpha = (t - t_k) /
// fade_steps, from 0 up to (fade_steps - 1) / fade_steps) and stable_steps
// at alpha = 1; after the last one, the last stage at alpha = 1 for good.
// A pure function of the step, so a resumed run is exactly where it was.
struct ProganPhase {
  int64_t stage = 0;
  double alpha = 1.0;  // < 1 only during a fade-in
  int64_t resolution() const { return progan_resolution(stage); }
};
ProganPhase progan_phase(int64_t step, int64_t stages, int64_t fade_steps, int64_t stable_steps);

// a * (1 - alpha) + b * alpha; exactly b at alpha = 1 (a is then not read).
Tensor progan_lerp(const Tensor& a, const Tensor& b, double alpha);
// x [N, C, s, s] avg-pooled to [N, C, r, r] (s = r * 2^j; r = s: x itself).
Tensor progan_pool_to(const Tensor& x, int64_t r);
// leaky ReLU (0.2) times sqrt(2): the paper's activation with its He gain.
Tensor progan_act(const Tensor& x);

// One block of G: [nearest x2], then convs 3x3, each followed by progan_act
// and pixel norm.
class ProganGBlock : public nn::Module {
 public:
  ProganGBlock(int64_t in, int64_t out, int64_t convs, bool upsample, Generator& gen);
  Tensor forward(const Tensor& x) override;  // [N, in, r, r] -> [N, out, r', r'] (r' = 2r with upsample)

  bool upsample;
  std::vector<std::shared_ptr<nn::EqualizedConv2d>> convs;
};

class ProganGenerator : public nn::Module {
 public:
  ProganGenerator(const ProganOptions& o, Generator& gen);
  // z [N, z_dim] -> images [N, C, r_stage, r_stage]; alpha in [0, 1].
  Tensor forward(const Tensor& z, int64_t stage, double alpha);
  // h_stage [N, w_stage, r_stage, r_stage]: the features after stage's block.
  Tensor features(const Tensor& z, int64_t stage);

  ProganOptions options;
  int64_t stages;
  std::shared_ptr<nn::EqualizedLinear> input;            // z_dim -> w_0 * 16
  std::vector<std::shared_ptr<ProganGBlock>> blocks;     // one per stage
  std::vector<std::shared_ptr<nn::EqualizedConv2d>> to_rgb;  // one per stage, 1x1 w_k -> C
};

// One block of D (stage k >= 1): conv3x3 in -> in, conv3x3 in -> out, each
// followed by progan_act, then avg-pool 2.
class ProganDBlock : public nn::Module {
 public:
  ProganDBlock(int64_t in, int64_t out, Generator& gen);
  Tensor forward(const Tensor& x) override;  // [N, in, r, r] -> [N, out, r/2, r/2]

  std::shared_ptr<nn::EqualizedConv2d> conv0, conv1;
};

// D's 4x4 head: [minibatch stddev] conv3x3, conv4x4 (valid), dense -> 1.
class ProganDHead : public nn::Module {
 public:
  ProganDHead(int64_t width, int64_t minibatch_stddev, Generator& gen);
  // h [N, v_0, 4, 4] -> [N]; features (if given) <- [N, v_0], the conv4x4's activations.
  Tensor forward(const Tensor& h, Tensor* features);

  std::shared_ptr<nn::MinibatchStdDev> stddev;  // null when off
  std::shared_ptr<nn::EqualizedConv2d> conv, conv4;
  std::shared_ptr<nn::EqualizedLinear> out;
};

class ProganDiscriminator : public nn::Module {
 public:
  ProganDiscriminator(const ProganOptions& o, Generator& gen);
  // x [N, pack * C, s, s] (s = r_stage * 2^j) -> [N]; features <- the head's.
  Tensor forward(const Tensor& x, int64_t stage, double alpha, Tensor* features = nullptr);
  // from_rgb_k and its activation: [N, pack * C, r_k, r_k] -> [N, v_k, r_k, r_k].
  Tensor from_rgb_at(const Tensor& x, int64_t stage);
  // h [N, v_stage, r_stage, r_stage] through blocks stage .. 1 and the head -> [N].
  Tensor tail(const Tensor& h, int64_t stage, Tensor* features = nullptr);

  ProganOptions options;
  int64_t stages;
  std::vector<std::shared_ptr<nn::EqualizedConv2d>> from_rgb;  // one per stage, 1x1 pack * C -> v_k
  std::vector<std::shared_ptr<ProganDBlock>> blocks;           // blocks[k]: r_k -> r_{k-1}; blocks[0] null (the head's place)
  std::shared_ptr<ProganDHead> head;
};

}  // namespace gan::models
