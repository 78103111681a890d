#!/usr/bin/env bash
# Times one DCGAN-28 training step at batch 64 in gan (CPU backend) and in PyTorch
# (Debian's python3-torch) on this machine, same thread count, and prints both
# and their ratio, then gan's per-op profile of one step.
#   bench/compare_dcgan_step.sh [threads]      (default 2; needs build/cpu from scripts/build.sh cpu)
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-2}"
bench=build/cpu/bench/gan_bench
[ -x "$bench" ] || { echo "build first: scripts/build.sh cpu" >&2; exit 2; }
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "needs PyTorch: apt-get install python3-torch" >&2; exit 2; }
gan_out=$(OMP_NUM_THREADS="$threads" GAN_PROFILE_STEP=1 "$bench" --benchmark_filter=BM_dcgan28_step \
          --benchmark_format=console 2>&1)
echo "$gan_out"
gan_ms=$(echo "$gan_out" | awk '/^BM_dcgan28_step/ {print $2; exit}')
torch_out=$(/usr/bin/python3 bench/pytorch_dcgan_step.py --threads "$threads" --steps 20)
echo "$torch_out"
torch_ms=$(echo "$torch_out" | sed -n 's/.*median \([0-9.]*\) ms\/step.*/\1/p')
python3 -c "print(f'dcgan28 step, batch 64, {$threads} threads: gan {float($gan_ms):.1f} ms, pytorch {float($torch_ms):.1f} ms, gan/pytorch = {float($gan_ms)/float($torch_ms):.2f}')"
