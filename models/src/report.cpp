// write_report (report.h): metrics.jsonl -> PNG panels.
#include "gan/models/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "gan/error.h"
#include "gan/io/png.h"
#include "gan/models/diagnostics.h"
#include "gan/models/plot.h"

namespace gan::models {

namespace {

// Keys that are not curves of their own: provenance, bookkeeping, or drawn elsewhere.
const std::set<std::string> kNotMetrics = {
    "step", "loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "step_seconds",
    "elapsed_seconds", "run_seconds", "sampled", "checkpointed", "n_real", "n_fake", "seed", "reference_seed", "eval_seconds",
    "kernel_distance_subsets", "kernel_distance_subset_size", "kernel_distance_std", "split", "extractor_sha256",
    "class_histogram", "alarm", "message"};

// Alarm colours stay clear of the palette the series use.
plot::Color alarm_color(const std::string& kind) {
  if (kind == "mode_collapse") return {110, 0, 200};      // violet
  if (kind == "vanishing_gradients") return {230, 0, 230};  // magenta
  return {140, 0, 0};                                       // instability (and unknown kinds): dark red
}

// Fashion-MNIST's class names, short; other class counts get numbers.
std::vector<std::string> class_labels(size_t n) {
  static const char* fm[] = {"TOP", "TROUS", "PULL", "DRESS", "COAT", "SANDAL", "SHIRT", "SNEAK", "BAG", "BOOT"};
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(n == 10 ? fm[i] : std::to_string(i));
  return out;
}

}  // namespace

ReportResult write_report(const std::string& run_dir, bool replay_diagnostics) {
  namespace fs = std::filesystem;
  const std::string path = run_dir + "/metrics.jsonl";
  std::ifstream in(path);
  GAN_CHECK(in.good(), "report: cannot open '", path, "' (is '", run_dir, "' a run folder written by gan train?)");
  ReportResult res;
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> curves;  // key -> (steps, values)
  std::vector<std::string> metric_order;
  std::vector<plot::VLine> alarms;
  std::vector<double> histogram;
  std::string text;
  Diagnostics diag;
  auto replay = [&](const std::vector<Alarm>& raised) {
    for (const Alarm& a : raised) {
      alarms.push_back({static_cast<double>(a.step), alarm_color(a.kind), "ALARM " + a.kind});
      res.replayed.push_back(a.line());
      ++res.alarms;
    }
  };
  while (std::getline(in, text)) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("step") || !j["step"].is_number()) {
      ++res.skipped;
      continue;
    }
    ++res.records;
    const double step = j["step"].get<double>();
    auto num = [&](const char* key) {
      return j.contains(key) && j[key].is_number() ? j[key].get<double>() : std::numeric_limits<double>::quiet_NaN();
    };
    if (replay_diagnostics && j.contains("loss_d") && j.contains("loss_g")) {
      replay(diag.observe(StepRecord{static_cast<int64_t>(step), num("loss_d"), num("loss_g"), num("d_real"),
                                     num("d_fake"), num("grad_norm_g"), num("grad_norm_d")}));
    }
    if (replay_diagnostics && (j.contains("frechet_classifier_distance") || j.contains("class_histogram"))) {
      EvalRecord e;
      e.step = static_cast<int64_t>(step);
      if (j.contains("class_histogram") && j["class_histogram"].is_array())
        e.num_classes = static_cast<int64_t>(j["class_histogram"].size());
      e.classes_covered = num("classes_covered");
      e.class_entropy_bits = num("class_entropy_bits");
      e.near_duplicate_rate = num("near_duplicate_rate");
      e.frechet_classifier_distance = num("frechet_classifier_distance");
      replay(diag.observe(e));
    }
    if (j.contains("alarm") && j["alarm"].is_string()) {
      if (replay_diagnostics) continue;  // replaced by the replay
      const std::string kind = j["alarm"].get<std::string>();
      alarms.push_back({step, alarm_color(kind), "ALARM " + kind});
      ++res.alarms;
      continue;
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "class_histogram" && it->is_array()) {
        histogram.clear();
        for (const auto& v : *it) histogram.push_back(v.is_number() ? v.get<double>() : NAN);
        continue;
      }
      if (!it->is_number() && !it->is_null()) continue;
      if (it.key() == "step") continue;
      auto& c = curves[it.key()];
      if (c.first.empty() && !kNotMetrics.count(it.key())) metric_order.push_back(it.key());
      c.first.push_back(step);
      c.second.push_back(it->is_null() ? NAN : it->get<double>());
    }
  }
  if (replay_diagnostics) res.replayed.push_back(diag.summary());
  GAN_CHECK(res.records > 0, "report: '", path, "' holds no record with a \"step\" (", res.skipped,
            " unparseable lines)");
  const std::string out_dir = run_dir + "/report";
  fs::create_directories(out_dir);
  std::vector<io::Image> panels;
  auto emit = [&](const std::string& name, const io::Image& img) {
    const std::string file = out_dir + "/" + name;
    io::write_png(file, img);
    res.files.push_back(file);
    panels.push_back(img);
  };
  auto series = [&](const std::string& key, const std::string& label, size_t color, bool markers = false) {
    plot::Series s;
    s.name = label;
    s.color = plot::palette(color);
    s.markers = markers;
    if (auto it = curves.find(key); it != curves.end()) s.x = it->second.first, s.y = it->second.second;
    return s;
  };
  auto has = [&](const std::string& key) { return curves.count(key) > 0; };
  const std::string run_name = fs::path(run_dir).filename().string();
  if (has("loss_d") || has("loss_g")) {
    plot::PlotOptions o;
    o.title = "losses  " + run_name;
    o.x_label = "step";
    o.smoothing = 0.9;
    o.vlines = alarms;
    emit("losses.png", plot::line_plot({series("loss_d", "loss_d", 0), series("loss_g", "loss_g", 1)}, o));
  }
  if (has("d_real") || has("d_fake")) {
    plot::PlotOptions o;
    o.title = "D(x) and D(G(z))";
    o.x_label = "step";
    o.smoothing = 0.9;
    o.vlines = alarms;
    emit("d_outputs.png", plot::line_plot({series("d_real", "D(x)", 2), series("d_fake", "D(G(z))", 3)}, o));
  }
  if (has("grad_norm_d") || has("grad_norm_g")) {
    plot::PlotOptions o;
    o.title = "gradient norms (log)";
    o.x_label = "step";
    o.log_y = true;
    o.smoothing = 0.9;
    o.vlines = alarms;
    emit("grad_norms.png",
         plot::line_plot({series("grad_norm_d", "|grad D|", 0), series("grad_norm_g", "|grad G|", 1)}, o));
  }
  // Metric panels share the training curves' step range, so they line up under them.
  double run_x0 = NAN, run_x1 = NAN;
  if (auto it = curves.find("loss_d"); it != curves.end() && !it->second.first.empty()) {
    run_x0 = *std::min_element(it->second.first.begin(), it->second.first.end());
    run_x1 = *std::max_element(it->second.first.begin(), it->second.first.end());
  }
  size_t color = 4;
  for (const std::string& key : metric_order) {
    plot::PlotOptions o;
    o.x_min = std::min(run_x0, 0.0), o.x_max = run_x1;
    o.title = key;
    o.x_label = "step";
    o.height = 260;
    o.vlines = alarms;
    const auto& c = curves[key];
    const bool sparse = c.first.size() <= 200;
    emit("metric_" + key + ".png", plot::line_plot({series(key, key, color++, sparse)}, o));
  }
  if (!histogram.empty()) {
    plot::PlotOptions o;
    o.title = "class histogram of the last samples";
    o.height = 260;
    emit("class_histogram.png", plot::bar_plot(histogram, class_labels(histogram.size()), o));
  }
  const std::string all = out_dir + "/report.png";
  io::write_png(all, plot::stack_vertical(panels));
  res.files.push_back(all);
  return res;
}

}  // namespace gan::models
