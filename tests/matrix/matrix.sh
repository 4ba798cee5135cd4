#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Wireshark version matrix: build procmap and run every test against
# each Wireshark users have, then print a summary table.
#
#   tests/matrix/matrix.sh [TARGET...] [-- CTEST ARGS...]
#                                           (./run matrix [TARGET...] [-- ...])
#
# CTEST ARGS pick or repeat tests on every target, e.g. the GUI tests 50
# times in a row: ./run matrix sid -- -R '^gui_' --repeat until-fail:50
#
# TARGETs: host (the host's Wireshark: 4.0 on Debian 12), trixie (4.4),
# sid (4.6); default all three.  First every target is prepared at once (host
# packages; chroots made once by chroot.sh and cached in
# /var/cache/procmap/chroots), then each builds and tests in turn (the live
# capture tests want the CPU to themselves).  Each version builds in
# build-matrix-<major.minor>/ of the repo, with warnings as errors
# (PROCMAP_WERROR, default ON), and keeps build.log, ctest.log and
# skipped.txt (the skipped test cases and why) there.
# Exit status 0 when every target built and passed every test.  Run as root.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly top
readonly chroot_sh=$top/tests/matrix/chroot.sh
readonly one_version=tests/matrix/one-version.sh
readonly all_targets=(host trixie sid)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'matrix: %s\n' "$*" >&2; exit 1; }

# 95 -> "1m35s"
duration() {
    if (($1 >= 60)); then printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); else printf '%ds' "$1"; fi
}

# Runs "$@" on the target: directly for the host, chrooted otherwise.
on_target() {
    local target=$1
    shift
    if [[ $target == host ]]; then
        (cd "$top" && "$@")
    else
        (cd "$top" && "$chroot_sh" run "$target" "$@")
    fi
}

prepare_target() {
    if [[ $1 == host ]]; then
        "$top/run" deps
    else
        "$chroot_sh" ensure "$1"
    fi
}

# Prepares every target at once, before any test runs: making a chroot is
# mostly downloading and unpacking (6 min for both side by side on 2 cores,
# tests/matrix/README.md), so side by side they take little more than one.  Output lines get a
# "[target]" prefix; each target's status and seconds go to $state/<target>.
prepare_all() {
    local target
    for target; do
        {
            local started=$SECONDS rc=0
            prepare_target "$target" 2>&1 | sed -u "s/^/[$target] /" >&2 || rc=$?
            echo "$rc $((SECONDS - started))" >"$state/$target"
        } &
    done
    wait
}

# key=value from a "procmap-matrix-result ..." line
field() {
    sed -nE "s/.*[[:space:]]$2=([^[:space:]]+).*/\1/p" <<<"$1"
}

rows=()
failures=0
ctest_args=()   # after "--": passed to ctest on every target
state=
declare -A skip_files=()    # target -> its skipped.txt

run_target() {
    local target=$1 started=$SECONDS setup_rc setup_s version='' build_dir line
    local status=ok wireshark=- build=- tests=- build_s=0 test_s=0
    read -r setup_rc setup_s <"$state/$target" || setup_rc=1 setup_s=0
    if [[ $setup_rc == 0 ]]; then
        version=$(on_target "$target" pkg-config --modversion wireshark) || version=
    else
        status="setup failed"
    fi
    if [[ $status == ok && ! $version =~ ^([0-9]+)\.([0-9]+) ]]; then
        status="no wireshark-dev"
    fi
    if [[ $status == ok ]]; then
        build_dir=build-matrix-${BASH_REMATCH[1]}.${BASH_REMATCH[2]}
        say "$target: Wireshark $version, building and testing in $build_dir"
        mkdir -p "$top/$build_dir"
        rm -f "$top/$build_dir/skipped.txt"
        skip_files[$target]=$top/$build_dir/skipped.txt
        # The result is one-version.sh's last line; everything else shows.
        on_target "$target" "$one_version" "$top/$build_dir" "${ctest_args[@]}" |
            tee "$top/$build_dir/matrix.log" | grep -v '^procmap-matrix-result ' || true
        line=$(grep '^procmap-matrix-result ' "$top/$build_dir/matrix.log" | tail -n 1 || true)
        if [[ -z $line ]]; then
            status="no result"
        else
            wireshark=$(field "$line" wireshark)
            build=$(field "$line" build)
            build_s=$(field "$line" build_s)
            test_s=$(field "$line" test_s)
            if [[ $build == ok ]]; then
                tests="$(field "$line" passed)/$(field "$line" total) passed"
                [[ $(field "$line" skipped) == 0 ]] ||
                    tests+=", $(field "$line" skipped) cases skipped"
                if [[ $(field "$line" failed) != 0 || $(field "$line" total) == 0 ]]; then
                    status="tests failed"
                fi
            else
                status="build failed"
            fi
        fi
    fi
    [[ $status == ok ]] || failures=$((failures + 1))
    rows+=("$(printf '%-7s %-10s %-6s %-30s %6s %6s %6s %6s  %s' "$target" "$wireshark" \
        "$build" "$tests" "$(duration "$setup_s")" "$(duration "$build_s")" \
        "$(duration "$test_s")" "$(duration $((SECONDS - started + setup_s)))" "$status")")
}

main() {
    local targets=() target started=$SECONDS
    while [[ $# -gt 0 && $1 != -- ]]; do
        targets+=("$1")
        shift
    done
    [[ $# -gt 0 ]] && shift
    ctest_args=("$@")
    [[ $(id -u) -eq 0 ]] || die "run as root: chroots, packages and live captures need it"
    [[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
    for target in "${targets[@]}"; do
        case " ${all_targets[*]} " in
            *" $target "*) ;;
            *) die "unknown target '$target' (expected: ${all_targets[*]})" ;;
        esac
    done
    state=$(mktemp -d)
    trap 'rm -rf "$state"' EXIT
    say "preparing ${targets[*]}"
    prepare_all "${targets[@]}"
    say "prepared in $(duration $((SECONDS - started)))"
    for target in "${targets[@]}"; do
        run_target "$target"
    done

    printf '\nprocmap version matrix (warnings as errors: %s)\n' "${PROCMAP_WERROR:-ON}"
    printf '%-7s %-10s %-6s %-30s %6s %6s %6s %6s  %s\n' target wireshark build tests \
        setup build tests total status
    printf '%s\n' "${rows[@]}"
    printf 'total %s; logs in build-matrix-*/ (build.log, ctest.log, skipped.txt)\n' \
        "$(duration $((SECONDS - started)))"
    for target in "${targets[@]}"; do
        [[ -s ${skip_files[$target]:-} ]] || continue
        printf 'skipped on %s:\n' "$target"
        sed 's/^/  /' "${skip_files[$target]}"
    done
    [[ $failures -eq 0 ]]
}

main "$@"
