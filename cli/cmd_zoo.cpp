// `gan zoo RUNS_ROOT`: the seeds' Fig. 6 measured (gan/models/zoo_study.h):
// every run under RUNS_ROOT, one row per system on the three axes (quality,
// diversity, vanishing gradients), as a Markdown table and a PNG chart.
// scripts/zoo.sh trains the runs and calls it.
#include <cstdio>
#include <fstream>

#include "commands.h"
#include "gan/error.h"
#include "gan/models/zoo_study.h"

namespace gan::cli {

void add_zoo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("zoo", "Tabulate and chart runs per system: quality, diversity, vanishing gradients");
  cmd->footer(
      "Examples:\n  gan zoo runs/zoo --markdown docs/zoo_table.md --chart docs/zoo.png\n"
      "  scripts/zoo.sh 1000 0 1     # trains every image system for 1000 steps, seeds 0 and 1, then this");
  struct Args {
    std::string root, markdown, chart;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("runs_root", a->root, "Folder whose subfolders are runs of gan train")->required()->check(
      CLI::ExistingDirectory);
  cmd->add_option("--markdown", a->markdown, "Write the table here (default: print it)");
  cmd->add_option("--chart", a->chart, "Write the PNG chart here");
  cmd->callback([a] {
    const models::ZooRuns runs = models::read_zoo_runs(a->root);
    for (const std::string& s : runs.skipped) std::fprintf(stderr, "zoo: skipped %s\n", s.c_str());
    GAN_CHECK(!runs.runs.empty(), "zoo: no evaluated run under '", a->root, "'");
    const auto rows = models::zoo_rows(runs.runs);
    const std::string md = models::zoo_markdown(rows);
    if (a->markdown.empty()) {
      std::printf("%s", md.c_str());
    } else {
      std::ofstream out(a->markdown);
      GAN_CHECK(out.good(), "zoo: cannot write '", a->markdown, "'");
      out << md;
      std::printf("wrote %s (%zu systems, %zu runs)\n", a->markdown.c_str(), rows.size(), runs.runs.size());
    }
    if (!a->chart.empty()) {
      models::write_zoo_chart(rows, a->chart);
      std::printf("wrote %s\n", a->chart.c_str());
    }
  });
}

}  // namespace gan::cli
