// Emulator overhead on this machine, printed (timings are not asserted): cost of
// one fiber switch, and a 256^3 tiled matmul (16x16 blocks) for comparison with
// DESIGN.md. What was timed is checked: the switch count and the matmul result.
// Both wall time and CPU time are printed: on a loaded shared machine the CPU
// time is the steadier figure.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "simt_test_kernels.h"
#include "simt_test_util.h"

namespace gan::simt_test {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double cpu_seconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

TEST(Overhead, FiberSwitchCostAndMatmul256) {
  barrier_rounds(256, 10);  // warm-up: stacks mapped, workers started
  const int threads = 256, rounds = 2000;
  const uint64_t s0 = gan::simt::fiber_switches();
  auto t0 = std::chrono::steady_clock::now();
  double c0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);  // one block: it runs on this thread
  barrier_rounds(threads, rounds);
  const double barrier_s = seconds_since(t0);
  const double barrier_cpu = cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
  const uint64_t switches = gan::simt::fiber_switches() - s0;
  EXPECT_GE(switches, 2ull * threads * rounds);

  const int n = 256;
  const auto a = random_floats(n * n, 31), b = random_floats(n * n, 32);
  std::vector<float> c(n * n);
  tiled_matmul(a.data(), b.data(), c.data(), n, n, n);  // warm-up
  const uint64_t m0 = gan::simt::fiber_switches();
  t0 = std::chrono::steady_clock::now();
  c0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
  tiled_matmul(a.data(), b.data(), c.data(), n, n, n);
  const double matmul_s = seconds_since(t0);
  const double matmul_cpu = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
  const uint64_t matmul_switches = gan::simt::fiber_switches() - m0;
  EXPECT_EQ(c, matmul_reference(a, b, n, n, n));  // bit-exact, as in FunctionalTest

  std::printf("[ info ] fiber switch: %.2f ns wall, %.2f ns CPU (barrier ping-pong, %d threads x %d barriers, "
              "%llu switches, scheduler bookkeeping included)\n",
              barrier_s * 1e9 / static_cast<double>(switches), barrier_cpu * 1e9 / static_cast<double>(switches),
              threads, rounds, static_cast<unsigned long long>(switches));
  std::printf("[ info ] 256^3 tiled matmul (16x16 blocks): %.1f ms wall, %.1f ms CPU, %llu switches, %d workers\n",
              matmul_s * 1e3, matmul_cpu * 1e3, static_cast<unsigned long long>(matmul_switches),
              gan::simt::workers());
}

}  // namespace
}  // namespace gan::simt_test
