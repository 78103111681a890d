# shellcheck shell=bash
# A gan bundle's lib/env.sh, sourced by its bin/ wrappers (scripts/bundle.sh).
# The binaries travel as one solid libexec.tar.xz and libraries over 4 MiB as
# lib/*.xz: they are unpacked once, in place when the bundle is writable, else
# under ${TMPDIR:-/tmp}. Sets gan_bundle_run (where the unpacked files are) and
# LD_LIBRARY_PATH = the bundle's libraries, then the directories that hold the
# CUDA libraries on this machine (toolkit, PyTorch's nvidia-* wheels, torch/lib),
# unless GAN_BUNDLE_NO_SEARCH=1.
gan_bundle_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
gan_bundle_root=$(dirname "$gan_bundle_lib")
gan_bundle_run=$gan_bundle_root
if [ ! -w "$gan_bundle_root" ] || [ ! -w "$gan_bundle_root/lib" ]; then
  gan_bundle_run=${TMPDIR:-/tmp}/gan-bundle-$(id -u)-$(cksum <"$gan_bundle_root/BUILD_INFO" | cut -d' ' -f1)
fi
# The binaries: libexec.tar.xz -> libexec/ (once).
if [ -f "$gan_bundle_root/libexec.tar.xz" ] && [ ! -f "$gan_bundle_run/libexec/.unpacked" ]; then
  mkdir -p "$gan_bundle_run"
  gan_bundle_tmp=$(mktemp -d "$gan_bundle_run/.unpack.XXXXXX")
  if command -v xz >/dev/null; then
    xz -dc "$gan_bundle_root/libexec.tar.xz" | tar -C "$gan_bundle_tmp" -xf -
  else
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' \
      "$gan_bundle_root/libexec.tar.xz" "$gan_bundle_tmp"
  fi && touch "$gan_bundle_tmp/libexec/.unpacked" && rm -rf "$gan_bundle_run/libexec" &&
    mv "$gan_bundle_tmp/libexec" "$gan_bundle_run/libexec"
  rm -rf "$gan_bundle_tmp"
fi
# Large libraries: lib/*.xz -> lib/ (once).
for gan_bundle_xz in "$gan_bundle_root"/lib/*.xz; do
  [ -f "$gan_bundle_xz" ] || continue
  gan_bundle_dst=$gan_bundle_run/$(basename "$(dirname "$gan_bundle_xz")")/$(basename "$gan_bundle_xz" .xz)
  [ -f "$gan_bundle_dst" ] && continue
  mkdir -p "$(dirname "$gan_bundle_dst")"
  if command -v xz >/dev/null; then
    xz -dc "$gan_bundle_xz" >"$gan_bundle_dst.tmp.$$"
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' \
      "$gan_bundle_xz" >"$gan_bundle_dst.tmp.$$"
  fi && chmod +x "$gan_bundle_dst.tmp.$$" && mv -f "$gan_bundle_dst.tmp.$$" "$gan_bundle_dst"
done
gan_bundle_path=$gan_bundle_run/lib
[ "$gan_bundle_run" = "$gan_bundle_root" ] || gan_bundle_path=$gan_bundle_path:$gan_bundle_lib
if [ "${GAN_BUNDLE_NO_SEARCH:-0}" != 1 ]; then
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/*/lib; do
    if [ -d "$d" ]; then gan_bundle_path=$gan_bundle_path:$d; fi
  done
  if command -v python3 >/dev/null; then
    while read -r d; do
      gan_bundle_path=$gan_bundle_path:$d
    done < <(python3 - 2>/dev/null <<'PY'
import glob, os, site
roots = site.getsitepackages() + [site.getusersitepackages()]
for r in roots:
    for d in sorted(glob.glob(os.path.join(r, "nvidia", "*", "lib"))) + [os.path.join(r, "torch", "lib")]:
        if os.path.isdir(d):
            print(d)
PY
    )
  fi
fi
export LD_LIBRARY_PATH=$gan_bundle_path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
