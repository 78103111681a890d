#!/usr/bin/env bash
# Builds the cuda flavour (unless an existing build is reused) and writes a
# self-contained folder to copy to a GPU machine that has the NVIDIA driver and
# the CUDA toolkit / PyTorch wheels but none of our development packages:
#
#   <out>/bin/       gan, gan_cuda_tests, gan_bench_cuda, ... : wrappers
#                    (scripts/bundle/wrapper.sh, env.sh) that set LD_LIBRARY_PATH
#                    (our lib/, then cuBLAS / cuDNN / cudart from the machine:
#                    toolkit, PyTorch's nvidia-* wheels)
#   <out>/libexec.tar.xz  the real binaries (no debug info, symbol table kept; RPATH $ORIGIN/../lib
#                    when patchelf is installed), one solid xz archive that the
#                    wrappers unpack into libexec/ on first use
#   <out>/lib/       the shared libraries they need that a bare CUDA machine
#                    lacks (ldd; not glibc, not the driver, not the CUDA
#                    runtime libraries the toolkit provides)
#   <out>/check.sh   the one-command GPU check (scripts/gpu-check.sh)
#   <out>/bench/pytorch_dcgan_step.py, configs/, data/ (a 4096-image slice of
#                    Fashion-MNIST and its labels when this machine has them)
#
#   scripts/bundle.sh [--arch "90;80"] [--build build/cuda] [--out build/gan-bundle] [--no-build]
#
# --arch: real architectures (GAN_CUDA_ARCHITECTURES), default "90;80". An
# existing build is reused as it is when its architectures match (or with
# --no-build); otherwise it is reconfigured, which recompiles every kernel.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
arch="90;80"
build=$root/build/cuda
out=$root/build/gan-bundle
do_build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "bundle.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
max_mib=60
# Sorted, ';'-separated, so "90;80" and "80;90" compare equal.
norm() { tr -s ';, ' '\n' <<<"$1" | sed '/^$/d' | sort -n | paste -sd';'; }

if [ "$do_build" = 1 ]; then
  if [ -f "$build/CMakeCache.txt" ] &&
     [ "$(norm "$(sed -n 's/^GAN_CUDA_ARCHITECTURES:STRING=//p' "$build/CMakeCache.txt")")" = "$(norm "$arch")" ]; then
    echo "bundle.sh: reusing $build (architectures $arch)"
  else
    if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export CUDACXX=/usr/local/cuda/bin/nvcc; fi
    export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
    launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGAN_CUDA=on \
      "-DGAN_CUDA_ARCHITECTURES=$arch" "${launcher[@]}"
  fi
  targets=(gan_cli gan_cuda_tests)
  for t in gan_bench_cuda gan_engine_tests gan_models_tests; do
    ninja -C "$build" -t query "$t" >/dev/null 2>&1 && targets+=("$t")
  done
  cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"
fi
[ -f "$build/CMakeCache.txt" ] || { echo "bundle.sh: no build in $build" >&2; exit 2; }
flavour=$(sed -n 's/^GAN_CUDA:STRING=//p' "$build/CMakeCache.txt")
case "$flavour" in on|auto|ON|AUTO) flavour=cuda ;; off|OFF) flavour=cpu ;; esac
built_arch=$(sed -n 's/^GAN_CUDA_ARCHITECTURES:STRING=//p' "$build/CMakeCache.txt")

# The binaries: the gan executable, the CUDA kernel tests, the engine / models
# tests (their Device::cuda cases), the GPU benchmarks.
bins=()
for rel in cli/gan tests/cuda/gan_cuda_tests tests/gan_engine_tests tests/gan_models_tests bench/cuda/gan_bench_cuda; do
  [ -x "$build/$rel" ] && bins+=("$build/$rel")
