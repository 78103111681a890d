# shellcheck shell=bash disable=SC2154  # $gan and $n are the sourcing script's
# Shared by the claim scripts that train arms over seeds (progan_mbstd.sh,
# r3gan_fmnist.sh, remedies_fmnist.sh, sagan_vs_sngan.sh; draw_arms also
# augment.sh and ssgan_forgetting.sh); source it. The functions read the
# caller's $gan (the executable) and, for train_and_eval, $n (samples).
# run_arms JOBS "ARM ..." SEED ...: the calling script's `run_one ARM SEED` for
# every seed and arm (seed by seed), JOBS at a time. Every run finishes; then,
# if any failed, it names them and returns 1 (each run's own log says why).
run_arms() {
  local jobs=$1 seed arm i s
  local -a arms pids=() names=() failed=()
  read -r -a arms <<<"$2"
  shift 2
  for seed in "$@"; do
    for arm in "${arms[@]}"; do
      while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
      run_one "$arm" "$seed" &
      pids+=("$!") names+=("$arm-s$seed")
    done
  done
  for i in "${!pids[@]}"; do
    s=0
    wait "${pids[$i]}" || s=$?
    [ "$s" = 0 ] || failed+=("${names[$i]} (exit $s)")
  done
  [ ${#failed[@]} -eq 0 ] || { echo "run_arms: failed: ${failed[*]}" >&2; return 1; }
}

# train_and_eval OUT TRAIN_ARG...: `$gan train TRAIN_ARG...` into OUT with
# --resume auto (a finished run is kept, a larger `steps` continues it; its
# output goes to OUT.log), then `$gan eval` of the checkpoint's EMA G on $n
# samples into OUT/eval.json and OUT/eval.txt. A failure returns non-zero.
train_and_eval() {
  local out=$1
  shift
  "$gan" train "$@" --set out_dir="$out" --resume auto -q > "$out.log" 2>&1
  "$gan" eval --checkpoint "$out/checkpoint.safetensors" --n "$n" --json "$out/eval.json" > "$out/eval.txt"
}

# draw_arms ROOT SEED "ARM ..." [KEYS]: one seed's arms (ROOT/ARM-sSEED) side by
# side in ROOT/compare-sSEED.png with `gan report RUN... --out`, the metrics KEYS
# (comma-separated; default gan report's: FCD, precision, recall at the in-run
# evaluations). A picture that cannot be drawn is named, not fatal.
draw_arms() {
  local root=$1 seed=$2 arm
  local -a arms runs=() metric_opt=()
  read -r -a arms <<<"$3"
  [ -z "${4:-}" ] || metric_opt=(--metrics "$4")
  for arm in "${arms[@]}"; do runs+=("$root/$arm-s$seed"); done
  local err
  err=$("$gan" report "${runs[@]}" --out "$root/compare-s$seed.png" ${metric_opt[@]+"${metric_opt[@]}"} 2>&1 >/dev/null) ||
    echo "draw_arms: no picture $root/compare-s$seed.png: ${err:-gan report failed}" >&2
}
