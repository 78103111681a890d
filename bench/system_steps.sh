#!/usr/bin/env bash
# Milliseconds per training step of every GAN system, as users run it: each
# shipped config (configs/*.toml, or the ones named) trains `steps` steps at
# batch 64 with evaluations, samples and checkpoints off; the first `warmup`
# steps are dropped and the median and minimum of metrics.jsonl's step_seconds
# are printed (one G step with its n_critic D steps, data loading included),
# with the GFLOP a step counted by `gan train --profile` (conv, matmul and
# attention from their shapes: gan/profiler.h) and the rate at the median.
#   bench/system_steps.sh [--build cpu|sim|cuda | --gan PATH] [--steps N] [--warmup W] [--set key=value ...] [config.toml ...]
# --gan: another gan executable (a GPU bundle's bin/gan, with --set device=cuda).
# --set edits every config timed. ProGAN is timed at its last resolution (fade_steps and
# stable_steps 0: it starts there), the per-step cost of its full-size phase, not its
# 4x4 start; --set progan.fade_steps=N (or stable_steps) times the config's schedule.
# Needs build/<flavour>/cli/gan (scripts/build.sh cpu). Time it on a quiet
# machine: OMP_NUM_THREADS sets the threads as for every run.
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=cpu steps=25 warmup=5 configs=() sets=() gan=
while [ $# -gt 0 ]; do
  case "$1" in
    --build) flavour="$2"; shift 2 ;;
    --gan) gan="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --set) sets+=(--set "$2"); shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) configs+=("$1"); shift ;;
  esac
done
[ ${#configs[@]} -gt 0 ] || configs=(configs/*.toml)
[ -n "$gan" ] || gan=build/$flavour/cli/gan
[ -x "$gan" ] || { echo "system_steps.sh: no executable $gan (build first: scripts/build.sh $flavour)" >&2; exit 2; }
[ "$steps" -gt "$warmup" ] || { echo "system_steps.sh: --steps must exceed --warmup" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "threads ${OMP_NUM_THREADS:-default}, batch 64, $steps steps (first $warmup dropped), $("$gan" info 2>/dev/null | head -1), $(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | xargs)"
[ ${#sets[@]} -eq 0 ] || echo "edits: ${sets[*]}"
printf '%-28s %-12s %8s %12s %10s %12s %8s\n' config system n_critic "median ms" "min ms" "GFLOP/step" "GFLOP/s"
for c in "${configs[@]}"; do
  out="$tmp/$(basename "$c" .toml)" own=()
  if grep -q '^name *= *"progan"' "$c" && ! [[ " ${sets[*]-} " == *" progan."* ]]; then
    own=(--set progan.fade_steps=0 --set progan.stable_steps=0)
  fi
  "$gan" train --config "$c" --set steps="$steps" --set batch=64 --set eval_every=0 --set sample_every=0 \
    --set checkpoint_every=0 --set log_every=1 --set out_dir="$out" ${own[@]+"${own[@]}"} ${sets[@]+"${sets[@]}"} \
    --profile "$out.profile.json" > "$out.log" 2>&1 ||
    { echo "system_steps.sh: $c failed:" >&2; tail -5 "$out.log" >&2; exit 1; }
  python3 - "$c" "$out/metrics.jsonl" "$out/config.json" "$warmup" "$out.profile.json" "${#own[@]}" <<'PY'
import json, statistics, sys, os
cfg, metrics, conf, warmup, prof = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
last_stage = sys.argv[6] != "0"  # ProGAN started at its last resolution
t = [r["step_seconds"] for r in map(json.loads, open(metrics)) if "step_seconds" in r]
c = json.load(open(conf))
gf, med = json.load(open(prof))["gflop_per_step"], statistics.median(t[warmup:])
system = c['system'] + (f"@{c['image_size']}" if last_stage else "")
print(f"{os.path.basename(cfg):<28} {system:<12} {c['n_critic']:>8} {1000*med:>12.1f} {1000*min(t[warmup:]):>10.1f}"
      f" {gf:>12.2f} {gf/med:>8.1f}")
PY
done
