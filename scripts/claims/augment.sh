#!/usr/bin/env bash
# The small-data claim of augmentation (#14): on LIMIT Fashion-MNIST images
# (default 1,000), D overfits without augmentation (r_t = E[sign D(x_real)] ->
# 1, the Frechet classifier distance gets worse), and much later or not at all
# with DiffAugment's transforms (fixed p = 1) or ADA's adaptive p (target 0.6).
# Trains the DCGAN config per arm (ARMS, default "none diffaugment ada") and
# seed, metric suite every EVAL_EVERY steps (default 500); then `gan eval --n
# 2000 --memorization` on each final checkpoint: does G copy its LIMIT images
# (the share of samples nearer a training image than a held-out one; 0.5 is
# none)? Runs resume (--resume auto), so a longer `steps` continues them.
#   scripts/claims/augment.sh [out_root] [steps] [seeds...]   (default runs/claims/augment, 3000, seed 0)
#   LIMIT=200 EVAL_EVERY=1000 ARMS="none ada" scripts/claims/augment.sh runs/aug200 8000 0
set -euo pipefail
cd "$(dirname "$0")/../.."
root="${1:-runs/claims/augment}"; steps="${2:-3000}"; shift 2 || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(0)
gan="${GAN:-build/cpu/cli/gan}"  # GAN=path: another build, or a copy that a rebuild cannot replace mid-run
limit="${LIMIT:-1000}"; eval_every="${EVAL_EVERY:-500}"; read -r -a arms <<< "${ARMS:-none diffaugment ada}"
policy="color,translation,cutout"  # DiffAugment's
for seed in "${seeds[@]}"; do
  for arm in "${arms[@]}"; do
    extra=()
    case "$arm" in
      diffaugment) extra=(--set augment="$policy") ;;
      ada) extra=(--set augment="$policy" --set ada_target=0.6) ;;
    esac
    OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$gan" train --config configs/dcgan-fmnist.toml --set dataset_limit="$limit" \
      --set steps="$steps" --set seed="$seed" --set eval_every="$eval_every" --set checkpoint_every=1000 \
      --set log_every=10 --set out_dir="$root/$arm-s$seed" ${extra[@]+"${extra[@]}"} --resume auto -q
    OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$gan" eval --checkpoint "$root/$arm-s$seed/checkpoint.safetensors" \
      --n 2000 --memorization --json "$root/$arm-s$seed/eval.json" > "$root/$arm-s$seed/eval.txt"
    echo "augment: trained $arm, seed $seed ($steps steps) -> $root/$arm-s$seed"
  done
done
# Per run: FCD and mean r_t (last 200 steps' logged lines) at each evaluation, then the final data-copying test.
python3 - "$root" <<'PY'
import json, pathlib, sys
for run in sorted(p for p in pathlib.Path(sys.argv[1]).iterdir() if (p / "metrics.jsonl").exists()):
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
    if (run / "eval.json").exists():
        m = json.load(open(run / "eval.json"))[0]["memorization"]
        print(f"{'':16s} final: closer to a training image than a held-out one {m['closer_to_train']:.3f}"
              f" +- {m['closer_to_train_sd']:.3f} ({m['n_train']} vs {m['n_heldout']} images, {m['draws']} draws),"
              f" median NN ratio {m['median_nn_ratio']:.3f}")
PY
