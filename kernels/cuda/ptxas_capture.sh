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
"$@" 2> "$tmp"
rc=$?
cat "$tmp" >&2
if [ $rc -eq 0 ]; then mv -f "$tmp" "$dir/$name.txt"; else rm -f "$tmp"; fi
exit $rc
