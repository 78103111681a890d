// `gan sample` (checkpoint -> PNG grid or individual PNGs, with truncation; a
// chosen class or one class per row for conditional systems) and `gan
// interpolate` (latent walk between seeds -> PNG strip), for every system.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "config_file.h"
#include "gan/autograd.h"
#include "gan/io/png.h"
#include "gan/models/standing_stats.h"
#include "gan/models/trained.h"
#include "gan/models/truncation.h"
#include "gan/ops.h"

namespace gan::cli {

namespace {

struct SampleArgs {
  std::string checkpoint, out = "samples.png", individual;
  int64_t n = 64, nrow = 0, klass = -1;
  uint64_t seed = 0;
  double truncation = 0;
  int64_t standing_stats = 0;
  bool no_ema = false;
  std::vector<std::string> sets;  // evaluation-time keys of the checkpoint's system table
};

void run_sample(const SampleArgs& a) {
  const models::TrainedGenerator t = models::load_trained_generator(
      a.checkpoint, !a.no_ema, [&](models::TrainerConfig& c) { apply_overrides(a.sets, c); });
  if (a.standing_stats > 0) models::standing_stats_for_sampling(t, a.standing_stats, a.seed, Device::cpu());
  Generator gen(a.seed);
  // A conditional system (or InfoGAN's categorical code) without --class: one value per grid row.
  models::Latent latent = a.klass < 0 && t.system->latent_classes() > 0 && a.individual.empty()
                              ? models::grid_latent(*t.system, a.n, a.nrow, gen, Device::cpu())
                              : t.sample_latent(a.n, gen, a.klass);
  models::truncate_noise(latent.z, a.truncation, gen, "--truncation");
  const Tensor images = t.generate(latent);
  if (!a.individual.empty()) {
    std::filesystem::create_directories(a.individual);
    for (int64_t i = 0; i < a.n; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "/%06lld.png", static_cast<long long>(i));
      io::write_png(a.individual + name, models::tensor_to_image(images, i));
    }
    std::printf("wrote %lld images to %s\n", static_cast<long long>(a.n), a.individual.c_str());
  } else {
    io::write_png(a.out, t.system->render_samples(images, a.nrow));
    std::printf("wrote a grid of %lld samples to %s\n", static_cast<long long>(a.n), a.out.c_str());
  }
}

struct InterpolateArgs {
  std::string checkpoint, out = "interpolation.png";
  std::vector<uint64_t> seeds;
  int64_t frames = 8, klass = -1;
  bool slerp = false, no_ema = false;
  std::vector<std::string> sets;  // as gan sample's
};

// Spherical interpolation keeps |z| near sqrt(z_dim), where a Gaussian prior's mass is.
Tensor slerp(const Tensor& a, const Tensor& b, double t) {
  const double na = std::sqrt(ops::sum(ops::square(a)).item()), nb = std::sqrt(ops::sum(ops::square(b)).item());
  const double cosw = std::clamp(ops::sum(a * b).item() / (na * nb), -1.0, 1.0);
  const double w = std::acos(cosw);
  if (w < 1e-6) return a * (1 - t) + b * t;
  return a * (std::sin((1 - t) * w) / std::sin(w)) + b * (std::sin(t * w) / std::sin(w));
}

void run_interpolate(const InterpolateArgs& a) {
  GAN_CHECK(a.seeds.size() >= 2, "interpolate: --seeds needs at least two seeds, got ", a.seeds.size());
  GAN_CHECK(a.frames >= 2, "interpolate: --frames must be at least 2, got ", a.frames);
  const models::TrainedGenerator tg = models::load_trained_generator(
      a.checkpoint, !a.no_ema, [&](models::TrainerConfig& c) { apply_overrides(a.sets, c); });
  NoGradGuard ng;
  // One latent per seed (its z walks; a conditional system keeps the class,
  // --class or the first seed's, along the whole strip).
  std::vector<models::Latent> ls;
  for (uint64_t s : a.seeds) {
    Generator gen(s);
    ls.push_back(tg.sample_latent(1, gen, a.klass));
  }
  std::vector<Tensor> path;
  for (size_t k = 0; k + 1 < ls.size(); ++k) {
    for (int64_t f = 0; f < a.frames; ++f) {
      const double t = static_cast<double>(f) / static_cast<double>(a.frames - 1);
      const Tensor &za = ls[k].z, &zb = ls[k + 1].z;
      path.push_back(a.slerp ? slerp(za, zb, t) : za * (1 - t) + zb * t);
    }
  }
  models::Latent walk = ls[0];
  walk.z = ops::cat(path, 0);
  if (walk.y.defined()) walk.y = ops::cat(std::vector<Tensor>(path.size(), ls[0].y), 0);
  if (walk.c.defined()) walk.c = ops::cat(std::vector<Tensor>(path.size(), ls[0].c), 0);
  const Tensor images = tg.generate(walk);
  io::write_png(a.out, tg.system->render_samples(images, a.frames));
  std::printf("wrote %zu rows of %lld frames to %s\n", ls.size() - 1, static_cast<long long>(a.frames), a.out.c_str());
}

}  // namespace

