// Internal interface between the grid runner (launch.cpp) and the block
// scheduler (block.cpp).
#pragma once

#include <cstdint>
#include <string>

#include <gan/simt/runtime.h>

namespace gan::simt::detail {

struct GridRun {
  const LaunchConfig* config;
  void (*invoke)(const void*);
  const void* closure;
  Schedule schedule;
  bool racecheck = false;  // the shared-memory hazard checker (racecheck.h)
};

// Runs block number `linear` (x fastest) of the grid to completion on the
// calling thread, its threads as fibers. Throws Error.
void run_block(const GridRun& grid, uint64_t linear);

// True while the calling OS thread is running a block.
bool inside_kernel();

// Fiber switches done by this worker since the last call.
uint64_t take_switches();

// "kernel 'name' launched at file:line"
std::string describe(const LaunchConfig& config);

}  // namespace gan::simt::detail
