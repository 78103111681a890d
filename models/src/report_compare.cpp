// write_comparison (report.h): several runs' metrics.jsonl -> one PNG, a panel
// per key, a curve per run.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "gan/error.h"
#include "gan/io/png.h"
#include "gan/models/plot.h"
#include "gan/models/report.h"

namespace gan::models {

namespace {

using Curve = std::pair<std::vector<double>, std::vector<double>>;  // steps, values

// Every numeric key of a run's records as a curve over "step" (records
// without a numeric step, and lines that are not JSON objects, are skipped).
std::map<std::string, Curve> read_curves(const std::string& run_dir) {
  const std::string path = run_dir + "/metrics.jsonl";
  std::ifstream in(path);
  GAN_CHECK(in.good(), "report: cannot open '", path, "' (is '", run_dir, "' a run folder written by gan train?)");
  std::map<std::string, Curve> curves;
  std::string text;
  while (std::getline(in, text)) {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("step") || !j["step"].is_number()) continue;
    const double step = j["step"].get<double>();
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "step" || !it->is_number()) continue;
      curves[it.key()].first.push_back(step);
      curves[it.key()].second.push_back(it->get<double>());
    }
  }
  return curves;
}

}  // namespace

std::vector<std::string> write_comparison(const std::vector<std::string>& run_dirs,
                                          const std::vector<std::string>& keys, const std::string& png_path) {
  GAN_CHECK(!run_dirs.empty(), "report: no run to compare");
  std::vector<std::map<std::string, Curve>> runs;
  std::set<std::string> known;
  for (const std::string& d : run_dirs) {
    runs.push_back(read_curves(d));
    for (const auto& [k, c] : runs.back()) known.insert(k);
  }
  std::vector<std::string> drawn;
  for (const std::string& k : keys.empty() ? std::vector<std::string>{"frechet_classifier_distance", "precision", "recall"}
                                           : keys) {
    if (known.count(k)) {
      drawn.push_back(k);
      continue;
    }
    if (keys.empty()) continue;  // a default key the runs lack
    std::string list;
    for (const std::string& n : known) list += (list.empty() ? "" : ", ") + n;
    throw Error("report: no run has the key '" + k + "' (they have: " + list + ")");
  }
  GAN_CHECK(!drawn.empty(), "report: the runs have no evaluation (frechet_classifier_distance, precision, recall); ",
            "name keys to compare with --metrics");
  // Legend names: each run's folder name, or parent/name when two runs share a name.
  std::vector<std::string> names;
  for (const std::string& d : run_dirs) {
    const std::filesystem::path p = std::filesystem::path(d).lexically_normal();
    names.push_back((p.has_filename() ? p : p.parent_path()).filename().string());
  }
  if (std::set<std::string>(names.begin(), names.end()).size() < names.size())
    for (size_t r = 0; r < names.size(); ++r) {
      const std::filesystem::path p = std::filesystem::path(run_dirs[r]).lexically_normal();
      const std::filesystem::path run = p.has_filename() ? p : p.parent_path();
      names[r] = (run.parent_path().filename() / run.filename()).string();
    }
  std::vector<io::Image> panels;
  for (const std::string& k : drawn) {
    std::vector<plot::Series> series;
    size_t points = 0;
    for (size_t r = 0; r < runs.size(); ++r) {
      plot::Series s;
      s.name = names[r];
      s.color = plot::palette(r);
      if (auto it = runs[r].find(k); it != runs[r].end()) s.x = it->second.first, s.y = it->second.second;
      points = std::max(points, s.x.size());
      series.push_back(std::move(s));
    }
    plot::PlotOptions o;
    o.title = k;
    o.x_label = "step";
    if (points > 200) {
      o.smoothing = 0.9;  // as write_report's training curves
    } else {
      for (plot::Series& s : series) s.markers = true;
    }
    panels.push_back(plot::line_plot(series, o));
  }
  io::write_png(png_path, plot::stack_vertical(panels));
  return drawn;
}

}  // namespace gan::models
