#!/usr/bin/env bash
# R3GAN's claim on the 2-D mixtures (#14): modes covered and the high-quality
# fraction of R3GAN's loss (relativistic pairing + R1 + R2, configs/r3gan-grid25.toml)
# against the non-saturating loss + R1 at the same gamma (configs/mlp2d-grid25.toml),
# on the 25-Gaussian grid and the 8-Gaussian ring, same nets, steps and seeds; and
# SphereGAN (configs/spheregan-ring8.toml) on the ring.
#   scripts/claims/r3gan_2d.sh [out_root] [grid_steps] [ring_steps] [seeds...]
#   (default runs/claims/r3gan_2d, 12000, 2000, seeds 1 2 3; the grid's 25 modes take longer)
#   GAN=path: another gan executable
# One line per run (the final evaluation on 2,500 latents), then mean +- sd; $out_root/summary.txt.
# Cost: ~10 min for seeds 1-5 on one thread beside other work.
#
# Measured (2026-12-04, `scripts/claims/r3gan_2d.sh OUT 12000 2000 1 2 3 4 5`; modes covered of
# 25 / 8, and the share of samples within 3 sd of a mode, on 2,500 latents):
#   grid25  r3gan (RpGAN + R1 + R2)  24.8 +- 0.4 (25, 25, 24, 25, 25)   high quality 0.770 +- 0.089
#   grid25  non-saturating + R1      25.0 +- 0.0 (25, 25, 25, 25, 25)   high quality 0.767 +- 0.041
#   ring8   r3gan                     8.0 +- 0.0                         high quality 0.703 +- 0.040
#   ring8   non-saturating + R1       8.0 +- 0.0                         high quality 0.712 +- 0.066
#   ring8   spheregan (R = 3)         1.2 +- 1.1 (1, 3, 1, 0, 1)         high quality 0.099 +- 0.146
# Grid modes covered on the way (evaluations every 2,000 steps, seeds 1-5):
#   r3gan  2k: 0-3   4k: 1-4   6k: 2-7   8k: 3, 12, 14, 20, 25   10k: 15, 23, 24, 25, 25
#   ns+R1  2k: 0     4k: 1-3   6k: 3-11  8k: 12, 14, 17, 19, 25  10k: 20, 20, 22, 24, 25
# R3GAN's claim is not shown here: with R1, the non-saturating loss covers every grid mode too,
# as fast (at 5,000 steps, the old default, neither had found more than 5). The paper shows its
# gap on StackedMNIST's 1,000 modes with its own nets; this grid leaves no gap to show. Looked
# at: r3gan's seed 4 (its lowest quality, 0.63): 25 tight modes joined by faint lattice lines.
# SphereGAN collapses to 0-3 ring modes on every seed: after ~100 steps both distances fall
# to ~0.4 rad (real and fake near the north pole, where d ~ 2 / |u|: at |u| ~ 5 its
# gradient in u is ~ 1/12 of its value at the equator) and D stops separating them. Neither layer norm in D (the paper's; now the
# 2-D D's default, d_norm = "layer"), sphere_dim 256 or 1024, lr 1e-4 with betas (0, 0.9)
# nor R = 1 changed that (two seeds each, 4,000-6,000 steps: at most 6 modes, once).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/claims/mixture_lib.sh
root="${1:-runs/claims/r3gan_2d}"; grid_steps="${2:-12000}"; ring_steps="${3:-2000}"; shift 3 || shift $# || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
gan="${GAN:-build/cpu/cli/gan}"
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
