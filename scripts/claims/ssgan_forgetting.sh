#!/usr/bin/env bash
# SSGAN's claim (#14; Chen et al. 2019, §3 and Fig. 3): the rotation task
# mitigates discriminator forgetting. The linear-probe accuracy of D's
# penultimate features on Fashion-MNIST classes (run key probe_samples:
# fit on 1,000 labelled images, tested on the next 1,000; eval/probe.h),
# tracked every EVAL steps, for configs/ssgan-fmnist.toml as it is (beta = 1,
# alpha = 0.2) and with both rotation weights 0 (the same nets and losses,
# no rotation task). Per run: the probe accuracy at each evaluation, its mean,
# minimum, largest drop between two evaluations, and FCD.
#   scripts/claims/ssgan_forgetting.sh [out_root] [steps] [eval_every] [seeds...]
#   (default runs/claims/ssgan, 3000, 250, seed 0)
#   PROBE_FIT=m: fit the probe on m labelled images instead (run key probe_fit_samples),
#   PROBE_TEST=n: test it on n (probe_samples; default the config's 1,000).
# Also draws each seed's two arms side by side: $out_root/compare-s<seed>.png (probe accuracy, FCD).
# A run checkpoints at every evaluation and an interrupted one resumes (--resume auto).
# Measured (2026-12-04, `GAN=... scripts/claims/ssgan_forgetting.sh RUN 6000 500 0`,
# seed 0; probe fit on 1,000 labelled images, tested on the next 1,000):
#   step         500  1000  1500  2000  2500  3000  3500  4000  4500  5000  5500  6000
#   rotation   .822  .827  .834  .828  .833  .833  .835  .835  .830  .831  .828  .830
#   none       .820  .826  .826  .826  .825  .818  .822  .826  .818  .819  .823  .817
#   FCD rot.    131    68    45    35    29    26    23    21    18    17    16    15
#   FCD none    142    80    51    38    31    25    22    20    17    15    14    14
# Neither D forgets within 6,000 steps (largest drop between evaluations
# 0.006 with rotation, 0.008 without). The rotation arm's probe is 0.008-0.013
# higher from 3,000 steps on (mean 0.830 vs 0.822), a gap within the probe's
# own sampling noise (1,000 test images: sd ~ 0.012); one seed. FCD ends
# level (15 vs 14).
# For scale: an untrained D's features already probe at 0.819-0.821 (10 and 20
# steps, `scripts/claims/ssgan_forgetting.sh OUT 20 10 0`): random conv features
# separate Fashion-MNIST's classes nearly as well, so training moves the probe
# by at most ~0.015 here, and a forgetting signal has little room to show.
# A sharper test needs a harder probe (fewer labels, or a dataset that random
# features do not separate).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/claims/arms_lib.sh
root="${1:-runs/claims/ssgan}"; steps="${2:-3000}"; every="${3:-250}"; shift 3 || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(0)
gan="${GAN:-build/cpu/cli/gan}"  # GAN=path: another build, or a copy that a rebuild cannot replace mid-run
for seed in "${seeds[@]}"; do
  for arm in rotation none; do
    out="$root/$arm-s$seed"
    if [ -f "$out/done" ]; then echo "ssgan_forgetting: $out done, kept"; continue; fi
    extra=()
    [ "$arm" = none ] && extra=(--set ssgan.rotation_weight_d=0 --set ssgan.rotation_weight_g=0)
    [ -z "${PROBE_FIT:-}" ] || extra+=(--set probe_fit_samples="$PROBE_FIT")
    [ -z "${PROBE_TEST:-}" ] || extra+=(--set probe_samples="$PROBE_TEST")
    OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$gan" train --config configs/ssgan-fmnist.toml --set steps="$steps" \
      --set seed="$seed" --set eval_every="$every" --set checkpoint_every="$every" --set sample_every="$steps" \
      --set out_dir="$out" ${extra[@]+"${extra[@]}"} --resume auto -q
    touch "$out/done"
    echo "ssgan_forgetting: trained $arm, seed $seed ($steps steps) -> $out"
  done
  # Both arms of this seed in one picture: the probe's accuracy and FCD at each evaluation.
  draw_arms "$root" "$seed" "rotation none" probe_accuracy,frechet_classifier_distance
done
python3 - "$root" <<'PY' | tee "$root/summary.txt"
import json, pathlib, sys
for run in sorted(p for p in pathlib.Path(sys.argv[1]).iterdir() if p.is_dir()):
    ev = [json.loads(l) for l in open(run / "metrics.jsonl") if '"probe_accuracy"' in l]
    fcd = {json.loads(l)["step"]: json.loads(l)["frechet_classifier_distance"]
           for l in open(run / "metrics.jsonl") if '"frechet_classifier_distance"' in l}
    acc = [e["probe_accuracy"] for e in ev]
    if not acc:
        continue
    drop = max([a - b for a, b in zip(acc, acc[1:])] + [0.0])
    print(f"{run.name}: probe accuracy " + " ".join(f"{e['step']}:{e['probe_accuracy']:.3f}" for e in ev))
    print(f"  mean {sum(acc) / len(acc):.3f}  min {min(acc):.3f}  last {acc[-1]:.3f}  largest drop {drop:.3f}"
          f"  FCD at the end {fcd.get(ev[-1]['step'], float('nan')):.1f}")
PY
