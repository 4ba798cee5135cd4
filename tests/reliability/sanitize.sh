#!/usr/bin/env bash
# sanitize.sh [CTEST ARGS...] - `./run sanitize`: build everything with
# AddressSanitizer + UndefinedBehaviorSanitizer (-DPROCMAP_SANITIZE=ON, gcc)
# in build-asan and run the whole test suite (unit, integration, live).
#
# The C tests and the procmap tool are instrumented executables: ASan, UBSan
# and LeakSanitizer check them whole.  tshark and wireshark are not: the
# plugin they load needs the ASan runtime first in the process, so the tests
# find shims named tshark and wireshark first on PATH that preload it.  In
# those, leak detection is off: Wireshark leaves its registrations and
# caches to the exit, and LeakSanitizer cannot tell the plugin's blocks from
# libwireshark's (every plugin call comes from libwireshark), so a
# suppression list would hide the plugin too.  The plugin's leaks are
# checked by LSan in the unit tests of the same code and by `./run memcheck`.
#
# Every sanitizer report goes to <build>/sanitize-logs/ as well (UBSan's of
# the plugin through a copy of tshark's stderr: gcc's UBSan ignores log_path
# there); the run fails if there is any, even from a process whose exit
# status no test looks at.  Last, a self-check: a plugin that reads past a
# block (procmap_plugin_faulty) must be reported.  Environment: SANITIZE_BUILD_DIR (default <top>/build-asan),
# PROCMAP_WERROR.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${SANITIZE_BUILD_DIR:-$top/build-asan}
say() { printf '==> %s\n' "$*" >&2; }

say "building with ASan + UBSan in $build"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROCMAP_SANITIZE=ON \
    -DPROCMAP_WERROR="${PROCMAP_WERROR:-OFF}" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

libasan=$(gcc -print-file-name=libasan.so)
[ -e "$libasan" ] || { echo "sanitize: no libasan.so (apt-get install gcc)" >&2; exit 1; }
logs=$build/sanitize-logs
stderr_logs=$build/sanitize-stderr
shims=$build/sanitize-bin
rm -rf "$logs" "$stderr_logs"
mkdir -p "$logs" "$stderr_logs" "$shims"
chmod 1777 "$logs" "$stderr_logs"   # the unprivileged tests write here too

common="abort_on_error=0:halt_on_error=1:log_path=$logs/asan:log_exe_name=1"
export ASAN_OPTIONS="$common:detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan:log_exe_name=1"
export LSAN_OPTIONS="print_suppressions=0"

# Preloaded after ASan: takes LD_PRELOAD away from the children of tshark.
gcc -shared -fPIC -O2 -o "$shims/unset_preload.so" "$top/tests/reliability/unset_preload.c"
for program in tshark wireshark; do
    real=$(PATH=/usr/local/bin:/usr/bin:/bin command -v "$program" || true)
    [ -n "$real" ] || continue
    cat >"$shims/$program" <<SHIM
#!/bin/bash
# $program with the ASan runtime preloaded for the ASan-built procmap plugin;
# stderr also to $stderr_logs (UBSan in a dlopen()ed module ignores log_path).
export LD_PRELOAD="$libasan:$shims/unset_preload.so"
export ASAN_OPTIONS="$common:detect_leaks=0"
exec "$real" "\$@" 2> >(tee -a "$stderr_logs/$program.\$\$" >&2)
SHIM
    chmod 755 "$shims/$program"
done
export PATH="$shims:$PATH"

say "running every test under the sanitizers"
status=0
start=$(date +%s)
(cd "$build" && ctest --output-on-failure "$@") || status=$?
say "ctest took $(( $(date +%s) - start ))s"

# Reports: ASan's files, and tshark's or wireshark's stderr with one.
signature='runtime error:|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer'
{ grep -lE "$signature" "$stderr_logs"/* 2>/dev/null || true; } | xargs -r cp -t "$logs"
reports=$(find "$logs" -type f | sort)
rm -rf "$stderr_logs"
mkdir -p "$stderr_logs"
chmod 1777 "$stderr_logs"
# Then show that the run would have caught a bad access in the plugin.
cmake --build "$build" --target procmap_plugin_faulty >/dev/null
/usr/bin/python3 "$top/tests/reliability/fault_selfcheck.py" \
    "$build/tests/reliability/faulty/procmap.so" "$logs" || status=1
rm -rf "$stderr_logs"

if [ -n "$reports" ]; then
    say "sanitizer reports:"
    for report in $reports; do
        printf -- '--- %s\n' "$report"
        head -60 "$report"
    done
    status=1
else
    say "no sanitizer report (ASan, UBSan, LSan)"
fi
exit "$status"
