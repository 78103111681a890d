#!/usr/bin/env bash
# The README's test command: installs dependencies, builds, runs every test.
# CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
flavour="${GAN_TEST_FLAVOUR:-sim}"
bash scripts/build.sh "$flavour"
ctest --test-dir "build/$flavour" --output-on-failure -j "$(nproc)" --timeout 600
