#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install the built procmap packages into a clean Debian 12 (bookworm)
# chroot, use them there (tshark -G plugins, procmap, man, a live capture on
# loopback; the extcap's file capabilities and a capture through it by an
# ordinary user of the group wireshark), purge them and check that nothing
# is left.
#
#   tests/package/test-deb.sh [DEB_DIR]     (default: build-deb/ in the repo)
#
# The clean chroot is `debootstrap --variant=minbase bookworm` plus the
# test's tools (python3, curl, man-db), made once and cached in
# $PROCMAP_CHROOT_CACHE/bookworm-clean (default /var/cache/procmap/chroots);
# the .debs of tshark are downloaded once into .../debs/bookworm-clean.
# Every run works on a throwaway overlay of it, so the cached chroot stays
# clean and a failed run leaves nothing behind.  Unlike the matrix chroots
# (tests/matrix/chroot.sh) it has no build tools and no Wireshark: apt has
# to resolve the package's dependencies from the archive.
#
# Environment: PROCMAP_CHROOT_CACHE, PROCMAP_DEBIAN_MIRROR (default: the
# host's apt "debian" URI).  Must run as root.  Prints "N passed, N failed".
set -euo pipefail

readonly SUITE=bookworm
# What the test itself uses inside; tshark is installed per run (cached .debs).
readonly BASE_PACKAGES=(python3 curl man-db)
readonly FRONTEND_PACKAGES=(tshark)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
readonly CACHE_DIR=${PROCMAP_CHROOT_CACHE:-/var/cache/procmap/chroots}
readonly ROOT=$CACHE_DIR/$SUITE-clean
readonly DEB_CACHE=$CACHE_DIR/debs/$SUITE-clean
readonly STAMP=.procmap-packages
readonly APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Acquire::Check-Date=false)

say() { printf 'test-deb.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# host_mirror
source "$(dirname "${BASH_SOURCE[0]}")/../lib/debian_mirror.sh"

wanted_stamp() { printf '%s\n' "${BASE_PACKAGES[@]}" "${FRONTEND_PACKAGES[@]}" | sort -u; }

# Runs a command chrooted into $1 in private mount and pid namespaces: the
# mounts and every process the command leaves behind die with it.
in_root() {
    local root=$1
    shift
    unshare -m -p -f --propagation private -- "$self" __inner "$root" "$@"
}

inner() {
    local root=$1
    shift
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mkdir -p "$DEB_CACHE"
    mount --bind "$DEB_CACHE" "$root/var/cache/apt/archives"
    cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    exec chroot "$root" /usr/bin/env -i \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# Mounts an overlay of the cached chroot (writes go to $2/upper) on $2/root
# and runs the command inside, as in_root does.
inner_overlay() {
    local run=$1
    shift
    mount -t overlay overlay \
        -o "lowerdir=$ROOT,upperdir=$run/upper,workdir=$run/work" "$run/root"
    inner "$run/root" "$@"
}

ensure_root() {
    if [[ -f $ROOT/$STAMP ]] && cmp -s <(wanted_stamp) "$ROOT/$STAMP"; then
        return
    fi
    flock -u 9
    flock -x 9
    [[ -f $ROOT/$STAMP ]] && cmp -s <(wanted_stamp) "$ROOT/$STAMP" && { flock -s 9; return; }
    local partial=$ROOT.partial mirror started=$SECONDS
    rm -rf --one-file-system -- "$partial" "$ROOT"
    mirror=$(host_mirror)
    mkdir -p "$partial/etc/dpkg/dpkg.cfg.d" "$DEB_CACHE"
    echo force-unsafe-io >"$partial/etc/dpkg/dpkg.cfg.d/procmap-unsafe-io"
    say "debootstrap --variant=minbase $SUITE from $mirror into $partial"
    if ! unshare -m --propagation private -- debootstrap --variant=minbase \
            --cache-dir="$DEB_CACHE" "$SUITE" "$partial" "$mirror" \
            >"$partial.log" 2>&1; then
        tail -n 30 "$partial.log" >&2
        die "debootstrap failed (log: $partial.log)"
    fi
    rm -f "$partial.log" "$partial"/var/cache/apt/archives/*.deb
    cat >"$partial/etc/apt/apt.conf.d/99procmap" <<'EOF'
// written by procmap tests/package/test-deb.sh
Acquire::Check-Valid-Until "false";
Acquire::Check-Date "false";
Acquire::Languages "none";
APT::Install-Recommends "false";
APT::Install-Suggests "false";
EOF
    printf '#!/bin/sh\nexit 101\n' >"$partial/usr/sbin/policy-rc.d"
    chmod 755 "$partial/usr/sbin/policy-rc.d"
    echo "wireshark-common wireshark-common/install-setuid boolean false" |
        chroot "$partial" debconf-set-selections
    in_root "$partial" apt-get "${APT_OPTS[@]}" -q update >&2
    in_root "$partial" apt-get -q -y install "${BASE_PACKAGES[@]}" >&2
    # The front end is installed by each run; fetch its .debs once now.
    in_root "$partial" apt-get -q -y --download-only install "${FRONTEND_PACKAGES[@]}" >&2
    wanted_stamp >"$partial/$STAMP"
    mv -T -- "$partial" "$ROOT"
    say "created $ROOT in $((SECONDS - started))s"
    flock -s 9
}

main() {
    if [[ ${1:-} == __inner ]]; then
        shift
        if [[ $1 == overlay ]]; then shift; inner_overlay "$@"; else inner "$@"; fi
        return
    fi
    [[ $(id -u) -eq 0 ]] || die "must run as root"
    local debs=${1:-$top/build-deb}
    local -a packages
    mapfile -t packages < <(ls "$debs"/procmap_*.deb "$debs"/procmap-wireshark_*.deb \
                                "$debs"/procmap-capture_*.deb 2>/dev/null)
    [[ ${#packages[@]} -eq 3 ]] ||
        die "expected procmap_*.deb, procmap-wireshark_*.deb and procmap-capture_*.deb in $debs (packaging/build-deb.sh makes them)"

    mkdir -p "$CACHE_DIR"
    exec 9>"$ROOT.lock"
    flock -s 9
    ensure_root

    local run
    run=$(mktemp -d "$CACHE_DIR/$SUITE-clean.run.XXXXXX")
    # shellcheck disable=SC2064  # expand now: the path is known
    trap "rm -rf --one-file-system -- '$run'" EXIT
    mkdir -p "$run/upper/tmp/procmap-test" "$run/work" "$run/root"
    # The upper /tmp hides the lower one's mode: keep it the ordinary user's.
    chmod 1777 "$run/upper/tmp"
    cp "${packages[@]}" "$here/in-chroot.sh" "$run/upper/tmp/procmap-test/"
    say "testing ${packages[*]##*/} in a throwaway overlay of $ROOT"
    local rc=0
    unshare -m -p -f --propagation private -- "$self" __inner overlay "$run" \
        /bin/bash /tmp/procmap-test/in-chroot.sh "${FRONTEND_PACKAGES[@]}" 9>&- || rc=$?
    say "done in ${SECONDS}s"
    return "$rc"
}

main "$@"
