#!/usr/bin/env bash
# ProGAN's minibatch-stddev ablation (#13; Karras et al. 2018 §3 and Table 1):
# the feature "standard deviation over the minibatch" in D's head lets D see a
# batch's lack of variation, so G is pushed toward variety. Trains
# configs/progan-fmnist32.toml with minibatch_stddev = 4 (the paper's code)
# and = 0 (the ablation), for each seed, then evaluates every EMA G with
# `gan eval --n N` and prints, per arm, the mean and sample sd over seeds of
# variety (recall, coverage, class entropy, classes covered) and quality
# (FCD, precision), and each run's numbers (scripts/claims/arms_summary.py).
#
# Scaled to two CPU cores (say so when quoting it): grown 4 -> 8 -> 16 on
# Fashion-MNIST resized to 16x16 (image_size = 16; widths 128, 64, 32),
# phases of PHASE G steps (default 300: 4x4 [0, 300), fade 8, 8, fade 16,
# then 16x16 to 6 * PHASE), batch 64. Cost at one thread: ~ 0.17 s a step at
# 4x4, 0.5 at 8x8, 0.9 at 16x16, so ~ 20 min a run at PHASE = 300; two runs
# go side by side (JOBS, default 2).
#   scripts/claims/progan_mbstd.sh [out_root] [n] [seeds...]   (default runs/claims/progan_mbstd, 2000, 0 1 2)
# SIZE=32 grows on to 32x32 (the config's resolution: 7 phases, 7 * PHASE
# steps; ~ 1-1.5 h a run at PHASE = 300). Runs checkpoint at every phase and
# resume (--resume auto), so the study can span sessions; GAN=path picks the
# executable (a copy that a rebuild cannot replace mid-run). Summary in
# $out_root/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/claims/arms_lib.sh
root="${1:-runs/claims/progan_mbstd}"; n="${2:-2000}"; shift 2 || shift $# || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
phase="${PHASE:-300}"; size="${SIZE:-16}"; jobs="${JOBS:-2}"
case "$size" in
  16) steps=$((6 * phase)) ;;  # 4, fade 8, 8, fade 16, 16, 16
  32) steps=$((7 * phase)) ;;  # ... fade 32, 32
  *) echo "progan_mbstd.sh: SIZE must be 16 or 32, got '$size'" >&2; exit 2 ;;
esac
gan="${GAN:-build/cpu/cli/gan}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
mkdir -p "$root"

run_one() {  # arm seed
  local out="$root/mbstd$1-s$2"
  train_and_eval "$out" --config configs/progan-fmnist32.toml --set image_size="$size" --set minibatch_stddev="$1" \
    --set fade_steps="$phase" --set stable_steps="$phase" --set steps="$steps" --set seed="$2" \
    --set eval_every=0 --set sample_every="$steps" --set checkpoint_every="$phase" --set log_every=10
}

run_arms "$jobs" "4 0" "${seeds[@]}"

scripts/claims/arms_summary.py "$root" \
  "progan 4 -> $size on Fashion-MNIST ${size}x$size, $steps steps, seeds ${seeds[*]}; gan eval --n $n, EMA G" \
  "mbstd4=mbstd 4,mbstd0=mbstd 0" "${seeds[@]}" | tee "$root/summary.txt"
