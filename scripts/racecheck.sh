#!/usr/bin/env bash
# Runs the CUDA kernel tests (ctest label `cuda`) of a sim-flavour build once
# under the emulator's shared-memory hazard checker (GAN_SIMT_RACECHECK=1) and
# the eager warp schedule (a warp runs on after each collective), after the
# emulator's own racecheck tests have shown that the checker reports what it
# must. A hazard fails the test that launched the kernel, with a report naming
# the kernel, the shared array, both threads and both source sites.
#
#   scripts/racecheck.sh [build-dir]        (default: build/sim)
#   GAN_SIMT_ORDER=reverse+eager scripts/racecheck.sh   (another schedule)
#   CTEST_PARALLEL_LEVEL=n                   (ctest jobs, default: nproc)
#
# The build must be the sim flavour with the instrumentation (the default;
# not an ASan or GAN_SIMT_SERIAL build): see kernels/simt/src/racecheck.h.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/sim}
[ -f "$build/CMakeCache.txt" ] || { echo "racecheck.sh: no build in $build" >&2; exit 2; }
grep -q '^GAN_CUDA:STRING=sim' "$build/CMakeCache.txt" ||
  { echo "racecheck.sh: $build is not a sim-flavour build (-DGAN_CUDA=sim)" >&2; exit 2; }

export GAN_SIMT_RACECHECK=1
export GAN_SIMT_ORDER=${GAN_SIMT_ORDER:-eager}
jobs=${CTEST_PARALLEL_LEVEL:-$(nproc)}
# One OpenMP thread per test process, as scripts/test.sh runs the suites.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

echo "racecheck.sh: the checker's own tests"
ctest --test-dir "$build" -R 'RaceCheck|EagerSchedule' --output-on-failure -j "$jobs"

echo "racecheck.sh: cuda-labelled tests, GAN_SIMT_RACECHECK=1 GAN_SIMT_ORDER=$GAN_SIMT_ORDER"
start=$(date +%s)
ctest --test-dir "$build" -L cuda --output-on-failure -j "$jobs" --timeout 900
echo "racecheck.sh: clean ($(($(date +%s) - start)) s)"
