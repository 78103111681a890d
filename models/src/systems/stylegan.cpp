// StyleGAN-lite (Karras, Laine & Aila 2019, A style-based generator
// architecture for generative adversarial networks; `modulation = "demod"`:
// StyleGAN2's weight demodulation and skip toRGBs, Karras et al. 2020) at
// 32x32 on two CPU cores, without progressive growing:
//   G  mapping z -> w (PixelNorm, mapping_layers EqualizedLinear at lr_mul
//      0.01), synthesis from a learned 4x4 constant, two style layers per
//      side (8 ws at 32x32), per-pixel noise with zero-initialized per-channel
//      scales, AdaIN or modulated/demodulated convs (stylegan_nets.h);
//   D  equalized convs, leaky 0.2, avg-pool down, minibatch stddev at 4x4;
//   loss  non-saturating (required) + lazy R1 on reals: every r1_every-th D
//      step (G step count % r1_every == 0, the first included), scaled by
//      r1_every (StyleGAN2 §4.1); `step` is the Trainer's G-step count, so with
//      n_critic > 1 all D steps of such a G step get it (the config keeps
//      n_critic = 1, where the two counts agree). StyleGAN2 runs the R1 term
//      as a D update of its own; here it joins that step's D loss (one update);
//   style mixing regularization: with probability mixing_prob a sample's
//      styles switch from w(z) to w(z2) at a crossover layer k ~ U{1 ..
//      num_ws - 1}, per sample.
//
// Randomness and exact resume: sample_latent draws everything random — z,
// the noise maps, z2 and the crossover (two uniforms per sample, always both,
// so the stream advances by the same amount whatever the outcome) — into
// Latent {z, c} (c's layout: StyleganCodes). generate draws nothing, so the
// Trainer's checkpointed noise stream replays a run.
//
// Training vs evaluation: generate mixes styles only when G is in training
// mode (the Trainer's G during its steps). Sample grids, the metric suite,
// evaluate(), gan sample / gan eval all use EMA G or a loaded G in eval mode:
// never mixed (their latents still carry a crossover, which is ignored), and
// truncated in W when truncation_psi != 1 (w' = w_avg + psi (w - w_avg) at
// the first truncation_cutoff style layers, the coarse ones, as the official
// code's truncation_cutoff; 0 = every layer). w_avg is G's buffer, an EMA
// (0.995) of the mapping's batch means over training forwards; the Trainer
// copies buffers into EMA G.
// truncation_psi is a key of the run's table, stored in the checkpoint; a
// user picks it when sampling or evaluating a checkpoint with
//   gan sample --checkpoint RUN/checkpoint.safetensors --set stylegan.truncation_psi=0.7
//   gan eval   --checkpoint RUN/checkpoint.safetensors --set stylegan.truncation_psi=0.7
// (--set edits the saved config before the system is built), or for a whole
// run on `gan train` (then its sample grids and live metrics are truncated).
// Their `--truncation t` is the z-truncation of truncation.h, not this one.
//
// Logged every eval interval by evaluate() (metrics.jsonl), on G in eval mode
// without truncation, measure_n latents from a fixed seed (none when
// measure_n = 0):
//   noise_diff_band{0..3}_frac      energy fractions of G(z, n1) - G(z, n2) (the
//                                   same z, two noise draws) in 4 radial bands of
//                                   the 2-D DFT (band_energy_fractions,
//                                   stylegan_measures.h; band 0 holds the mean,
//                                   band 3 the finest detail)
//   noise_diff_energy_high_frac     bands 2 + 3 (radius >= S/4 cycles per image)
//   noise_diff_rms                  RMS of that difference image
//   z_diff_band{0..3}_frac, z_diff_energy_high_frac, z_diff_rms
//                                   the same for G(z, n1) - G(z', n1): the reference
//   ppl_z, ppl_w                    perceptual path length (eps 1e-4, measure_n pairs;
//                                   slerp in Z, lerp in W) in the Fashion-MNIST
//                                   classifier's 128-d features (eval/classifier.h)
//   ppl_z_pixel, ppl_w_pixel        the same in pixel space (sum of squares)
//   mix_class_agree_coarse / _fine  over 16 x 16 style mixes (measure_n < 16: measure_n
//                                   x measure_n) at crossover num_ws/2
//                                   (32x32: coarse = the 4x4 and 8x8 styles), the
//                                   fraction whose classifier class equals the class
//                                   of the coarse source's image / the fine source's,
//                                   over the pairs whose sources' classes differ
//   mix_k{k}_agree_coarse / _fine   the same at crossover k = 2, 4, .. num_ws - 2 (32x32:
//                                   the row gives the styles of sides 4 | 4, 8 | 4, 8, 16)
//   mix_pairs_differing             how many such pairs
// The classifier keys are absent when the classifier cannot be loaded or the
// images are not 1-channel. The mixing grid as a picture: style_mixing_figure
// (stylegan_measures.h); tests/models/test_stylegan.cpp's
// StyleganFigure.FromCheckpoint draws it from a checkpoint
// (GAN_STYLEGAN_CHECKPOINT=ckpt GAN_STYLEGAN_FIGURE=out.png).
//
// Napkin FLOPs of one step of configs/stylegan-fmnist32.toml (batch 64,
// z = w = 128, 4 mapping layers, f = 16: widths 64, 64, 32, 16 at sides 4, 8,
// 16, 32; FLOPs = 2 x multiply-adds, forward, per image):
//   G  3x3 convs: 4x4 64->64 1.2 M; 8x8 2 x 64->64 9.4 M; 16x16 64->32 +
//      32->32 14.2 M; 32x32 32->16 + 16->16 14.2 M; mapping 4 x 128^2 0.13 M
//      (x2 with mixing); AdaIN / noise / toRGB < 0.2 M                ~ 39 M
//      (demod: + the 4x4 conv on the constant 1.2 M, toRGBs 0.06 M)
//   D  fromRGB 0.03 M; 32x32 16->16 + 16->32 14.2 M; 16x16 32->32 + 32->64
//      14.2 M; 8x8 2 x 64->64 9.4 M; 4x4 65->64 1.2 M; fc 1024->64 0.13 M ~ 39 M
//   backward ~ 2x forward. Per image: G forward 39 + D forward and backward
//   on a real and a fake (2 x 3 x 39) + the G step (D forward and backward to
//   its input, D's weight gradients skipped, 2 x 39, + G backward 78) ~ 430 M,
//   so ~ 28 GFLOP per step of 64; lazy R1 (a double backward through D on the
//   reals, ~ 4 x D's forward-backward, every 16th step) adds ~ 3 % on average.
// Measured (bench/system_steps.sh, one thread, machine quiet): adain 0.71
// s/step, 29.1 GFLOP counted, ~ 41 GFLOP/s; demod 0.94 s/step (the
// per-sample grouped convs of modulated_conv2d run slower than one batched
// conv).
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "../nets/system_nets.h"
#include "gan/autograd.h"
#include "gan/models/eval/classifier.h"
#include "gan/models/eval/evaluate.h"
#include "gan/models/registry.h"
#include "gan/models/stylegan_measures.h"
#include "gan/models/stylegan_nets.h"
#include "gan/ops.h"

