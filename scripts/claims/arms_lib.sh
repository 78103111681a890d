# Shared by the claim scripts that train arms over seeds (progan_mbstd.sh,
# r3gan_fmnist.sh, remedies_fmnist.sh, sagan_vs_sngan.sh); source it.
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
