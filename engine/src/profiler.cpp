#include "gan/profiler.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>

namespace gan::profiler {

namespace detail {
std::atomic<bool> g_enabled{false};
namespace {
std::mutex mu;
std::map<std::string, OpStats>& table() {
  static std::map<std::string, OpStats> t;
  return t;
}
}  // namespace

void add(const char* op, double seconds) {
  std::lock_guard<std::mutex> lock(mu);
  OpStats& s = table()[op];
  s.op = op;
  s.calls += 1;
  s.seconds += seconds;
}

void add_flops(const char* op, double flops) {
  std::lock_guard<std::mutex> lock(mu);
  OpStats& s = table()[op];
  s.op = op;
  s.flops += flops;
}
}  // namespace detail

void enable(bool on) { detail::g_enabled.store(on, std::memory_order_relaxed); }
bool enabled() { return detail::g_enabled.load(std::memory_order_relaxed); }

void reset() {
  std::lock_guard<std::mutex> lock(detail::mu);
  detail::table().clear();
}

std::vector<OpStats> snapshot() {
  std::lock_guard<std::mutex> lock(detail::mu);
  std::vector<OpStats> v;
  for (const auto& [k, s] : detail::table()) v.push_back(s);
  std::sort(v.begin(), v.end(), [](const OpStats& a, const OpStats& b) { return a.seconds > b.seconds; });
  return v;
}

double total_flops() {
  std::lock_guard<std::mutex> lock(detail::mu);
  double f = 0;
  for (const auto& [k, s] : detail::table()) f += s.flops;
  return f;
}

std::string report(double total_seconds) {
  const auto v = snapshot();
  std::string out = total_seconds > 0 ? "op                         calls     ms   share     GFLOP  GFLOP/s\n"
                                      : "op                         calls     ms     GFLOP  GFLOP/s\n";
  char line[160], share[16] = "";
  for (const auto& s : v) {
    if (total_seconds > 0) std::snprintf(share, sizeof share, "  %5.1f%%", 100 * s.seconds / total_seconds);
    if (s.flops > 0) {
      std::snprintf(line, sizeof line, "%-24s %7lld %7.2f%s %9.3f %8.1f\n", s.op.c_str(),
                    static_cast<long long>(s.calls), 1000 * s.seconds, share, 1e-9 * s.flops,
                    s.seconds > 0 ? 1e-9 * s.flops / s.seconds : 0.0);
    } else {
      std::snprintf(line, sizeof line, "%-24s %7lld %7.2f%s\n", s.op.c_str(), static_cast<long long>(s.calls),
                    1000 * s.seconds, share);
    }
    out += line;
  }
  return out;
}

}  // namespace gan::profiler