done
[ ${#bins[@]} -gt 0 ] || { echo "bundle.sh: no binaries in $build (build it first)" >&2; exit 2; }

rm -rf "$out"
mkdir -p "$out/bin" "$out/libexec" "$out/lib" "$out/bench" "$out/configs" "$out/data"

# Libraries a bare CUDA machine has (glibc, the driver) or gets from the
# toolkit / PyTorch wheels (CUDA runtime, cuBLAS, cuDNN, ...): not bundled.
system_lib='^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt|libresolv|libutil|libcuda|libnvidia-|libcudart|libcublas|libcublasLt|libcudnn|libcufft|libcurand|libcusolver|libcusparse|libnvrtc|libnvJitLink|libnccl)[.-]'
missing=()
for b in "${bins[@]}"; do
  name=$(basename "$b")
  cp "$b" "$out/libexec/$name"
  # Debug info goes; the symbol table stays (0.1 MiB of the xz archive per
  # binary), so that a crash's backtrace on the GPU machine names functions.
  strip --strip-debug "$out/libexec/$name" 2>/dev/null || true
  while read -r lib _ path _; do
    [ -n "$lib" ] || continue
    if [[ "$lib" =~ $system_lib ]]; then continue; fi
    if [ "$path" = "not" ]; then missing+=("$lib"); continue; fi
    [ -f "$out/lib/$lib" ] || cp -L "$path" "$out/lib/$lib"
  done < <(ldd "$b" | awk '/=>/ {print $1, $2, $3}')
done
[ ${#missing[@]} -eq 0 ] || echo "bundle.sh: note: not found here (the GPU machine must provide): ${missing[*]}"
for l in "$out"/lib/*.so*; do
  if [ -f "$l" ]; then strip --strip-unneeded "$l" 2>/dev/null || true; fi
done
if command -v patchelf >/dev/null; then
  # shellcheck disable=SC2016  # $ORIGIN is for the dynamic loader, not the shell
  for b in "$out"/libexec/*; do patchelf --set-rpath '$ORIGIN/../lib' "$b"; done
fi

# Wrappers (bin/<name> runs libexec/<name>) and the library path (lib/env.sh).
for b in "$out"/libexec/*; do
  install -m 755 "$root/scripts/bundle/wrapper.sh" "$out/bin/$(basename "$b")"
done
install -m 644 "$root/scripts/bundle/env.sh" "$out/lib/env.sh"

cp "$root/scripts/gpu-check.sh" "$out/check.sh"
chmod +x "$out/check.sh"
cp "$root/bench/pytorch_dcgan_step.py" "$root/bench/system_steps.sh" "$out/bench/"
cp "$root"/configs/*-fmnist*.toml "$out/configs/"
# A 4096-image slice of Fashion-MNIST (IDX, gzip), for the short training run,
# and its labels beside it (labels = "auto" finds them: the conditional systems).
fmnist=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
if [ -f "$fmnist" ]; then
  python3 - "$fmnist" "$out/data/fmnist-4096-images-idx3-ubyte.gz" "${fmnist/images-idx3/labels-idx1}" \
    "$out/data/fmnist-4096-labels-idx1-ubyte.gz" <<'PY'
import gzip, os, struct, sys
raw = gzip.open(sys.argv[1]).read()
magic, n, h, w = struct.unpack(">IIII", raw[:16])
k = min(n, 4096)
with gzip.open(sys.argv[2], "wb") as f:
    f.write(struct.pack(">IIII", magic, k, h, w) + raw[16:16 + k * h * w])
if os.path.exists(sys.argv[3]):
    lab = gzip.open(sys.argv[3]).read()
    with gzip.open(sys.argv[4], "wb") as f:
        f.write(struct.pack(">II", struct.unpack(">I", lab[:4])[0], k) + lab[8:8 + k])
PY
fi
{
  echo "flavour=$flavour"
  echo "architectures=$built_arch"
  echo "commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
  echo "binaries=$(cd "$out/libexec" && echo *)"
  echo "libraries=$(cd "$out/lib" && find . -name '*.so*' -printf '%f ')"
} >"$out/BUILD_INFO"

# Large libraries travel xz-compressed, the binaries as one solid
# libexec.tar.xz: each binary links the same kernels (the fatbin is most of
# it), so one archive whose dictionary spans them all stores that about once.
# lib/env.sh unpacks them on first use.
find "$out/lib" -type f -size +4M ! -name '*.xz' -exec xz -T0 -6 {} \;
pack() {
  local mib
  mib=$(du -sm "$out/libexec" | cut -f1)
  tar -C "$out" -cf - libexec | xz -T1 -9 "--lzma2=dict=$((mib < 1000 ? mib + 16 : 1024))MiB" >"$out/libexec.tar.xz"
  size_mib=$(( $(du -sm --exclude=libexec "$out" | cut -f1) ))
}
pack
# Over the limit: the engine / trainer test binaries are the first to go.
for optional in gan_models_tests gan_engine_tests; do
  [ "$size_mib" -ge "$max_mib" ] || break
  if [ -e "$out/libexec/$optional" ]; then
    echo "bundle.sh: leaving out $optional ($size_mib MiB is over $max_mib)"
    rm -f "$out/bin/$optional" "$out/libexec/$optional"
    pack
  fi
done
sed -i "s/^binaries=.*/binaries=$(cd "$out/libexec" && echo *)/" "$out/BUILD_INFO"
rm -rf "$out/libexec"
size_mib=$(du -sm "$out" | cut -f1)
echo "bundle.sh: wrote $out ($size_mib MiB, flavour $flavour, architectures $built_arch)"
if [ "$size_mib" -ge "$max_mib" ]; then
  echo "bundle.sh: the bundle is $size_mib MiB, over the $max_mib MiB limit" >&2
  exit 1
fi
