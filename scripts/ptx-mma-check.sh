#!/usr/bin/env bash
# Checks that the TF32 implicit-GEMM kernels really use tensor cores: takes the
# PTX of the kernel files that instantiate igemm_kernel (conv2d.cu, gemm.cu)
# kept by the cuda flavour's object compile (<build>/ptxas/<name>.compute_80.ptx),
# else from the objects (cuobjdump -ptx), else compiles them with nvcc -ptx for
# compute_80, and requires, in EVERY entry igemm_kernel<..., kTf32 = true>, a
# tensor-core MMA on TF32 operands (wmma.mma.sync ... .tf32 or mma.sync ...
# .tf32), and in no FP32/FP64 entry (kTf32 = false) any MMA. Exits 1 on a
# violation, 2 when it cannot run.
#
#   scripts/ptx-mma-check.sh [build dir]   (default build/cuda; PTX lands in <build>/ptx)
#   GAN_PTX_CHECK_SOURCES="kernels/cuda/gemm.cu" limits the files checked.
#
# The emulator cannot tell a tensor-core kernel from a scalar one (wmma is
# emulated), so this static check is what guards the TF32 path on CI.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/cuda}"
nvcc="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
if [ ! -x "$nvcc" ]; then
  echo "ptx-mma-check: no nvcc" >&2
  exit 2
fi
out="$build/ptx"
mkdir -p "$out"
status=0
for src in ${GAN_PTX_CHECK_SOURCES:-kernels/cuda/conv2d.cu kernels/cuda/gemm.cu}; do
  name="$(basename "$src" .cu)"
  ptx="$out/$name.ptx"
  # The cuda flavour embeds compute_80/compute_90 PTX in the objects
  # (code=[compute_NN,sm_NN]): take it from there; else compile to PTX.
  obj="$build/kernels/CMakeFiles/gan_kernels.dir/cuda/$name.cu.o"
  cuobjdump="$(dirname "$nvcc")/cuobjdump"
  kept="$build/ptxas/$name.compute_80.ptx"  # kept by the object compile (kernels/cuda/ptxas_capture.sh)
  if [ -f "$kept" ] && [ "$kept" -nt "$src" ] && [ -z "$(find kernels/cuda kernels/include -newer "$kept" -name '*.*h')" ]; then
    ptx="$kept"
  elif [ -f "$ptx" ] && [ "$ptx" -nt "$src" ] && [ -z "$(find kernels/cuda kernels/include -newer "$ptx" -name '*.*h')" ]; then
    :  # up to date with the sources
  elif [ -f "$obj" ] && [ "$obj" -nt "$src" ] && [ -x "$cuobjdump" ] && "$cuobjdump" -ptx "$obj" > "$ptx" 2> /dev/null &&
       grep -q '\.entry' "$ptx"; then
    :
  else
    "$nvcc" -std=c++20 -O3 -arch=compute_80 -ptx -Ikernels/include "$src" -o "$ptx"
  fi
  # Per entry: is it a TF32 instantiation (mangled template argument list of
  # igemm_kernel ending in "Lb1E": bool true), and how many TF32 MMAs it has.
  # Mangled names contain the Problem type, so match the kernel's template
  # name and its last template argument only.
  awk -v file="$ptx" '
    function finish() {
      if (name == "") return
      if (tf32 && mma == 0) { printf "FAIL %s: TF32 entry without tensor-core MMA: %s\n", file, name; bad = 1 }
      if (!tf32 && any > 0) { printf "FAIL %s: FP32/FP64 entry with MMA: %s\n", file, name; bad = 1 }
      if (tf32) { n_tf32++; total_mma += mma } else n_other++
    }
    /\.entry / {
      finish()
      name = ""
      if (match($0, /_ZN[0-9A-Za-z_]*igemm_kernel[0-9A-Za-z_]*/)) {
        name = substr($0, RSTART, RLENGTH)
        tf32 = (name ~ /Lb1EEEvT_/ || name ~ /Lb1EEvT_/)
      }
      mma = 0; any = 0; next
    }
    name != "" && /(wmma\.mma\.sync|mma\.sync)/ { any++; if ($0 ~ /\.tf32/) mma++ }
    END {
      finish()
      printf "%s: %d TF32 igemm entries (%d tf32 MMA instructions), %d FP32/FP64 igemm entries without MMA\n",
             file, n_tf32, total_mma, n_other
      if (n_tf32 == 0) { printf "FAIL %s: no TF32 igemm entry found\n", file; bad = 1 }
      exit bad
    }' "$ptx" || status=1
done
exit $status
