#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs inside the clean bookworm chroot of tests/package/test-deb.sh, as
# root, with the procmap .debs in its own directory:
#   in-chroot.sh FRONTEND_PACKAGE...
# Installs the packages with apt, uses them, purges them, and checks that
# the system is as before.  One "ok"/"FAIL" line per check, then
# "N passed, N failed"; exit status 1 when a check failed.
# shellcheck disable=SC2317  # the small functions below are run by check()
set -uo pipefail

cd "$(dirname "$0")" || exit 1
frontend=("$@")
deb_tool=$(ls procmap_*.deb)
deb_plugin=$(ls procmap-wireshark_*.deb)
deb_capture=$(ls procmap-capture_*.deb)
version=$(dpkg-deb -f "$deb_plugin" Version)
passed=0
failed=0

ok()   { passed=$((passed + 1)); printf 'ok   - %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL - %s\n' "$1"; shift; [ $# -eq 0 ] || printf '       %s\n' "$@"; }
# check NAME COMMAND...: one check passes when the command succeeds.
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$(printf '%s' "$out" | tail -n 15)"; fi
}
finish() {
    printf '%d passed, %d failed\n' "$passed" "$failed"
    [ "$failed" -eq 0 ]
    exit
}

# Everything a package may leave on the system; apt's and dpkg's own
# records, caches, logs and scratch space are looked at separately.
snapshot() {
    find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
                 -o -path /root -o -path /var/cache -o -path /var/log -o -path /var/lib/apt \
                 -o -path /var/lib/dpkg \) -prune -o -printf '%y %m %u:%g %p\n' | sort
}

# --- the dependency on libwireshark resolves from the archive -------------
wslib=$(dpkg-deb -f "$deb_plugin" Depends | grep -oE 'libwireshark[0-9]+' | head -n1)
sim=$(apt-get -s install "./$deb_plugin" "./$deb_tool" "./$deb_capture" 2>&1)
if grep -q "^Inst $wslib " <<<"$sim"; then
    ok "apt resolves the dependency: installing $deb_plugin brings $wslib"
else
    fail "apt resolves the dependency on $wslib" "$(tail -n 15 <<<"$sim")"
    finish
fi

# --- the user's Wireshark front end, then the packages ---------------------
if ! apt-get -q -y install "${frontend[@]}" >/tmp/apt-frontend.log 2>&1; then
    fail "install ${frontend[*]}" "$(tail -n 15 /tmp/apt-frontend.log)"
    finish
fi
# Two ordinary users for the extcap: one the administrator puts into the
# group wireshark once the package made it, one left out.  Homes in /tmp,
# so that the snapshot does not see them.
for u in capturer outsider; do
    useradd --home-dir "/tmp/home-$u" --create-home --shell /bin/sh "$u"
done
snapshot >/tmp/before.txt

check "apt-get install ./$deb_tool ./$deb_plugin ./$deb_capture" \
    apt-get -q -y install "./$deb_tool" "./$deb_plugin" "./$deb_capture"
for p in procmap procmap-wireshark procmap-capture; do
    check "$p $version is installed" \
        sh -c "dpkg-query -W -f='\${Status} \${Version}' $p | grep -qx 'install ok installed $version'"
done
dpkg -L procmap procmap-wireshark procmap-capture | while read -r f; do [ -d "$f" ] || echo "$f"; done \
    >/tmp/package-files.txt

