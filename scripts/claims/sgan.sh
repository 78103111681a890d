#!/usr/bin/env bash
# The semi-supervised GAN's claim (#11): with 10 and with 100 labels per class,
# D's t10k accuracy beats the same network trained only on those labelled
# images (sgan with unsup_weight = 0), same steps, several seeds.
#   scripts/claims/sgan.sh [out_root] [steps] [seeds...]   (default runs/claims/sgan, 1000, 0 1 2)
# Prints one line per run and a table of mean +- spread; results in $out_root/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="${1:-runs/claims/sgan}"; steps="${2:-1000}"; shift 2 || shift $# || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
gan=build/cpu/cli/gan
mkdir -p "$root"
: > "$root/results.tsv"
for per in 10 100; do
  for seed in "${seeds[@]}"; do
    for w in 1 0; do
      out="$root/l${per}_s${seed}_u${w}"
      OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$gan" train --config configs/sgan-fmnist.toml --set steps="$steps" \
        --set labels_per_class="$per" --set seed="$seed" --set sgan.unsup_weight="$w" --set eval_every="$steps" \
        --set sample_every=0 --set checkpoint_every=0 --set log_every="$steps" --set out_dir="$out" -q
      acc=$(grep -o '"d_test_accuracy":[0-9.]*' "$out/metrics.jsonl" | tail -1 | cut -d: -f2)
      printf '%s\t%s\t%s\t%s\n' "$per" "$seed" "$w" "$acc" | tee -a "$root/results.tsv"
    done
  done
done
python3 - "$root/results.tsv" <<'PY' | tee "$root/summary.txt"
import sys, statistics as st
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
print("labels/class  model                     t10k accuracy: mean +- sd (min..max), seeds")
for per in ("10", "100"):
    for w, name in (("1", "sgan (GAN + labels)"), ("0", "same D, labels only")):
        a = [float(r[3]) for r in rows if r[0] == per and r[2] == w]
        if a:
            sd = st.stdev(a) if len(a) > 1 else 0.0
            print(f"{per:>12}  {name:24}  {st.mean(a):.4f} +- {sd:.4f} ({min(a):.4f}..{max(a):.4f}), n={len(a)}")
PY
