#!/usr/bin/env bash
# The one-command GPU check of a gan bundle (scripts/bundle.sh copies this file
# into the bundle as check.sh). On a machine with an NVIDIA GPU it writes
# summary.md and summary.json into the output folder and prints the summary:
#
#   1. the device (nvidia-smi: name, driver, memory, compute capability, SM
#      count) and the bundle's build (architectures, commit);
#   2. every CUDA kernel test against the CPU reference on the device, and the
#      Device::cuda engine / trainer tests: counts, failures, largest errors;
#   3. compute-sanitizer memcheck and racecheck over a short subset (conv,
#      batch norm, attention, reductions);
#   4. gan_bench_cuda: the DCGAN-64 conv passes (ours vs cuDNN, TF32 and
#      FP32), GEMM vs cuBLAS, the whole DCGAN step; with the ratios;
#   4b. Nsight Compute (when the toolkit has ncu) on one launch of each of our
#      conv passes furthest behind cuDNN: a log for kernel work, informational;
#   5. a short DCGAN training run on device = cuda (ms/step), and the same
#      step in the machine's PyTorch + cuDNN for the ratio;
#   6. every image system's training step on the device (bench/system_steps.sh
#      over configs/*-fmnist*.toml on the bundle's Fashion-MNIST slice:
#      median ms/step, GFLOP/step), the table the CPU has in bench/README.md.
#
# Each part runs under `timeout`, so a hang leaves the others' results; the
# whole stays under about 10 minutes. Without a GPU it says that it skipped and
# exits 0 (CI runs it that way). Exit status otherwise: 0 when every part ran
# and passed, 1 when a test or sanitizer check failed, 2 on a usage error.
#
#   ./check.sh [out-dir]          (default: ./check-<UTC time>)
#   GAN_CHECK_SCALE=0.5 ./check.sh   (scales every time box)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$PWD/check-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out" || exit 2
scale=${GAN_CHECK_SCALE:-1}
box() { awk -v s="$1" -v k="$scale" 'BEGIN { v = int(s * k); print (v < 5 ? 5 : v) }'; }
start=$SECONDS
log() { echo "check.sh [$((SECONDS - start))s] $*"; }

info() { sed -n "s/^$1=//p" "$here/BUILD_INFO" 2>/dev/null; }
arch=$(info architectures)
commit=$(info commit)

# ---- no GPU: say so and stop ----------------------------------------------------
gpu_line=""
if command -v nvidia-smi >/dev/null; then
  gpu_line=$(timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap \
             --format=csv,noheader 2>/dev/null | head -n 1)
fi
if [ -z "$gpu_line" ]; then
  reason="no NVIDIA GPU found (nvidia-smi $(command -v nvidia-smi >/dev/null && echo 'lists no device' || echo 'is not installed'))"
  {
    echo "# gan GPU check: skipped"
    echo
    echo "$reason on $(uname -n); nothing was run. Bundle: architectures ${arch:-?}, commit ${commit:-?}."
  } >"$out/summary.md"
  printf '{"status": "skipped", "reason": "%s", "host": "%s", "architectures": "%s", "commit": "%s"}\n' \
    "$reason" "$(uname -n)" "${arch:-}" "${commit:-}" >"$out/summary.json"
  cat "$out/summary.md"
  echo "check.sh: SKIPPED: $reason (summary in $out)"
  exit 0
fi

bin=$here/bin
status=0
parts=()   # "name|status|seconds|note" rows for the summary