# The plugin sits in the directory of the installed Wireshark's major.minor,
# and the package allows exactly that major.minor.
ws_version=$(dpkg-query -W -f='${Version}' "$wslib")
ws_upstream=${ws_version#*:}; ws_upstream=${ws_upstream%-*}
ws_minor=$(cut -d. -f1,2 <<<"$ws_upstream")
ws_next="$(cut -d. -f1 <<<"$ws_minor").$(( $(cut -d. -f2 <<<"$ws_minor") + 1 ))"
libdir=$(dirname "$(dpkg -L "$wslib" | grep -m1 '/libwireshark\.so\.')")
plugin=$libdir/wireshark/plugins/$ws_minor/epan/procmap.so
check "the plugin is at $plugin" test -f "$plugin"
depends=$(dpkg-query -W -f='${Depends}' procmap-wireshark)
depends_on() { grep -qF "$1" <<<"$depends" || { echo "Depends: $depends"; return 1; }; }
check "procmap-wireshark depends on $wslib (>= $ws_upstream)" depends_on "$wslib (>= $ws_upstream)"
check "procmap-wireshark depends on $wslib (<< $ws_next~)" depends_on "$wslib (<< $ws_next~)"

# --- tshark loads it --------------------------------------------------------
plugins=$(tshark -G plugins 2>&1)
if printf '%s\n' "$plugins" | tr -s ' \t' '\t' |
        grep -qxF "$(printf 'procmap.so\t%s\tdissector\t%s' "$version" "$plugin")"; then
    ok "tshark -G plugins lists procmap.so $version as a dissector"
else
    fail "tshark -G plugins lists procmap.so $version as a dissector" "$plugins"
fi
check "tshark -G protocols has the procmap protocol" \
    sh -c "tshark -G protocols | grep -qP '^Process Attribution\tProcess\tprocmap$'"

# --- the tool, its manual page, the profile ---------------------------------
check "procmap --help" sh -c 'procmap --help | grep -q "^Usage:"'
check "procmap --version says $version" sh -c "procmap --version | grep -qx 'procmap $version'"
check "man -w procmap finds the manual page" \
    sh -c 'man -w procmap | grep -qx /usr/share/man/man1/procmap.1.gz'
no_man_warnings() {
    local out
    out=$(man --warnings "$1" 2>&1 >/dev/null)
    [ -z "$out" ] || { echo "$out"; return 1; }
}
check "man procmap renders without warnings" no_man_warnings procmap
if dpkg -L procmap-wireshark | grep -q '^/usr/share/wireshark/profiles/procmap/'; then
    check "the shipped profile procmap has the Src process column (tshark -C procmap)" \
        sh -c 'tshark -G currentprefs -C procmap | grep -qF "%Cus:procmap.src.name"'
else
    fail "procmap-wireshark ships the Wireshark profile procmap"
fi

# --- a live capture on loopback: curl talks to a slow web server ------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$port" <<'EOF' &
import http.server, sys, time
class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        for _ in range(5):
            self.wfile.write(b"."); self.wfile.flush(); time.sleep(0.3)
    def log_message(self, *args): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Slow).serve_forever()
EOF
server=$!
# tshark takes seconds to start in a cold chroot: start curl only once it
# captures.
tshark -i lo -f "tcp port $port" -a duration:8 -l -T fields -E separator=/t \
    -e tcp.srcport -e procmap.src.name -e procmap.dst.name >/tmp/frames.txt 2>/tmp/tshark.err &
capture=$!
for _ in $(seq 150); do
    grep -q "Capturing on" /tmp/tshark.err && break
    sleep 0.1
done
sleep 0.5
curl -s -o /dev/null "http://127.0.0.1:$port/" &
client=$!
check "procmap lookup tcp 127.0.0.1:$port names the server" \
    sh -c "procmap lookup tcp 127.0.0.1:$port | grep -q 'process: *python3 '"
wait "$client" "$capture"
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
frames=$(cat /tmp/frames.txt)
to_server=$(awk -F'\t' -v p="$port" '$1 != p && $2 == "curl" && $3 == "python3"' <<<"$frames" | wc -l)
to_client=$(awk -F'\t' -v p="$port" '$1 == p && $2 == "python3" && $3 == "curl"' <<<"$frames" | wc -l)
if [ "$to_server" -gt 0 ] && [ "$to_client" -gt 0 ]; then
    ok "live capture: procmap.src.name is curl on $to_server frames, python3 on $to_client"
else
    fail "live capture: procmap.src.name is curl and python3" "$frames" "$(cat /tmp/tshark.err)"
fi

# --- the extcap procmap-capture: file capabilities, group wireshark ----------
# Wireshark's own idea of its extcap directory must be where the package put it.
extcap_dir=$(tshark -G folders 2>/dev/null | sed -n 's/^Extcap path:[[:space:]]*//p')
extcap=$extcap_dir/procmap-capture
check "the extcap is in tshark's extcap folder ($extcap_dir)" \
    sh -c "dpkg -L procmap-capture | grep -qxF '$extcap' && test -f '$extcap'"
