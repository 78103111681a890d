#!/usr/bin/env bash
# Times one DCGAN training step at batch 64 in gan (CPU backend, its default
# thread count: OMP_NUM_THREADS or every core) and in PyTorch (Debian's
# python3-torch) at 1 and 2 threads, on this machine, in one run; prints every
# figure, the best of each side and their ratio, then gan's per-op profile.
#   bench/compare_dcgan_step.sh [dcgan28] [dcgan64]    (default: both; needs build/cpu from scripts/build.sh cpu)
# dcgan28 is the default run (1x28x28, features 32); dcgan64 is pytorch/examples'
# DCGAN (3x64x64, features 64), ~1-3 s a step here, so it takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(dcgan28 dcgan64)
bench=build/cpu/bench/gan_bench
[ -x "$bench" ] || { echo "build first: scripts/build.sh cpu" >&2; exit 2; }
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "needs PyTorch: apt-get install python3-torch" >&2; exit 2; }
summary=()
for model in "${models[@]}"; do
  case "$model" in
    dcgan28) torch_steps=20; torch_warmup=5 ;;
    dcgan64) torch_steps=6; torch_warmup=2 ;;
    *) echo "compare_dcgan_step.sh: unknown model '$model' (dcgan28 or dcgan64)" >&2; exit 2 ;;
  esac
  # gan at its default threads; the SIMD: line of the benchmark's context says which paths ran.
  gan_out=$(GAN_PROFILE_STEP=1 "$bench" --benchmark_filter="BM_${model}_step" --benchmark_format=console 2>&1)
  echo "$gan_out"
  gan_ms=$(echo "$gan_out" | awk -v b="BM_${model}_step" 'index($1, b) == 1 {print $2; exit}')
  [ -n "$gan_ms" ] || { echo "compare_dcgan_step.sh: no BM_${model}_step figure in the benchmark output" >&2; exit 1; }
  best_torch=""; best_threads=""
  for t in 1 2; do
    torch_out=$(/usr/bin/python3 bench/pytorch_dcgan_step.py --model "$model" --threads "$t" --steps "$torch_steps" --warmup "$torch_warmup")
    echo "$torch_out"
    ms=$(echo "$torch_out" | sed -n 's/.*median \([0-9.]*\) ms\/step.*/\1/p')
    if [ -z "$best_torch" ] || python3 -c "import sys; sys.exit(0 if $ms < $best_torch else 1)"; then
      best_torch=$ms; best_threads=$t
    fi
  done
  summary+=("$(python3 -c "print(f'$model step, batch 64: gan {float($gan_ms):.1f} ms (threads: ${OMP_NUM_THREADS:-$(nproc)}), pytorch best {float($best_torch):.1f} ms ($best_threads threads), gan/pytorch = {float($gan_ms)/float($best_torch):.2f}')")")
done
echo
printf '%s\n' "${summary[@]}"
