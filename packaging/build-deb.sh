#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the Debian packages procmap-wireshark, procmap and procmap-capture
# from this tree.
#
#   packaging/build-deb.sh [--install-deps] [--no-lintian] [OUTPUT_DIR]
#
# dpkg-buildpackage wants debian/ at the top of the source, so this copies
# the tree's files (git's tracked and untracked-but-not-ignored files: no
# build directories) to OUTPUT_DIR/src/procmap-VERSION, adds
# packaging/debian as debian/, and runs `dpkg-buildpackage -us -uc -b`
# there.  The .deb, .changes and .buildinfo files end up in OUTPUT_DIR
# (default: build-deb/ in the repo), then lintian checks them.
#
#   --install-deps   install missing Build-Depends with apt (as root)
#   --no-lintian     skip lintian
#
# Environment: DEB_BUILD_OPTIONS (default "nocheck": no tests during the
# build; set it to "" to run the unit tests that need neither root nor
# live sockets).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
install_deps=0
run_lintian=1
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --install-deps) install_deps=1 ;;
        --no-lintian) run_lintian=0 ;;
        -h|--help) sed -n '4,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "build-deb.sh: unknown option $1" >&2; exit 2 ;;
        *) out=$1 ;;
    esac
    shift
done
out=$(mkdir -p "${out:-$top/build-deb}" && cd "${out:-$top/build-deb}" && pwd)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-deb.sh: %s\n' "$*" >&2; exit 1; }

# One version everywhere: CMake's project VERSION is the source of truth.
cmake_version=$(sed -nE 's/^project\(procmap VERSION ([0-9.]+).*/\1/p' "$top/CMakeLists.txt")
deb_version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
[ -n "$cmake_version" ] || die "no project(procmap VERSION ...) in CMakeLists.txt"
[ "${deb_version%%-*}" = "$cmake_version" ] ||
    die "packaging/debian/changelog is at $deb_version but CMakeLists.txt at $cmake_version: add a changelog entry (dch -c packaging/debian/changelog -v $cmake_version)"
for page in procmap.1 procmap-capture.1; do
    man_version=$(sed -nE 's/^\.TH [A-Z-]+ 1 [^ ]+ "procmap ([0-9.]+)".*/\1/p' "$top/docs/$page")
    [ "$man_version" = "$cmake_version" ] ||
        die "docs/$page says procmap $man_version, CMakeLists.txt $cmake_version: update its .TH line"
done

# A clean copy of the source: what git knows, minus build output.
src="$out/src/procmap-$cmake_version"
say "exporting the source tree to $src"
rm -rf "$out/src"
mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked files (as in the work tree) and new files not ignored; a
    # tracked file deleted in the work tree is skipped.
    git -C "$top" ls-files -z --cached --others --exclude-standard |
        (cd "$top" && while IFS= read -r -d '' f; do if [ -e "$f" ]; then printf '%s\0' "$f"; fi; done) |
        tar -C "$top" --null -T - -cf - | tar -C "$src" -xf -
else
    tar -C "$top" --exclude=./.git --exclude='./build*' --exclude=./debian -cf - . |
        tar -C "$src" -xf -
fi
rm -rf "$src/debian"
cp -a "$top/packaging/debian" "$src/debian"

cd "$src"
if ! dpkg-checkbuilddeps >/dev/null 2>&1; then
    if [ "$install_deps" = 1 ]; then
        [ "$(id -u)" -eq 0 ] || die "--install-deps needs root"
        say "installing the missing Build-Depends"
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 build-dep -y -qq "$src" >/dev/null
    else
        dpkg-checkbuilddeps || die "install the Build-Depends above (or pass --install-deps)"
    fi
fi

say "dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-nocheck})"
rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS-nocheck} parallel=$(nproc)"
export DEB_BUILD_OPTIONS
dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1 || {
    tail -n 40 "$out/build.log" >&2
    die "dpkg-buildpackage failed (log: $out/build.log)"
}
mv "$out/src"/*.deb "$out/src"/*.changes "$out/src"/*.buildinfo "$out/"
changes=$(ls "$out"/procmap_*.changes)

for deb in "$out"/*.deb; do
    say "$(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
done

if [ "$run_lintian" = 1 ]; then
    command -v lintian >/dev/null || die "lintian is not installed (or pass --no-lintian)"
    say "lintian $(basename "$changes")"
    # Errors and warnings fail the build; info and pedantic tags are shown
    # (the ones that stay are explained in packaging/debian/README.source).
    lintian --info --display-info --pedantic --fail-on error,warning "$changes" >&2
fi
say "built in ${SECONDS}s; packages in $out:"
ls -1 "$out"/*.deb
