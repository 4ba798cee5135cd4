#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# One cell of the version matrix: build procmap against the Wireshark
# installed where this runs (the host, or a chroot from chroot.sh) and run
# every test.
#
#   tests/matrix/one-version.sh BUILD_DIR [ctest args...]
#
# Configures with warnings as errors (PROCMAP_WERROR, default ON), builds,
# runs ctest.  The build output goes to BUILD_DIR/build.log (its tail is
# shown when the build fails); ctest's to stdout and BUILD_DIR/ctest.log; the
# skipped test cases and their reasons to BUILD_DIR/skipped.txt.  The last
# stdout line is the result, for matrix.sh:
#   procmap-matrix-result wireshark=4.4.19 build=ok passed=21 failed=0 total=21 skipped=0
#     build_s=45 test_s=150      (on one line; skipped: test cases inside them)
set -uo pipefail

[[ $# -ge 1 ]] || { sed -n '4,17s/^# \{0,1\}//p' "$0" >&2; exit 2; }
build_dir=$1
shift
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
wireshark=$(pkg-config --modversion wireshark 2>/dev/null || echo unknown)
build=failed passed=0 failed=0 total=0 skipped=0 build_s=0 test_s=0

result() {
    echo "procmap-matrix-result wireshark=$wireshark build=$build passed=$passed" \
         "failed=$failed total=$total skipped=$skipped build_s=$build_s test_s=$test_s"
}

mkdir -p "$build_dir"
started=$SECONDS
if cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
         -DPROCMAP_WERROR="${PROCMAP_WERROR:-ON}" >"$build_dir/build.log" 2>&1 &&
   cmake --build "$build_dir" -j"$(nproc)" >>"$build_dir/build.log" 2>&1; then
    build=ok
fi
build_s=$((SECONDS - started))
if [[ $build != ok ]]; then
    tail -n 40 "$build_dir/build.log"
    result
    exit 1
fi

started=$SECONDS
ctest_log=$build_dir/ctest.log
# -rs: pytest names every skipped case and its reason (for skipped.txt).
(cd "$build_dir" && PYTEST_ADDOPTS="${PYTEST_ADDOPTS:-} -rs" ctest --output-on-failure "$@") 2>&1 |
    tee "$ctest_log"
test_s=$((SECONDS - started))
# "95% tests passed, 1 tests failed out of 21" (also when all pass).
summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$ctest_log" |
          tail -n 1)
if [[ $summary =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    failed=${BASH_REMATCH[1]}
    total=${BASH_REMATCH[2]}
    passed=$((total - failed))
fi
# A skipped test case passes for ctest: count them (pytest's "N skipped",
# g_test's "# SKIP") so that the table says what did not run.
skipped=$(awk '
    /^=+ .* in [0-9.]+s/ && match($0, /[0-9]+ skipped/) { n += substr($0, RSTART, RLENGTH) + 0 }
    /^ok [0-9]+ .*# SKIP/ { n++ }
    END { print n + 0 }' "$build_dir/Testing/Temporary/LastTest.log" 2>/dev/null || echo 0)
# What was skipped and why, one line each: pytest's "SKIPPED [1] file:line:
# reason" and g_test's "ok N /path # SKIP reason".
sed -nE -e 's/^SKIPPED \[[0-9]+\] (\.\.\/)*(.*)/\2/p' \
        -e 's/^ok [0-9]+ (.*) # SKIP ?(.*)/\1: \2/p' \
    "$build_dir/Testing/Temporary/LastTest.log" >"$build_dir/skipped.txt" 2>/dev/null || true
result
[[ $total -gt 0 && $failed -eq 0 ]]
