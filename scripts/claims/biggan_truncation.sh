#!/usr/bin/env bash
# BigGAN's truncation claim (#13; Brock et al. 2019 §3.1): sampling z from a
# normal truncated to [-t, t] trades variety for fidelity — as t falls,
# precision and density (fidelity) rise, recall and coverage (variety) fall.
# Trains configs/biggan-fmnist32.toml for `steps` steps (resumes a finished or
# interrupted run in out_dir), then evaluates its EMA G with `gan eval --n N
# --truncation t` for t = 0 (none), 2, 1, 0.5, 0.25 (the same seed: entries of
# z inside [-t, t] are the same at every t), and draws a truncation strip:
# one PNG per t, strip_t<t>.png, a row per class (10 rows) x 8 samples, seed 1.
# STANDING=K (default 0): BigGAN's standing statistics over K batches of the
# full normal before each evaluation and strip (`--standing-stats K`,
# standing_stats.h), so the EMA G's batch norms fit its own weights; outputs
# then end in _ss<K> (eval_t<t>_ss<K>.json, strip_t<t>_ss<K>.png, summary_ss<K>.txt).
#   scripts/claims/biggan_truncation.sh [out_dir] [steps] [n]   (default runs/claims/biggan, 1800, 5000)
# SET="key=value ..." passes each pair to training as --set (an arm of the
# config: SET="ortho_beta=1e-2").
# Prints a table (also $out_dir/summary.txt): per t, precision, density,
# recall, coverage, FCD, requested-class accuracy (the pinned classifier's
# agreement with the class G was asked for).
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-runs/claims/biggan}"; steps="${2:-1800}"; n="${3:-5000}"
gan="${GAN:-build/cpu/cli/gan}"  # GAN=path: another build, or a copy that a rebuild cannot replace mid-run
sets=(); for kv in ${SET:-}; do sets+=(--set "$kv"); done
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
"$gan" train --config configs/biggan-fmnist32.toml --set steps="$steps" --set out_dir="$out" \
  --set eval_every=0 --set log_every=50 ${sets[@]+"${sets[@]}"} --resume auto -q
ck="$out/checkpoint.safetensors"
standing="${STANDING:-0}"
sfx=""; [ "$standing" -gt 0 ] && sfx="_ss$standing"
ts=(0 2 1 0.5 0.25)
for t in "${ts[@]}"; do
  "$gan" eval --checkpoint "$ck" --n "$n" --truncation "$t" --standing-stats "$standing" \
    --json "$out/eval_t$t$sfx.json" > "$out/eval_t$t$sfx.txt"
  "$gan" sample --checkpoint "$ck" --truncation "$t" --standing-stats "$standing" --seed 1 --n 80 --nrow 8 \
    --out "$out/strip_t$t$sfx.png" > /dev/null
done
python3 - "$out" "$steps" "$n" "$sfx" "${ts[@]}" <<'PY' | tee "$out/summary$sfx.txt"
import json, sys
out, steps, n, sfx, ts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
ss = f", standing statistics ({sfx[3:]} batches)" if sfx else ""
print(f"biggan-fmnist32, {steps} steps, EMA G{ss}; gan eval --n {n} per threshold (t = 0: no truncation)")
print(f"{'t':>5} {'precision':>9} {'density':>8} {'recall':>7} {'coverage':>8} {'FCD':>8} {'class acc':>9}")
for t in ts:
    r = json.load(open(f"{out}/eval_t{t}{sfx}.json"))[0]
    print(f"{t:>5} {r['precision']:9.4f} {r['density']:8.4f} {r['recall']:7.4f} {r['coverage']:8.4f} "
          f"{r['frechet_classifier_distance']:8.3f} {r['requested_class_accuracy']:9.4f}")
PY
