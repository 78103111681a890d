#!/usr/bin/env bash
# R3GAN's claim on the 2-D mixtures (#14): modes covered and the high-quality
# fraction of R3GAN's loss (relativistic pairing + R1 + R2, configs/r3gan-grid25.toml)
# against the non-saturating loss + R1 at the same gamma (configs/mlp2d-grid25.toml),
# on the 25-Gaussian grid and the 8-Gaussian ring, same nets, steps and seeds; and
# SphereGAN (configs/spheregan-ring8.toml) on the ring.
#   scripts/claims/r3gan_2d.sh [out_root] [grid_steps] [ring_steps] [seeds...]
#   (default runs/claims/r3gan_2d, 5000, 2000, seeds 1 2 3; the grid's 25 modes take longer)
# One line per run (the final evaluation on 2,500 latents), then mean +- sd; $out_root/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/claims/mixture_lib.sh
root="${1:-runs/claims/r3gan_2d}"; grid_steps="${2:-5000}"; ring_steps="${3:-2000}"; shift 3 || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
gan=build/cpu/cli/gan
mkdir -p "$root"
: > "$root/results.tsv"
for mix in grid25 ring8; do
  steps=$grid_steps; [ "$mix" = ring8 ] && steps=$ring_steps
  systems=(r3gan mlp2d); [ "$mix" = ring8 ] && systems+=(spheregan)
  for sys in "${systems[@]}"; do
    case $sys in
      r3gan) cfg=configs/r3gan-grid25.toml ;;
      mlp2d) cfg=configs/mlp2d-grid25.toml ;;
      spheregan) cfg=configs/spheregan-ring8.toml ;;
    esac
    for seed in "${seeds[@]}"; do
      out="$root/${sys}_${mix}_s${seed}"
      OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$gan" train --config "$cfg" --set steps="$steps" --set seed="$seed" \
        --set dataset="mixture:$mix" --set "$sys.mixture=$mix" --set eval_every=500 --set sample_every="$steps" \
        --set checkpoint_every=0 --set out_dir="$out" -q
      mixture_row "$out" "$mix" "$sys" "$seed" "$root/results.tsv"
    done
  done
done
mixture_summary "$root/results.tsv" r3gan="r3gan (RpGAN + R1 + R2)" mlp2d="non-saturating + R1" \
  spheregan="spheregan (R = 3)" | tee "$root/summary.txt"
