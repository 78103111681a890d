// 8-Gaussian ring: data, mode statistics, scatter plot and the adversarial loop.
#include "gan/models/toy2d.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gan/autograd.h"
#include "gan/io/atomic_file.h"
#include "gan/io/png.h"
#include "gan/nn/layers.h"
#include "gan/ops.h"
#include "gan/optim/adam.h"

namespace gan::models {

std::vector<std::array<double, 2>> RingOfGaussians::centers() const {
  std::vector<std::array<double, 2>> c;
  for (int k = 0; k < modes; ++k) {
    const double a = 2.0 * M_PI * k / modes;
    c.push_back({radius * std::cos(a), radius * std::sin(a)});
  }
  return c;
}

Tensor RingOfGaussians::sample(int64_t n, Generator& gen) const {
  // Mode index from one uniform per sample, offset from two normals per sample.
  const Tensor u = Tensor::rand({n}, gen, 0.0, 1.0, {DType::f64});
  const Tensor noise = Tensor::randn({n, 2}, gen, {DType::f64});
  const auto uv = u.to_vector<double>();
  const auto nv = noise.to_vector<double>();
  const auto c = centers();
  std::vector<float> out(static_cast<size_t>(2 * n));
  for (int64_t i = 0; i < n; ++i) {
    const int k = std::min(modes - 1, static_cast<int>(uv[static_cast<size_t>(i)] * modes));
    out[static_cast<size_t>(2 * i)] = static_cast<float>(c[static_cast<size_t>(k)][0] + std * nv[static_cast<size_t>(2 * i)]);
    out[static_cast<size_t>(2 * i + 1)] = static_cast<float>(c[static_cast<size_t>(k)][1] + std * nv[static_cast<size_t>(2 * i + 1)]);
  }
  return Tensor::from_data({n, 2}, out);
}

ModeStats evaluate_modes(const Tensor& samples, const RingOfGaussians& ring, double min_fraction) {
  GAN_CHECK(samples.dim() == 2 && samples.size(1) == 2, "evaluate_modes: expected samples [N, 2], got ",
            shape_str(samples.shape()));
  const auto v = samples.to_double_vector();
  const auto c = ring.centers();
  const int64_t n = samples.size(0);
  ModeStats s;
  s.per_mode.assign(static_cast<size_t>(ring.modes), 0);
  int64_t hq = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double x = v[static_cast<size_t>(2 * i)], y = v[static_cast<size_t>(2 * i + 1)];
    double best = INFINITY;
    int best_k = 0;
    for (int k = 0; k < ring.modes; ++k) {
      const double d = std::hypot(x - c[static_cast<size_t>(k)][0], y - c[static_cast<size_t>(k)][1]);
      if (d < best) best = d, best_k = k;
    }
    if (best <= 3 * ring.std) {  // NaN samples fail this test and count as misses
      ++hq;
      ++s.per_mode[static_cast<size_t>(best_k)];
    }
  }
  s.high_quality = n ? static_cast<double>(hq) / static_cast<double>(n) : 0;
  for (int64_t m : s.per_mode) {
    const bool covered = m > 0 && static_cast<double>(m) >= min_fraction * static_cast<double>(n);
    s.mode_covered.push_back(covered);
    s.covered += covered ? 1 : 0;
  }
  return s;
}

