#!/usr/bin/env bash
# Builds the kernel, emulator and CUDA-kernel tests (sim flavour: the CUDA kernels
# run on the emulator) with AddressSanitizer + UBSan and runs them.
# The emulator runs in its serial configuration (one worker; static __shared__ as
# plain statics) so ASan sees shared-memory overflows; its fiber switches carry
# the ASan fiber annotations, so a clean run has no false positives.
#
#   scripts/sanitize.sh [build-dir]      (default: build/asan)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/asan}
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

cmake -S "$root" -B "$build" -G Ninja "${launcher[@]}" \
  -DGAN_CUDA=sim -DGAN_BUILD_BENCH=OFF -DGAN_BUILD_CLI=OFF \
  -DGAN_SIMT_SERIAL=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
targets=(gan_kernels_tests)
[ -d "$root/tests/simt" ] && targets+=(gan_simt_tests)
[ -d "$root/tests/cuda" ] && targets+=(gan_cuda_tests)
cmake --build "$build" --target "${targets[@]}" -j "$(nproc)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The kernel suites with two OpenMP threads, so their parallel paths run under
# the sanitizers too. The emulator is serial in this build (one worker, OpenMP
# unused), so its suites and the CUDA-kernel suites run two processes at a
# time instead: ~400 s of them at -j 1 on the 2-core CI machine.
OMP_NUM_THREADS=2 ctest --test-dir "$build" -L kernels --output-on-failure -j 1 --timeout 900
OMP_NUM_THREADS=1 ctest --test-dir "$build" -L 'simt|cuda' -LE kernels -E simt_kernels_compile_with_nvcc \
  --output-on-failure -j "$(nproc)" --timeout 900
