# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the scripts that debootstrap Debian chroots (tests/matrix/chroot.sh,
# tests/package/test-deb.sh).

# $PROCMAP_DEBIAN_MIRROR, else the Debian mirror the host's apt uses
# (deb822 "URIs:" or one-line "deb"), skipping security and other archives.
host_mirror() {
    if [[ -n ${PROCMAP_DEBIAN_MIRROR:-} ]]; then
        printf '%s\n' "$PROCMAP_DEBIAN_MIRROR"
        return
    fi
    local uri
    uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
              /etc/apt/sources.list.d/*.sources 2>/dev/null |
          sed -nE -e 's/^URIs:[[:space:]]*//p' \
                  -e 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' |
          tr ' ' '\n' | grep -E '/debian/?$' | head -n1) || true
    printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}