namespace gan::models {

namespace {

constexpr uint64_t kMeasureSeed = 1234;  // the same latents at every evaluation

class Stylegan : public GanSystem {
 public:
  explicit Stylegan(SystemSetup s) : GanSystem(std::move(s)) {
    nets::require_loss(setup(), LossKind::non_saturating, "stylegan");
    const auto key = [](const char* k) { return std::string("config table [stylegan] key '") + k + "': "; };
    g_.image_size = d_.image_size = setup().image_size;
    g_.channels = d_.channels = setup().channels;
    GAN_CHECK(setup().image_size == 28 || setup().image_size == 32 || setup().image_size == 64,
              "system 'stylegan': image_size must be 28, 32 or 64, got ", setup().image_size);
    g_.w_dim = options().integer("z_dim");
    g_.mapping_layers = options().integer("mapping_layers");
    g_.mapping_lr_mul = options().number("mapping_lr_mul");
    g_.features = options().integer("features_g");
    d_.features = options().integer("features_d");
    d_.mbstd_group = options().integer("mbstd_group");
    try {
      g_.modulation = parse_style_modulation(options().string("modulation"));
    } catch (const Error& e) {
      throw Error(key("modulation") + e.what());
    }
    mixing_prob_ = options().number("mixing_prob");
    psi_ = options().number("truncation_psi");
    cutoff_ = options().integer("truncation_cutoff");
    gamma_ = options().number("r1_gamma");
    r1_every_ = options().integer("r1_every");
    measure_n_ = options().integer("measure_n");
    GAN_CHECK(g_.w_dim >= 1, key("z_dim"), "must be >= 1, got ", g_.w_dim);
    GAN_CHECK(g_.mapping_layers >= 1, key("mapping_layers"), "must be >= 1, got ", g_.mapping_layers);
    GAN_CHECK(std::isfinite(g_.mapping_lr_mul) && g_.mapping_lr_mul > 0 && g_.mapping_lr_mul <= 1, key("mapping_lr_mul"),
              "must be in (0, 1], got ", g_.mapping_lr_mul);
    GAN_CHECK(g_.features >= 1, key("features_g"), "must be >= 1, got ", g_.features);
    GAN_CHECK(d_.features >= 1, key("features_d"), "must be >= 1, got ", d_.features);
    GAN_CHECK(d_.mbstd_group >= 0, key("mbstd_group"), "must be >= 0 (0 = off), got ", d_.mbstd_group);
    GAN_CHECK(mixing_prob_ >= 0 && mixing_prob_ <= 1, key("mixing_prob"), "must be in [0, 1], got ", mixing_prob_);
    GAN_CHECK(std::isfinite(psi_) && psi_ >= -1 && psi_ <= 1, key("truncation_psi"), "must be in [-1, 1] (1 = off), got ",
              psi_);
    GAN_CHECK(cutoff_ >= 0, key("truncation_cutoff"), "must be >= 0 (0 = every style layer), got ", cutoff_);
    GAN_CHECK(std::isfinite(gamma_) && gamma_ >= 0, key("r1_gamma"), "must be >= 0 (0 = off), got ", gamma_);
    GAN_CHECK(r1_every_ >= 1, key("r1_every"), "must be >= 1 (1 = R1 every step), got ", r1_every_);
    GAN_CHECK(measure_n_ == 0 || measure_n_ >= 2, key("measure_n"), "must be 0 (off) or >= 2, got ", measure_n_);
    num_ws_ = 2 * static_cast<int64_t>(stylegan_sides(g_.image_size).size());
  }

