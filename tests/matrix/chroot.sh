#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Debian chroots for the Wireshark version matrix: trixie (4.4.x), sid (4.6.x).
#
#   tests/matrix/chroot.sh ensure <suite>              create/update the chroot
#   tests/matrix/chroot.sh run <suite> <command...>    run a command inside it
#   tests/matrix/chroot.sh path <suite>                print the chroot directory
#   tests/matrix/chroot.sh remove <suite>              delete the chroot
#
# Environment:
#   PROCMAP_CHROOT_CACHE   where chroots live (default /var/cache/procmap/chroots)
#   PROCMAP_SOURCE_DIR     repo bind-mounted at the same path inside (default:
#                          the repo containing this script)
#   PROCMAP_DEBIAN_MIRROR  Debian mirror (default: the host's apt "debian" URI)
#
# A chroot is built once (debootstrap --variant=minbase, then apt-get install
# of PACKAGES) and cached; later calls only compare the package list with the
# stamp in the chroot.  An interrupted build is thrown away and redone.
# Downloaded .debs are kept in $PROCMAP_CHROOT_CACHE/debs/<suite> for rebuilds.
# `run` mounts /proc, /sys, /dev (with /dev/pts) and the repo inside a private
# mount namespace and makes the chroot that namespace's root (pivot_root), so
# every mount disappears with the command and nothing leaks to the host.
# Networking is the host's (live captures on lo work).
# Must run as root.  Messages go to stderr; stdout belongs to the command.
set -euo pipefail

readonly SUITES="trixie sid"
# What building and testing procmap needs.  Changing this list makes the next
# `ensure` (or `run`) install the difference into existing chroots.
readonly PACKAGES=(
    build-essential cmake pkg-config libglib2.0-dev
    wireshark-dev tshark
    python3 python3-pytest
    iproute2 util-linux procps
    curl            # tests/epan/test_live.py generates loopback traffic with it
    wireshark xvfb imagemagick xdotool    # the GUI test (tests/gui); trixie
                                          # and sid have no wireshark-qt
    libpcap-dev libcap-dev libcap2-bin    # procmap-capture, the extcap (plugin/extcap)
    libjson-glib-dev                      # ... docker's container names
    libbpf-dev bpftool clang              # ... its eBPF event source
    nftables                              # NAT rules of the conntrack tests (tests/nat)
    strace                                # ... its privilege tests (tests/extcap)
    openssh-server openssh-client         # tests/remote: the stand-in host's sshd, the
                                          # laptop's ssh config (sid splits them)
)

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
SCRIPT_PATH="$SCRIPT_DIR/$(basename "${BASH_SOURCE[0]}")"
readonly SCRIPT_PATH
readonly CACHE_DIR=${PROCMAP_CHROOT_CACHE:-/var/cache/procmap/chroots}
SOURCE_DIR=${PROCMAP_SOURCE_DIR:-$(cd "$SCRIPT_DIR/../.." && pwd)}
readonly SOURCE_DIR
# In the chroot's root: the package list last installed completely.
readonly STAMP=.procmap-packages
readonly APT_OPTS=(-o Acquire::Check-Valid-Until=false -o Acquire::Check-Date=false)

say() { printf 'chroot.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
    sed -n '4,25s/^# \{0,1\}//p' "$SCRIPT_PATH" >&2
    exit 2
}

check_suite() {
    case " $SUITES " in
        *" $1 "*) ;;
        *) die "unknown suite '$1' (expected one of: $SUITES)" ;;
    esac
}

# host_mirror
source "$(dirname "${BASH_SOURCE[0]}")/../lib/debian_mirror.sh"

wanted_stamp() {
    printf '%s\n' "${PACKAGES[@]}" | sort -u
}

# $CACHE_DIR/<suite>.lock on fd 9, held until exit: `run` holds it shared,
# rebuilding needs it exclusive, so nobody runs in a chroot being rebuilt.
open_lock() {
    mkdir -p "$CACHE_DIR"
    exec 9>"$CACHE_DIR/$1.lock"
}

lock() {
    local mode=$1
    if ! flock -n "$mode" 9; then
        say "waiting for the chroot lock (another chroot.sh is using it)"
        flock "$mode" 9
    fi
}

# Removing a tree that still has something mounted below it would delete
# the mounted files (e.g. the repo), so refuse instead.
safe_remove() {
    local dir=$1
    [[ -e $dir ]] || return 0
    if findmnt -rn -o TARGET |
            awk -v d="$dir" '$0 == d || index($0, d "/") == 1 { found = 1 } END { exit !found }'; then
        die "something is still mounted under $dir; unmount it first"
    fi
    rm -rf --one-file-system -- "$dir"
}

