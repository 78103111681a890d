#!/usr/bin/env bash
# The seeds' Fig. 6, measured (#14): trains every image system of configs/
# (configs/*-fmnist*.toml: one config per system) for the same number of
# steps and seeds, with one evaluation at the end (2,000 samples), then
# `gan zoo` writes docs/zoo_table.md and docs/zoo.png (gan/models/zoo_study.h).
#   scripts/zoo.sh [steps] [seeds...]        (default 1000 steps, seeds 0 1 2)
#   ZOO_ROOT=runs/zoo (the runs), ZOO_OUT=docs (table and chart), SYSTEMS="dcgan wgan" (a subset), OMP_NUM_THREADS
#   JOBS=2: two runs at a time (one thread each; default 1)
# Cost on the 2-vCPU Zen 3 VM at 1 thread, per seed at 1,000 steps (mean of
# seeds 0 and 1, 2026-12-04/05, training time per run, beside other runs):
# progan 29 min, stylegan 18, wgan-gp 17, wgan 15, r3gan 12, biggan 9.5, ssgan,
# hinge, sagan, spheregan, cgan and dcgan 4.5-6, the rest 2-3.5: 2.5 CPU-h a
# seed, 70-90 min of wall clock on both cores (JOBS=2; seed 2, 2026-12-05:
# 2.6 CPU-h, 90 min beside two other runs).
# Finished runs (a `done` file) are kept and an interrupted run resumes from
# its last checkpoint (every 250 steps), so a study can span sessions.
# ProGAN grows through 7 phases: its fade_steps and stable_steps are set to
# steps / 7 so that it reaches 32x32 within the same budget (its config's
# 500 each are for 3,500 steps).
#   GAN=path: the gan executable (default build/cpu/cli/gan; a copy that a rebuild cannot replace mid-run)
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${1:-1000}"; shift || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2)
root="${ZOO_ROOT:-runs/zoo}"
gan="${GAN:-build/cpu/cli/gan}"
jobs="${JOBS:-1}"
[ -x "$gan" ] || { echo "zoo: build gan first (scripts/quickstart.sh or cmake --build build/cpu)" >&2; exit 1; }
mkdir -p "$root"

failures=$(mktemp -d); trap 'rm -rf "$failures"' EXIT
run_one() {  # config system seed; a failed run leaves a file in $failures
  local cfg=$1 sys=$2 seed=$3 out="$root/$2-s$3" extra=()
  echo "zoo: $sys seed $seed ($steps steps) -> $out"
  [ "$sys" = progan ] && extra=(--set progan.fade_steps=$((steps / 7)) --set progan.stable_steps=$((steps / 7)))
  if OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$gan" train --config "$cfg" --set steps="$steps" --set seed="$seed" \
    --set eval_every="$steps" --set sample_every="$steps" --set checkpoint_every=$((steps < 250 ? steps : 250)) \
    --set out_dir="$out" ${extra[@]+"${extra[@]}"} --resume auto -q; then
    touch "$out/done"
  else
    touch "$failures/$sys-s$seed"
  fi
}

for cfg in configs/*-fmnist*.toml; do
  sys=$(sed -n 's/^name *= *"\(.*\)".*/\1/p' "$cfg" | head -1)
  if [ -n "${SYSTEMS:-}" ] && ! [[ " $SYSTEMS " == *" $sys "* ]]; then continue; fi
  for seed in "${seeds[@]}"; do
    [ -f "$root/$sys-s$seed/done" ] && continue
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    run_one "$cfg" "$sys" "$seed" &
  done
done
wait
if [ -n "$(ls "$failures")" ]; then
  echo "zoo: failed (their output is above): $(ls "$failures" | tr '\n' ' ')- the table is not written" >&2
  exit 1
fi
out_docs="${ZOO_OUT:-docs}"
"$gan" zoo "$root" --markdown "$out_docs/zoo_table.md" --chart "$out_docs/zoo.png"
