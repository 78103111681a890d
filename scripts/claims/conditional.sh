#!/usr/bin/env bash
# The conditional family's claim (#11): samples generated for class k are
# classified as k. Trains cgan, acgan and projection on Fashion-MNIST (their
# configs, STEPS G steps each, one seed), then `gan eval` judges 1,000 samples
# per class with the committed Fashion-MNIST classifier.
#   scripts/claims/conditional.sh [out_root] [steps]     (default runs/claims, 2000)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="${1:-runs/claims}"; steps="${2:-2000}"
gan=build/cpu/cli/gan
for s in cgan acgan projection; do
  OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$gan" train --config "configs/$s-fmnist.toml" --set steps="$steps" \
    --set out_dir="$root/$s" --set checkpoint_every=500 --set log_every=10 -q
  echo "conditional: trained $s ($steps steps) -> $root/$s"
done