# Runs "$@" in a private mount namespace; mounts made by it die with it.
in_private_ns() {
    unshare -m --propagation private -- "$@"
}

# Inside a private mount namespace: mount the API filesystems and the repo
# into $root, make it the root, then exec the command with a clean
# environment.
inner_exec() {
    local root=$1 workdir=$2
    shift 2
    # The root must itself be a mount point, or `unshare --propagation ...`
    # and `mount --make-rprivate /` fail inside (EINVAL): tests use them.
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc" 2>/dev/null || mount --rbind /proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"    # brings /dev/pts and /dev/shm along
    if ! mountpoint -q "$root/dev/pts"; then
        mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
    fi
    if [[ -d $SOURCE_DIR ]]; then
        mkdir -p "$root$SOURCE_DIR"
        mount --bind "$SOURCE_DIR" "$root$SOURCE_DIR"
    fi
    # While installing: apt's downloads go to (and come from) the .deb cache.
    if [[ -n ${CHROOT_SH_DEB_CACHE:-} ]]; then
        mount --bind "$CHROOT_SH_DEB_CACHE" "$root/var/cache/apt/archives"
    fi
    # Name resolution for apt and tests follows the host's.
    cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    local -a env=(
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}"
        DEBIAN_FRONTEND=noninteractive
        # No __pycache__ of the chroot's Python in the shared source tree.
        PYTHONDONTWRITEBYTECODE=1
    )
    local var
    while IFS= read -r var; do
        env+=("$var=${!var}")
    done < <(compgen -e | grep -E '^(PROCMAP_|CTEST_|CMAKE_BUILD_PARALLEL_LEVEL$)' \
                       | grep -vE '^PROCMAP_(CHROOT_CACHE|DEBIAN_MIRROR)$')
    # pivot_root, not chroot: the chroot becomes this namespace's root, so
    # /proc/PID/exe and cwd read from another namespace (tshark's private
    # one in the tests) say /usr/bin/curl, not $root/usr/bin/curl.  The old
    # root goes on /mnt, is detached, and the host's tree is out of reach.
    cd "$root"
    pivot_root . mnt
    cd /
    umount -l /mnt
    exec /usr/bin/env -i "${env[@]}" /usr/bin/env --chdir="$workdir" "$@"
}

chroot_exec() {
    local root=$1 workdir=$2
    shift 2
    in_private_ns "$SCRIPT_PATH" __inner "$root" "$workdir" "$@"
}

# Downloaded .debs, kept outside the chroot so a rebuild does not fetch
# them again.  `remove` keeps them; delete the directory to reclaim space.
deb_cache() {
    printf '%s\n' "$CACHE_DIR/debs/$1"
}