void write_ring_plot(const std::string& path, const Tensor& real, const Tensor& fake, const RingOfGaussians& ring,
                     const ModeStats& stats, int size) {
  io::Image img;
  img.width = img.height = size;
  img.channels = 3;
  img.pixels.assign(static_cast<size_t>(size * size * 3), 255);
  const double lim = 3.0;
  auto to_px = [&](double v) { return (v + lim) / (2 * lim) * (size - 1); };
  auto put = [&](int px, int py, std::array<uint8_t, 3> col) {
    if (px < 0 || py < 0 || px >= size || py >= size) return;
    uint8_t* p = &img.pixels[static_cast<size_t>(((size - 1 - py) * size + px) * 3)];  // y up
    p[0] = col[0], p[1] = col[1], p[2] = col[2];
  };
  auto dot = [&](double x, double y, int r, std::array<uint8_t, 3> col) {
    if (!std::isfinite(x) || !std::isfinite(y)) return;
    const int cx = static_cast<int>(std::lround(to_px(x))), cy = static_cast<int>(std::lround(to_px(y)));
    for (int dy = -r; dy <= r; ++dy)
      for (int dx = -r; dx <= r; ++dx)
        if (dx * dx + dy * dy <= r * r) put(cx + dx, cy + dy, col);
  };
  // Axes through the origin, light.
  for (int i = 0; i < size; ++i) {
    put(i, static_cast<int>(to_px(0)), {225, 225, 225});
    put(static_cast<int>(to_px(0)), i, {225, 225, 225});
  }
  const auto rv = real.to_double_vector();
  for (size_t i = 0; i + 1 < rv.size(); i += 2) dot(rv[i], rv[i + 1], 1, {170, 170, 170});
  const auto fv = fake.to_double_vector();
  for (size_t i = 0; i + 1 < fv.size(); i += 2) dot(fv[i], fv[i + 1], 1, {230, 110, 20});
  const auto c = ring.centers();
  for (int k = 0; k < ring.modes; ++k) {
    const bool covered = k < static_cast<int>(stats.mode_covered.size()) && stats.mode_covered[static_cast<size_t>(k)];
    const std::array<uint8_t, 3> col = covered ? std::array<uint8_t, 3>{30, 160, 60} : std::array<uint8_t, 3>{210, 30, 30};
    const double r = 3 * ring.std;
    for (int t = 0; t < 360; ++t) {
      const double a = t * M_PI / 180;
      put(static_cast<int>(std::lround(to_px(c[static_cast<size_t>(k)][0] + r * std::cos(a)))),
          static_cast<int>(std::lround(to_px(c[static_cast<size_t>(k)][1] + r * std::sin(a)))), col);
    }
  }
  io::write_png(path, img);
}

namespace {

std::shared_ptr<nn::Sequential> make_mlp(int64_t in, int64_t hidden, int64_t out, bool discriminator, Generator& gen) {
  auto act = [&]() -> nn::ModulePtr {
    if (discriminator) return std::make_shared<nn::LeakyReLU>(0.2);
    return std::make_shared<nn::ReLU>();
  };
  return std::make_shared<nn::Sequential>(std::initializer_list<nn::ModulePtr>{
      std::make_shared<nn::Linear>(in, hidden, gen), act(),
      std::make_shared<nn::Linear>(hidden, hidden, gen), act(),
      std::make_shared<nn::Linear>(hidden, out, gen)});
}

double grad_norm(const std::vector<Tensor>& params) {
  double ss = 0;
  for (const Tensor& p : params) {
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    for (double v : g.to_double_vector()) ss += v * v;
  }
  return std::sqrt(ss);
}

double mean_sigmoid(const Tensor& logits) {
  NoGradGuard ng;
  return ops::mean(ops::sigmoid(logits)).item();
}

}  // namespace

