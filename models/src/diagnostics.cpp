// Live failure-mode diagnostics (diagnostics.h): the rules, with their numbers in every message.
#include "gan/models/diagnostics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "gan/models/eval/evaluate.h"

namespace gan::models {

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = 0.5 * (m + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)));
  return m;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

double std_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return v.size() < 2 ? 0 : std::sqrt(s / static_cast<double>(v.size() - 1));
}

template <class... Args>
std::string fmt(const char* f, Args... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, f, args...);
  return buf;
}

}  // namespace

EvalRecord eval_record(int64_t step, const eval::EvalReport& r) {
  EvalRecord e;
  e.step = step;
  if (!r.classes.histogram.empty()) {
    e.num_classes = static_cast<int64_t>(r.classes.histogram.size());
    e.classes_covered = static_cast<double>(r.classes.classes_covered);
    e.class_entropy_bits = r.classes.entropy_bits;
  }
  e.near_duplicate_rate = r.manifold.near_duplicate_rate;
  e.frechet_classifier_distance = r.frechet_classifier_distance;
  return e;
}

std::string Alarm::line() const { return "ALARM step " + std::to_string(step) + " " + kind + ": " + message; }

std::string Alarm::to_json() const {
  nlohmann::ordered_json j;
  j["step"] = step;
  j["alarm"] = kind;
  j["message"] = message;
  return j.dump();
}

Diagnostics::Diagnostics(DiagnosticsOptions o) : o_(o) {}

void Diagnostics::raise(std::vector<Alarm>& out, int64_t step, const std::string& kind, const std::string& message) {
  Alarm a{step, kind, message};
  out.push_back(a);
  alarms_.push_back(std::move(a));
}

std::vector<Alarm> Diagnostics::observe(const StepRecord& r) {
  std::vector<Alarm> out;
  // ---- vanishing gradients: D saturated and G's gradient collapsed, sustained.
  const bool saturated = r.d_real > o_.d_real_saturated && r.d_fake < o_.d_fake_saturated;
  // Reference scale of G's gradient: the running median of unsaturated steps; until there are
  // enough of them (D can win from the third step), the largest unsaturated norm seen stands in.
  const double med = healthy_grad_g_.size() >= static_cast<size_t>(o_.min_median_samples)
                         ? median(std::vector<double>(healthy_grad_g_.begin(), healthy_grad_g_.end()))
                         : healthy_max_g_;
  const bool collapsed = !std::isnan(med) && r.grad_norm_g < o_.grad_collapse_ratio * med;
  if (saturated && collapsed) {
    if (vanish_run_ == 0) vanish_sum_dr_ = vanish_sum_df_ = vanish_sum_g_ = 0;
    ++vanish_run_;
    vanish_clear_ = 0;
    vanish_sum_dr_ += r.d_real, vanish_sum_df_ += r.d_fake, vanish_sum_g_ += r.grad_norm_g;
    if (!vanish_active_ && vanish_run_ >= o_.sustain_steps && r.step > o_.warmup_steps) {
      const double n = static_cast<double>(vanish_run_);
      raise(out, r.step, "vanishing_gradients",
            fmt("D wins outright and G's gradient collapsed for %lld steps: mean D(x) %.4f, D(G(z)) %.4f, "
                "|grad G| %.3g vs reference %.3g (%.1f%%)",
                static_cast<long long>(vanish_run_), vanish_sum_dr_ / n, vanish_sum_df_ / n, vanish_sum_g_ / n, med,
                100 * (vanish_sum_g_ / n) / med));
      vanish_active_ = true;
    }
  } else {
    vanish_run_ = 0;
    if (++vanish_clear_ >= o_.sustain_steps) vanish_active_ = false;
    // Only steps outside the suspicious state feed the median, so a collapse
    // cannot drag its own reference down.
    if (!saturated && std::isfinite(r.grad_norm_g)) {
      healthy_max_g_ = std::isnan(healthy_max_g_) ? r.grad_norm_g : std::max(healthy_max_g_, r.grad_norm_g);
      healthy_grad_g_.push_back(r.grad_norm_g);
      if (static_cast<int64_t>(healthy_grad_g_.size()) > o_.median_window) healthy_grad_g_.pop_front();
    }
  }
  // ---- instability: judged per block of losses.
  block_d_.push_back(r.loss_d);
  block_g_.push_back(r.loss_g);
  if (static_cast<int64_t>(block_d_.size()) >= o_.block_steps) end_block(out, r.step);
  return out;
}

