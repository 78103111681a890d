#!/usr/bin/env bash
# Configures and builds one flavour of gan into build/<flavour> (Release).
#   scripts/build.sh [cpu|cuda|sim] [--target T]... [extra cmake args...]
# With --target, only those targets (and what they link) are built: the
# quickstart builds just the `gan` executable; without it, everything.
set -euo pipefail
cd "$(dirname "$0")/.."
flavour="${1:-cpu}"; shift || true
case "$flavour" in
  cpu) cuda=off ;;
  cuda) cuda=on ;;
  sim) cuda=sim ;;
  *) echo "build.sh: unknown flavour '$flavour' (cpu, cuda or sim)" >&2; exit 2 ;;
esac
targets=(); cmake_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --target) [ $# -ge 2 ] || { echo "build.sh: --target needs a name" >&2; exit 2; }
              targets+=(--target "$2"); shift 2 ;;
    *) cmake_args+=("$1"); shift ;;
  esac
done
# Debian's CUDA toolkit lives in /usr/local/cuda; find nvcc even when it is not on PATH.
if [ "$cuda" = on ] && ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export CUDACXX=/usr/local/cuda/bin/nvcc
fi
# Paths relative to the checkout in ccache keys: other clones and worktrees share hits.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
cmake -S . -B "build/$flavour" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGAN_CUDA="$cuda" "${launcher[@]}" \
  ${cmake_args[@]+"${cmake_args[@]}"}
cmake --build "build/$flavour" -j "$(nproc)" ${targets[@]+"${targets[@]}"}
