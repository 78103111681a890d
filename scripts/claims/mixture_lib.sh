# shellcheck shell=bash
# Shared by the 2-D mixture claim scripts (r3gan_2d.sh, remedies_2d.sh); source it.
# mixture_row OUT MIX ARM SEED TSV: the run's final evaluation (modes_covered,
# high_quality on 2,500 latents) as one tab-separated row, appended to TSV and shown.
mixture_row() {
  local out=$1 mix=$2 arm=$3 seed=$4 tsv=$5 line modes hq
  line=$(grep '"modes_covered"' "$out/metrics.jsonl" | tail -1)
  modes=$(grep -o '"modes_covered":[0-9.]*' <<<"$line" | cut -d: -f2)
  hq=$(grep -o '"high_quality":[0-9.e-]*' <<<"$line" | cut -d: -f2)
  printf '%s\t%s\t%s\t%s\t%s\n' "$mix" "$arm" "$seed" "$modes" "$hq" | tee -a "$tsv"
}

# mixture_summary TSV ARM=NAME...: mean +- sd of modes covered (per seed) and of
# the high-quality fraction, per mixture (in row order) and arm (in argument order).
mixture_summary() {
  python3 - "$@" <<'PY'
import sys, statistics as st
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
names = dict(a.split("=", 1) for a in sys.argv[2:])
sd = lambda a: st.stdev(a) if len(a) > 1 else 0.0
print("mixture  run                       modes covered: mean +- sd (per seed)   high quality: mean +- sd")
for mix in dict.fromkeys(r[0] for r in rows):
    for arm, name in names.items():
        r = [x for x in rows if x[0] == mix and x[1] == arm]
        if not r:
            continue
        m = [float(x[3]) for x in r]; q = [float(x[4]) for x in r]
        print(f"{mix:7}  {name:24}  {st.mean(m):5.2f} +- {sd(m):.2f} ({', '.join(f'{v:.0f}' for v in m)})"
              f"   {st.mean(q):.3f} +- {sd(q):.3f}")
PY
}
