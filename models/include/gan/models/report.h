// `gan report RUN_DIR`: PNG plots of a run from RUN_DIR/metrics.jsonl, also
// written by the trainer at the end of a run (call write_report(out_dir)).
//
// metrics.jsonl holds one JSON object per line:
//   step records   {"step": 12, "loss_d": .., "loss_g": .., "d_real": .., "d_fake": ..,
//                   "grad_norm_d": .., "grad_norm_g": .., ...}
//   eval records   {"step": 500, "frechet_classifier_distance": .., "precision": .., ...,
//                   "class_histogram": [..]}   (eval::to_json(report, step))
//   alarm records  {"step": 900, "alarm": "vanishing_gradients", "message": ".."}  (Alarm::to_json)
// A line may mix step and eval keys. Unparseable lines are skipped and counted.
//
// Files written into RUN_DIR/report/:
//   losses.png        loss_d, loss_g (EMA-smoothed over the raw values)
//   d_outputs.png     D(x), D(G(z))
//   grad_norms.png    |grad D|, |grad G| on a log axis
//   metric_<key>.png  one per other numeric key (evaluation metrics), markers at each evaluation
//   class_histogram.png  the last record's class_histogram, when present
//   report.png        all of the above stacked, for a single look
// Every line plot marks the alarms as dashed vertical lines, one colour per kind.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gan::models {

struct ReportResult {
  std::vector<std::string> files;  // written, report.png last
  int64_t records = 0;             // parsed lines
  int64_t skipped = 0;             // unparseable lines
  int64_t alarms = 0;              // alarm records drawn (read, or replayed)
  std::vector<std::string> replayed;  // Alarm::line() of each replayed alarm, then the summary
};

// gan::Error naming the file when RUN_DIR/metrics.jsonl is missing or holds no record.
// replay_diagnostics: feed the step and eval records through a fresh
// Diagnostics (diagnostics.h) and draw the alarms it raises instead of the
// file's alarm records: the live diagnostics, after the fact, for runs that
// did not have them (or to try other thresholds).
ReportResult write_report(const std::string& run_dir, bool replay_diagnostics = false);

// `gan report RUN_DIR RUN_DIR... --out FILE.png`: the runs side by side, one
// panel per metric key, one curve per run (named by its folder, or
// parent/folder when two runs share a folder name), e.g. the arms
// and seeds of a claim. Dense keys (more than 200 records, such as r_t or the
// losses) are EMA-smoothed as write_report's are; sparse ones (evaluations) get
// a marker per record. keys empty: frechet_classifier_distance, precision and
// recall, those any run has. gan::Error naming the run without a
// metrics.jsonl, or a key no run has (with the keys the runs do have).
// Returns the keys drawn.
std::vector<std::string> write_comparison(const std::vector<std::string>& run_dirs,
                                          const std::vector<std::string>& keys, const std::string& png_path);

}  // namespace gan::models
