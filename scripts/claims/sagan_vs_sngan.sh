#!/usr/bin/env bash
# SAGAN's claim at equal steps (#13; Zhang et al. 2019 §5.1): self-attention in
# G and D helps over the same spectrally normalized nets without it. Trains
# configs/sagan-fmnist32.toml (attention at 16x16, SN in G and D, hinge, TTUR
# 1e-4 / 4e-4, Adam (0, 0.9)) and configs/sngan-fmnist32.toml with SAGAN's
# optimizer (the "sngan_ttur" arm: the same DCGAN-32 nets, hinge, lr, betas,
# batch, EMA and steps; it differs in having no attention and no SN on G), per
# seed; evaluates each EMA G with `gan eval --n N`; prints per arm the mean and
# sd over seeds (scripts/claims/arms_summary.py) and SAGAN's attention gamma
# and entropy at every in-run evaluation (they start at 0 and 1), and draws each
# seed's two arms' in-run FCD, precision and recall in $out_root/compare-s<seed>.png.
#   scripts/claims/sagan_vs_sngan.sh [out_root] [steps] [n] [seeds...]
#   (default runs/claims/sagan_vs_sngan, 3000, 5000, seed 0)
# Cost at one thread, quiet: sagan ~ 0.47 s a step, sngan ~ 0.11 s, so ~ 30 min
# a seed at 3,000 steps; JOBS runs side by side (default 1). Runs resume, so a
# larger step count continues finished runs (the 6,000-step numbers in
# configs/sagan-fmnist32.toml were made that way).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/claims/arms_lib.sh
root="${1:-runs/claims/sagan_vs_sngan}"; steps="${2:-3000}"; n="${3:-5000}"; shift 3 || shift $# || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(0)
jobs="${JOBS:-1}"
gan="${GAN:-build/cpu/cli/gan}"  # GAN=path: another build, or a copy that a rebuild cannot replace mid-run
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
mkdir -p "$root"

run_one() {  # arm seed
  local out="$root/$1-s$2" config=configs/sagan-fmnist32.toml extra=()
  if [ "$1" = sngan_ttur ]; then
    config=configs/sngan-fmnist32.toml
    extra=(--set lr_g=1e-4 --set lr_d=4e-4 --set beta1=0 --set beta2=0.9)
  fi
  train_and_eval "$out" --config "$config" --set steps="$steps" --set seed="$2" --set eval_every=500 --set log_every=10 \
    --set sample_every="$steps" --set checkpoint_every=500 ${extra[@]+"${extra[@]}"}
}

run_arms "$jobs" "sagan sngan_ttur" "${seeds[@]}"
for seed in "${seeds[@]}"; do draw_arms "$root" "$seed" "sagan sngan_ttur"; done

{
  scripts/claims/arms_summary.py "$root" \
    "sagan vs sngan with SAGAN's optimizer, Fashion-MNIST 32x32, $steps steps, seeds ${seeds[*]}; gan eval --n $n, EMA G" \
    sagan=sagan,sngan_ttur="sngan (TTUR)" "${seeds[@]}"
  python3 - "$root" "${seeds[@]}" <<'PY'
import json, sys
root, seeds = sys.argv[1], sys.argv[2:]
keys = ["attn_gamma_g", "attn_gamma_d", "attn_entropy_g", "attn_entropy_d"]
for s in seeds:
    print(f"sagan seed {s}: step, " + ", ".join(keys) + ", in-run FCD (2,000 samples)")
    rows = [json.loads(line) for line in open(f"{root}/sagan-s{s}/metrics.jsonl")]
    fcd = {r["step"]: r["frechet_classifier_distance"] for r in rows if "frechet_classifier_distance" in r}
    for r in rows:
        if all(k in r for k in keys):
            print(f"  {r['step']:5d} " + " ".join(f"{r[k]:+.3f}" for k in keys) + f"  {fcd.get(r['step'], float('nan')):.1f}")
PY
} | tee "$root/summary.txt"
