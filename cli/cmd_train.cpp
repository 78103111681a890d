// `gan train`: config file + overrides -> a training run with progress and ETA.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "config_file.h"
#include "gan/error.h"
#include "gan/models/trainer.h"
#include "gan/profiler.h"

namespace gan::cli {

namespace {

std::string hms(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  return buf;
}

void ensure_writable_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  GAN_CHECK(!ec, "output folder '", dir, "' cannot be created: ", ec.message());
  const std::string probe = dir + "/.gan-write-test";
  std::FILE* f = std::fopen(probe.c_str(), "w");
  GAN_CHECK(f != nullptr, "output folder '", dir, "' is not writable");
  std::fclose(f);
  std::filesystem::remove(probe, ec);
}

struct TrainArgs {
  std::string config;
  std::vector<std::string> sets;
  std::string resume;
  std::string profile;
  bool quiet = false;
};

// --profile: the per-op profile of this invocation's steps as JSON (gan/profiler.h:
// wall time and calls per op, FLOPs counted for conv / matmul / attention), and the
// counted GFLOP per step. Everything the run does is in it, evaluations included.
void write_profile(const std::string& path, int64_t steps, double seconds) {
  nlohmann::json ops = nlohmann::json::array();
  for (const auto& s : profiler::snapshot())
    ops.push_back({{"op", s.op}, {"calls", s.calls}, {"seconds", s.seconds}, {"flops", s.flops}});
  const double flops = profiler::total_flops(), n = static_cast<double>(std::max<int64_t>(steps, 1));
  const nlohmann::json j = {{"steps", steps}, {"seconds", seconds}, {"gflop_per_step", 1e-9 * flops / n},
                            {"counted", "conv2d and its gradients, matmul, attention"}, {"ops", ops}};
  std::ofstream f(path);
  GAN_CHECK(f.good(), "--profile: cannot write '", path, "'");
  f << j.dump(1) << "\n";
  GAN_CHECK(f.good(), "--profile: writing '", path, "' failed");
  std::printf("profile: %.2f GFLOP a step counted (conv, matmul, attention), %.1f GFLOP/s over %lld steps -> %s\n",
              1e-9 * flops / n, seconds > 0 ? 1e-9 * flops / seconds : 0.0, static_cast<long long>(steps), path.c_str());
}

void run_train(const TrainArgs& a) {
  models::TrainerConfig cfg;
  if (!a.config.empty()) load_config_file(a.config, cfg);
  apply_overrides(a.sets, cfg);
  models::validate_config(cfg);
  ensure_writable_dir(cfg.out_dir);
  // A --profile path that cannot be written fails now, not after the run.
  GAN_CHECK(a.profile.empty() || std::ofstream(a.profile).good(), "--profile: cannot write '", a.profile, "'");

  models::Trainer trainer(cfg);
  if (a.resume == "auto" && !std::filesystem::exists(trainer.checkpoint_path())) {
    // Nothing to continue: a first run with --resume auto is a fresh run (an
    // explicit --resume PATH that does not exist stays an error).
    std::printf("--resume auto: no checkpoint at %s: starting a fresh run\n", trainer.checkpoint_path().c_str());
  } else if (!a.resume.empty()) {
    const std::string path = a.resume == "auto" ? trainer.checkpoint_path() : a.resume;
    trainer.resume(path);
    std::printf("resumed from %s at step %lld\n", path.c_str(), static_cast<long long>(trainer.current_step()));
  }
  trainer.write_config_json(cfg.out_dir + "/config.json");
  std::printf("gan train: system %s on %s, %lld steps of batch %lld, loss %s, seed %llu -> %s\n",
              cfg.system.c_str(), cfg.dataset.c_str(),
              static_cast<long long>(cfg.steps), static_cast<long long>(cfg.batch),
              models::loss_kind_name(cfg.loss), static_cast<unsigned long long>(cfg.seed), cfg.out_dir.c_str());
  std::fflush(stdout);

  const bool tty = isatty(fileno(stdout));
  const int64_t total = cfg.steps, first = trainer.current_step();
  const int64_t every = std::max<int64_t>(1, total / 100);
  if (!a.profile.empty()) {
    profiler::reset();
    profiler::enable(true);
  }
  const auto t0 = std::chrono::steady_clock::now();
  trainer.train([&](const models::StepStats& s) {
    // Alarms and metrics are printed even with --quiet: they are what a run says about itself.
    for (const std::string& al : s.alarms) std::printf("%s%s\n", tty && !a.quiet ? "\n" : "", al.c_str());
    if (!s.metrics_line.empty() && !a.quiet)
      std::printf("%sstep %lld metrics: %s\n", tty ? "\n" : "", static_cast<long long>(s.step), s.metrics_line.c_str());
    if (a.quiet) return;
    const double per_step = s.elapsed_seconds / static_cast<double>(std::max<int64_t>(1, s.step - first));
    const double eta = per_step * static_cast<double>(total - s.step);
    char line[256];
    std::snprintf(line, sizeof line,
                  "step %6lld/%lld  loss_d %.3f  loss_g %.3f  D(x) %.2f  D(G(z)) %.2f  |g_D| %.2f  |g_G| %.2f  "
                  "%.*f ms/step  ETA %s",
                  static_cast<long long>(s.step), static_cast<long long>(total), s.loss_d, s.loss_g, s.d_real,
                  s.d_fake, s.grad_norm_d, s.grad_norm_g, per_step < 0.1 ? 1 : 0, 1000 * per_step,
                  hms(eta).c_str());  // a decimal below 100 ms: GPU steps take a few
    if (tty) {
      const int width = 24, done = static_cast<int>(width * s.step / std::max<int64_t>(total, 1));
      std::printf("\r[%.*s%*s] %s", done, "########################", width - done, "", line);
      if (s.step == total) std::printf("\n");
    } else if (s.step % every == 0 || s.step == total || s.sampled || s.checkpointed) {
      std::printf("%s%s%s\n", line, s.sampled ? "  [samples]" : "", s.checkpointed ? "  [checkpoint]" : "");
    }
    std::fflush(stdout);
  });
  if (!a.profile.empty()) {
    profiler::enable(false);
    write_profile(a.profile, trainer.current_step() - first,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::printf("%s\n", trainer.diagnostics_summary().c_str());
  const bool logged = std::filesystem::exists(cfg.out_dir + "/metrics.jsonl");
  std::printf("done: %lld steps; samples in %s/samples, checkpoint %s, %s\n",
              static_cast<long long>(trainer.current_step()), cfg.out_dir.c_str(), trainer.checkpoint_path().c_str(),
              logged ? ("metrics " + cfg.out_dir + "/metrics.jsonl, plots " + cfg.out_dir + "/report").c_str()
                     : "no metrics (nothing was logged: log_every)");
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a GAN from a config file (default: DCGAN on Fashion-MNIST)");
  cmd->footer(
      "Examples:\n"
      "  gan train --config configs/dcgan-fmnist.toml\n"
      "  gan train --config configs/dcgan-fmnist.toml --set steps=500 --set out_dir=runs/short\n"
      "  gan train --config configs/dcgan-fmnist.toml --resume auto     # continue runs/dcgan exactly\n"
      "  gan train --config configs/sagan-fmnist32.toml --set steps=10 --set eval_every=0 --profile prof.json\n"
      "Run keys: " + [] {
        std::string k;
        for (const auto& key : models::config_keys()) k += (k.empty() ? "" : ", ") + key;
        return k;
      }() + "\nEach system's own keys: gan systems");
  auto a = std::make_shared<TrainArgs>();
  cmd->add_option("-c,--config", a->config, "TOML or JSON config file")->check(CLI::ExistingFile);
  cmd->add_option("-s,--set", a->sets, "Override a config key: key=value (repeatable)");
  cmd->add_option("--resume", a->resume, "Checkpoint to continue from exactly, or 'auto' for <out_dir>'s");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress output");
  cmd->add_option("--profile", a->profile,
                  "Write the per-op profile of the run (ms, calls, counted FLOPs) and GFLOP per step to this JSON file");
  cmd->callback([a] { run_train(*a); });
}

}  // namespace gan::cli
