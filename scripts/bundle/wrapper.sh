#!/usr/bin/env bash
# A gan bundle's bin/<name>: runs libexec/<name> with the bundle's lib/ and the
# machine's CUDA libraries (lib/env.sh). Written by scripts/bundle.sh.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/bundle/env.sh
. "$here/lib/env.sh"
name=$(basename "$0")
if [ -x "$gan_bundle_run/libexec/$name" ]; then exec "$gan_bundle_run/libexec/$name" "$@"; fi
exec "$here/libexec/$name" "$@"