void add_sample_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("sample", "Generate images from a checkpoint");
  cmd->footer(
      "Examples:\n"
      "  gan sample --checkpoint runs/dcgan/checkpoint.safetensors --out grid.png --n 64\n"
      "  gan sample --checkpoint runs/dcgan/checkpoint.safetensors --individual out/ --n 16 --truncation 1.0\n"
      "  gan sample --checkpoint runs/biggan/checkpoint.safetensors --truncation 0.5 --standing-stats 16\n"
      "  gan sample --checkpoint runs/acgan/checkpoint.safetensors --class 7 --n 16\n"
      "  gan sample --checkpoint runs/stylegan/checkpoint.safetensors --set stylegan.truncation_psi=0.7");
  auto a = std::make_shared<SampleArgs>();
  cmd->add_option("--checkpoint", a->checkpoint, "Checkpoint written by gan train")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--out", a->out, "PNG grid to write")->capture_default_str();
  cmd->add_option("--individual", a->individual, "Write one PNG per sample into this folder instead of a grid");
  cmd->add_option("-n,--n", a->n, "Number of samples")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--nrow", a->nrow, "Images per grid row (0: square)")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the latent noise")->capture_default_str();
  cmd->add_option("--truncation", a->truncation, "Truncation trick: redraw latent entries with |z| > t, t >= 0.05 (0: off)")->capture_default_str();
  cmd->add_option("--class", a->klass,
                  "Conditional systems: every sample of this class; InfoGAN: this value of the categorical code "
                  "(default: one per grid row)");
  cmd->add_option("--standing-stats", a->standing_stats,
                  "BigGAN's standing statistics: recompute G's batch-norm running statistics over N batches "
                  "of the training noise (the full normal, whatever --truncation) first (0: the checkpoint's)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-ema", a->no_ema, "Use G instead of its EMA copy");
  cmd->add_option("-s,--set", a->sets,
                  "Override a key of the checkpoint's config before its system is built: key=value (repeatable; "
                  "evaluation-time keys such as stylegan.truncation_psi=0.7)");
  cmd->callback([a] { run_sample(*a); });
}

void add_interpolate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("interpolate", "Latent walk between seeds as a PNG strip");
  cmd->footer("Example:\n  gan interpolate --checkpoint runs/dcgan/checkpoint.safetensors --seeds 1,2,3 --frames 10 --slerp");
  auto a = std::make_shared<InterpolateArgs>();
  cmd->add_option("--checkpoint", a->checkpoint, "Checkpoint written by gan train")->required()->check(CLI::ExistingFile);
  cmd->add_option("--seeds", a->seeds, "Seeds of the latent points, in order")->required()->delimiter(',');
  cmd->add_option("--frames", a->frames, "Frames between consecutive seeds (inclusive)")->capture_default_str();
  cmd->add_option("-o,--out", a->out, "PNG to write")->capture_default_str();
  cmd->add_flag("--slerp", a->slerp, "Spherical instead of linear interpolation");
  cmd->add_option("--class", a->klass, "Conditional systems (InfoGAN: the categorical code): the class of the whole strip (default: the "
                  "first seed's)");
  cmd->add_flag("--no-ema", a->no_ema, "Use G instead of its EMA copy");
  cmd->add_option("-s,--set", a->sets,
                  "Override a key of the checkpoint's config before its system is built: key=value (repeatable)");
  cmd->callback([a] { run_interpolate(*a); });
}

}  // namespace gan::cli
