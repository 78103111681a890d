#!/usr/bin/env bash
# Installs the built tree into a prefix, then configures, builds and runs the consumer against it.
#   run.sh <gan build dir> <work dir>
set -euo pipefail
build="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
cmake -S "$(dirname "$0")" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
"$work/build/consumer"
