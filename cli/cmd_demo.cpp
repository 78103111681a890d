// `gan demo ring`: the 2-D GAN on a ring of 8 Gaussians, with mode coverage.
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "gan/models/toy2d.h"

namespace gan::cli {

void add_demo_command(CLI::App& app) {
  auto* demo = app.add_subcommand("demo", "Small self-contained training demos");
  demo->require_subcommand(1);
  auto* ring = demo->add_subcommand("ring", "Train an MLP GAN on a ring of 8 Gaussians; plot and count modes");
  ring->footer("Example:\n  gan demo ring --out runs/ring --steps 4000 --seed 1");
  auto cfg = std::make_shared<models::RingGanConfig>();
  cfg->out_dir = "runs/ring";
  ring->add_option("--out", cfg->out_dir, "Output folder (plots, metrics.jsonl)")->capture_default_str();
  ring->add_option("--steps", cfg->steps, "Training steps")->capture_default_str()->check(CLI::PositiveNumber);
  ring->add_option("--batch", cfg->batch, "Batch size")->capture_default_str()->check(CLI::PositiveNumber);
  ring->add_option("--seed", cfg->seed, "Seed of every random stream")->capture_default_str();
  ring->add_option("--lr-g", cfg->lr_g, "Generator learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  ring->add_option("--lr-d", cfg->lr_d, "Discriminator learning rate")->capture_default_str()->check(CLI::PositiveNumber);
  ring->add_option("--eval-every", cfg->eval_every, "Steps between evaluations and plots")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  ring->callback([cfg] {
    std::printf("gan demo ring: %lld steps, batch %lld, seed %llu -> %s\n", static_cast<long long>(cfg->steps),
                static_cast<long long>(cfg->batch), static_cast<unsigned long long>(cfg->seed), cfg->out_dir.c_str());
    const auto result = models::train_ring_gan(*cfg, [&](const models::RingGanLog& log) {
      if (!log.evaluated) return;
      std::printf("step %6lld  loss_d %.4f  loss_g %.4f  D(x) %.3f  D(G(z)) %.3f  |g_G| %.3f  |g_D| %.3f  "
                  "modes %d/8  high-quality %.1f%%  %.1fs\n",
                  static_cast<long long>(log.step), log.loss_d, log.loss_g, log.d_real, log.d_fake, log.grad_norm_g,
                  log.grad_norm_d, log.modes.covered, 100 * log.modes.high_quality, log.seconds);
      std::fflush(stdout);
    });
    std::printf("done in %.1f s (%.2f ms/step): %d of 8 modes covered; plot %s/ring_final.png, metrics %s/metrics.jsonl\n",
                result.seconds, 1000 * result.seconds / static_cast<double>(std::max<int64_t>(cfg->steps, 1)),
                result.final_modes.covered, cfg->out_dir.c_str(), cfg->out_dir.c_str());
  });
}

}  // namespace gan::cli
