// StyleGAN-lite's mapping, synthesis and D (stylegan_nets.h).
#include "gan/models/stylegan_nets.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "gan/autograd.h"
#include "gan/nn/init.h"
#include "gan/ops.h"
#include "gan/ops/style.h"

namespace gan::models {

namespace {

const double kSqrt2 = std::sqrt(2.0);

// StyleGAN's activation: leaky ReLU 0.2 times sqrt 2 (the He gain the
// equalized layers leave out, so activations keep unit scale layer to layer).
Tensor lrelu(const Tensor& x) { return ops::mul(ops::leaky_relu(x, 0.2), kSqrt2); }

Tensor channel_bias(const Tensor& x, const Tensor& b) { return ops::add(x, b.reshape({1, b.size(0), 1, 1})); }

Tensor up2(const Tensor& x) { return ops::upsample_bilinear2d(x, 2 * x.size(2), 2 * x.size(3)); }

}  // namespace

StyleModulation parse_style_modulation(const std::string& name) {
  if (name == "adain") return StyleModulation::adain;
  if (name == "demod") return StyleModulation::demod;
  throw Error("unknown modulation '" + name + "' (adain: StyleGAN's AdaIN; demod: StyleGAN2's weight demodulation)");
}

std::vector<int64_t> stylegan_sides(int64_t image_size) {
  GAN_CHECK(image_size == 28 || image_size == 32 || image_size == 64, "stylegan: image_size must be 28, 32 or 64, got ",
            image_size);
  std::vector<int64_t> s;
  for (int64_t side = image_size == 28 ? 7 : 4; side <= image_size; side *= 2) s.push_back(side);
  return s;
}

int64_t stylegan_width(int64_t side, int64_t image_size, int64_t f) { return std::min(4 * f, f * image_size / side); }

int64_t stylegan_noise_numel(int64_t image_size) {
  int64_t n = 0;
  for (int64_t s : stylegan_sides(image_size)) n += 2 * s * s;
  return n;
}

Tensor pack_stylegan_codes(const StyleganCodes& c) { return ops::cat({c.noise, c.z2, c.crossover}, 1); }

StyleganCodes unpack_stylegan_codes(const Tensor& c, int64_t image_size, int64_t z_dim) {
  const int64_t nn = stylegan_noise_numel(image_size), k = nn + z_dim + 1;
  GAN_CHECK(c.defined() && c.dim() == 2 && c.size(1) == k, "stylegan: expected codes Latent::c [N, ", k,
            "] (noise maps ", nn, " + z2 ", z_dim, " + crossover 1), got ",
            c.defined() ? shape_str(c.shape()) : std::string("none"));
  return {ops::slice(c, 1, 0, nn), ops::slice(c, 1, nn, nn + z_dim), ops::slice(c, 1, nn + z_dim, k)};
}

// ---- mapping ------------------------------------------------------------------------

MappingNetwork::MappingNetwork(int64_t w_dim, int64_t n, double lr_mul, Generator& gen) : Module("MappingNetwork") {
  GAN_CHECK(n >= 1, "stylegan: mapping_layers must be >= 1, got ", n);
  for (int64_t i = 0; i < n; ++i)
    layers.push_back(register_module("fc" + std::to_string(i), std::make_shared<nn::EqualizedLinear>(w_dim, w_dim, gen, lr_mul)));
}

Tensor MappingNetwork::forward(const Tensor& z) {
  Tensor h = ops::pixel_norm(z);  // [N, w_dim]: z on the sphere of radius sqrt(w_dim)
  for (auto& l : layers) h = lrelu((*l)(h));
  return h;
}

// ---- generator ----------------------------------------------------------------------

StyleganGenerator::StyleganGenerator(const StyleganGOptions& o, Generator& gen)
    : Module("StyleganGenerator"), options(o), sides(stylegan_sides(o.image_size)) {
  GAN_CHECK(o.w_dim >= 1 && o.features >= 1 && o.channels >= 1, "stylegan: w_dim, features and channels must be >= 1");
  const int64_t S = o.image_size;
  mapping = register_module("mapping", std::make_shared<MappingNetwork>(o.w_dim, o.mapping_layers, o.mapping_lr_mul, gen));
  const int64_t c0 = stylegan_width(sides[0], S, o.features);
  const_input = register_parameter("const", Tensor::empty({1, c0, sides[0], sides[0]}));
  nn::init::normal_(const_input, gen);
  w_avg = register_buffer("w_avg", Tensor::zeros({o.w_dim}));
  const bool demod = o.modulation == StyleModulation::demod;
  int64_t in = c0;
  for (int64_t i = 0; i < num_ws(); ++i) {
    const int64_t side = sides[static_cast<size_t>(i / 2)], c = stylegan_width(side, S, o.features);
    const std::string id = std::to_string(i);
    noises.push_back(register_module("noise" + id, std::make_shared<nn::NoiseInjection>(c)));
    if (demod) {
      modconvs.push_back(register_module("conv" + id, std::make_shared<nn::ModulatedConv2d>(in, c, 3, o.w_dim, gen, true)));
      biases.push_back(register_parameter("bias" + id, Tensor::zeros({c})));
    } else {
      convs.push_back(i == 0 ? nullptr : register_module("conv" + id, std::make_shared<nn::EqualizedConv2d>(in, c, 3, gen, 1, 1)));
      adains.push_back(register_module("adain" + id, std::make_shared<nn::AdaIN>(c, o.w_dim, gen)));
      if (i == 0) biases.push_back(register_parameter("bias0", Tensor::zeros({c})));
    }
    if (demod && i % 2 == 1) {
      const std::string r = std::to_string(i / 2);
      to_rgbs.push_back(register_module("to_rgb" + r, std::make_shared<nn::ModulatedConv2d>(c, o.channels, 1, o.w_dim, gen, false)));
      rgb_biases.push_back(register_parameter("rgb_bias" + r, Tensor::zeros({o.channels})));
    }
    in = c;
  }
  if (!demod) to_rgb = register_module("to_rgb", std::make_shared<nn::EqualizedConv2d>(in, o.channels, 1, gen));
}

int64_t StyleganGenerator::noise_numel() const { return stylegan_noise_numel(options.image_size); }

Tensor StyleganGenerator::map(const Tensor& z) {
  GAN_CHECK(z.dim() == 2 && z.size(1) == options.w_dim, "StyleganGenerator: expected z [N, ", options.w_dim, "], got ",
            shape_str(z.shape()));
  Tensor w = (*mapping)(z);
  if (is_training()) {
    NoGradGuard ng;
    const Tensor m = ops::mean(w.detach(), {0});  // [w_dim]
    w_avg.copy_(ops::add(m, ops::mul(ops::sub(w_avg, m), kWAvgDecay)));  // lerp(m, w_avg, decay)
  }
  return w;
}

Tensor StyleganGenerator::truncate(const Tensor& w, double psi) const {
  if (psi == 1.0) return w;
  const Tensor avg = w_avg.reshape({1, options.w_dim});
  return ops::add(avg, ops::mul(ops::sub(w, avg), psi));
}

std::vector<Tensor> StyleganGenerator::styles(const Tensor& z, const Tensor& z2, const Tensor& crossover) {
  const Tensor w = map(z);
  std::vector<Tensor> ws(static_cast<size_t>(num_ws()), w);
  if (!z2.defined()) return ws;
  GAN_CHECK(crossover.defined() && crossover.dim() == 2 && crossover.size(0) == z.size(0) && crossover.size(1) == 1,
            "StyleganGenerator: style mixing needs crossover [N, 1], got ",
            crossover.defined() ? shape_str(crossover.shape()) : std::string("none"));
  const Tensor w2 = (*mapping)(z2);  // not averaged into w_avg: the same distribution as w
  for (int64_t i = 0; i < num_ws(); ++i) {
    // where() picks exactly one of the two (no arithmetic blend): k = num_ws
    // gives w bit for bit, k = 0 gives w2.
    const Tensor take_w = ops::gt(crossover, static_cast<double>(i));  // [N, 1] 1 where i < k
    ws[static_cast<size_t>(i)] = ops::where(take_w, w, w2);
  }
  return ws;
}

Tensor StyleganGenerator::synthesize(const std::vector<Tensor>& ws, const Tensor& noise) {
  GAN_CHECK(static_cast<int64_t>(ws.size()) == num_ws(), "StyleganGenerator: expected ", num_ws(), " styles, got ",
            ws.size());
  const int64_t n = ws[0].size(0);
  GAN_CHECK(noise.dim() == 2 && noise.size(0) == n && noise.size(1) == noise_numel(),
            "StyleganGenerator: expected noise [", n, ", ", noise_numel(), "], got ", shape_str(noise.shape()));
  const bool demod = options.modulation == StyleModulation::demod;
  Tensor h = ops::expand(const_input, {n, const_input.size(1), sides[0], sides[0]});
  Tensor rgb;
  int64_t off = 0;
  for (int64_t i = 0; i < num_ws(); ++i) {
    const size_t u = static_cast<size_t>(i);
    const int64_t side = sides[u / 2];
    const Tensor nz = ops::slice(noise, 1, off, off + side * side).reshape({n, 1, side, side});
    off += side * side;
    if (i > 0 && i % 2 == 0) h = up2(h);  // the first layer of each side above s0
    if (demod) {
      h = modconvs[u]->forward(h, ws[u]);
      h = lrelu(channel_bias(ops::noise_injection(h, nz, noises[u]->weight), biases[u]));
      if (i % 2 == 1) {
        const size_t r = u / 2;
        const Tensor y = channel_bias(to_rgbs[r]->forward(h, ws[u]), rgb_biases[r]);
        rgb = rgb.defined() ? ops::add(up2(rgb), y) : y;
      }
    } else {
      h = i == 0 ? channel_bias(h, biases[0]) : (*convs[u])(h);
      const int64_t c = h.size(1);
      const Tensor s = adains[u]->style->forward(ws[u]);  // [N, 2C]
      const Tensor gamma = ops::add(ops::slice(s, 1, 0, c), 1.0), beta = ops::slice(s, 1, c, 2 * c);
      h = ops::noise_adain(h, nz, noises[u]->weight, gamma, beta, 0.2, adains[u]->eps);
    }
  }
  return demod ? rgb : (*to_rgb)(h);
}

// ---- discriminator ------------------------------------------------------------------

StyleganDiscriminator::StyleganDiscriminator(const StyleganDOptions& o, Generator& gen)
    : Module("StyleganDiscriminator"), options(o), sides(stylegan_sides(o.image_size)) {
  GAN_CHECK(o.features >= 1 && o.mbstd_group >= 0, "stylegan: features_d must be >= 1 and mbstd_group >= 0");
  const int64_t S = o.image_size;
  auto conv = [&](int64_t in, int64_t out, int64_t k) { return std::make_shared<nn::EqualizedConv2d>(in, out, k, gen, 1, k / 2); };
  from_rgb = register_module("from_rgb", conv(o.channels, stylegan_width(S, S, o.features), 1));
  for (size_t j = sides.size() - 1; j > 0; --j) {
    const int64_t c = stylegan_width(sides[j], S, o.features), c2 = stylegan_width(sides[j - 1], S, o.features);
    convs.push_back(register_module("conv" + std::to_string(convs.size()), conv(c, c, 3)));
    convs.push_back(register_module("conv" + std::to_string(convs.size()), conv(c, c2, 3)));
  }
  const int64_t c0 = stylegan_width(sides[0], S, o.features), s0 = sides[0];
  if (o.mbstd_group > 0) mbstd = register_module("mbstd", std::make_shared<nn::MinibatchStdDev>(o.mbstd_group));
  final_conv = register_module("final_conv", conv(c0 + (mbstd ? 1 : 0), c0, 3));
  fc = register_module("fc", std::make_shared<nn::EqualizedLinear>(c0 * s0 * s0, c0, gen));
  out = register_module("out", std::make_shared<nn::EqualizedLinear>(c0, 1, gen));
}

Tensor StyleganDiscriminator::forward(const Tensor& x) { return forward(x, nullptr); }

Tensor StyleganDiscriminator::forward(const Tensor& x, Tensor* features) {
  const int64_t S = options.image_size;
  GAN_CHECK(x.dim() == 4 && x.size(1) == options.channels && x.size(2) == S && x.size(3) == S,
            "StyleganDiscriminator: expected [N, ", options.channels, ", ", S, ", ", S, "], got ", shape_str(x.shape()));
  Tensor h = lrelu((*from_rgb)(x));
  for (size_t j = 0; j < convs.size(); j += 2) {
    h = lrelu((*convs[j + 1])(lrelu((*convs[j])(h))));
    h = ops::avg_pool2d(h, {2, 2}, {2, 2});
  }
  if (mbstd) {
    // The largest group <= mbstd_group dividing N (a probe's odd batch still works).
    int64_t g = std::min(options.mbstd_group, x.size(0));
    while (x.size(0) % g != 0) --g;
    h = ops::minibatch_stddev(h, g);
  }
  h = lrelu((*final_conv)(h));
  const Tensor f = lrelu((*fc)(h.reshape({h.size(0), -1})));  // [N, C(s0)]
  if (features) *features = f;
  return (*out)(f).reshape({x.size(0)});
}

}  // namespace gan::models
