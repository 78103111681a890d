#!/usr/bin/env bash
# Compiler launcher of the cuda flavour's .cu objects (kernels/CMakeLists.txt):
#   ptxas_capture.sh REPORT_DIR compiler-command...
# Runs the compile (which carries -Xptxas=-v) and keeps its diagnostics, the
# ptxas resource lines included, in REPORT_DIR/<file>.txt, so the resource
# report comes from the one compile that builds the object (no second nvcc
# run per file). ccache, when it is the next launcher, replays the cached
# diagnostics on a hit, so the report is written either way. The diagnostics
# still reach the terminal; the exit status is the compiler's.
set -uo pipefail
dir="$1"
shift
src=""
for a in "$@"; do
  case "$a" in *.cu) src="$a" ;; esac
done
if [ -z "$src" ]; then exec "$@"; fi
mkdir -p "$dir"
name="$(basename "$src" .cu)"
tmp="$dir/$name.txt.$$"
# --keep leaves nvcc's intermediates in keep_<name>/: its PTX per architecture
# is kept as <name>.compute_NN.ptx when there are several architectures (as
# in the default sm_80;sm_90; scripts/ptx-mma-check.sh reads it instead
# of compiling the file again), the rest deleted. A ccache hit compiles
# nothing and keeps nothing: the check then compiles to PTX itself.
keep="$dir/keep_$name"  # stable: ccache hashes the argument
rm -rf "$keep"
mkdir -p "$keep"
"$@" --keep --keep-dir "$keep" 2> "$tmp"
rc=$?
cat "$tmp" >&2
if [ $rc -eq 0 ]; then
  mv -f "$tmp" "$dir/$name.txt"
  for p in "$keep/$name".compute_*.ptx; do
    [ -f "$p" ] && mv -f "$p" "$dir/$(basename "$p")"
  done
else
  rm -f "$tmp"
fi
rm -rf "$keep"
exit $rc
