// Host side of the SIMT emulator: schedule order, workers, launch limits, and
// the launch entry that GAN_LAUNCH expands to (see gan/kernels/portable.h).
//
// A launch is synchronous: it returns when every block has run to completion,
// or throws gan::simt::Error (a gan::kernels::KernelError) whose message names
// the kernel, the launch site, and the block/thread that went wrong.
#pragma once

#include <vector_types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <gan/kernels/common.h>

namespace gan::simt {

// Every emulator error: bad launch configuration, barrier divergence, warp
// collective mask mismatch, deadlock, misuse of an intrinsic.
class Error : public gan::kernels::KernelError {
 public:
  using gan::kernels::KernelError::KernelError;
};

// Order in which blocks are handed to workers and in which a block's threads
// run between synchronisation points. Races show up as order-dependent results.
enum class Order { forward, reverse, random };

// eager: a warp whose collective (shuffle, ballot, __syncwarp, ...) completes
// runs on at once, every lane until its next wait, before any other thread
// (without it the released lanes wait for their turn in the order, behind the
// rest of the block). Warps racing ahead of the others is what shows a
// missing __syncthreads between two uses of the same shared slots.
struct Schedule {
  Order order = Order::forward;
  uint64_t seed = 0;  // used by Order::random
  bool eager = false;
};

// The process-wide schedule. Initialised from GAN_SIMT_ORDER
// ("forward" | "reverse" | "random" | "random:<seed>", each optionally with
// "+eager"; "eager" alone is "forward+eager"), default forward.
Schedule schedule();
void set_schedule(Schedule s);
Schedule parse_schedule(std::string_view text);  // throws Error on bad text
std::string to_string(Schedule s);

// Sets the schedule for a scope (tests), restores the previous one after.
class ScopedSchedule {
 public:
  explicit ScopedSchedule(Schedule s) : saved_(schedule()) { set_schedule(s); }
  ~ScopedSchedule() { set_schedule(saved_); }
  ScopedSchedule(const ScopedSchedule&) = delete;
  ScopedSchedule& operator=(const ScopedSchedule&) = delete;

 private:
  Schedule saved_;
};

// The shared-memory hazard checker (racecheck): between two barriers, a byte
// of shared memory written by one thread and read or written by a thread of
// another warp is an error naming the kernel, the shared array and offset,
// both threads and both source sites; so is an access outside the dynamic
// shared buffer or outside every static __shared__ array. Atomics are not
// hazards; threads of one warp are not checked against each other. Initialised
// from GAN_SIMT_RACECHECK (1/0), default off. It needs kernels compiled with
// the instrumentation (the sim flavour without ASan, CMake GAN_SIMT_RACECHECK);
// turning it on in another build makes every launch throw.
bool racecheck();
void set_racecheck(bool on);
bool racecheck_available();

class ScopedRacecheck {
 public:
  explicit ScopedRacecheck(bool on) : saved_(racecheck()) { set_racecheck(on); }
  ~ScopedRacecheck() { set_racecheck(saved_); }
  ScopedRacecheck(const ScopedRacecheck&) = delete;
  ScopedRacecheck& operator=(const ScopedRacecheck&) = delete;

 private:
  bool saved_;
};

// Worker threads that run blocks (the calling thread is one of them).
// Initialised from GAN_SIMT_WORKERS, default the hardware concurrency;
// always 1 in the serial build (GAN_SIMT_SERIAL).
int workers();
void set_workers(int n);  // n <= 0: hardware concurrency
bool serial_build();

// Fiber switches performed so far (both directions counted), for the
// overhead measurement.
uint64_t fiber_switches();

// Launch limits of an H100 (compute capability 9.0).
namespace limits {
inline constexpr unsigned max_threads_per_block = 1024;
inline constexpr unsigned max_block_x = 1024, max_block_y = 1024, max_block_z = 64;
inline constexpr unsigned max_grid_x = 2147483647u, max_grid_y = 65535, max_grid_z = 65535;
inline constexpr std::size_t default_dynamic_shared = 48 * 1024;   // without opt-in
inline constexpr std::size_t max_dynamic_shared_optin = 227 * 1024;
}  // namespace limits

struct LaunchConfig {
  dim3 grid;
  dim3 block;
  std::size_t dynamic_shared = 0;
  const char* kernel = "";     // the kernel expression as written in GAN_LAUNCH
  const char* file = "";
  int line = 0;
  const void* kernel_id = nullptr;  // the kernel's address, key of the opt-in table
};

// Runs the grid; invoke(closure) is the body of one thread.
void launch(const LaunchConfig& config, void (*invoke)(const void*), const void* closure);

// cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes).
void set_max_dynamic_shared(const char* kernel, const void* kernel_id, std::size_t bytes);

// Base of the current block's dynamic shared memory (a heap buffer of exactly
// the launch's size, filled with 0xff bytes: NaN floats, -1 integers).
void* dynamic_shared();

// What GAN_LAUNCH(grid, block, smem, stream, kernel)(args...) builds: the
// kernel pointer (explicit template arguments required) and the configuration;
// the call converts args to the parameter types once, like a real launch, and
// every thread gets its own by-value copy.
template <class... P>
class Launch {
 public:
  Launch(void (*kernel)(P...), const LaunchConfig& config) : kernel_(kernel), config_(config) {}

  template <class... A>
  void operator()(A&&... args) const {
    static_assert(sizeof...(A) == sizeof...(P), "GAN_LAUNCH: wrong number of kernel arguments");
    const Closure closure{kernel_, std::tuple<std::decay_t<P>...>(std::forward<A>(args)...)};
    launch(config_, &invoke, &closure);
  }

 private:
  struct Closure {
    void (*kernel)(P...);
    std::tuple<std::decay_t<P>...> args;
  };
  static void invoke(const void* p) {
    const auto* c = static_cast<const Closure*>(p);
    std::apply(c->kernel, c->args);
  }

  void (*kernel_)(P...);
  LaunchConfig config_;
};

template <class G, class B, class S, class... P>
Launch<P...> make_launch(const char* name, const char* file, int line, const G& grid, const B& block,
                         std::size_t smem, const S& /*stream: launches are synchronous*/,
                         void (*kernel)(P...)) {
  LaunchConfig c;
  c.grid = dim3(grid);
  c.block = dim3(block);
  c.dynamic_shared = smem;
  c.kernel = name;
  c.file = file;
  c.line = line;
  c.kernel_id = reinterpret_cast<const void*>(kernel);
  return Launch<P...>(kernel, c);
}

}  // namespace gan::simt