  nn::ModulePtr make_generator(Generator& init) override { return std::make_shared<StyleganGenerator>(g_, init); }
  nn::ModulePtr make_discriminator(Generator& init) override { return std::make_shared<StyleganDiscriminator>(d_, init); }

  Latent sample_latent(int64_t n, Generator& gen, Device device, int64_t) override {
    Tensor z = nets::normal_noise(n, g_.w_dim, gen, device);
    StyleganCodes c;
    c.noise = nets::normal_noise(n, stylegan_noise_numel(g_.image_size), gen, device);
    c.z2 = nets::normal_noise(n, g_.w_dim, gen, device);
    // Crossover k [n, 1]: 1 + trunc(u * (num_ws - 1)), uniform over 1 .. num_ws - 1,
    // where a uniform draw is below mixing_prob, else num_ws (no mixing).
    // Drawn on `device` from the counter-based stream (no upload mid-step).
    const Options f64{DType::f64, device};
    const Tensor mix = ops::gt(ops::rsub(mixing_prob_, Tensor::rand({n, 1}, gen, 0.0, 1.0, f64)), 0.0);
    const double last = static_cast<double>(num_ws_ - 1);
    const Tensor at = ops::clamp(Tensor::rand({n, 1}, gen, 0.0, 1.0, f64) * last, 0.0, last - 1).to(DType::i64);
    const Tensor k = ops::where(mix, at.to(DType::f64) + 1.0, Tensor::full({n, 1}, static_cast<double>(num_ws_), f64));
    c.crossover = k.to(DType::f32);
    return {z, {}, pack_stylegan_codes(c)};
  }

