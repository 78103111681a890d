#!/usr/bin/env bash
# Configures and builds one flavour of gan into build/<flavour> (Release).
#   scripts/build.sh [cpu|cuda|sim] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
flavour="${1:-cpu}"; shift || true
case "$flavour" in
  cpu) cuda=off ;;
  cuda) cuda=on ;;
  sim) cuda=sim ;;
  *) echo "build.sh: unknown flavour '$flavour' (cpu, cuda or sim)" >&2; exit 2 ;;
esac
# Debian's CUDA toolkit lives in /usr/local/cuda; find nvcc even when it is not on PATH.
if [ "$cuda" = on ] && ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then
  export CUDACXX=/usr/local/cuda/bin/nvcc
fi
# Paths relative to the checkout in ccache keys: other clones and worktrees share hits.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
cmake -S . -B "build/$flavour" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGAN_CUDA="$cuda" "${launcher[@]}" "$@"
cmake --build "build/$flavour" -j "$(nproc)"