RingGanResult train_ring_gan(const RingGanConfig& cfg, const std::function<void(const RingGanLog&)>& on_log) {
  GAN_CHECK(cfg.steps >= 0 && cfg.batch > 0 && cfg.z_dim > 0 && cfg.hidden > 0 && cfg.eval_every > 0,
            "train_ring_gan: steps, batch, z_dim, hidden and eval_every must be positive");
  const RingOfGaussians ring;
  // Separate streams: initialization, data, noise — changing one never shifts the others.
  Generator init_gen(cfg.seed), data_gen(cfg.seed + 1), noise_gen(cfg.seed + 2), eval_gen(cfg.seed + 3);
  auto G = make_mlp(cfg.z_dim, cfg.hidden, 2, false, init_gen);
  auto D = make_mlp(2, cfg.hidden, 1, true, init_gen);
  optim::AdamOptions og{.lr = cfg.lr_g, .beta1 = cfg.beta1, .beta2 = cfg.beta2};
  optim::AdamOptions od{.lr = cfg.lr_d, .beta1 = cfg.beta1, .beta2 = cfg.beta2};
  optim::Adam opt_g(G->parameters(), og), opt_d(D->parameters(), od);

  std::ofstream metrics;
  if (!cfg.out_dir.empty()) {
    std::filesystem::create_directories(cfg.out_dir);
    metrics.open(cfg.out_dir + "/metrics.jsonl");
    GAN_CHECK(metrics.good(), "train_ring_gan: cannot write ", cfg.out_dir, "/metrics.jsonl");
  }
  const Tensor eval_real = ring.sample(cfg.eval_samples, eval_gen);
  const Tensor eval_z = Tensor::randn({cfg.eval_samples, cfg.z_dim}, eval_gen);  // fixed: the same latents each time

  RingGanResult result;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t step = 1; step <= cfg.steps; ++step) {
    RingGanLog log;
    log.step = step;
    // Discriminator: non-saturating GAN loss, softplus(-D(x)) + softplus(D(G(z))), fakes detached.
    const Tensor real = ring.sample(cfg.batch, data_gen);
    const Tensor fake = [&] {
      NoGradGuard ng;
      return (*G)(Tensor::randn({cfg.batch, cfg.z_dim}, noise_gen));
    }();
    const Tensor d_real = (*D)(real), d_fake = (*D)(fake);
    const Tensor loss_d = ops::mean(ops::softplus(-d_real)) + ops::mean(ops::softplus(d_fake));
    opt_d.zero_grad();
    loss_d.backward();
    log.grad_norm_d = grad_norm(D->parameters());
    opt_d.step();
    // Generator: softplus(-D(G(z))).
    const Tensor d_gen = (*D)((*G)(Tensor::randn({cfg.batch, cfg.z_dim}, noise_gen)));
    const Tensor loss_g = ops::mean(ops::softplus(-d_gen));
    opt_g.zero_grad();
    loss_g.backward();
    log.grad_norm_g = grad_norm(G->parameters());
    opt_g.step();

    log.loss_d = loss_d.item();
    log.loss_g = loss_g.item();
    GAN_CHECK(std::isfinite(log.loss_d) && std::isfinite(log.loss_g), "train_ring_gan: non-finite loss at step ",
              step, " (loss_d ", log.loss_d, ", loss_g ", log.loss_g, ")");
    log.d_real = mean_sigmoid(d_real);
    log.d_fake = mean_sigmoid(d_fake);
    log.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    if (step % cfg.eval_every == 0 || step == cfg.steps) {
      NoGradGuard ng;
      const Tensor samples = (*G)(eval_z);
      log.evaluated = true;
      log.modes = evaluate_modes(samples, ring);
      result.evaluations.push_back(log);
      if (!cfg.out_dir.empty()) {
        char name[64];
        std::snprintf(name, sizeof name, "/ring_step_%06lld.png", static_cast<long long>(step));
        write_ring_plot(cfg.out_dir + name, eval_real, samples, ring, log.modes);
        if (step == cfg.steps) write_ring_plot(cfg.out_dir + "/ring_final.png", eval_real, samples, ring, log.modes);
      }
    }
    if (metrics.is_open()) {
      nlohmann::json j = {{"step", step},         {"loss_d", log.loss_d},           {"loss_g", log.loss_g},
                          {"d_real", log.d_real}, {"d_fake", log.d_fake},           {"grad_norm_g", log.grad_norm_g},
                          {"grad_norm_d", log.grad_norm_d}, {"seconds", log.seconds}};
      if (log.evaluated) {
        j["modes_covered"] = log.modes.covered;
        j["high_quality"] = log.modes.high_quality;
      }
      metrics << j.dump() << "\n";
    }
    if (on_log) on_log(log);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!result.evaluations.empty()) result.final_modes = result.evaluations.back().modes;
  return result;
}

}  // namespace gan::models
