#!/usr/bin/env bash
# SNGAN's robustness claim (#13 (c); Miyato et al. 2018, Fig. 1 and 2): at
# aggressive learning rates where the same D without spectral norm fails,
# SNGAN still trains. Trains configs/sngan-fmnist32.toml with spectral norm
# ("sn") and with sngan.spectral_norm = false ("nosn": the same D, no
# normalization of any kind) at each learning rate of LRS (lr_g = lr_d, the
# config's betas (0.5, 0.999) and n_dis 1 unless SET adds keys), per seed; in-run
# evaluation every STEPS/4 steps (2,000 samples, with SNGAN's ||grad_x D|| on
# 256 real and fake images); then `gan eval --n N` of each EMA G. Prints per
# arm the mean and sd over seeds (scripts/claims/arms_summary.py), then per run
# the in-run FCD at each evaluation and the largest ||grad_x D|| on reals seen.
#   scripts/claims/sngan_lr.sh [out_root] [steps] [n] [seeds...]
#   (default runs/claims/sngan_lr, 1000, 2000, seeds 0 1)
#   LRS="2e-3 1e-2" (default: the two rates measured below), SET="n_critic=5 beta1=0.9" (more --set keys, every arm),
#   JOBS=1 (runs side by side), GAN=path (another gan executable)
# Cost: sngan is ~0.1 s a step at one thread (bench/README.md), ~2-3 min a
# 1,000-step run with its evaluations.
# Measured (2026-12-05, `LRS="2e-3 1e-2" scripts/claims/sngan_lr.sh RUN 1000 2000 0 1`, then
# `LRS=1e-2 ... 0 1 2 3`; gan eval --n 2000 of the EMA G, mean +- sd over seeds):
#   arm              FCD            recall          classes      max ||grad_x D|| on reals, per seed
#   SN    lr 2e-3    41.7 +- 3.0    0.135 +- 0.054  10, 10       0.85, 0.62
#   no SN lr 2e-3    27.8 +- 1.9    0.360 +- 0.027  10, 10       2.97, 3.10
#   SN    lr 1e-2    61.1 +- 25.5   0.074 +- 0.029  10, 9, 10, 10   2.31, 0.58, 0.57, 0.50
#   no SN lr 1e-2   127.5 +- 104.1  0.087 +- 0.117  10, 5, 10, 10   12.6, 16065, 11.7, 19973
# At 1e-2 spectral norm trains on all four seeds (FCD 99, 50, 47, 48) and D's input gradient
# stays below 2.3; without it D's input gradient explodes past 10^4 on two seeds: seed 1
# collapses (in-run FCD 110 -> 686 at 500 steps, 5 classes, precision 0.03 at the end) and
# seed 3 never recovers its start (FCD 391 at 250, 107 at the end, recall 0.004); 3 of its 4
# runs raise the mode-collapse alarm. This is the paper's claim at the learning rate where the
# unnormalized D fails. At 2e-3 it does not fail, and it is better than SNGAN: spectral norm
# costs quality there at 1,000 steps (its D learns more slowly).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/claims/arms_lib.sh
root="${1:-runs/claims/sngan_lr}"; steps="${2:-1000}"; n="${3:-2000}"; shift 3 || shift $# || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(0 1)
read -r -a lrs <<<"${LRS:-2e-3 1e-2}"
read -r -a sets <<<"${SET:-}"
jobs="${JOBS:-1}"
gan="${GAN:-build/cpu/cli/gan}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
mkdir -p "$root"

# An arm's name holds its lr with '.' written p and '-' written m (word characters
# only, as arms_summary.py's ARM=LABEL list needs): sn_lr2p5em3 is lr 2.5e-3.
arm_lr() { sed 's/^[a-z]*_lr//; s/p/./g; s/m/-/g' <<<"$1"; }

run_one() {  # arm seed; arm = sn_lrX or nosn_lrX
  local out="$root/$1-s$2" lr extra=()
  lr=$(arm_lr "$1")
  [[ $1 == nosn_* ]] && extra+=(--set sngan.spectral_norm=false)
  for s in "${sets[@]}"; do extra+=(--set "$s"); done
  train_and_eval "$out" --config configs/sngan-fmnist32.toml --set steps="$steps" --set seed="$2" \
    --set lr_g="$lr" --set lr_d="$lr" --set eval_every=$((steps / 4)) --set sample_every="$steps" \
    --set checkpoint_every=$((steps / 4)) --set log_every=10 ${extra[@]+"${extra[@]}"}
}

arms=() labels=()
for lr in "${lrs[@]}"; do
  tag=${lr//./p} && tag=${tag//-/m}
  arms+=("sn_lr$tag" "nosn_lr$tag")
  labels+=("sn_lr$tag=SN lr $lr" "nosn_lr$tag=no SN lr $lr")
done
status=0
run_arms "$jobs" "${arms[*]}" "${seeds[@]}" || status=$?
for seed in "${seeds[@]}"; do draw_arms "$root" "$seed" "${arms[*]}" frechet_classifier_distance,recall; done

{
  spec=$(IFS=,; echo "${labels[*]}")
  scripts/claims/arms_summary.py "$root" \
    "sngan-fmnist32 with and without spectral norm, lr_g = lr_d, $steps steps${SET:+, $SET}, seeds ${seeds[*]}; gan eval --n $n, EMA G" \
    "$spec" "${seeds[@]}"
  python3 - "$root" "${arms[*]}" "${seeds[@]}" <<'PY'
import json, math, os, sys
root, arms, seeds = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
print("per run: in-run FCD at each evaluation; largest ||grad_x D|| on reals (max over the 256 images) over them")
for arm in arms:
    for s in seeds:
        path = os.path.join(root, f"{arm}-s{s}", "metrics.jsonl")
        if not os.path.exists(path):
            print(f"  {arm}-s{s}: no metrics")
            continue
        rows = [json.loads(l) for l in open(path)]
        fcd = [f"{r['step']}:{r['frechet_classifier_distance']:.0f}" for r in rows if "frechet_classifier_distance" in r]
        g = [r["grad_norm_real_max"] for r in rows if "grad_norm_real_max" in r]
        nan = any(not math.isfinite(r.get("loss_d", 0.0)) for r in rows)
        print(f"  {arm:>14}-s{s}  FCD {' '.join(fcd)}  max|grad D| {max(g) if g else float('nan'):.2f}"
              + ("  NON-FINITE LOSS" if nan else ""))
PY
} | tee "$root/summary.txt"
exit "$status"