  Tensor generate(nn::Module& G, const Latent& l) override {
    auto& g = nets::as<StyleganGenerator>(G, "stylegan");
    const StyleganCodes c = unpack_stylegan_codes(l.c, g_.image_size, g_.w_dim);
    if (g.is_training()) return g.synthesize(g.styles(l.z, c.z2, c.crossover), c.noise);
    const Tensor w = g.map(l.z);
    const Tensor wt = g.truncate(w, psi_);
    const int64_t cut = cutoff_ == 0 ? num_ws_ : std::min(cutoff_, num_ws_);
    std::vector<Tensor> ws(static_cast<size_t>(num_ws_), w);
    for (int64_t i = 0; i < cut; ++i) ws[static_cast<size_t>(i)] = wt;  // coarse layers first
    return g.synthesize(ws, c.noise);
  }

  Judgement judge(nn::Module& D, const Tensor& x, const Tensor&) override {
    Judgement j;
    j.adv = nets::as<StyleganDiscriminator>(D, "stylegan").forward(x, &j.features);
    return j;
  }

  LossOut d_loss(const DLossInput& in) override {
    LossOut out{non_saturating_d_loss(in.real.adv, in.fake.adv), {}};
    const auto critic = [&](const Tensor& x) { return judge(in.D, x, {}).adv; };
    Tensor r1;
    const Tensor reg = lazy_r1(critic, in.real_images, in.step, r1_every_, gamma_, &r1);
    if (reg.defined()) {
      out.loss = out.loss + reg;
      out.scalars.emplace_back("r1", r1);  // unscaled E ||grad D(x)||^2, on R1 steps only
    }
    return out;
  }

  std::vector<std::pair<std::string, double>> evaluate(nn::Module& G, nn::Module&) override {
    std::vector<std::pair<std::string, double>> out;
    if (measure_n_ == 0) return out;
    auto& g = nets::as<StyleganGenerator>(G, "stylegan");
    const bool was = g.is_training();
    g.eval();  // no w_avg update, no mixing
    NoGradGuard ng;
    const Device dev = g.parameters().front().device();
    const int64_t n = measure_n_, nn_ = g.noise_numel();
    Generator gen(kMeasureSeed);
    const Tensor z = Tensor::randn({n, g_.w_dim}, gen).to(dev), z_other = Tensor::randn({n, g_.w_dim}, gen).to(dev);
    const Tensor n1 = Tensor::randn({n, nn_}, gen).to(dev), n2 = Tensor::randn({n, nn_}, gen).to(dev);
    const auto image = [&](const Tensor& zz, const Tensor& noise) {
      return g.synthesize(std::vector<Tensor>(static_cast<size_t>(num_ws_), g.map(zz)), noise);
    };
    const Tensor base = image(z, n1);
    const auto bands = [&](const std::string& who, const Tensor& diff) {
      const std::array<double, kBands> f = band_energy_fractions(diff);
      for (int b = 0; b < kBands; ++b) out.emplace_back(who + "_diff_band" + std::to_string(b) + "_frac", f[static_cast<size_t>(b)]);
      out.emplace_back(who + "_diff_energy_high_frac", f[2] + f[3]);
      out.emplace_back(who + "_diff_rms", std::sqrt(ops::mean(ops::square(diff)).item()));
    };
    bands("noise", ops::sub(image(z, n2), base));
    bands("z", ops::sub(image(z_other, n1), base));

    const PathLengths pix =
        path_lengths(g, [](const Tensor& x) { return x.reshape({x.size(0), -1}); }, n, kMeasureSeed + 1);
    out.emplace_back("ppl_z_pixel", pix.z);
    out.emplace_back("ppl_w_pixel", pix.w);
    if (eval::FeatureClassifier* clf = classifier(dev)) {
      const PathLengths p = path_lengths(
          g, [clf](const Tensor& x) { return eval::extract_features(*clf, x).features; }, n, kMeasureSeed + 1);
      out.emplace_back("ppl_z", p.z);
      out.emplace_back("ppl_w", p.w);
      mixing_agreement(g, *clf, dev, out);
    }
    g.train(was);
    return out;
  }

