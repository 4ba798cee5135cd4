#!/usr/bin/env bash
# memcheck.sh [CASES] - `./run memcheck`: build (RelWithDebInfo, in
# BUILD_DIR, default ./build) the plugin and procmap_plugin_faulty, then run
# tshark with the plugin under valgrind memcheck over the integration
# captures (memcheck.py; CASES: standard,bad-input,records,live,injected).  Results
# in <build>/memcheck/.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD_DIR:-$top/build}
say() { printf '==> %s\n' "$*" >&2; }

command -v valgrind >/dev/null || {
    say "installing valgrind"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends valgrind >/dev/null
}
say "building the plugin and the leaking test plugin in $build"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPROCMAP_WERROR="${PROCMAP_WERROR:-OFF}" >/dev/null
cmake --build "$build" -j"$(nproc)" --target procmap_plugin procmap_plugin_faulty >/dev/null

say "tshark under valgrind memcheck (a few minutes per capture)"
start=$(date +%s)
status=0
/usr/bin/python3 "$top/tests/reliability/memcheck.py" \
    --plugin "$build/plugin/epan/procmap.so" \
    --faulty-plugin "$build/tests/reliability/faulty/procmap.so" \
    --out "$build/memcheck" ${1:+--cases "$1"} || status=$?
say "memcheck took $(( $(date +%s) - start ))s"
exit "$status"
