// A per-op profiler: wall time and call count per op name, summed over forward
// and backward (backward passes are engine ops too). Every kernel call goes
// through dispatch_float / dispatch_float_device with its op name, which is
// where the timing happens, so nothing else needs instrumenting.
//
//   gan::profiler::enable(true);
//   ... run a training step ...
//   std::puts(gan::profiler::report().c_str());
//
// Disabled cost: one relaxed atomic load per op. Nested ops (an op calling
// another op's kernel) are timed inclusively. Times are host wall times: right
// for the CPU backend; for asynchronous CUDA launches they are launch costs.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace gan::profiler {

struct OpStats {
  std::string op;
  int64_t calls = 0;
  double seconds = 0;
};

void enable(bool on);
bool enabled();
void reset();
std::vector<OpStats> snapshot();  // sorted by time, largest first
std::string report(double total_seconds = 0);  // table; share of total when given

namespace detail {
extern std::atomic<bool> g_enabled;
void add(const char* op, double seconds);
}  // namespace detail

class Scope {
 public:
  explicit Scope(const char* op) : op_(detail::g_enabled.load(std::memory_order_relaxed) ? op : nullptr) {
    if (op_) start_ = std::chrono::steady_clock::now();
  }
  ~Scope() {
    if (op_) detail::add(op_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  const char* op_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace gan::profiler