void Diagnostics::end_block(std::vector<Alarm>& out, int64_t step) {
  const double sd = std_of(block_d_), sg = std_of(block_g_);
  // NaN must not vanish in std::max: a non-finite block is an oscillation by definition.
  const double s = std::isfinite(sd) && std::isfinite(sg) ? std::max(sd, sg) : std::numeric_limits<double>::quiet_NaN();
  const double mg = mean_of(block_g_);
  block_d_.clear();
  block_g_.clear();
  const bool judged = step > o_.warmup_steps && !std_history_.empty();
  const double base = median(std_history_);
  // Oscillation.
  const bool osc = judged && (!std::isfinite(s) || (s > o_.oscillation_ratio * base && s > o_.oscillation_min_std));
  if (osc && !osc_active_) {
    raise(out, step, "instability",
          fmt("losses oscillate: std over the last %lld steps loss_d %.3f, loss_g %.3f vs the run's median block std "
              "%.3f (> %.1fx)",
              static_cast<long long>(o_.block_steps), sd, sg, base, o_.oscillation_ratio));
  }
  osc_active_ = osc;
  // Divergence trend of loss_g.
  if (!mean_g_history_.empty()) {
    const double rise = mg - mean_g_history_.back();
    rising_blocks_ = (judged && rise >= o_.divergence_sigmas * base) ? rising_blocks_ + 1 : 0;
  }
  bool div = false;
  if (rising_blocks_ >= o_.divergence_blocks) {
    const double start = mean_g_history_[mean_g_history_.size() - static_cast<size_t>(o_.divergence_blocks)];
    div = mg - start >= o_.divergence_min_rise;
    if (div && !div_active_) {
      raise(out, step, "instability",
            fmt("divergence trend: loss_g's mean rose for %lld blocks of %lld steps, %.3f -> %.3f (median block "
                "std %.3f)",
                static_cast<long long>(rising_blocks_), static_cast<long long>(o_.block_steps), start, mg, base));
    }
  }
  div_active_ = div;
  // Keep the history of calm blocks only, so one storm does not raise the bar for the next.
  if (!osc && std::isfinite(s)) std_history_.push_back(s);
  mean_g_history_.push_back(mg);
}

std::vector<Alarm> Diagnostics::observe(const EvalRecord& r) {
  std::vector<Alarm> out;
  // ---- mode collapse.
  std::string why;
  if (r.num_classes > 0 && !std::isnan(r.classes_covered) &&
      r.classes_covered < o_.min_coverage_fraction * static_cast<double>(r.num_classes))
    why += fmt("%s%.0f of %lld classes covered (< %.0f%%)", why.empty() ? "" : "; ", r.classes_covered,
               static_cast<long long>(r.num_classes), 100 * o_.min_coverage_fraction);
  if (r.num_classes > 0 && !std::isnan(r.class_entropy_bits) &&
      r.class_entropy_bits < o_.min_entropy_fraction * std::log2(static_cast<double>(r.num_classes)))
    why += fmt("%sclass entropy %.3f bits (uniform %.3f)", why.empty() ? "" : "; ", r.class_entropy_bits,
               std::log2(static_cast<double>(r.num_classes)));
  if (!std::isnan(r.near_duplicate_rate) && r.near_duplicate_rate > o_.max_near_duplicate_rate)
    why += fmt("%snear-duplicate rate %.3f (> %.3f; real data ~0.01)", why.empty() ? "" : "; ", r.near_duplicate_rate,
               o_.max_near_duplicate_rate);
  const bool collapse = !why.empty() && r.step > o_.warmup_steps;
  if (collapse && !collapse_active_) raise(out, r.step, "mode_collapse", why);
  collapse_active_ = collapse;
  // ---- instability of the quality metric.
  const double f = r.frechet_classifier_distance;
  if (!std::isnan(f)) {
    const bool bad = !std::isfinite(f) || f > o_.quality_rise_factor * best_fcd_;
    fcd_bad_run_ = bad ? fcd_bad_run_ + 1 : 0;
    const bool q = fcd_bad_run_ >= o_.quality_consecutive && r.step > o_.warmup_steps;
    if (q && !quality_active_)
      raise(out, r.step, "instability",
            fmt("quality diverging: Fréchet classifier distance %.3f on %lld evaluations in a row vs best %.3f "
                "(> %.1fx)",
                f, static_cast<long long>(fcd_bad_run_), best_fcd_, o_.quality_rise_factor));
    quality_active_ = q;
    if (std::isfinite(f)) best_fcd_ = std::min(best_fcd_, f);
  }
  return out;
}

std::string Diagnostics::summary() const {
  if (alarms_.empty()) return "diagnostics: no alarms (mode collapse, vanishing gradients, instability)";
  std::map<std::string, std::vector<int64_t>> by_kind;
  for (const Alarm& a : alarms_) by_kind[a.kind].push_back(a.step);
  std::string s = "diagnostics: " + std::to_string(alarms_.size()) + " alarm(s)";
  for (const auto& [kind, steps] : by_kind) {
    s += "\n  " + kind + ": " + std::to_string(steps.size()) + " episode(s), at step";
    for (size_t i = 0; i < steps.size() && i < 10; ++i) s += (i ? ", " : " ") + std::to_string(steps[i]);
    if (steps.size() > 10) s += ", ...";
  }
  return s;
}

}  // namespace gan::models
