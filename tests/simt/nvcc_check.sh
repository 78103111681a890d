#!/usr/bin/env bash
# The emulator's test kernels are CUDA sources: real nvcc must compile them
# unchanged (to sm_80 and sm_90 SASS), or the portable surface has drifted.
#   nvcc_check.sh <nvcc> <repo root> <work dir>
set -euo pipefail
nvcc="$1"; root="$2"; work="$3"
mkdir -p "$work"
for cu in "$root"/tests/simt/kernels/*.cu; do
  "$nvcc" -std=c++20 -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
    -I"$root/kernels/include" -I"$root/tests/simt/kernels" -c "$cu" -o "$work/$(basename "$cu").o"
  echo "nvcc: $(basename "$cu") compiled for sm_80 and sm_90"
done
