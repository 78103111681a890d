// What every training run measures about itself, with no flag: the seeds'
// three failure modes (diagnostics.h) on every step, and every eval_every
// steps the offline metric suite (eval/evaluate.h) on eval_samples fresh
// samples of EMA G against as many t10k images (the same latents each time,
// from stream seed + 7; balanced over classes for a conditional system, whose
// requested-class accuracy is then measured too). Alarms and metric records
// go to metrics.jsonl beside the step records, and the run's end prints the
// diagnostics summary and draws the report (report.h).
//
// The metric suite needs the Fashion-MNIST classifier (1-channel images of any
// size; resized to 28x28): runs on other data (2-D points, RGB) get the
// step diagnostics only. The diagnostics' windows are not checkpointed: a
// resumed run starts them afresh.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gan/models/diagnostics.h"
#include "gan/models/gan_system.h"

namespace gan::models {

struct TrainerConfig;
struct StepStats;

class RunMonitor {
 public:
  RunMonitor(const TrainerConfig& cfg, Device device);
  ~RunMonitor();

  // Step diagnostics; new alarms (each once per episode).
  std::vector<Alarm> observe_step(const StepStats& s);

  struct Evaluation {
    std::string json;           // one metrics.jsonl line
    std::string line;           // one progress line
    std::vector<Alarm> alarms;  // mode-collapse / instability alarms it raised
  };
  // The metric suite on G's samples (eval mode is G's caller's business).
  // False when this run has no metric suite (see above).
  bool evaluate(GanSystem& system, nn::Module& G, int64_t step, Evaluation& out);
  bool has_metrics() const { return metrics_enabled_; }

  std::string summary() const { return diagnostics_.summary(); }

 private:
  struct Suite;  // classifier + real reference, built at the first evaluation
  Diagnostics diagnostics_;
  bool metrics_enabled_ = false;
  int64_t n_ = 0;
  uint64_t seed_ = 0;
  Device device_;
  std::unique_ptr<Suite> suite_;
};

}  // namespace gan::models
