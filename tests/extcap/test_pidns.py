# SPDX-License-Identifier: GPL-2.0-or-later
"""procmap-capture inside a pid namespace (a container; the package test's
chroot): the pids it writes are those of its own namespace - the ones its
user sees and its /proc shows - not the kernel's initial-namespace pids.

A process in a namespace nested inside the extcap's gets its pid as the
extcap's namespace numbers it.  A process the extcap's namespace cannot see
(here the web server, on the host) gets no pid at all: no socket event
names it and the live lookup cannot find it in this /proc - never a pid
that would name another process, or none, in that namespace."""
import os
import subprocess
import time

from extcap_env import Extcap

FIELDS = ["tcp.srcport", "tcp.dstport", "procmap.src.pid", "procmap.dst.pid",
          "procmap.src.exe", "procmap.dst.exe"]

# In a new pid namespace, /proc remounted for it; the extcap is not its
# init (a shell is, as in a container), so /proc/1 is another process.
IN_NEW_PIDNS = ["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", '"$@" & wait $!', "sh"]

# Prints the shell's pids in every namespace from the host's down (the host
# /proc's NSpid line; read by the shell itself), then becomes the command.
PRINT_NSPID_THEN = ('while read -r key value; do [ "$key" = NSpid: ] && echo "$value"; '
                    'done < /proc/self/status; exec "$@"')


def namespace_init(cap, timeout=10):
    """The host pid of the shell that is pid 1 in the extcap's namespace."""
    deadline = time.monotonic() + timeout
    path = "/proc/%d/task/%d/children" % (cap.proc.pid, cap.proc.pid)
    while time.monotonic() < deadline:
        with open(path) as f:
            children = f.read().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise AssertionError("unshare started no namespace")


def curl_in_pidns(init_pid, url, nested=False):
    """One curl in the pid namespace of @init_pid (@nested: in a new one
    inside it): (its pids from the host's namespace down, its local port)."""
    command = ["nsenter", "--target", str(init_pid), "--pid"]
    if nested:
        command += ["unshare", "--pid", "--fork"]
    command += ["sh", "-c", PRINT_NSPID_THEN, "sh",
                "curl", "-s", "-o", "/dev/null", "--max-time", "10", "-w", "%{local_port}", url]
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0, "curl failed: %s" % result.stderr
    nspid, port = result.stdout.split("\n")
    return [int(pid) for pid in nspid.split()], int(port)


def test_pids_of_the_capture_namespace(extcap_binary, wireshark, server, need_ebpf, tmp_path,
                                       started):
    out = str(tmp_path / "pidns.pcapng")
    cap = Extcap(extcap_binary, "lo", out, "--extcap-capture-filter", "tcp port %d" % server.port,
                 wrap=IN_NEW_PIDNS, signal_group=True)
    started.append(cap)
    cap.wait_ready()
    init = namespace_init(cap)
    pidns = os.stat("/proc/%d/ns/pid" % init).st_ino
    url = "http://127.0.0.1:%d/" % server.port
    plain_pids, plain_port = curl_in_pidns(init, url + "plain")
    nested_pids, nested_port = curl_in_pidns(init, url + "nested", nested=True)
    assert len(plain_pids) == 2 and len(nested_pids) == 3, (plain_pids, nested_pids)
    # Right elsewhere, wrong here: the host's pids, the nested namespace's own.
    wrong_pids = {plain_pids[0], nested_pids[0], nested_pids[2], server.pid}
    time.sleep(1)
    status, stderr, stats = cap.stop()
    assert (status, stderr) == (0, "")
    assert stats["ebpf"] == "1" and int(stats["answers_event"]) > 0, stats
    assert "pids of pid namespace %d" % pidns in stats["source"], stats["source"]

    # The pid each curl has in the extcap's namespace (NSpid's second).
    expected = {plain_port: str(plain_pids[1]), nested_port: str(nested_pids[1])}
    frames = wireshark.fields(out, FIELDS)
    seen = {plain_port: 0, nested_port: 0}
    for frame in frames:
        sent_by_curl = int(frame["tcp.srcport"]) in expected
        port = int(frame["tcp.srcport"] if sent_by_curl else frame["tcp.dstport"])
        assert port in expected, frame
        curl_end, server_end = ("src", "dst") if sent_by_curl else ("dst", "src")
        assert frame["procmap.%s.pid" % curl_end] == expected[port], frame
        assert frame["procmap.%s.exe" % curl_end].endswith("/curl"), frame
        assert frame["procmap.%s.pid" % server_end] == "", frame
        for side in ("src", "dst"):
            assert frame["procmap.%s.pid" % side] not in map(str, wrong_pids), frame
        seen[port] += 1
    assert min(seen.values()) >= 6, seen       # handshake, request, answer, close
