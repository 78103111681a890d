// The grid runner of the SIMT emulator: checks a launch against the limits of
// an H100, then hands the blocks, in the schedule's order, to a pool of worker
// threads (the caller is one of them). A block never changes worker.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <functional>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "block.h"
#include "gan/simt/device_memory.h"
#include "racecheck.h"

#ifndef GAN_SIMT_SERIAL
#define GAN_SIMT_SERIAL 0
#endif

namespace gan::simt {
namespace {

// ---- settings ------------------------------------------------------------------

struct Settings {
  std::mutex mutex;
  Schedule schedule;
  bool racecheck = false;
  int workers = 1;
  std::unordered_map<const void*, std::size_t> max_dynamic_shared;  // opt-in per kernel
};

int default_workers() {
  if (serial_build()) return 1;
  if (const char* env = std::getenv("GAN_SIMT_WORKERS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

Settings& settings() {
  static Settings* s = [] {
    auto* p = new Settings;  // never destroyed: launches may happen during static destruction
    if (const char* env = std::getenv("GAN_SIMT_ORDER")) p->schedule = parse_schedule(env);
    if (const char* env = std::getenv("GAN_SIMT_RACECHECK")) p->racecheck = env[0] != '\0' && std::string_view(env) != "0";
    p->workers = default_workers();
    return p;
  }();
  return *s;
}

std::atomic<uint64_t> g_switches{0};

// ---- worker pool ---------------------------------------------------------------

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  // Runs work() on the calling thread and on n-1 helper threads; returns when all are done.
  void run(int n, const std::function<void()>& work) {
    std::lock_guard launch_lock(launch_mutex_);  // one grid at a time
    const int helpers = n - 1;
    if (helpers > 0) {
      std::lock_guard lock(mutex_);
      while (static_cast<int>(threads_.size()) < helpers) {
        const int id = static_cast<int>(threads_.size());
        threads_.emplace_back([this, id] { loop(id); });
      }
      job_ = &work;
      helpers_ = helpers;
      remaining_ = helpers;
      ++generation_;
    }
    if (helpers > 0) wake_.notify_all();
    work();
    if (helpers > 0) {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [&] { return remaining_ == 0; });
      job_ = nullptr;
    }
  }

 private:
  void loop(int id) {
    uint64_t seen = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (id >= helpers_) continue;
      const std::function<void()>* job = job_;
      lock.unlock();
      (*job)();
      lock.lock();
      if (--remaining_ == 0) done_.notify_all();
    }
  }

  std::mutex launch_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> threads_;
  const std::function<void()>* job_ = nullptr;
  uint64_t generation_ = 0;
  int helpers_ = 0;
  int remaining_ = 0;
  bool stop_ = false;
};

Pool& pool() {
  static Pool p;
  return p;
}

// ---- launch checks --------------------------------------------------------------

std::string dims(const dim3& d) {
  std::string s = "(";  // built by appending: GCC 12 warns (-Wrestrict) on "(" + std::string&&
  s += std::to_string(d.x);
  s += ',';
  s += std::to_string(d.y);
  s += ',';
  s += std::to_string(d.z);
  s += ')';
  return s;
}

[[noreturn]] void launch_fail(const LaunchConfig& c, const std::string& what) {
  throw Error("gan::simt: " + detail::describe(c) + ": invalid launch: " + what);
}

void check(const LaunchConfig& c) {
  const dim3 b = c.block, g = c.grid;
  if (b.x == 0 || b.y == 0 || b.z == 0) launch_fail(c, "block " + dims(b) + " has a zero dimension");
  if (g.x == 0 || g.y == 0 || g.z == 0) launch_fail(c, "grid " + dims(g) + " has a zero dimension");
  const uint64_t threads = uint64_t{b.x} * b.y * b.z;
  if (threads > limits::max_threads_per_block)
    launch_fail(c, "block " + dims(b) + " has " + std::to_string(threads) + " threads; at most " +
                       std::to_string(limits::max_threads_per_block) + " per block");
  if (b.x > limits::max_block_x || b.y > limits::max_block_y || b.z > limits::max_block_z)
    launch_fail(c, "block " + dims(b) + " exceeds the per-dimension limits (1024,1024,64)");
  if (g.x > limits::max_grid_x || g.y > limits::max_grid_y || g.z > limits::max_grid_z)
    launch_fail(c, "grid " + dims(g) + " exceeds the limits (2147483647,65535,65535)");
  std::size_t allowed = limits::default_dynamic_shared;
  {
    Settings& s = settings();
    std::lock_guard lock(s.mutex);
    const auto it = s.max_dynamic_shared.find(c.kernel_id);
    if (it != s.max_dynamic_shared.end()) allowed = it->second;
  }
  if (c.dynamic_shared > allowed)
    launch_fail(c, std::to_string(c.dynamic_shared) + " bytes of dynamic shared memory; the kernel allows " +
                       std::to_string(allowed) +
                       (allowed == limits::default_dynamic_shared
                            ? " (opt in with GAN_SET_MAX_DYNAMIC_SHARED, up to 232448 = 227 KiB)"
                            : ""));
}

// Bijection k -> block number for the schedule order. Random: k*a + c mod n
// with a coprime to n, so any grid size works without a permutation table.
struct BlockOrder {
  BlockOrder(Schedule s, uint64_t n) : order(s.order), n(n) {
    if (order != Order::random || n < 2) return;
    std::mt19937_64 rng(s.seed ^ 0x5851f42d4c957f2dull);
    do a = rng() % n; while (a == 0 || std::gcd(a, n) != 1);
    c = rng() % n;
  }
  uint64_t operator()(uint64_t k) const {
    switch (order) {
      case Order::forward: return k;
      case Order::reverse: return n - 1 - k;
      case Order::random: return n < 2 ? k : static_cast<uint64_t>((static_cast<unsigned __int128>(k) * a + c) % n);
    }
    return k;
  }
  Order order;
  uint64_t n;
  uint64_t a = 1, c = 0;
};

}  // namespace

// ---- public API -------------------------------------------------------------------

Schedule schedule() {
  Settings& s = settings();
  std::lock_guard lock(s.mutex);
  return s.schedule;
}

void set_schedule(Schedule sch) {
  Settings& s = settings();
  std::lock_guard lock(s.mutex);
  s.schedule = sch;
}

Schedule parse_schedule(std::string_view text) {
  if (text == "eager") return {Order::forward, 0, true};
  if (text.ends_with("+eager") && text.size() > 6 && text != "eager+eager") {
    Schedule s = parse_schedule(text.substr(0, text.size() - 6));
    s.eager = true;
    return s;
  }
  if (text == "forward") return {Order::forward, 0};
  if (text == "reverse") return {Order::reverse, 0};
  if (text == "random") return {Order::random, 0};
  if (text.starts_with("random:")) {
    const std::string digits(text.substr(7));
    char* end = nullptr;
    const unsigned long long seed = std::strtoull(digits.c_str(), &end, 10);
    if (!digits.empty() && end != nullptr && *end == '\0') return {Order::random, seed};
  }
  throw Error("gan::simt: schedule order '" + std::string(text) +
              "' is not one of forward, reverse, random, random:<seed>, optionally with +eager, or eager "
              "(GAN_SIMT_ORDER)");
}

std::string to_string(Schedule s) {
  std::string out = "?";
  switch (s.order) {
    case Order::forward: out = "forward"; break;
    case Order::reverse: out = "reverse"; break;
    case Order::random: out = "random:" + std::to_string(s.seed); break;
  }
  return s.eager ? out + "+eager" : out;
}

bool racecheck() {
  Settings& s = settings();
  std::lock_guard lock(s.mutex);
  return s.racecheck;
}

void set_racecheck(bool on) {
  Settings& s = settings();
  std::lock_guard lock(s.mutex);
  s.racecheck = on;
}

bool racecheck_available() { return detail::race::available(); }

int workers() {
  Settings& s = settings();
  std::lock_guard lock(s.mutex);
  return s.workers;
}

void set_workers(int n) {
  Settings& s = settings();
  std::lock_guard lock(s.mutex);
  s.workers = serial_build() ? 1 : (n > 0 ? n : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

bool serial_build() { return GAN_SIMT_SERIAL != 0; }

uint64_t fiber_switches() { return g_switches.load(std::memory_order_relaxed); }

void set_max_dynamic_shared(const char* kernel, const void* kernel_id, std::size_t bytes) {
  if (bytes > limits::max_dynamic_shared_optin)
    throw Error(std::string("gan::simt: kernel '") + kernel + "': maximum dynamic shared memory " +
                std::to_string(bytes) + " bytes exceeds the H100 opt-in limit of 232448 (227 KiB)");
  Settings& s = settings();
  std::lock_guard lock(s.mutex);
  s.max_dynamic_shared[kernel_id] = bytes;
}

void launch(const LaunchConfig& config, void (*invoke)(const void*), const void* closure) {
  if (detail::inside_kernel())
    throw Error("gan::simt: " + detail::describe(config) +
                ": launched from inside a kernel (dynamic parallelism is not emulated)");
  check(config);
  const detail::GridRun grid{&config, invoke, closure, schedule(), racecheck()};
  if (grid.racecheck && !detail::race::available())
    throw Error("gan::simt: " + detail::describe(config) +
                ": racecheck is on (GAN_SIMT_RACECHECK) but this build's kernels are not instrumented "
                "(an ASan or serial build, or CMake -DGAN_SIMT_RACECHECK=OFF)");
  const uint64_t blocks = uint64_t{config.grid.x} * config.grid.y * config.grid.z;
  const BlockOrder order(grid.schedule, blocks);

  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::exception_ptr error;
  const std::function<void()> work = [&] {
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) break;
      const uint64_t k = next.fetch_add(1, std::memory_order_relaxed);
      if (k >= blocks) break;
      try {
        detail::run_block(grid, order(k));
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
    g_switches.fetch_add(detail::take_switches(), std::memory_order_relaxed);
  };
  const int n = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(workers()), blocks));
  {
    const DeviceAccess access;  // the kernel may touch device memory (the guard's pages open)
    pool().run(n, work);
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace gan::simt
