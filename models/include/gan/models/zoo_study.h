// The seeds' Fig. 6, measured (`gan zoo`): every run under a folder, grouped by
// system, placed on the chapter's three axes with numbers from our own metric
// suite instead of a survey's judgement.
//
//   quality     FCD (Fréchet classifier distance) and precision of the run's
//               last evaluation
//   diversity   recall, coverage and class entropy (bits; 3.32 = 10 classes
//               evenly) of that evaluation
//   vanishing   grad_g_late_over_early: median |grad G| over the last 20 % of
//   gradients   steps over its median in steps 11..60 (G against a young D);
//               d_wins_share: the share of steps where D wins outright (mean
//               D(x) > 0.95 and D(G(z)) < 0.05, the live diagnostics' rule; for
//               the sigmoid losses only, as only they report probabilities);
//               and the live diagnostics' alarm count per kind
//
// A run is a folder holding config.json (its "system", "loss" and "seed") and
// metrics.jsonl; runs without an evaluation record are listed as skipped.
// Per system: mean and sample sd over its runs (seeds).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gan::models {

struct ZooRun {
  std::string dir, system, loss;
  int64_t seed = 0, steps = 0;  // steps: the last step record's
  double fcd = 0, precision = 0, recall = 0, coverage = 0, class_entropy = 0;
  double grad_g_late_over_early = 0;
  double d_wins_share = -1;                // -1: not a sigmoid loss
  std::map<std::string, int64_t> alarms;   // kind -> count
  double seconds = 0;                      // run_seconds of the last step record
};

// The runs under `root` (its immediate subfolders, sorted), and the folders
// skipped with why. gan::Error naming root when it is not a folder.
struct ZooRuns {
  std::vector<ZooRun> runs;
  std::vector<std::string> skipped;  // "dir: why"
};
ZooRuns read_zoo_runs(const std::string& root);
// One run's folder; gan::Error naming the file and what is missing.
ZooRun read_zoo_run(const std::string& dir);

struct ZooStat {
  double mean = 0, sd = 0;
  std::vector<double> values;  // each run's, in run order (the chart marks them)
};
struct ZooRow {
  std::string system, loss;
  int64_t runs = 0, steps = 0;
  ZooStat fcd, precision, recall, coverage, class_entropy, grad_ratio, d_wins;  // d_wins.mean < 0: n/a
  std::map<std::string, int64_t> alarms;  // summed over runs
  double seconds = 0;                     // mean wall time per run
};
// One row per system (in order of first appearance in `runs`).
std::vector<ZooRow> zoo_rows(const std::vector<ZooRun>& runs);

// The Markdown table (with a legend of the columns), and a PNG chart: three
// bar panels, one per axis (FCD, recall, grad_g_late_over_early), one bar per
// system at its mean over runs, each run's value marked on it (the spread
// over seeds). Writes both; gan::Error naming a path it cannot write.
std::string zoo_markdown(const std::vector<ZooRow>& rows);
void write_zoo_chart(const std::vector<ZooRow>& rows, const std::string& png_path);

}  // namespace gan::models