run_part() {  # run_part <name> <seconds> <logfile> <command...>
  local name=$1 secs=$2 logf=$3
  shift 3
  local t0=$SECONDS rc
  log "$name (time box ${secs}s)"
  timeout --kill-after=10 "$secs" "$@" >"$logf" 2>&1
  rc=$?
  local st=ok
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then st="timed out after ${secs}s"; status=1
  elif [ "$rc" != 0 ]; then st="failed (exit $rc)"; status=1; fi
  parts+=("$name|$st|$((SECONDS - t0))|$logf")
  log "$name: $st"
  # A crash (SIGABRT, SIGBUS, SIGFPE, SIGSEGV) runs again under cuda-gdb for a
  # backtrace (the bundle keeps the symbol table): <log>.backtrace.txt.
  case $rc in 134|135|136|139)
    if [ -n "$gdb" ] && [[ "$1" == "$bin"/* ]]; then
      log "$name crashed: again under cuda-gdb for a backtrace"
      GAN_BUNDLE_DEBUGGER="$gdb -q -batch -ex run -ex bt -ex quit --args" \
        timeout --kill-after=10 "$(box 90)" "$@" >"${logf%.log}.backtrace.txt" 2>&1
      parts+=("$name: backtrace|see $(basename "${logf%.log}.backtrace.txt")|0|${logf%.log}.backtrace.txt")
    fi ;;
  esac
  return 0
}
gdb=$(command -v cuda-gdb || ls /usr/local/cuda/bin/cuda-gdb 2>/dev/null || true)

# ---- 1. the device -----------------------------------------------------------
{
  nvidia-smi || true
  echo
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap,clocks.max.sm,power.limit --format=csv || true
} >"$out/nvidia-smi.txt" 2>&1
sm_count=$(timeout 20 python3 -c 'import torch; print(torch.cuda.get_device_properties(0).multi_processor_count)' 2>/dev/null || echo "?")

# ---- 2. tests on the device --------------------------------------------------
run_part "cuda kernel tests" "$(box 60)" "$out/tests-cuda.log" \
  "$bin/gan_cuda_tests" --gtest_output="json:$out/tests-cuda.json"
# (The golden-file tests are left out: the files stay in the source tree.)
if [ -x "$bin/gan_engine_tests" ]; then
  run_part "engine Device::cuda tests" "$(box 30)" "$out/tests-engine.log" \
    "$bin/gan_engine_tests" --gtest_filter='*Cuda*:*CUDA*:CachingAllocator.*-*Golden*' --gtest_output="json:$out/tests-engine.json"
fi
if [ -x "$bin/gan_models_tests" ]; then
  run_part "trainer Device::cuda tests" "$(box 30)" "$out/tests-models.log" \
    "$bin/gan_models_tests" --gtest_filter='*Cuda*:*Device*' --gtest_output="json:$out/tests-models.json"
fi

# ---- 3. compute-sanitizer ------------------------------------------------------
# racecheck is the slow one (it ran past 50 s on the whole subset on an H200):
# memcheck takes the four suites, racecheck the shared-memory reductions.
subset='CudaConv.*:CudaNorm.*:CudaAttention.*:CudaReduce.*'
race_subset='CudaNorm.*:CudaReduce.*:CudaAttention.Forward*'
cs=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [ -n "$cs" ]; then
  run_part "compute-sanitizer memcheck" "$(box 50)" "$out/memcheck.log" \
    "$cs" --tool memcheck --target-processes all --error-exitcode 1 "$bin/gan_cuda_tests" --gtest_filter="$subset" --gtest_brief=1
  run_part "compute-sanitizer racecheck" "$(box 90)" "$out/racecheck.log" \
    "$cs" --tool racecheck --racecheck-report hazard --target-processes all --error-exitcode 1 "$bin/gan_cuda_tests" \
    --gtest_filter="$race_subset" --gtest_brief=1
else
  parts+=("compute-sanitizer|not found|0|-")
fi

# ---- 4. benchmarks --------------------------------------------------------------
if [ -x "$bin/gan_bench_cuda" ]; then
  run_part "gan_bench_cuda" "$(box 120)" "$out/bench.log" \
    "$bin/gan_bench_cuda" '--benchmark_filter=^(conv/(dcgan64|spheregan28)/[^/]*/n64/|gemm/|step/dcgan28_cuda/64/)' \
    --benchmark_out="$out/bench.json" --benchmark_out_format=json
fi

# ---- 4b. Nsight Compute on our conv passes furthest behind cuDNN (informational) ------
# One igemm launch per case (G3's fprop and D2's dgrad: 2.6-3.4x cuDNN on the
# first H200 check; G4's wgrad; the 1024^3 GEMM at 3.3x cuBLAS; G5's fprop on
# the narrow tile; SphereGAN's full-window head dgrad): speed of light, memory,
# occupancy and warp stalls, for the next kernel work. It does not change the
# check's status: a machine without profiler permissions (ERR_NVGPUCTRPERM)
# only loses this log.
ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu 2>/dev/null || true)
if [ -n "$ncu" ] && [ -x "$bin/gan_bench_cuda" ]; then
  ncu_cases='conv/dcgan64/G3_convT[^/]*/n64/fprop/ours/tf32/
