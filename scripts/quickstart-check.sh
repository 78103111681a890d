#!/usr/bin/env bash
# Runs the README's main command as a newcomer would, in a tiny run, and checks
# what it must leave behind: exit 0, a PNG sample grid, a checkpoint, the
# resolved config and one metrics line per step. CI calls this (scripts/test.sh),
# so a break of the quickstart fails CI.
#   scripts/quickstart-check.sh [steps]      (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${1:-20}"
out=$(mktemp -d "${TMPDIR:-/tmp}/gan-quickstart.XXXXXX")
trap 'rm -rf "$out"' EXIT
fail() { cat "$out/log.txt"; echo "quickstart-check: $*" >&2; exit 1; }
rc=0
bash scripts/quickstart.sh --set steps="$steps" --set out_dir="$out/run" --set sample_every=10 \
  --set checkpoint_every=10 > "$out/log.txt" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "scripts/quickstart.sh exited $rc"
for f in samples/final.png samples/step_000010.png checkpoint.safetensors config.json metrics.jsonl; do
  test -s "$out/run/$f" || fail "missing or empty $out/run/$f"
done
head -c 8 "$out/run/samples/final.png" | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" || fail "final.png is not a PNG"
lines=$(grep -c '"step"' "$out/run/metrics.jsonl" || true)
[ "$lines" -eq "$steps" ] || fail "metrics.jsonl has $lines step lines, expected $steps"
grep -q '^step' "$out/log.txt" || fail "no progress line in the output"
echo "quickstart-check: scripts/quickstart.sh --set steps=$steps: exit 0, samples/final.png, checkpoint, config.json and $lines metric lines"
