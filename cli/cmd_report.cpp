// `gan report RUN_DIR`: PNG plots of a run's metrics.jsonl; `gan report RUN_DIR
// RUN_DIR... --out FILE.png`: runs side by side (gan/models/report.h).
#include <cstdio>

#include "commands.h"
#include "gan/models/report.h"

namespace gan::cli {

void add_report_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("report", "Plot a run's metrics.jsonl into RUN_DIR/report/*.png, or compare runs");
  cmd->footer(
      "Examples:\n  gan report runs/dcgan      # then look at runs/dcgan/report/report.png\n"
      "  gan report runs/minimax --diagnose   # alarms replayed from the step records\n"
      "  gan report runs/aug/none-s0 runs/aug/ada-s0 --out aug.png --metrics frechet_classifier_distance,r_t");
  auto dirs = std::make_shared<std::vector<std::string>>();
  cmd->add_option("run_dir", *dirs, "Run folder(s) (each holds metrics.jsonl); several with --out: compared")
      ->required()
      ->check(CLI::ExistingDirectory);
  auto diagnose = std::make_shared<bool>(false);
  cmd->add_flag("--diagnose", *diagnose,
                "Replay the step and eval records through the live diagnostics and plot their alarms");
  auto out = std::make_shared<std::string>();
  cmd->add_option("--out", *out, "Compare the runs in one PNG: a panel per metric, a curve per run");
  auto metrics = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--metrics", *metrics,
                  "Keys to compare (comma-separated; default frechet_classifier_distance, precision, recall)")
      ->delimiter(',');
  cmd->callback([dirs, diagnose, out, metrics] {
    if (!out->empty()) {
      if (*diagnose) throw CLI::ValidationError("--diagnose", "draws one run's alarms: leave it out with --out");
      const auto drawn = models::write_comparison(*dirs, *metrics, *out);
      std::printf("compared %zu runs on %zu metrics\nwrote %s\n", dirs->size(), drawn.size(), out->c_str());
      return;
    }
    if (dirs->size() != 1)
      throw CLI::ValidationError("run_dir", std::to_string(dirs->size()) + " runs given: compare them with --out FILE.png");
    if (!metrics->empty()) throw CLI::ValidationError("--metrics", "selects the keys of a comparison: add --out FILE.png");
    const auto r = models::write_report(dirs->front(), *diagnose);
    for (const auto& line : r.replayed) std::printf("%s\n", line.c_str());
    std::printf("%lld records (%lld skipped), %lld alarms\n", static_cast<long long>(r.records),
                static_cast<long long>(r.skipped), static_cast<long long>(r.alarms));
    for (const auto& f : r.files) std::printf("wrote %s\n", f.c_str());
  });
}

}  // namespace gan::cli
