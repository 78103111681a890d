#!/usr/bin/env bash
# R3GAN's claim on the 2-D mixtures (#14): modes covered and the high-quality
# fraction of R3GAN's loss (relativistic pairing + R1 + R2, configs/r3gan-grid25.toml)
# against the non-saturating loss + R1 at the same gamma (configs/mlp2d-grid25.toml),
# on the 25-Gaussian grid and the 8-Gaussian ring, same nets, steps and seeds; and
# SphereGAN (configs/spheregan-ring8.toml) on the ring.
#   scripts/claims/r3gan_2d.sh [out_root] [grid_steps] [ring_steps] [seeds...]
#   (default runs/claims/r3gan_2d, 5000, 2000, seeds 1 2 3; the grid's 25 modes take longer)
# One line per run (the final evaluation on 2,500 latents), then mean +- sd; $out_root/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="${1:-runs/claims/r3gan_2d}"; grid_steps="${2:-5000}"; ring_steps="${3:-2000}"; shift 3 || true
seeds=("$@"); [ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3)
gan=build/cpu/cli/gan
mkdir -p "$root"
: > "$root/results.tsv"
for mix in grid25 ring8; do
  steps=$grid_steps; [ "$mix" = ring8 ] && steps=$ring_steps
  systems=(r3gan mlp2d); [ "$mix" = ring8 ] && systems+=(spheregan)
  for sys in "${systems[@]}"; do
    case $sys in
      r3gan) cfg=configs/r3gan-grid25.toml ;;
      mlp2d) cfg=configs/mlp2d-grid25.toml ;;
      spheregan) cfg=configs/spheregan-ring8.toml ;;
    esac
    for seed in "${seeds[@]}"; do
      out="$root/${sys}_${mix}_s${seed}"
      OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$gan" train --config "$cfg" --set steps="$steps" --set seed="$seed" \
        --set dataset="mixture:$mix" --set "$sys.mixture=$mix" --set eval_every=500 --set sample_every="$steps" \
        --set checkpoint_every=0 --set out_dir="$out" -q
      line=$(grep '"modes_covered"' "$out/metrics.jsonl" | tail -1)
      modes=$(grep -o '"modes_covered":[0-9.]*' <<<"$line" | cut -d: -f2)
      hq=$(grep -o '"high_quality":[0-9.e-]*' <<<"$line" | cut -d: -f2)
      printf '%s\t%s\t%s\t%s\t%s\n' "$mix" "$sys" "$seed" "$modes" "$hq" | tee -a "$root/results.tsv"
    done
  done
done
python3 - "$root/results.tsv" <<'PY' | tee "$root/summary.txt"
import sys, statistics as st
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
names = {"r3gan": "r3gan (RpGAN + R1 + R2)", "mlp2d": "non-saturating + R1", "spheregan": "spheregan (R = 3)"}
print("mixture  system                    modes covered: mean +- sd (per seed)   high quality: mean +- sd")
for mix in ("grid25", "ring8"):
    for sys_, name in names.items():
        r = [x for x in rows if x[0] == mix and x[1] == sys_]
        if not r:
            continue
        m = [float(x[3]) for x in r]; q = [float(x[4]) for x in r]
        sd = lambda a: st.stdev(a) if len(a) > 1 else 0.0
        print(f"{mix:7}  {name:24}  {st.mean(m):5.2f} +- {sd(m):.2f} ({', '.join(f'{v:.0f}' for v in m)})"
              f"   {st.mean(q):.3f} +- {sd(q):.3f}")
PY
