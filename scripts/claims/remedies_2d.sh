#!/usr/bin/env bash
# The mode-collapse remedies on the 2-D mixtures (#14): modes covered and the
# high-quality fraction of the non-saturating MLP GAN (configs/mlp2d-*.toml)
# without a remedy, with PacGAN packing (pack = 4) and with the minibatch-stddev
# feature (minibatch_stddev = 4), same nets, steps and seeds, on the 8-Gaussian
# ring and the 25-Gaussian grid.
#   scripts/claims/remedies_2d.sh [out_root] [ring_steps] [grid_steps] [seeds...]
#   (default runs/claims/remedies_2d, 2000, 5000, seeds 1 2 3 4 5)
# One line per run (the final evaluation on 2,500 latents), then mean +- sd; $out_root/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="${1:-runs/claims/remedies_2d}"; ring_steps="${2:-2000}"; grid_steps="${3:-5000}"; shift 3 || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5)
gan=build/cpu/cli/gan
mkdir -p "$root"
: > "$root/results.tsv"
for mix in ring8 grid25; do
  steps=$ring_steps; [ "$mix" = grid25 ] && steps=$grid_steps
  for arm in none pack4 mbstd4; do
    extra=()
    case $arm in
      pack4) extra=(--set pack=4) ;;
      mbstd4) extra=(--set minibatch_stddev=4) ;;
    esac
    for seed in "${seeds[@]}"; do
      out="$root/${mix}_${arm}_s${seed}"
      OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$gan" train --config "configs/mlp2d-$mix.toml" --set steps="$steps" \
        --set seed="$seed" --set eval_every=500 --set sample_every="$steps" --set checkpoint_every=0 \
        --set out_dir="$out" ${extra[@]+"${extra[@]}"} -q > /dev/null
      line=$(grep '"modes_covered"' "$out/metrics.jsonl" | tail -1)
      modes=$(grep -o '"modes_covered":[0-9.]*' <<<"$line" | cut -d: -f2)
      hq=$(grep -o '"high_quality":[0-9.e-]*' <<<"$line" | cut -d: -f2)
      printf '%s\t%s\t%s\t%s\t%s\n' "$mix" "$arm" "$seed" "$modes" "$hq" | tee -a "$root/results.tsv"
    done
  done
done
python3 - "$root/results.tsv" <<'PY' | tee "$root/summary.txt"
import sys, statistics as st
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
print("mixture  remedy   modes covered: mean +- sd (per seed)      high quality: mean +- sd")
for mix in ("ring8", "grid25"):
    for arm in ("none", "pack4", "mbstd4"):
        r = [x for x in rows if x[0] == mix and x[1] == arm]
        if not r:
            continue
        m = [float(x[3]) for x in r]; q = [float(x[4]) for x in r]
        sd = lambda a: st.stdev(a) if len(a) > 1 else 0.0
        print(f"{mix:7}  {arm:7}  {st.mean(m):5.2f} +- {sd(m):.2f} ({', '.join(f'{v:.0f}' for v in m)})"
              f"   {st.mean(q):.3f} +- {sd(q):.3f}")
PY