wanted_caps=cap_bpf,cap_dac_read_search,cap_net_admin,cap_net_raw,cap_perfmon,cap_sys_admin,cap_sys_ptrace=ep
# getcap prints "PATH cap_a,cap_b=ep" in its own order: compare as sets.
caps_of() {
    local got
    got=$(getcap "$1" | awk '{ print $2 }')
    printf '%s=%s\n' "$(tr , '\n' <<<"${got%%=*}" | sort | paste -sd,)" "${got##*=}"
}
has_wanted_caps() {
    [ "$(caps_of "$extcap")" = "$wanted_caps" ] ||
        { echo "getcap: $(getcap "$extcap")"; echo "wanted: $wanted_caps"; return 1; }
}
check "getcap: the postinst gave it $wanted_caps" has_wanted_caps
check "it is root:wireshark, mode 754, like dumpcap (the group may run it)" \
    sh -c "stat -c '%U:%G %a' '$extcap' | grep -qx 'root:wireshark 754'"
system_group() {
    local gid
    gid=$(getent group "$1" | cut -d: -f3)
    if [ -z "$gid" ] || [ "$gid" -ge 1000 ]; then echo "group $1: ${gid:-none}"; return 1; fi
}
check "the postinst made wireshark a system group" system_group wireshark
check "man -w procmap-capture finds its manual page" \
    sh -c 'man -w procmap-capture | grep -qx /usr/share/man/man1/procmap-capture.1.gz'
check "man procmap-capture renders without warnings" no_man_warnings procmap-capture

# A file system without extended attributes: setcap fails, the install goes
# on with a warning.  (A setcap that fails stands in for one.)
mkdir -p /tmp/nocaps
printf '#!/bin/sh\necho "Failed to set capabilities on file: Operation not supported" >&2\nexit 1\n' \
    >/tmp/nocaps/setcap
chmod 755 /tmp/nocaps/setcap
postinst_without_xattrs() {
    local out
    out=$(PATH=/tmp/nocaps:$PATH /var/lib/dpkg/info/procmap-capture.postinst configure 2>&1) ||
        { echo "postinst failed: $out"; return 1; }
    grep -q "warning: cannot set the file capabilities" <<<"$out" || { echo "no warning: $out"; return 1; }
}
check "postinst where setcap fails: warns and succeeds" postinst_without_xattrs
check "dpkg-reconfigure procmap-capture sets the capabilities again" \
    sh -c "dpkg-reconfigure procmap-capture && getcap '$extcap' | grep -q cap_sys_admin"

usermod -a -G wireshark capturer
as_user() { local u=$1; shift; runuser -u "$u" -- env HOME="/tmp/home-$u" "$@"; }
listed_for() {
    local out
    out=$(as_user "$1" tshark -D 2>&1)
    grep -qF 'procmap-lo (procmap: lo (with processes))' <<<"$out" || { echo "$out"; return 1; }
}
not_listed_for() {
    local out
    out=$(as_user "$1" tshark -D 2>/dev/null)
    grep -q '^1\. ' <<<"$out" || { echo "tshark -D lists nothing: $out"; return 1; }
    ! grep -F procmap- <<<"$out"
}
check "tshark -D as root lists procmap-lo" listed_for root
check "tshark -D as capturer (group wireshark) lists procmap-lo" listed_for capturer
check "tshark -D as outsider (not in the group) does not" not_listed_for outsider
check "outsider cannot run the extcap" sh -c "! runuser -u outsider -- '$extcap' --version"
# The capabilities work for a group member: eBPF loads (it needs cap_bpf).
ebpf_for_capturer() {
    local out
    out=$(as_user capturer "$extcap" --extcap-interface procmap-lo --extcap-config 2>&1)
    grep -qF 'Event source (now: eBPF)' <<<"$out" || { echo "$out"; return 1; }
}
check "capturer: the extcap's options say Event source (now: eBPF)" ebpf_for_capturer

