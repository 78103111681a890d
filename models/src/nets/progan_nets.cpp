// ProGAN's growing generator and discriminator (progan_nets.h).
#include "gan/models/progan_nets.h"

#include <cmath>
#include <string>

#include "gan/error.h"
#include "gan/ops.h"

namespace gan::models {

int64_t progan_stages(int64_t image_size) {
  int64_t stages = 1;
  while (progan_resolution(stages - 1) < image_size) ++stages;
  GAN_CHECK(image_size >= 4 && progan_resolution(stages - 1) == image_size,
            "progan: image_size must be 4 * 2^k (4, 8, 16, 32, 64, ...), got ", image_size);
  return stages;
}

int64_t progan_width(const ProganOptions& o, int64_t features, int64_t stage) {
  const int64_t stages = progan_stages(o.image_size);
  int64_t w = features;
  for (int64_t k = stages - 1; k > stage && w < o.features_max; --k) w *= 2;
  return std::min(w, o.features_max);
}

void check_progan_options(const ProganOptions& o) {
  progan_stages(o.image_size);
  GAN_CHECK(o.channels >= 1, "progan: channels must be >= 1, got ", o.channels);
  GAN_CHECK(o.z_dim >= 1, "progan: z_dim must be >= 1, got ", o.z_dim);
  GAN_CHECK(o.features_g >= 1, "progan: features_g must be >= 1, got ", o.features_g);
  GAN_CHECK(o.features_d >= 1, "progan: features_d must be >= 1, got ", o.features_d);
  GAN_CHECK(o.features_max >= o.features_g && o.features_max >= o.features_d,
            "progan: features_max must be >= features_g and features_d, got ", o.features_max);
  GAN_CHECK(o.minibatch_stddev >= 0, "progan: minibatch_stddev must be >= 0 (0: off), got ", o.minibatch_stddev);
  GAN_CHECK(o.pack >= 1, "progan: pack must be >= 1, got ", o.pack);
}

ProganPhase progan_phase(int64_t step, int64_t stages, int64_t fade_steps, int64_t stable_steps) {
  GAN_CHECK(step >= 0 && stages >= 1 && fade_steps >= 0 && stable_steps >= 0, "progan_phase: bad arguments (step ",
            step, ", stages ", stages, ", fade_steps ", fade_steps, ", stable_steps ", stable_steps, ")");
  ProganPhase p;
  int64_t t = step - stable_steps;  // steps past stage 0's stable phase
  while (t >= 0 && p.stage + 1 < stages) {
    ++p.stage;
    if (t < fade_steps) {
      p.alpha = static_cast<double>(t) / static_cast<double>(fade_steps);
      return p;
    }
    t -= fade_steps + stable_steps;
  }
  return p;
}

Tensor progan_lerp(const Tensor& a, const Tensor& b, double alpha) {
  if (alpha >= 1.0) return b;
  return ops::add(ops::mul(a, 1.0 - alpha), ops::mul(b, alpha));
}

Tensor progan_pool_to(const Tensor& x, int64_t r) {
  GAN_CHECK(x.dim() == 4 && x.size(2) == x.size(3) && x.size(2) >= r && x.size(2) % r == 0,
            "progan: expected square images [N, C, s, s] with s a multiple of ", r, ", got ", shape_str(x.shape()));
  const int64_t f = x.size(2) / r;
  return f == 1 ? x : ops::avg_pool2d(x, {f, f}, {f, f});
}

Tensor progan_act(const Tensor& x) { return ops::mul(ops::leaky_relu(x, 0.2), std::sqrt(2.0)); }

// ---- G ------------------------------------------------------------------------------

ProganGBlock::ProganGBlock(int64_t in, int64_t out, int64_t n, bool up, Generator& gen)
    : Module("ProganGBlock"), upsample(up) {
  for (int64_t i = 0; i < n; ++i)
    convs.push_back(register_module("conv" + std::to_string(i),
                                    std::make_shared<nn::EqualizedConv2d>(i == 0 ? in : out, out, 3, gen, 1, 1)));
}

Tensor ProganGBlock::forward(const Tensor& x) {
  Tensor h = upsample ? ops::upsample_nearest2d(x, 2 * x.size(2), 2 * x.size(3)) : x;
  for (const auto& c : convs) h = ops::pixel_norm(progan_act((*c)(h)));
  return h;
}

ProganGenerator::ProganGenerator(const ProganOptions& o, Generator& gen)
    : Module("ProganGenerator"), options(o), stages(progan_stages(o.image_size)) {
  check_progan_options(o);
  const auto w = [&](int64_t k) { return progan_width(o, o.features_g, k); };
  input = register_module("input", std::make_shared<nn::EqualizedLinear>(o.z_dim, w(0) * 16, gen));
  for (int64_t k = 0; k < stages; ++k) {
    blocks.push_back(register_module("block" + std::to_string(k),
                                     k == 0 ? std::make_shared<ProganGBlock>(w(0), w(0), 1, false, gen)
                                            : std::make_shared<ProganGBlock>(w(k - 1), w(k), 2, true, gen)));
    to_rgb.push_back(
        register_module("to_rgb" + std::to_string(k), std::make_shared<nn::EqualizedConv2d>(w(k), o.channels, 1, gen)));
  }
}

Tensor ProganGenerator::features(const Tensor& z, int64_t stage) {
  GAN_CHECK(stage >= 0 && stage < stages, "ProganGenerator: stage ", stage, " out of [0, ", stages, ")");
  GAN_CHECK(z.dim() == 2 && z.size(1) == options.z_dim, "ProganGenerator: z must be [N, ", options.z_dim, "], got ",
            shape_str(z.shape()));
  // z on the unit hypersphere (times sqrt(z_dim)): the paper's normalized latent.
  const Tensor x = (*input)(ops::pixel_norm(z));                                    // [N, w_0 * 16]
  Tensor h = ops::pixel_norm(progan_act(x.reshape({z.size(0), -1, 4, 4})));        // [N, w_0, 4, 4]
  for (int64_t k = 0; k <= stage; ++k) h = (*blocks[static_cast<size_t>(k)])(h);  // [N, w_k, r_k, r_k]
  return h;
}

Tensor ProganGenerator::forward(const Tensor& z, int64_t stage, double alpha) {
  GAN_CHECK(alpha >= 0 && alpha <= 1, "ProganGenerator: alpha must be in [0, 1], got ", alpha);
  const size_t k = static_cast<size_t>(stage);
  if (stage == 0 || alpha >= 1.0) return (*to_rgb[k])(features(z, stage));
  const Tensor prev = features(z, stage - 1);                      // [N, w_{k-1}, r/2, r/2]
  const Tensor old_rgb = (*to_rgb[k - 1])(prev);                   // [N, C, r/2, r/2]
  const int64_t r = progan_resolution(stage);
  return progan_lerp(ops::upsample_nearest2d(old_rgb, r, r), (*to_rgb[k])((*blocks[k])(prev)), alpha);
}

// ---- D ------------------------------------------------------------------------------

ProganDBlock::ProganDBlock(int64_t in, int64_t out, Generator& gen) : Module("ProganDBlock") {
  conv0 = register_module("conv0", std::make_shared<nn::EqualizedConv2d>(in, in, 3, gen, 1, 1));
  conv1 = register_module("conv1", std::make_shared<nn::EqualizedConv2d>(in, out, 3, gen, 1, 1));
}

Tensor ProganDBlock::forward(const Tensor& x) {
  return ops::avg_pool2d(progan_act((*conv1)(progan_act((*conv0)(x)))), {2, 2}, {2, 2});
}

ProganDHead::ProganDHead(int64_t width, int64_t group, Generator& gen) : Module("ProganDHead") {
  if (group > 0) stddev = register_module("stddev", std::make_shared<nn::MinibatchStdDev>(group));
  conv = register_module("conv", std::make_shared<nn::EqualizedConv2d>(width + (group > 0), width, 3, gen, 1, 1));
  conv4 = register_module("conv4", std::make_shared<nn::EqualizedConv2d>(width, width, 4, gen));
  out = register_module("out", std::make_shared<nn::EqualizedLinear>(width, 1, gen));
}

Tensor ProganDHead::forward(const Tensor& h, Tensor* features) {
  const Tensor s = stddev ? (*stddev)(h) : h;                                 // [N, v_0 (+ 1), 4, 4]
  const Tensor f = progan_act((*conv4)(progan_act((*conv)(s)))).flatten(1);  // [N, v_0]
  if (features) *features = f;
  return (*out)(f).reshape({h.size(0)});
}

ProganDiscriminator::ProganDiscriminator(const ProganOptions& o, Generator& gen)
    : Module("ProganDiscriminator"), options(o), stages(progan_stages(o.image_size)) {
  check_progan_options(o);
  const auto v = [&](int64_t k) { return progan_width(o, o.features_d, k); };
  for (int64_t k = 0; k < stages; ++k) {
    from_rgb.push_back(register_module("from_rgb" + std::to_string(k),
                                       std::make_shared<nn::EqualizedConv2d>(o.channels * o.pack, v(k), 1, gen)));
    blocks.push_back(k == 0 ? nullptr
                            : register_module("block" + std::to_string(k), std::make_shared<ProganDBlock>(v(k), v(k - 1), gen)));
  }
  head = register_module("head", std::make_shared<ProganDHead>(v(0), o.minibatch_stddev, gen));
}

Tensor ProganDiscriminator::from_rgb_at(const Tensor& x, int64_t stage) {
  return progan_act((*from_rgb[static_cast<size_t>(stage)])(x));
}

Tensor ProganDiscriminator::tail(const Tensor& h, int64_t stage, Tensor* features) {
  Tensor x = h;
  for (int64_t k = stage; k >= 1; --k) x = (*blocks[static_cast<size_t>(k)])(x);  // [N, v_{k-1}, r_{k-1}, r_{k-1}]
  return head->forward(x, features);
}

Tensor ProganDiscriminator::forward(const Tensor& x, int64_t stage, double alpha, Tensor* features) {
  GAN_CHECK(stage >= 0 && stage < stages, "ProganDiscriminator: stage ", stage, " out of [0, ", stages, ")");
  GAN_CHECK(alpha >= 0 && alpha <= 1, "ProganDiscriminator: alpha must be in [0, 1], got ", alpha);
  const Tensor xr = progan_pool_to(x, progan_resolution(stage));  // [N, pack * C, r, r]
  if (stage == 0) return tail(from_rgb_at(xr, 0), 0, features);
  const Tensor h = (*blocks[static_cast<size_t>(stage)])(from_rgb_at(xr, stage));  // [N, v_{k-1}, r/2, r/2]
  const Tensor mixed = alpha >= 1.0 ? h : progan_lerp(from_rgb_at(progan_pool_to(xr, xr.size(2) / 2), stage - 1), h, alpha);
  return tail(mixed, stage - 1, features);
}

}  // namespace gan::models