conv/dcgan64/D2_conv[^/]*/n64/dgrad/ours/tf32/
conv/dcgan64/G4_convT[^/]*/n64/wgrad/ours/tf32/
conv/dcgan64/G5_convT[^/]*/n64/fprop/ours/tf32/
conv/spheregan28/D3_conv[^/]*/n64/dgrad/ours/tf32/
gemm/square_m1024_n1024_k1024_NN/ours/tf32/'
  saved_status=$status
  run_part "ncu profiles (informational)" "$(box 120)" "$out/ncu.log" bash -c '
    ncu=$1 bench=$2; shift 2
    for c in "$@"; do
      echo "=== $c"
      "$ncu" --kernel-name regex:igemm_kernel --launch-count 1 --section SpeedOfLight --section Occupancy \
        --section MemoryWorkloadAnalysis --section WarpStateStats --section LaunchStats \
        "$bench" "--benchmark_filter=^$c" 2>&1
      echo "=== ncu exit status $?"
    done' _ "$ncu" "$bin/gan_bench_cuda" $ncu_cases
  status=$saved_status
else
  parts+=("ncu profiles (informational)|no ncu in the toolkit|0|-")
fi

# ---- 5. a short training run, and PyTorch's step -----------------------------------
data=$(find "$here/data" -name '*idx3-ubyte*' 2>/dev/null | head -n 1)
if [ -n "$data" ]; then
  run_part "gan train (300 steps, cuda)" "$(box 60)" "$out/train.log" \
    "$bin/gan" train --config "$here/configs/dcgan-fmnist.toml" --set device=cuda --set steps=300 \
    --set "dataset=$data" --set "out_dir=$out/train-run" --set sample_every=0 --set checkpoint_every=0 \
    --set log_every=50
else
  parts+=("gan train|no dataset in the bundle|0|-")
fi
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  run_part "pytorch DCGAN step (cuda)" "$(box 40)" "$out/pytorch.log" \
    python3 "$here/bench/pytorch_dcgan_step.py" --device cuda --steps 50 --warmup 10
else
  parts+=("pytorch DCGAN step|no PyTorch with CUDA|0|-")
fi

