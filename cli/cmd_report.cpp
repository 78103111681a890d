// `gan report RUN_DIR`: PNG plots of a run's metrics.jsonl (gan/models/report.h).
#include <cstdio>

#include "commands.h"
#include "gan/models/report.h"

namespace gan::cli {

void add_report_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("report", "Plot a run's metrics.jsonl into RUN_DIR/report/*.png");
  cmd->footer(
      "Examples:\n  gan report runs/dcgan      # then look at runs/dcgan/report/report.png\n"
      "  gan report runs/minimax --diagnose   # alarms replayed from the step records");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("run_dir", *dir, "Run folder (holds metrics.jsonl)")->required()->check(CLI::ExistingDirectory);
  auto diagnose = std::make_shared<bool>(false);
  cmd->add_flag("--diagnose", *diagnose,
                "Replay the step and eval records through the live diagnostics and plot their alarms");
  cmd->callback([dir, diagnose] {
    const auto r = models::write_report(*dir, *diagnose);
    for (const auto& line : r.replayed) std::printf("%s\n", line.c_str());
    std::printf("%lld records (%lld skipped), %lld alarms\n", static_cast<long long>(r.records),
                static_cast<long long>(r.skipped), static_cast<long long>(r.alarms));
    for (const auto& f : r.files) std::printf("wrote %s\n", f.c_str());
  });
}

}  // namespace gan::cli
