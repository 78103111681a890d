#!/usr/bin/env bash
# Prints the ptxas resource report of the CUDA kernels as a table: one row per
# kernel and architecture with registers, static shared memory, stack frame
# and spill stores/loads, then totals. Exits 1 if any kernel spills.
#
#   scripts/ptxas-table.sh [build dir]     (default: build; needs GAN_CUDA=on)
#
# The reports are written by the `ptxas_report` target (part of ALL in the cuda
# flavour): <build>/ptxas/<file>.txt, nvcc -Xptxas -v output per kernels/cuda/*.cu.
set -euo pipefail
build="${1:-build}"
dir="$build/ptxas"
shopt -s nullglob
reports=("$dir"/*.txt)
if [ ${#reports[@]} -eq 0 ]; then
  echo "no ptxas reports in $dir (configure with -DGAN_CUDA=on and build the ptxas_report target)" >&2
  exit 2
fi
demangle() { if command -v c++filt > /dev/null; then c++filt; else cat; fi; }

for f in "${reports[@]}"; do
  file="$(basename "$f" .txt).cu"
  # Entry functions only: "Compiling entry function 'X' for 'sm_NN'", then the
  # stack/spill line of X's "Function properties", then "Used N registers ...".
  awk -v file="$file" '
    /Compiling entry function/ {
      match($0, /function \x27[^\x27]+\x27/); name = substr($0, RSTART + 10, RLENGTH - 11)
      match($0, /for \x27sm_[0-9a-z]+\x27/); arch = substr($0, RSTART + 5, RLENGTH - 6)
      entry = 1; stack = 0; spill_st = 0; spill_ld = 0; next
    }
    entry && /Function properties for/ { props = (index($0, name) > 0); next }
    entry && props && /bytes stack frame/ {
      stack = $1; spill_st = $5; spill_ld = $9; props = 0; next
    }
    entry && /Used [0-9]+ registers/ {
      regs = 0; smem = 0
      if (match($0, /Used [0-9]+ registers/)) { split(substr($0, RSTART, RLENGTH), a, " "); regs = a[2] }
      if (match($0, /[0-9]+ bytes smem/)) { split(substr($0, RSTART, RLENGTH), a, " "); smem = a[1] }
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", file, name, arch, regs, smem, stack, spill_st, spill_ld
      entry = 0
    }' "$f"
done > "$dir/table.tsv.tmp"

# Demangle and shorten the names: no return type, namespaces or parameter list.
cut -f2 "$dir/table.tsv.tmp" | demangle | sed -E \
  -e 's/^void //' \
  -e 's/gan::kernels::cuda:://g; s/\(anonymous namespace\):://g; s/detail:://g; s/gan::kernels:://g' |
  awk '{  # drop the parameter list: from the "(" matching the final ")"
    if (substr($0, length($0)) == ")") {
      depth = 0
      for (i = length($0); i > 0; i--) {
        c = substr($0, i, 1)
        if (c == ")") depth++
        else if (c == "(" && --depth == 0) break
      }
      if (i > 0) $0 = substr($0, 1, i - 1)
    }
    print
  }' > "$dir/names.tmp"
paste "$dir/names.tmp" "$dir/table.tsv.tmp" | awk -F '\t' '
  BEGIN {
    printf "| file | kernel | arch | registers | smem (B) | stack (B) | spill stores (B) | spill loads (B) |\n"
    printf "|---|---|---|---|---|---|---|---|\n"
  }
  {
    printf "| %s | `%s` | %s | %s | %s | %s | %s | %s |\n", $2, $1, $4, $5, $6, $7, $8, $9
    n++; st += $8; ld += $9; if ($8 > 0 || $9 > 0) spilling++
    if ($5 > maxreg) maxreg = $5
  }
  END {
    printf "\n%d kernel instantiations x architectures; max %d registers; spill stores %d B, spill loads %d B",
           n, maxreg, st, ld
    printf " (%d spilling)\n", spilling
    exit spilling > 0 ? 1 : 0
  }'
status=$?
rm -f "$dir/table.tsv.tmp" "$dir/names.tmp"
exit $status