bootstrap() {
    local suite=$1 root=$2 mirror cache
    mirror=$(host_mirror)
    cache=$(deb_cache "$suite")
    mkdir -p "$root/etc/dpkg/dpkg.cfg.d" "$cache"
    if ! command -v debootstrap >/dev/null; then
        say "installing debootstrap on the host"
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
                debootstrap >/dev/null ||
            { apt-get -o DPkg::Lock::Timeout=900 update -qq && DEBIAN_FRONTEND=noninteractive \
                  apt-get -o DPkg::Lock::Timeout=900 install -y -qq debootstrap >/dev/null; } ||
            die "cannot install debootstrap"
    fi
    # A throwaway chroot needs no fsync per unpacked file.
    echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/procmap-unsafe-io"
    say "debootstrap --variant=minbase $suite from $mirror into $root"
    # debootstrap mounts /proc and /sys in the target itself; a private
    # namespace keeps an interrupted run from leaving them on the host.
    if ! in_private_ns debootstrap --variant=minbase --cache-dir="$cache" \
            "$suite" "$root" "$mirror" \
            >"$root.debootstrap.log" 2>&1; then
        tail -n 30 "$root.debootstrap.log" >&2
        die "debootstrap failed (log: $root.debootstrap.log)"
    fi
    rm -f "$root.debootstrap.log" "$root"/var/cache/apt/archives/*.deb

    # The mirror is a dated snapshot: its Release files have expired.
    cat >"$root/etc/apt/apt.conf.d/99procmap" <<'EOF'
// written by procmap tests/matrix/chroot.sh
Acquire::Check-Valid-Until "false";
Acquire::Check-Date "false";
Acquire::Languages "none";
APT::Install-Recommends "false";
APT::Install-Suggests "false";
EOF
    # No daemons may start from maintainer scripts.
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    # dumpcap stays root-only: we capture as root inside the chroot.
    echo "wireshark-common wireshark-common/install-setuid boolean false" |
        chroot "$root" debconf-set-selections
}

install_packages() {
    local suite=$1 root=$2
    local -a missing
    mapfile -t missing < <(comm -13 <(sort -u "$root/$STAMP" 2>/dev/null) <(wanted_stamp))
    say "installing into $root: ${missing[*]:-(package list changed)}"
    local cache
    cache=$(deb_cache "$suite")
    mkdir -p "$cache"
    chroot_exec "$root" / apt-get "${APT_OPTS[@]}" -q update >&2
    CHROOT_SH_DEB_CACHE=$cache chroot_exec "$root" / apt-get "${APT_OPTS[@]}" -q -y \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        install "${PACKAGES[@]}" >&2
    # Drop .debs the mirror no longer has, so the cache does not only grow.
    CHROOT_SH_DEB_CACHE=$cache chroot_exec "$root" / apt-get -q autoclean >&2
    rm -f "$root"/var/cache/apt/*.bin    # 90 MB that apt rebuilds on demand
    wanted_stamp >"$root/$STAMP"
}

chroot_ready() {
    [[ -d $1 && -f $1/$STAMP ]] && cmp -s <(wanted_stamp) "$1/$STAMP"
}

# Leaves fd 9 holding a shared lock on the (ready) chroot.
cmd_ensure() {
    local suite=$1
    local root="$CACHE_DIR/$suite" partial="$CACHE_DIR/$suite.partial"
    [[ $(id -u) -eq 0 ]] || die "must run as root"
    open_lock "$suite"
    lock -s
    if chroot_ready "$root"; then
        [[ ${QUIET:-0} == 1 ]] || say "$root is up to date"
        return 0
    fi
    # Work to do: wait until no one else uses the chroot, then look again.
    lock -x

    # A build that was interrupted left only $partial behind: start over.
    if [[ -e $partial ]]; then
        say "removing interrupted build $partial"
        safe_remove "$partial"
    fi
    if [[ -d $root && ! -f $root/$STAMP ]]; then
        say "removing $root: it has no $STAMP (not built by this script)"
        safe_remove "$root"
    fi

    if [[ ! -d $root ]]; then
        local started=$SECONDS
        bootstrap "$suite" "$partial"
        install_packages "$suite" "$partial"
        mv -T -- "$partial" "$root"
        say "created $root in $((SECONDS - started))s"
    elif ! chroot_ready "$root"; then
        install_packages "$suite" "$root"
        say "updated $root"
    else
        say "$root is up to date"
    fi
    lock -s
}

cmd_run() {
    local suite=$1
    shift
    [[ $# -gt 0 ]] || die "run: no command given"
    local root="$CACHE_DIR/$suite"
    QUIET=1 cmd_ensure "$suite"    # leaves the shared lock held
    # Stay in the working directory when it lies inside the repo.
    local workdir=$SOURCE_DIR
    case "$PWD/" in "$SOURCE_DIR"/*) workdir=$PWD ;; esac
    # fd 9 (the lock) is not handed to the command, so daemons it leaves
    # behind do not hold the lock after this script exits.
    local rc=0
    chroot_exec "$root" "$workdir" "$@" 9>&- || rc=$?
    return "$rc"
}

main() {
    [[ $# -ge 1 ]] || usage
    local cmd=$1
    shift
    case "$cmd" in
        __inner)
            inner_exec "$@" ;;
        ensure)
            [[ $# -eq 1 ]] || usage
            check_suite "$1"
            cmd_ensure "$1" ;;
        run)
            [[ $# -ge 2 ]] || usage
            check_suite "$1"
            cmd_run "$@" ;;
        path)
            [[ $# -eq 1 ]] || usage
            check_suite "$1"
            printf '%s\n' "$CACHE_DIR/$1" ;;
        remove)
            [[ $# -eq 1 ]] || usage
            check_suite "$1"
            open_lock "$1"
            lock -x
            say "removing $CACHE_DIR/$1"
            safe_remove "$CACHE_DIR/$1"
            safe_remove "$CACHE_DIR/$1.partial" ;;
        -h|--help|help)
            usage ;;
        *)
            usage ;;
    esac
}

main "$@"
