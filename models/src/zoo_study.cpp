// The zoo study (zoo_study.h): runs' metrics.jsonl -> one row per system.
#include "gan/models/zoo_study.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "gan/error.h"
#include "gan/io/png.h"
#include "gan/models/losses.h"
#include "gan/models/plot.h"

namespace gan::models {

namespace fs = std::filesystem;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

ZooStat stat_of(const std::vector<double>& v) {
  ZooStat s;
  s.values = v;
  if (v.empty()) return {NAN, NAN, {}};
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  if (v.size() > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
  }
  return s;
}

std::string fmt(const ZooStat& s, int digits, int64_t runs) {
  if (!std::isfinite(s.mean)) return "n/a";
  char b[64];
  if (runs > 1)
    std::snprintf(b, sizeof b, "%.*f ± %.*f", digits, s.mean, digits, s.sd);
  else
    std::snprintf(b, sizeof b, "%.*f", digits, s.mean);
  return b;
}

}  // namespace

ZooRun read_zoo_run(const std::string& dir) {
  ZooRun r;
  r.dir = dir;
  const std::string cfg_path = dir + "/config.json";
  std::ifstream cfg_in(cfg_path);
  GAN_CHECK(cfg_in.good(), "zoo: cannot open '", cfg_path, "' (a run folder written by gan train has one)");
  const nlohmann::json cfg = nlohmann::json::parse(cfg_in, nullptr, /*allow_exceptions=*/false);
  GAN_CHECK(cfg.is_object() && cfg.contains("system") && cfg["system"].is_string(), "zoo: '", cfg_path,
            "' is not a run's config (no string key \"system\")");
  r.system = cfg["system"].get<std::string>();
  r.loss = cfg.value("loss", std::string("non-saturating"));
  r.seed = cfg.value("seed", int64_t{0});
  const bool sigmoid = loss_uses_logits(parse_loss_kind(r.loss));

  const std::string path = dir + "/metrics.jsonl";
  std::ifstream in(path);
  GAN_CHECK(in.good(), "zoo: cannot open '", path, "'");
  std::vector<std::pair<int64_t, double>> grad_g;  // (step, |grad G|)
  int64_t steps_seen = 0, d_wins = 0;
  bool evaluated = false;
  std::string text;
  while (std::getline(in, text)) {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("step") || !j["step"].is_number()) continue;
    const int64_t step = j["step"].get<int64_t>();
    auto num = [&](const char* k) { return j.contains(k) && j[k].is_number() ? j[k].get<double>() : NAN; };
    if (j.contains("alarm") && j["alarm"].is_string()) {
      ++r.alarms[j["alarm"].get<std::string>()];
      continue;
    }
    if (j.contains("frechet_classifier_distance")) {
      evaluated = true;
      r.fcd = num("frechet_classifier_distance");
      r.precision = num("precision");
      r.recall = num("recall");
      r.coverage = num("coverage");
      r.class_entropy = num("class_entropy_bits");
    }
    if (j.contains("loss_d")) {
      r.steps = step;
      ++steps_seen;
      if (std::isfinite(num("grad_norm_g"))) grad_g.emplace_back(step, num("grad_norm_g"));
      if (sigmoid && num("d_real") > 0.95 && num("d_fake") < 0.05) ++d_wins;
      if (std::isfinite(num("run_seconds"))) r.seconds = num("run_seconds");
    }
  }
  GAN_CHECK(evaluated, "zoo: '", path, "' holds no evaluation record (train with eval_every > 0, e.g. = steps)");
  GAN_CHECK(steps_seen > 0, "zoo: '", path, "' holds no step record");
  std::vector<double> early, late;
  for (const auto& [s, g] : grad_g) {
    if (s > 10 && s <= 60) early.push_back(g);
    if (static_cast<double>(s) > 0.8 * static_cast<double>(r.steps)) late.push_back(g);
  }
  r.grad_g_late_over_early = median(late) / median(early);
  r.d_wins_share = sigmoid ? static_cast<double>(d_wins) / static_cast<double>(steps_seen) : -1;
  return r;
}

ZooRuns read_zoo_runs(const std::string& root) {
  GAN_CHECK(fs::is_directory(root), "zoo: '", root, "' is not a folder of runs");
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  ZooRuns out;
  for (const fs::path& d : dirs) {
    try {
      out.runs.push_back(read_zoo_run(d.string()));
    } catch (const Error& e) {
      out.skipped.push_back(d.string() + ": " + e.what());
    }
  }
  return out;
}

