#!/usr/bin/env bash
# LSGAN's argument on the 8-Gaussian ring (#14; Mao et al. 2017, §3.1): a fake
# sample that D judges real but that lies far from the data gets almost no
# gradient from the non-saturating (sigmoid cross-entropy) G loss, and a
# gradient of ordinary size from the least-squares one. The 2-D MLP GAN of
# configs/mlp2d-ring8.toml with each loss, same nets, steps and seeds; every
# EVAL steps the system logs G's gradient at far probe points that fool D
# (far_gradient2d.h). Early in training, while G's mass is still near the
# origin, D judges most of the plane beyond the ring real, so fooling far
# points exist to measure.
# Per evaluation with at least 5 % of the far points fooling D, the ratio
#   median ||d l_G / dx|| at far fooling points / median at G's own samples
# (1: they get the push G's samples get; << 1: vanished); per loss, mean +- sd
# over seeds of each run's mean ratio, and the share of far points fooling D
# in the second half (how long the fooled region lasts).
#   scripts/claims/lsgan_ring.sh [out_root] [steps] [eval_every] [seeds...]
#   (default runs/claims/lsgan_ring, 400, 25, seeds 1 2 3 4 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="${1:-runs/claims/lsgan_ring}"; steps="${2:-400}"; every="${3:-25}"; shift 3 || shift $# || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5)
gan=build/cpu/cli/gan
for loss in non_saturating least_squares; do
  for seed in "${seeds[@]}"; do
    OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$gan" train --config configs/mlp2d-ring8.toml --set loss="$loss" \
      --set steps="$steps" --set seed="$seed" --set eval_every="$every" --set sample_every="$steps" \
      --set checkpoint_every=0 --set out_dir="$root/${loss}_s$seed" -q > /dev/null
  done
done
python3 - "$root" "$steps" <<'PY' | tee "$root/summary.txt"
import json, pathlib, statistics as st, sys
root, steps = pathlib.Path(sys.argv[1]), int(sys.argv[2])
sd = lambda v: st.stdev(v) if len(v) > 1 else 0.0
print("loss             ratio far-fooling / sample gradient: mean +- sd (per seed)        fooling share, 2nd half")
for loss in ("non_saturating", "least_squares"):
    ratios, shares = [], []
    for run in sorted(root.glob(f"{loss}_s*")):
        ev = [json.loads(l) for l in open(run / "metrics.jsonl") if '"far_fooling_fraction"' in l]
        r = [e["far_fooling_grad_median"] / e["sample_grad_median"] for e in ev
             if e["far_fooling_fraction"] >= 0.05 and e["sample_grad_median"] > 0]
        if r:
            ratios.append(st.mean(r))
        shares.append(st.mean(e["far_fooling_fraction"] for e in ev if e["step"] > steps // 2))
    print(f"{loss:15}  {st.mean(ratios):.3f} +- {sd(ratios):.3f} ({', '.join(f'{v:.3f}' for v in ratios)})"
          f"   {st.mean(shares):.3f} +- {sd(shares):.3f}")
PY
