#!/usr/bin/env bash
# run_fuzz.sh [SECONDS] [TARGET...] - build the libFuzzer targets with clang
# (ASan + UBSan, coverage) and run each for SECONDS (default 60), one per
# core at a time; then print executions, crashes, leaks and UB per target
# as a Markdown table (for tests/fuzz/RESULTS.md).  `./run fuzz`.
#
# Environment: FUZZ_BUILD_DIR (default <top>/build-fuzz), FUZZ_JOBS (default
# nproc), FUZZ_RUNS (stop a target after that many executions, even before
# SECONDS: the 10 M campaign of RESULTS.md is FUZZ_RUNS=10000000).
# Exit status 1 if any target crashed, leaked or hit UB; the input is kept
# in <build>/fuzz-artifacts/<target>/.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$top/build-fuzz}
seconds=${1:-60}
[ $# -gt 0 ] && shift
jobs=${FUZZ_JOBS:-$(nproc)}
say() { printf '==> %s\n' "$*" >&2; }

case "$seconds" in
    ''|*[!0-9]*) echo "usage: ./run fuzz [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

# clang and its runtimes (libFuzzer, ASan, UBSan) from Debian.
missing=()
for p in clang libclang-rt-14-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || { echo "run_fuzz: install ${missing[*]} (as root)" >&2; exit 1; }
    say "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

say "building the fuzz targets in $build (clang, libFuzzer, ASan, UBSan)"
# The plugin's library holds the capture-comment parser (target "carried").
plugin=OFF
pkg-config --exists wireshark && plugin=ON
CC=clang cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROCMAP_FUZZ=ON \
    -DPROCMAP_BUILD_PLUGIN=$plugin -DBUILD_TESTING=OFF -DPROCMAP_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_targets >/dev/null

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for binary in "$build"/tests/fuzz/fuzz_*; do
        [ -x "$binary" ] && targets+=("$(basename "$binary" | sed 's/^fuzz_//')")
    done
fi

logs=$build/fuzz-logs
mkdir -p "$logs"
# Leaks are checked at the end of every input (libFuzzer's -detect_leaks,
# on by default with ASan); UB aborts (-fno-sanitize-recover).
# A smaller quarantine than the default 256 MB: inputs are independent, and
# on two cores the page faults of a big one halve the executions.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=64}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# -timeout=60: a target that runs niced on a loaded 2-core machine can stall
# for 10 s on an input that takes 0.1 s alone (seen: fuzz_monitor "timed out"
# at 8.4 M executions; its input replays in 0.1 s); a real hang still trips it.
run_one() {
    local target=$1
    local work=$build/fuzz-corpus/$target artifacts=$build/fuzz-artifacts/$target/
    mkdir -p "$work" "$artifacts"
    nice -n 10 "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=60 \
        -print_final_stats=1 -artifact_prefix="$artifacts" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} \
        "$work" "$top/tests/fuzz/corpus/$target" >"$logs/$target.log" 2>&1 || true
}

say "fuzzing ${#targets[@]} targets for ${seconds}s each, $jobs at a time"
running=0
for target in "${targets[@]}"; do
    [ -x "$build/tests/fuzz/fuzz_$target" ] || { echo "no fuzz target $target" >&2; exit 2; }
    run_one "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

failed=0
printf '| target | executions | exec/s | crashes | leaks | UB | corpus |\n'
printf '|---|---:|---:|---:|---:|---:|---:|\n'
for target in "${targets[@]}"; do
    log=$logs/$target.log
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    leaks=$(grep -c 'ERROR: LeakSanitizer' "$log" || true)
    ub=$(grep -c 'runtime error:' "$log" || true)
    crashes=$(grep -cE 'ERROR: AddressSanitizer|deadly signal|check failed|ERROR: libFuzzer' "$log" \
              || true)
    corpus=$(find "$build/fuzz-corpus/$target" -type f | wc -l)
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$target" "${runs:-?}" "${rate:-?}" \
        "$crashes" "$leaks" "$ub" "$corpus"
    if [ -z "$runs" ] || [ "$crashes" -gt 0 ] || [ "$leaks" -gt 0 ] || [ "$ub" -gt 0 ]; then
        failed=1
        echo "  $target: see $log and $build/fuzz-artifacts/$target/" >&2
    fi
done
printf '\nMachine: %s, %s cores, %s; %s\n' \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" "$(nproc)" \
    "$(uname -sr)" "$(clang --version | head -1)"
exit "$failed"