std::vector<ZooRow> zoo_rows(const std::vector<ZooRun>& runs) {
  std::vector<ZooRow> rows;
  std::vector<std::string> order;
  for (const ZooRun& r : runs)
    if (std::find(order.begin(), order.end(), r.system) == order.end()) order.push_back(r.system);
  for (const std::string& sys : order) {
    ZooRow row;
    row.system = sys;
    std::vector<double> fcd, prec, rec, cov, ent, gr, dw, sec;
    for (const ZooRun& r : runs) {
      if (r.system != sys) continue;
      ++row.runs;
      row.loss = r.loss;
      row.steps = std::max(row.steps, r.steps);
      fcd.push_back(r.fcd), prec.push_back(r.precision), rec.push_back(r.recall), cov.push_back(r.coverage);
      ent.push_back(r.class_entropy), gr.push_back(r.grad_g_late_over_early), sec.push_back(r.seconds);
      if (r.d_wins_share >= 0) dw.push_back(r.d_wins_share);
      for (const auto& [k, n] : r.alarms) row.alarms[k] += n;
    }
    row.fcd = stat_of(fcd), row.precision = stat_of(prec), row.recall = stat_of(rec), row.coverage = stat_of(cov);
    row.class_entropy = stat_of(ent), row.grad_ratio = stat_of(gr);
    row.d_wins = dw.empty() ? ZooStat{-1, 0, {}} : stat_of(dw);
    row.seconds = stat_of(sec).mean;
    rows.push_back(row);
  }
  return rows;
}

std::string zoo_markdown(const std::vector<ZooRow>& rows) {
  std::ostringstream o;
  o << "| system | loss | runs × steps | FCD ↓ | precision ↑ | recall ↑ | coverage ↑ | class entropy (bits) ↑ | "
       "‖∇G‖ late / early | D wins outright (share of steps) | alarms | s / run |\n"
    << "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const ZooRow& r : rows) {
    std::string alarms;
    for (const auto& [k, n] : r.alarms) alarms += (alarms.empty() ? "" : ", ") + k + " " + std::to_string(n);
    char sec[32];
    std::snprintf(sec, sizeof sec, "%.0f", r.seconds);
    o << "| " << r.system << " | " << r.loss << " | " << r.runs << " × " << r.steps << " | " << fmt(r.fcd, 1, r.runs)
      << " | " << fmt(r.precision, 3, r.runs) << " | " << fmt(r.recall, 3, r.runs) << " | "
      << fmt(r.coverage, 3, r.runs) << " | " << fmt(r.class_entropy, 2, r.runs) << " | "
      << fmt(r.grad_ratio, 2, r.runs) << " | " << (r.d_wins.mean < 0 ? "n/a (not sigmoid)" : fmt(r.d_wins, 3, r.runs))
      << " | " << (alarms.empty() ? "none" : alarms) << " | " << sec << " |\n";
  }
  return o.str();
}

void write_zoo_chart(const std::vector<ZooRow>& rows, const std::string& png_path) {
  GAN_CHECK(!rows.empty(), "zoo: no runs to chart");
  std::vector<std::string> names;
  for (const ZooRow& r : rows) names.push_back(r.system);
  const int width = std::max(900, 70 * static_cast<int>(rows.size()) + 120);
  auto panel = [&](ZooStat ZooRow::*stat, const std::string& title, const std::string& y, bool log_y = false) {
    std::vector<double> means;
    std::vector<std::vector<double>> runs;
    for (const ZooRow& r : rows) means.push_back((r.*stat).mean), runs.push_back((r.*stat).values);
    plot::PlotOptions o;
    o.title = title, o.y_label = y, o.width = width, o.log_y = log_y;
    return plot::bar_plot(means, names, o, runs);
  };
  const std::string dots = " (DOTS: EACH SEED)";
  const std::string ratio = "VANISHING GRADIENTS: |GRAD G| LATE / EARLY, BELOW 1: SHRANK" + dots;
  io::write_png(png_path, plot::stack_vertical(
                              {panel(&ZooRow::fcd, "QUALITY: FCD, LOWER IS BETTER" + dots, "FCD"),
                               panel(&ZooRow::recall, "DIVERSITY: RECALL, HIGHER IS BETTER" + dots, "RECALL"),
                               panel(&ZooRow::grad_ratio, ratio, "RATIO (LOG)", true)}));  // ratios: a log axis
}

}  // namespace gan::models
