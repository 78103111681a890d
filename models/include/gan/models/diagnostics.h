// Live diagnostics of the three failure modes of GAN training (mode collapse,
// vanishing gradients, instability), fed one record per step and one per
// evaluation; they raise Alarms, each once per episode, and summarize the run.
//
// How the trainer uses it (one object per run, no flag needed):
//
//   Diagnostics diag;                                   // DiagnosticsOptions{} thresholds
//   every step:  for (const Alarm& a : diag.observe(StepRecord{s.step, s.loss_d, s.loss_g, s.d_real,
//                                                              s.d_fake, s.grad_norm_g, s.grad_norm_d}))
//                  { print a.line(); append a.to_json() to metrics.jsonl; }
//   every eval:  for (const Alarm& a : diag.observe(eval_record(step, report))) { same }
//   at the end:  print diag.summary();
//
// The rules and why (defaults in DiagnosticsOptions):
//
// * vanishing_gradients: D wins outright (mean D(x) > 0.95 and mean D(G(z)) <
//   0.05: sigmoid outputs) AND |grad G| < 0.1 x its reference (the running
//   median of the last 200 steps that were not in that state; until 20 such
//   steps exist, the largest |grad G| of an unsaturated step, e.g. the first
//   steps against an untrained D), both for 50 consecutive steps. That is the minimax loss's failure (Goodfellow et al.
//   2014, Arjovsky & Bottou 2017): log(1 - D(G(z))) is flat where D is
//   confident, so G stops learning. A confident D alone is not an alarm (with
//   the non-saturating loss G's gradient stays large), and a small gradient
//   alone is not either (G may have converged).
// * instability: losses judged on blocks of 100 steps. Oscillation: a block's
//   std of loss_d or loss_g above 4x the median of earlier blocks' stds (and
//   above 0.25 absolute, so a very quiet run's noise does not trip it).
//   Divergence trend: loss_g's block mean rising for 3 consecutive blocks by
//   at least 2 median block stds each time (and by >= 1.0 in all). Quality:
//   the Fréchet classifier distance above 1.5x the best seen so far on 2
//   consecutive evaluations.
// * mode_collapse (evaluation records): classes covered < 0.7 x classes, or
//   class entropy < 0.75 x log2(classes), or near-duplicate rate > 0.1 (real
//   data scores ~0.01 by the definition in eval/manifold.h). A real
//   Fashion-MNIST sample covers 10/10 classes at ~3.32 bits.
//
// An episode starts when a rule fires and ends when its condition is clear
// again (50 clear steps for vanishing gradients, one clear block or
// evaluation for the others); only then can the same kind fire again. No
// alarm is raised in the first 100 steps (warm-up: D and G start untrained).
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace gan::models {

namespace eval {
struct EvalReport;
}

struct StepRecord {
  int64_t step = 0;
  double loss_d = 0, loss_g = 0;
  double d_real = 0, d_fake = 0;  // mean sigmoid(D(x)), mean sigmoid(D(G(z)))
  double grad_norm_g = 0, grad_norm_d = 0;
};

// Any field may be NaN (not measured); only the measured ones are judged.
struct EvalRecord {
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  int64_t step = 0;
  int64_t num_classes = 0;  // 0: class-based rules skipped
  double classes_covered = kNone;
  double class_entropy_bits = kNone;
  double near_duplicate_rate = kNone;
  double frechet_classifier_distance = kNone;
};
EvalRecord eval_record(int64_t step, const eval::EvalReport& r);

struct Alarm {
  int64_t step = 0;
  std::string kind;     // "mode_collapse" | "vanishing_gradients" | "instability"
  std::string message;  // what was seen, with the numbers
  std::string line() const;     // "ALARM step 1200 vanishing_gradients: ..."
  std::string to_json() const;  // {"step":1200,"alarm":"vanishing_gradients","message":"..."}
};

struct DiagnosticsOptions {
  int64_t warmup_steps = 100;
  // vanishing gradients
  double d_real_saturated = 0.95, d_fake_saturated = 0.05;
  double grad_collapse_ratio = 0.1;
  int64_t median_window = 200;
  int64_t min_median_samples = 20;
  int64_t sustain_steps = 50;
  // instability
  int64_t block_steps = 100;
  double oscillation_ratio = 4.0;
  double oscillation_min_std = 0.25;
  int64_t divergence_blocks = 3;
  double divergence_sigmas = 2.0;
  double divergence_min_rise = 1.0;
  double quality_rise_factor = 1.5;
  int64_t quality_consecutive = 2;
  // mode collapse
  double min_coverage_fraction = 0.7;
  double min_entropy_fraction = 0.75;
  double max_near_duplicate_rate = 0.1;
};

class Diagnostics {
 public:
  explicit Diagnostics(DiagnosticsOptions o = {});
  // The alarms this record raises (usually none). Records must come in step order.
  std::vector<Alarm> observe(const StepRecord& r);
  std::vector<Alarm> observe(const EvalRecord& r);
  const std::vector<Alarm>& alarms() const { return alarms_; }
  // End-of-run text: per kind, the number of episodes and their first steps; or "no alarms".
  std::string summary() const;
  const DiagnosticsOptions& options() const { return o_; }

 private:
  void raise(std::vector<Alarm>& out, int64_t step, const std::string& kind, const std::string& message);
  void end_block(std::vector<Alarm>& out, int64_t step);

  DiagnosticsOptions o_;
  std::vector<Alarm> alarms_;
  // vanishing gradients
  std::deque<double> healthy_grad_g_;
  double healthy_max_g_ = std::numeric_limits<double>::quiet_NaN();
  int64_t vanish_run_ = 0, vanish_clear_ = 0;
  bool vanish_active_ = false;
  double vanish_sum_dr_ = 0, vanish_sum_df_ = 0, vanish_sum_g_ = 0;
  // instability (blocks)
  std::vector<double> block_d_, block_g_;
  std::vector<double> std_history_;  // max(std loss_d, std loss_g) of past blocks
  std::vector<double> mean_g_history_;
  int64_t rising_blocks_ = 0;
  bool osc_active_ = false, div_active_ = false, quality_active_ = false;
  double best_fcd_ = std::numeric_limits<double>::infinity();
  int64_t fcd_bad_run_ = 0;
  // mode collapse
  bool collapse_active_ = false;
};

}  // namespace gan::models
