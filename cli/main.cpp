// `gan`: training runs, demos and build information from the command line.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "gan/error.h"

int main(int argc, char** argv) {
  CLI::App app{"gan: a C++20/CUDA engine for training generative adversarial networks"};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n  gan train --config configs/dcgan-fmnist.toml\n"
      "  gan sample --checkpoint runs/dcgan/checkpoint.safetensors --out grid.png\n"
      "  gan systems\n  gan info\n  gan demo ring --out runs/ring --steps 4000");
  gan::cli::add_train_command(app);
  gan::cli::add_sample_command(app);
  gan::cli::add_interpolate_command(app);
  gan::cli::add_systems_command(app);
  gan::cli::add_info_command(app);
  gan::cli::add_demo_command(app);
  gan::cli::add_classifier_command(app);
  gan::cli::add_eval_command(app);
  gan::cli::add_report_command(app);
  gan::cli::add_attention_command(app);
  gan::cli::add_zoo_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gan: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