# ---- 6. every image system's step on the device --------------------------------------
if [ -n "$data" ] && [ -x "$here/bench/system_steps.sh" ]; then
  # shellcheck disable=SC2046  # one argument per config
  run_part "every system's step (cuda)" "$(box 150)" "$out/systems.log" \
    "$here/bench/system_steps.sh" --gan "$bin/gan" --steps 30 --warmup 10 --set device=cuda --set "dataset=$data" \
    $(ls "$here"/configs/*-fmnist*.toml)
else
  parts+=("every system's step|no dataset or bench/system_steps.sh in the bundle|0|-")
fi

# ---- summary -------------------------------------------------------------------------
printf '%s\n' "${parts[@]}" >"$out/parts.txt"
python3 - "$out" "$gpu_line" "$sm_count" "${arch:-?}" "${commit:-?}" "$((SECONDS - start))" "$status" <<'PY' || status=1
import json, os, re, sys
out, gpu_line, sm, arch, commit, secs, status = sys.argv[1:8]
name, driver, mem, cc = (x.strip() for x in (gpu_line.split(",") + ["?"] * 4)[:4])
S = {"status": "passed" if status == "0" else "failed", "device": {"name": name, "driver": driver, "memory": mem, "compute_capability": cc,
                                 "sm_count": sm}, "build": {"architectures": arch, "commit": commit},
     "seconds": int(secs), "parts": [], "tests": {}, "largest_errors": [], "sanitizer": {},
     "bench": {}, "train": {}}
for row in open(os.path.join(out, "parts.txt")).read().splitlines():
    n, st, s, logf = row.split("|", 3)
    S["parts"].append({"name": n, "status": st, "seconds": int(s), "log": os.path.basename(logf)})

def read(p):
    try:
        return open(os.path.join(out, p), errors="replace").read()
    except OSError:
        return ""

for key in ("cuda", "engine", "models"):
    t = read(f"tests-{key}.json")
    if not t:
        continue
    j = json.loads(t)
    failed = [f"{s['name']}.{c['name']}" for s in j.get("testsuites", []) for c in s.get("testsuite", [])
              if c.get("failures")]
    skipped = sum(1 for s in j.get("testsuites", []) for c in s.get("testsuite", []) if c.get("result") == "SKIPPED")
    S["tests"][key] = {"tests": j.get("tests", 0), "failures": j.get("failures", 0), "skipped": skipped,
                       "failed": failed[:20]}
errs = []
for line in read("tests-cuda.log").splitlines():
    m = re.match(r"\[ kernel \] (\S+)\s+(\S+)\s+(.*?)\s+max rel err (\S+)", line)
    if m:
        try:
            errs.append((float(m.group(4)), m.group(1), m.group(2), m.group(3)))
        except ValueError:
            pass
errs.sort(reverse=True)
S["largest_errors"] = [{"kernel": k, "dtype": d, "shapes": sh, "max_rel_err": e} for e, k, d, sh in errs[:10]]
for tool in ("memcheck", "racecheck"):
    t = read(f"{tool}.log")
    if t:
        m = re.search(r"ERROR SUMMARY: (\d+) error", t) or re.search(r"RACECHECK SUMMARY: (\d+) hazard", t)
        S["sanitizer"][tool] = {"errors": int(m.group(1)) if m else None,
                                "summary": (re.findall(r"(?:ERROR|RACECHECK) SUMMARY:.*", t) or ["?"])[-1]}
def bench_runs():
    # The JSON file is complete only when the benchmarks finished; after a
    # timeout the console log still has every finished line.
    try:
        return {r["name"]: r for r in json.loads(read("bench.json")).get("benchmarks", [])
                if r.get("run_type", "iteration") == "iteration"}
    except ValueError:
        scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}
        runs = {}
        for line in read("bench.log").splitlines():
            m = re.match(r"(\S+)\s+([0-9.]+) (ns|us|ms|s)\s+[0-9.]+ (?:ns|us|ms|s)\s+\d+", line)
            if m:
                runs[m.group(1)] = {"real_time": float(m.group(2)) * scale[m.group(3)], "time_unit": "us"}
            elif " ERROR OCCURRED" in line:
                runs[line.split()[0]] = {"real_time": 0.0, "error_occurred": True}
        return runs

runs = bench_runs()
if runs:
    skipped = [n for n, r in runs.items() if r.get("error_occurred")]
    runs = {n: r for n, r in runs.items() if not r.get("error_occurred")}
    ratios = []
    for n, r in runs.items():
        for mine, peer in (("/ours/", "/cudnn/"), ("/ours/", "/cublas/")):
            if mine in n and n.replace(mine, peer) in runs:
                p = runs[n.replace(mine, peer)]
                ratios.append({"case": n.replace(mine, "/"), "ours": r["real_time"], "peer": p["real_time"],
                               "unit": r.get("time_unit", "us"),
                               "ours_over_peer": r["real_time"] / p["real_time"] if p["real_time"] else None})
    S["bench"] = {"ratios": ratios,
                  "step": [{"name": n, "time": r["real_time"], "unit": r.get("time_unit")} for n, r in runs.items()
                           if n.startswith("step/")],
                  "skipped": len(skipped)}
# gan's ms/step: the mean from its first logged step to its last (metrics.jsonl's
# run_seconds), which leaves the first step's warm-up out; the progress line's
# figure (since the start) is the fallback.
ms = None
try:
    rows = [json.loads(l) for l in read("train-run/metrics.jsonl").splitlines() if '"run_seconds"' in l]
    if len(rows) >= 2 and rows[-1]["step"] > rows[0]["step"]:
        ms = 1e3 * (rows[-1]["run_seconds"] - rows[0]["run_seconds"]) / (rows[-1]["step"] - rows[0]["step"])
        S["train"]["gan_steps_timed"] = rows[-1]["step"] - rows[0]["step"]
except (ValueError, KeyError):
    pass
if ms is None:
    found = re.findall(r"([0-9.]+) ms/step", read("train.log"))
    ms = float(found[-1]) if found else None
if ms is not None:
    S["train"]["gan_ms_per_step"] = ms
pt = re.search(r"median ([0-9.]+) ms/step", read("pytorch.log"))
if pt:
    S["train"]["pytorch_ms_per_step"] = float(pt.group(1))
if ms is not None and pt:
    S["train"]["gan_over_pytorch"] = ms / float(pt.group(1))

L = [f"# gan GPU check: {name}: {S['status'].upper()}", "",
     f"device {name}, driver {driver}, {mem}, compute capability {cc}, {sm} SMs; bundle architectures {arch}, "
     f"commit {commit}; {secs} s in all", "", "| part | status | s |", "|---|---|---|"]
L += [f"| {p['name']} | {p['status']} | {p['seconds']} |" for p in S["parts"]]
L += ["", "## Tests on the device", "", "| binary | tests | failures | skipped |", "|---|---|---|---|"]
L += [f"| {k} | {v['tests']} | {v['failures']} | {v['skipped']} |" for k, v in S["tests"].items()]
for k, v in S["tests"].items():
    L += [f"- failed ({k}): {f}" for f in v["failed"]]
if S["largest_errors"]:
    L += ["", "Largest errors vs the CPU reference:", "", "| kernel | dtype | shapes | max rel err |", "|---|---|---|---|"]
    L += [f"| {e['kernel']} | {e['dtype']} | {e['shapes']} | {e['max_rel_err']:.3g} |" for e in S["largest_errors"]]
if S["sanitizer"]:
    L += ["", "## compute-sanitizer", ""] + [f"- {k}: {v['summary']}" for k, v in S["sanitizer"].items()]
if S["bench"]:
    L += ["", "## Benchmarks (ours / peer: below 1 is faster)", "", "| case | ours | peer (cuDNN / cuBLAS) | ratio |",
          "|---|---|---|---|"]
    L += [f"| {r['case']} | {r['ours']:.1f} {r['unit']} | {r['peer']:.1f} {r['unit']} | {r['ours_over_peer']:.2f} |"
          for r in S["bench"]["ratios"] if r["ours_over_peer"] is not None]
    if S["bench"]["skipped"]:
        L += [f"- {S['bench']['skipped']} benchmarks reported an error or skipped (bench.log)"]
    L += [f"- {s['name']}: {s['time']:.2f} {s['unit']}" for s in S["bench"]["step"]]
if S["train"]:
    L += ["", "## Training", ""] + [f"- {k}: {v:.3f}" for k, v in S["train"].items()]
# system_steps.sh's rows: config, system, n_critic, median ms, min ms, GFLOP/step, GFLOP/s.
S["systems"] = []
for line in read("systems.log").splitlines():
    f = line.split()
    if len(f) == 7 and f[0].endswith(".toml"):
        S["systems"].append({"config": f[0], "system": f[1], "n_critic": int(f[2]), "median_ms": float(f[3]),
                             "min_ms": float(f[4]), "gflop_per_step": float(f[5])})
if S["systems"]:
    L += ["", "## Every system's step on the device (median of 20 after 10 warm-up)", "",
          "| config | system | n_critic | ms / step | GFLOP / step |", "|---|---|---|---|---|"]
    L += [f"| {r['config']} | {r['system']} | {r['n_critic']} | {r['median_ms']:.1f} | {r['gflop_per_step']:.2f} |"
          for r in S["systems"]]
# Crashes: the backtrace's frames (cuda-gdb's "#N 0x... in f (...)" lines).
S["backtraces"] = {}
for f in sorted(os.listdir(out)):
    if f.endswith(".backtrace.txt"):
        frames = [l for l in read(f).splitlines() if re.match(r"#\d+ ", l)]
        sig = [l for l in read(f).splitlines() if "received signal" in l][:1]
        S["backtraces"][f] = sig + frames[:16]
        L += ["", f"## Crash: {f}", "", "```"] + [l[:200] for l in sig + frames[:16]] + ["```"]
json.dump(S, open(os.path.join(out, "summary.json"), "w"), indent=2)
open(os.path.join(out, "summary.md"), "w").write("\n".join(L) + "\n")
PY
cat "$out/summary.md" 2>/dev/null
log "done; summary in $out/summary.md and summary.json"
exit $status
