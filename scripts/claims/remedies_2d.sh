#!/usr/bin/env bash
# The mode-collapse remedies on the 2-D mixtures (#14): modes covered and the
# high-quality fraction of the non-saturating MLP GAN (configs/mlp2d-*.toml)
# without a remedy, with PacGAN packing (pack = 4) and with the minibatch-stddev
# feature (minibatch_stddev = 4), same nets, steps and seeds, on the 8-Gaussian
# ring and the 25-Gaussian grid.
#   scripts/claims/remedies_2d.sh [out_root] [ring_steps] [grid_steps] [seeds...]
#   (default runs/claims/remedies_2d, 2000, 5000, seeds 1 2 3 4 5)
# One line per run (the final evaluation on 2,500 latents), then mean +- sd; $out_root/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/claims/mixture_lib.sh
root="${1:-runs/claims/remedies_2d}"; ring_steps="${2:-2000}"; grid_steps="${3:-5000}"; shift 3 || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5)
gan=build/cpu/cli/gan
mkdir -p "$root"
: > "$root/results.tsv"
for mix in ring8 grid25; do
  steps=$ring_steps; [ "$mix" = grid25 ] && steps=$grid_steps
  for arm in none pack4 mbstd4; do
    extra=()
    case $arm in
      pack4) extra=(--set pack=4) ;;
      mbstd4) extra=(--set minibatch_stddev=4) ;;
    esac
    for seed in "${seeds[@]}"; do
      out="$root/${mix}_${arm}_s${seed}"
      OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$gan" train --config "configs/mlp2d-$mix.toml" --set steps="$steps" \
        --set seed="$seed" --set eval_every=500 --set sample_every="$steps" --set checkpoint_every=0 \
        --set out_dir="$out" ${extra[@]+"${extra[@]}"} -q > /dev/null
      mixture_row "$out" "$mix" "$arm" "$seed" "$root/results.tsv"
    done
  done
done
mixture_summary "$root/results.tsv" none="no remedy" pack4="pack = 4" mbstd4="minibatch_stddev = 4" | tee "$root/summary.txt"
