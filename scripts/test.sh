#!/usr/bin/env bash
# The README's test command: installs dependencies, builds, runs every test.
# CI (.ci/run) calls exactly this.
#
#   1. the sim flavour (CPU backend + kernels on the SIMT emulator): every suite,
#      two test processes at a time with one OpenMP thread each (2 cores, no
#      oversubscription: OpenMP's spin-waiting collapses when threads > cores),
#      under the emulator's device-memory guard (GAN_SIMT_GUARD=1: host code
#      that touches device memory is reported, as it would crash on a GPU;
#      ~10% on the device-heavy suites);
#   1b. (sim) every CUDA kernel test once more under the emulator's shared-memory
#      hazard checker and the eager warp schedule (scripts/racecheck.sh);
#   2. the kernel suites again with 3 threads, so the parallel paths and uneven
#      chunking are exercised;
#   3. the cpu flavour, the one the README's main command builds: every target,
#      every suite (the CUDA-backend tests skip there);
#   4. the README's main command itself (scripts/quickstart.sh) in a tiny run,
#      its outputs checked (scripts/quickstart-check.sh);
#   5. the kernel and emulator suites under AddressSanitizer + UBSan;
#   6. where nvcc is installed: the cuda flavour (real kernels for sm_80;sm_90),
#      compiled and linked, its ptxas report checked for spills and the TF32
#      implicit-GEMM PTX for tensor-core MMAs (no GPU needed; its GPU tests
#      are run on a machine with one: ctest -L gpu), and the GPU benchmark
#      binary started once (it skips without a GPU); the GPU bundle made from
#      that build and its check run once (it says it skipped without a GPU).
# GAN_TEST_FLAVOUR=cpu|sim picks the flavour of step 1; GAN_TEST_SANITIZE=0 skips
# step 5; GAN_TEST_CUDA_BUILD=0 skips step 6; GAN_TEST_CPU_FLAVOUR=0 skips 3-4.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
flavour="${GAN_TEST_FLAVOUR:-sim}"
start=$SECONDS
summary=()
# step NAME COMMAND...: runs it, records its time for the summary at the end.
step() {
  local name="$1"; shift
  local t0=$SECONDS
  echo "test.sh: == $name"
  "$@"
  summary+=("$(printf '%-44s %5d s' "$name" $((SECONDS - t0)))")
}

step "build: $flavour flavour" bash scripts/build.sh "$flavour"
step "tests: $flavour flavour, every suite" \
  env OMP_NUM_THREADS=1 GAN_SIMT_GUARD=1 ctest --test-dir "build/$flavour" --output-on-failure -j "$(nproc)" --timeout 900
if [ "$flavour" = sim ]; then
  step "racecheck: cuda tests, hazard checker + eager" bash scripts/racecheck.sh "build/$flavour"
fi
step "tests: kernel suites, 3 threads" \
  env OMP_NUM_THREADS=3 ctest --test-dir "build/$flavour" -L kernels --output-on-failure -j 1 --timeout 900
if [ "${GAN_TEST_CPU_FLAVOUR:-1}" != 0 ] && [ "$flavour" != cpu ]; then
  step "build: cpu flavour (every target)" bash scripts/build.sh cpu
  step "tests: cpu flavour, every suite" \
    env OMP_NUM_THREADS=1 ctest --test-dir build/cpu --output-on-failure -j "$(nproc)" --timeout 900
fi
if [ "${GAN_TEST_CPU_FLAVOUR:-1}" != 0 ]; then
  step "quickstart: scripts/quickstart.sh, 20 steps" bash scripts/quickstart-check.sh 20
fi
if [ "${GAN_TEST_SANITIZE:-1}" != 0 ]; then
  step "sanitizers: ASan + UBSan" bash scripts/sanitize.sh
fi
if [ "${GAN_TEST_CUDA_BUILD:-1}" != 0 ]; then
  if command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ]; then
    step "build: cuda flavour (sm_80;sm_90)" bash scripts/build.sh cuda
    step "cuda: ptxas spills, tensor-core PTX" \
      bash -c 'bash scripts/ptxas-table.sh build/cuda | tail -n 3 && bash scripts/ptx-mma-check.sh build/cuda'
    # The GPU benchmarks build and start: without a GPU every one reports
    # "skipped: no CUDA device" and the binary exits 0 (one quick case runs on a GPU).
    step "cuda: gan_bench_cuda starts" \
      build/cuda/bench/cuda/gan_bench_cuda --benchmark_filter='^gemm/square_m1024_n1024_k1024_NN/cublas/tf32/'
    step "cuda: GPU bundle + its check (skips without a GPU)" \
      bash -c 'bash scripts/bundle.sh --no-build --build build/cuda --out build/gan-bundle &&
               build/gan-bundle/check.sh build/gan-bundle-check'
  else
    echo "test.sh: no nvcc: skipping the cuda flavour build"
  fi
fi
echo "test.sh: per step"
printf '  %s\n' "${summary[@]}"
echo "test.sh: all steps passed in $((SECONDS - start)) s"