 private:
  // The metric suite's Fashion-MNIST classifier, loaded once; null when it
  // cannot be (no weights file) or does not fit (not 1-channel images).
  eval::FeatureClassifier* classifier(Device dev) {
    if (!clf_tried_) {
      clf_tried_ = true;
      if (g_.channels == 1) {
        try {
          clf_ = eval::load_classifier("", dev).net;
        } catch (const Error&) {
          clf_.reset();
        }
      }
    }
    return clf_.get();
  }

  // R = min(16, measure_n) coarse x R fine sources at crossover num_ws / 2 and at every side
  // boundary: the class of each mix against its two sources' classes, over
  // pairs whose classes differ.
  void mixing_agreement(StyleganGenerator& g, eval::FeatureClassifier& clf, Device dev,
                        std::vector<std::pair<std::string, double>>& out) {
    const int64_t R = std::min<int64_t>(16, measure_n_);
    Generator gen(kMeasureSeed + 2);
    const Tensor zc = Tensor::randn({R, g_.w_dim}, gen).to(dev), zf = Tensor::randn({R, g_.w_dim}, gen).to(dev);
    const Tensor noise = Tensor::randn({1, g.noise_numel()}, gen).to(dev);
    const auto classes = [&](const Tensor& x) {
      std::vector<int64_t> k;
      const Tensor p = eval::extract_features(clf, x).probs;  // [n, K] on the CPU
      const int64_t K = p.size(1);
      const std::vector<double> v = p.to_double_vector();
      for (int64_t i = 0; i < p.size(0); ++i)
        k.push_back(std::max_element(v.begin() + i * K, v.begin() + (i + 1) * K) - (v.begin() + i * K));
      return k;
    };
    const std::vector<int64_t> kc = classes(style_mix(g, zc, zc.narrow0(0, 1), num_ws_, noise));
    const std::vector<int64_t> kf = classes(style_mix(g, zf, zf.narrow0(0, 1), num_ws_, noise));
    // The main pair of keys at num_ws / 2, then one pair per side boundary.
    std::vector<int64_t> crossovers = {num_ws_ / 2};
    for (int64_t k = 2; k < num_ws_; k += 2) crossovers.push_back(k);
    int64_t pairs = 0;
    for (size_t j = 0; j < crossovers.size(); ++j) {
      const std::vector<int64_t> km = classes(style_mix(g, zc, zf, crossovers[j], noise));
      int64_t coarse = 0, fine = 0;
      pairs = 0;
      for (int64_t r = 0; r < R; ++r)
        for (int64_t c = 0; c < R; ++c) {
          const size_t ur = static_cast<size_t>(r), uc = static_cast<size_t>(c);
          if (kc[ur] == kf[uc]) continue;
          ++pairs;
          coarse += km[static_cast<size_t>(r * R + c)] == kc[ur];
          fine += km[static_cast<size_t>(r * R + c)] == kf[uc];
        }
      const double d = static_cast<double>(std::max<int64_t>(pairs, 1));
      const std::string at = j == 0 ? "mix_class" : "mix_k" + std::to_string(crossovers[j]);
      out.emplace_back(at + "_agree_coarse", static_cast<double>(coarse) / d);
      out.emplace_back(at + "_agree_fine", static_cast<double>(fine) / d);
    }
    out.emplace_back("mix_pairs_differing", static_cast<double>(pairs));
  }

