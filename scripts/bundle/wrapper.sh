#!/usr/bin/env bash
# A gan bundle's bin/<name>: runs libexec/<name> with the bundle's lib/ and the
# machine's CUDA libraries (lib/env.sh). Written by scripts/bundle.sh.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/bundle/env.sh
. "$here/lib/env.sh"
name=$(basename "$0")
real=$here/libexec/$name
if [ -x "$gan_bundle_run/libexec/$name" ]; then real=$gan_bundle_run/libexec/$name; fi
# GAN_BUNDLE_DEBUGGER="cuda-gdb -q -batch -ex run -ex bt --args": the binary
# itself under a debugger (check.sh does this to a part that crashed).
if [ -n "${GAN_BUNDLE_DEBUGGER:-}" ]; then
  read -r -a dbg <<<"$GAN_BUNDLE_DEBUGGER"
  exec "${dbg[@]}" "$real" "$@"
fi
exec "$real" "$@"
