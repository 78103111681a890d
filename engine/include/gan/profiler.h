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
//
// FLOPs are counted, not estimated, for the GEMM-class ops that carry nearly all
// of a GAN step's arithmetic: conv2d and its two gradients (so every transposed
// conv), matmul and the fused attention, each from its shapes (2 per
// multiply-add) through count_flops. Elementwise ops, norms and reductions
// count none, so a total is a lower bound within a few per cent.
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
  double flops = 0;  // 0 for the ops that do not count theirs
};

void enable(bool on);
bool enabled();
void reset();
std::vector<OpStats> snapshot();  // sorted by time, largest first
std::string report(double total_seconds = 0);  // table; share of total when given
double total_flops();                          // sum over ops since the last reset

namespace detail {
extern std::atomic<bool> g_enabled;
void add(const char* op, double seconds);
void add_flops(const char* op, double flops);
}  // namespace detail

// Adds `flops` to op's count while the profiler is on (call once per kernel call).
inline void count_flops(const char* op, double flops) {
  if (detail::g_enabled.load(std::memory_order_relaxed)) detail::add_flops(op, flops);
}

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
