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
# Also draws each seed's arms side by side: $out_root/compare-s<seed>.png (gan report RUN... --out).
# Measured (2026-12-04, that command, seed 0, one run each; in-run evaluation
# of 2,000 samples; r_t the mean of the 200 steps before it):
#   step          1000  2000  3000  4000  5000  6000  7000  8000
#   none  FCD     80.2  47.8  39.8  36.5  34.3  32.3  30.7  28.3
#         r_t     0.75  0.89  0.94  0.98  1.00  0.95  0.95  1.00
#         recall  0.14  0.31  0.32  0.37  0.36  0.43  0.43  0.41
#   ada   FCD     83.7  43.0  33.9  27.3  22.9  21.2  20.1  18.6
#         r_t     0.72  0.56  0.59  0.59  0.59  0.70  0.55  0.62   (p 0.42 -> 0.57)
#         recall  0.17  0.28  0.40  0.44  0.53  0.58  0.58  0.59
# D overfits without augmentation (r_t -> 1 by 5,000 steps) and ADA holds r_t
# at its target; FCD keeps falling in both, but the gap opens once D
# overfits (28.3 vs 18.6 at 8,000). The quality metric did not get worse
# without augmentation within 8,000 steps. Copying is mild in both: the share
# of samples nearer a training image than a held-out one is 0.539 +- 0.028
# (none) and 0.531 +- 0.030 (ada); 0.5 is none.
# Seeds 1 and 2 (2026-12-04, the same command with seeds 1 2):
#   none s1 FCD  76.6  46.2  37.1  32.4  31.0  30.5  28.5  27.4   r_t 0.92 .. 1.00 from 6,000
#   none s2 FCD  69.0  43.0  37.5  33.2  31.3  30.2  28.8  27.7   r_t 0.90-1.00 from 2,000
#   ada  s1 FCD  81.0  47.4  35.8  30.0  25.5  22.9  20.6  20.2   r_t 0.52-0.65, p 0.41 -> 0.58
#   ada  s2 FCD  70.0  46.9  37.0  29.9  24.8  22.3  19.5  18.0   r_t 0.54-0.67, p 0.46 -> 0.56
# Over the 3 seeds at 8,000 steps (mean +- sd): FCD 27.8 +- 0.5 without, 18.9
# +- 1.1 with ADA; recall 0.403 +- 0.009 vs 0.576 +- 0.020; nearer a training
# image 0.542 +- 0.006 vs 0.535 +- 0.004. Every seed: D overfits without
# augmentation (r_t at 0.9-1.0) and ADA holds it near 0.6; ADA is ahead from
# 4,000 steps on (FCD 29.1 +- 1.5 vs 34.0 +- 2.2); FCD never rises without it.
# Measured at 200 images (LIMIT=200), not the issue's 1,000.
# At the issue's 1,000 images (2026-12-04, `LIMIT=1000 EVAL_EVERY=1000 ARMS="none ada"
# scripts/claims/augment.sh RUN 8000 0`, then resumed to 16000; seed 0):
#   step          1000  2000  3000  4000  5000  6000  7000  8000  ...  11000 12000 13000
#   none  FCD     79.6  40.8  31.8  25.1  21.0  18.7  16.6  15.2       13.7  13.1  12.7
#         r_t     0.82  0.43  0.63  0.61  0.66  0.70  0.72  0.87       0.87  0.95  0.98
#   ada   FCD     85.1  39.8  29.0  22.7  19.5  17.0  15.6  13.7
#         r_t     0.62  0.53  0.51  0.46  0.47  0.61  0.50  0.60   (p 0.37 -> 0.12 at 4,000 -> 0.28)
# Five times the data delays D's overfitting: without augmentation r_t climbs only from
# ~7,000 steps and reaches 0.98 at 13,000, while FCD still falls. ADA is slightly ahead at
# 8,000 (13.7 vs 15.2; recall 0.68 vs 0.66). No copying without augmentation at 8,000: 0.495
# +- 0.011 of samples nearer a training image than a held-out one.
# Resumed to 16,000 steps (2026-12-05, the same command with 16000; seed 0):
#   step          9000 10000 11000 12000 13000 14000 15000 16000
#   none  FCD     14.6  14.3  13.7  13.1  12.7  12.2  12.5  11.7
#         r_t     0.90  0.86  0.87  0.95  0.98  0.97  0.97  0.99
#         recall  .664  .639  .662  .658  .664  .697  .678  .656
#   ada   FCD     12.7  11.6  11.1  10.0   9.5   8.8   8.9   8.8
#         r_t     0.63  0.59  0.45  0.56  0.59  0.56  0.58  0.69   (p 0.28 -> 0.43)
#         recall  .697  .684  .729  .729  .736  .737  .760  .756
# Without augmentation D overfits from ~12,000 steps (r_t 0.95-0.99) and FCD nearly stops
# falling (13.1 -> 11.7 over the last 4,000 steps) while recall stays at 0.66; ADA keeps r_t
# near its target by raising p to 0.43 and is ahead on FCD (8.8 vs 11.7) and recall (0.756 vs
# 0.656) at 16,000, behind on precision (0.72 vs 0.76). FCD still did not get worse without
# augmentation. Copying at 16,000: 0.507 +- 0.011 (none) and 0.506 +- 0.013 (ada) of samples
# nearer a training image than a held-out one (0.5 is none). One seed at 1,000 images; seeds
# 1-2 (about 1.3 CPU-h each at 16,000 steps) are not run.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/claims/arms_lib.sh
root="${1:-runs/claims/augment}"; steps="${2:-3000}"; shift 2 || shift $# || true
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
  # The arms of this seed in one picture: FCD, r_t (smoothed), recall, and p where an arm augments.
  keys=frechet_classifier_distance,r_t,recall; [ "${arms[*]}" = none ] || keys+=,augment_p
  draw_arms "$root" "$seed" "${arms[*]}" "$keys"
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
