#!/usr/bin/env bash
# The README's main command: installs dependencies, builds the `gan` executable
# (the cpu flavour, and only what `gan` links: no tests, no benchmarks), and
# trains the default DCGAN on Fashion-MNIST (configs/dcgan-fmnist.toml), writing
# sample grids to runs/dcgan/samples/. Extra arguments go to `gan train`
# (e.g. --set steps=500 --set out_dir=runs/short).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh cpu --target gan_cli
exec build/cpu/cli/gan train --config configs/dcgan-fmnist.toml "$@"