# The policy on other users' processes ships as a conffile, root's, so that
# it counts (README.Debian).
conffile_counts() {
    local conffiles
    conffiles=$(dpkg-query -W -f='${Conffiles}' procmap-capture)
    grep -q ' /etc/procmap/capture.conf ' <<<"$conffiles" || { echo "conffiles: $conffiles"; return 1; }
    [ "$(stat -c '%U:%G %a' /etc/procmap/capture.conf /etc/procmap | sort -u)" = "root:root 644
root:root 755" ] || { stat -c '%n %U:%G %a' /etc/procmap/capture.conf /etc/procmap; return 1; }
    grep -qx 'other-users=identity' /etc/procmap/capture.conf
}
check "/etc/procmap/capture.conf is a root-owned conffile saying other-users=identity" conffile_counts

# capturer captures through the extcap while root's curl talks to root's
# slow server: another user's processes, attributed from the comments the
# extcap wrote (procmap.src.source) - by identity only: name and pid, not
# the executable.  Not compared: the pid (this test runs in a pid
# namespace, test-deb.sh).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$port" <<'EOF' &
import http.server, sys, time
class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        for _ in range(3):
            self.wfile.write(b"."); self.wfile.flush(); time.sleep(0.2)
    def log_message(self, *args): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Slow).serve_forever()
EOF
server=$!
as_user capturer tshark -i procmap-lo -f "tcp port $port" -a duration:10 -l -T fields -E separator=/t \
    -e tcp.srcport -e procmap.src.name -e procmap.src.pid -e procmap.dst.name -e procmap.src.source \
    -e procmap.src.exe -e procmap.src.user >/tmp/extcap-frames.txt 2>/tmp/extcap-tshark.err &
capture=$!
for _ in $(seq 150); do
    grep -q "Capturing on" /tmp/extcap-tshark.err && break
    sleep 0.1
done
sleep 2      # the extcap loads its eBPF programs after tshark says it captures
curl -s -o /dev/null "http://127.0.0.1:$port/" &
client=$!
wait "$client" "$capture"
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
frames=$(cat /tmp/extcap-frames.txt)
to_server=$(awk -F'\t' -v p="$port" \
    '$1 != p && $2 == "curl" && $3 > 0 && $4 == "python3" && $5 == "procmap-capture" && $6 == "" && $7 == "root"' \
    <<<"$frames" | wc -l)
to_client=$(awk -F'\t' -v p="$port" \
    '$1 == p && $2 == "python3" && $4 == "curl" && $5 == "procmap-capture"' <<<"$frames" | wc -l)
if [ "$to_server" -gt 0 ] && [ "$to_client" -gt 0 ]; then
    ok "capturer through procmap-lo: root's curl (identity: no executable) on $to_server frames, python3 on $to_client, from the extcap's comments"
else
    fail "capturer through procmap-lo: curl and python3, from the extcap's comments" \
        "$frames" "$(cat /tmp/extcap-tshark.err)"
fi

# --- purge: nothing left -----------------------------------------------------
# --autoremove: the libraries procmap-capture brought (libbpf1, ...) go too.
check "apt-get purge --autoremove procmap procmap-wireshark procmap-capture" \
    apt-get -q -y purge --autoremove procmap procmap-wireshark procmap-capture
unknown_to_dpkg() { ! dpkg-query -W procmap procmap-wireshark procmap-capture 2>/dev/null | grep -q .; }
check "dpkg knows none of the packages any more" unknown_to_dpkg
check "no dpkg records left (/var/lib/dpkg/info/procmap*)" \
    sh -c '! ls /var/lib/dpkg/info/procmap* 2>/dev/null'
check "the plugin file is gone" test ! -e "$plugin"
check "the extcap is gone" test ! -e "$extcap"
check "tshark -D no longer lists procmap-lo" sh -c '! tshark -D 2>/dev/null | grep -qF procmap-'
# The group stays: wireshark-common's dumpcap may use it, files may belong to it.
check "the group wireshark stays (README.Debian)" getent group wireshark
all_gone() {
    local f
    while read -r f; do [ ! -e "$f" ] || { echo "left: $f"; return 1; }; done </tmp/package-files.txt
}
check "every file the packages installed is gone ($(wc -l </tmp/package-files.txt) files)" all_gone
snapshot >/tmp/after.txt
check "the file system is as before the install" diff -u /tmp/before.txt /tmp/after.txt
check "tshark -G plugins no longer lists procmap.so" \
    sh -c '! tshark -G plugins | grep -q "^procmap\.so"'

finish