  StyleganGOptions g_;
  StyleganDOptions d_;
  int64_t num_ws_ = 8;
  double mixing_prob_ = 0.9, psi_ = 1, gamma_ = 0.1;
  int64_t cutoff_ = 0;  // truncation_cutoff: the first this many ws are truncated; 0 = all
  int64_t r1_every_ = 16, measure_n_ = 64;
  bool clf_tried_ = false;
  std::shared_ptr<eval::FeatureClassifier> clf_;
};

}  // namespace

SystemInfo gan_system_stylegan() {
  return {"stylegan",
          "mapping network z -> w, styles per layer (AdaIN or StyleGAN2's demodulated convs) on a learned constant, "
          "per-pixel noise, style mixing, truncation in W, lazy R1, non-saturating loss",
          "Karras, Laine & Aila 2019, A style-based generator architecture for generative adversarial networks "
          "(demod: Karras et al. 2020, Analyzing and improving the image quality of StyleGAN)",
          {
              {"z_dim", OptionType::integer, "128",
               "length of z and of w (the paper: 512; 128 for a 32x32 grey image and two CPU cores)"},
              {"mapping_layers", OptionType::integer, "4",
               "fully connected layers of the mapping z -> w (the paper: 8 of width 512; 4 of 128 here: a 32x32 "
               "grey image on two CPU cores)"},
              {"mapping_lr_mul", OptionType::number, "0.01", "learning-rate multiplier of the mapping (the paper: 0.01)"},
              {"features_g", OptionType::integer, "16",
               "G's width f: C(s) = min(4f, f * S / s) channels at side s (32x32: 64, 64, 32, 16 at 4, 8, 16, 32)"},
              {"features_d", OptionType::integer, "16", "D's width f, the same rule (D runs the sides backwards)"},
              {"modulation", OptionType::string, "adain",
               "adain (StyleGAN: conv -> noise -> bias -> leaky -> AdaIN, one final toRGB) or demod (StyleGAN2: "
               "modulated + demodulated conv -> noise -> bias -> leaky, skip toRGBs)"},
              {"mixing_prob", OptionType::number, "0.9",
               "probability that a training sample's styles switch from w(z) to w(z2) at a random layer (the paper: 0.9)"},
              {"truncation_psi", OptionType::number, "1",
               "truncation in W of eval-mode samples (grids, metrics, gan sample / eval of this checkpoint): "
               "w_avg + psi (w - w_avg); 1 = off (the paper's figures: 0.7)"},
              {"truncation_cutoff", OptionType::integer, "0",
               "truncate only the first this many style layers, the coarse ones (the official code: 8 of 18 at "
               "1024^2, i.e. up to 32x32; here 8 ws at 32x32, two per side); 0 = every layer"},
              {"r1_gamma", OptionType::number, "0.1",
               "R1 weight gamma ((gamma/2) E|grad D(x)|^2 on reals; the paper: 10 at 1024^2; StyleGAN2-ADA's CIFAR: "
               "0.01; 0 = off)"},
              {"r1_every", OptionType::integer, "16", "lazy R1: every this many steps, scaled by it (StyleGAN2: 16; 1 = every step)"},
              {"mbstd_group", OptionType::integer, "4", "D's minibatch stddev group at 4x4 (the paper: 4; 0 = off)"},
              {"measure_n", OptionType::integer, "64",
               "latents (and path-length pairs) of evaluate()'s noise-band and path-length measurements; 0 = off"},
          },
          [](SystemSetup s) { return std::make_unique<Stylegan>(std::move(s)); }};
}

}  // namespace gan::models
