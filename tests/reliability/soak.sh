#!/usr/bin/env bash
# soak.sh [SOAK.PY ARGS...] - `./run soak`: build (BUILD_DIR, default
# ./build), then about 1 M frames of 64 k-port churn through tshark -i lo
# with the plugin, and the same without it (soak.py).  Figures go to
# tests/SOAK.md by hand; the raw ones to <build>/soak.json.  Not in CI.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD_DIR:-$top/build}
printf '==> building in %s\n' "$build" >&2
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPROCMAP_WERROR="${PROCMAP_WERROR:-OFF}" >/dev/null
cmake --build "$build" -j"$(nproc)" --target procmap_plugin >/dev/null
exec /usr/bin/python3 "$top/tests/reliability/soak.py" \
    --plugin "$build/plugin/epan/procmap.so" --json "$build/soak.json" "$@"
