#!/usr/bin/env bash
# train 4 steps (--resume auto on an empty folder) -> resume to 6 (--profile) -> sample (grid, individual, truncated) -> interpolate,
# on the first 256 Fashion-MNIST images (or a synthetic IDX file when the data set
# is not installed). Every output must exist and be a PNG.
#   round_trip.sh <gan> <work dir> [system]
# A conditional system (acgan) also samples one class (--class) and its grid
# rows by class.
set -euo pipefail
gan="$1"; work="$2"; system="${3:-dcgan}"
rm -rf "$work"; mkdir -p "$work"
data=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
if [ ! -f "$data" ]; then
  data="$work/synthetic-images-idx3-ubyte"
  python3 - "$data" <<'PY'
import struct, sys, random
random.seed(0)
n = 256
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack(">BBBBIII", 0, 0, 8, 3, n, 28, 28))
    f.write(bytes(random.randrange(256) for _ in range(n * 28 * 28)))
with open(sys.argv[1].replace("images-idx3", "labels-idx1"), "wb") as f:  # found by labels = "auto"
    f.write(struct.pack(">BBBBI", 0, 0, 8, 1, n))
    f.write(bytes(i % 10 for i in range(n)))
PY
fi
common=(--set system="$system" --set dataset="$data" --set dataset_limit=256 --set batch=16 --set "$system.features_g=8" --set features_d=8
        --set out_dir="$work/run" --set sample_every=2 --set checkpoint_every=2 --set sample_count=16 -q)
# --resume auto on a folder with no checkpoint is a fresh run, and says so.
"$gan" train "${common[@]}" --set steps=4 --resume auto | tee "$work/first.txt"
grep -q "no checkpoint at .*: starting a fresh run" "$work/first.txt" || { echo "no fresh-run notice"; exit 1; }
"$gan" train "${common[@]}" --set steps=6 --resume auto --profile "$work/profile.json"
test "$(wc -l < "$work/run/metrics.jsonl")" -eq 6 || { echo "expected 6 metric lines"; exit 1; }
# --profile: the resumed invocation's 2 steps, with conv FLOPs counted (gan/profiler.h).
python3 - "$work/profile.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
conv = [o for o in j["ops"] if o["op"] == "conv2d"]
assert j["steps"] == 2 and j["gflop_per_step"] > 0 and conv and conv[0]["flops"] > 0, j
PY
ck="$work/run/checkpoint.safetensors"
"$gan" sample --checkpoint "$ck" --out "$work/grid.png" --n 9
"$gan" sample --checkpoint "$ck" --individual "$work/each" --n 3 --truncation 0.7 --no-ema
"$gan" interpolate --checkpoint "$ck" --seeds 1,2,3 --frames 4 --slerp --out "$work/interp.png"
if [ "$system" = acgan ]; then
  "$gan" sample --checkpoint "$ck" --class 3 --n 4 --out "$work/class3.png"
  test -s "$work/class3.png" || { echo "missing class3.png"; exit 1; }
fi
for f in "$work/run/samples/final.png" "$work/grid.png" "$work/each/000002.png" "$work/interp.png" "$work/run/config.json"; do
  test -s "$f" || { echo "missing $f"; exit 1; }
done
for f in "$work/grid.png" "$work/interp.png"; do
  head -c 8 "$f" | od -An -tx1 | grep -q "89 50 4e 47" || { echo "$f is not a PNG"; exit 1; }
done
echo "cli round trip: train, resume, sample, interpolate OK"
