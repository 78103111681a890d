#!/usr/bin/env bash
# The small-data claim of augmentation (#14): on 1,000 Fashion-MNIST images, D
# overfits without augmentation (r_t = E[sign D(x_real)] -> 1, the Frechet
# classifier distance gets worse), and much later or not at all with
# DiffAugment's transforms (fixed p = 1) or ADA's adaptive p (target 0.6).
# Trains the DCGAN config three ways per seed, metric suite every 500 steps.
#   scripts/claims/augment.sh [out_root] [steps] [seeds...]   (default runs/claims/augment, 3000, seed 0)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="${1:-runs/claims/augment}"; steps="${2:-3000}"; shift 2 || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(0)
gan=build/cpu/cli/gan
policy="color,translation,cutout"  # DiffAugment's
for seed in "${seeds[@]}"; do
  for arm in none diffaugment ada; do
    extra=()
    case "$arm" in
      diffaugment) extra=(--set augment="$policy") ;;
      ada) extra=(--set augment="$policy" --set ada_target=0.6) ;;
    esac
    OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$gan" train --config configs/dcgan-fmnist.toml --set dataset_limit=1000 \
      --set steps="$steps" --set seed="$seed" --set eval_every=500 --set checkpoint_every=1000 --set log_every=10 \
      --set out_dir="$root/$arm-s$seed" ${extra[@]+"${extra[@]}"} -q
    echo "augment: trained $arm, seed $seed ($steps steps) -> $root/$arm-s$seed"
  done
done
# Per run: FCD and mean r_t (last 200 steps' logged lines) at each evaluation.
python3 - "$root" <<'PY'
import json, pathlib, sys
for run in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    lines = [json.loads(l) for l in open(run / "metrics.jsonl")]
    steps = [l for l in lines if "loss_d" in l]
    evals = [l for l in lines if "frechet_classifier_distance" in l]
    row = []
    for e in evals:
        near = [l["r_t"] for l in steps if e["step"] - 200 < l["step"] <= e["step"] and "r_t" in l]
        p = [l["augment_p"] for l in steps if l["step"] == e["step"] and "augment_p" in l]
        row.append(f"{e['step']}: FCD {e['frechet_classifier_distance']:.1f} r_t {sum(near)/max(len(near),1):+.2f}"
                   + (f" p {p[0]:.2f}" if p else ""))
    print(f"{run.name:16s} " + " | ".join(row))
PY
