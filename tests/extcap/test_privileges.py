# SPDX-License-Identifier: GPL-2.0-or-later
"""Least privilege that still attributes: a member of the group wireshark
(nobody) runs procmap-capture with the package's file capabilities.  The
capture process holds no capability once it captures and the monitor holds
only its three, yet every frame of a one-shot curl is attributed: root's
curl and root's web server by identity (pid, name, user - not their
executable or arguments), the member's own curl in full.  test_boundary.py
tries the attacks; this is the everyday use."""
import subprocess
import time

import pytest

from boundary_env import MONITOR_CAPS, Member, children_of, mask, status_of, threads_of
from extcap_env import curl_frames_share, one_shot_curl

FIELDS = ["tcp.srcport", "tcp.dstport", "procmap.src.pid", "procmap.dst.pid",
          "procmap.src.name", "procmap.src.exe", "procmap.src.args", "procmap.src.user",
          "procmap.dst.name", "procmap.dst.user", "procmap.dst.exe"]


@pytest.fixture(scope="module")
def member(extcap_binary):
    installed = Member(extcap_binary)
    if not installed.file_capabilities:
        installed.remove()
        pytest.skip("file capabilities unsupported here: %s" % installed.setcap_error)
    yield installed
    installed.remove()


def own_curl(member, port):
    proc = subprocess.Popen(member.as_nobody("curl", "-s", "-o", "/dev/null", "--max-time", "10",
                                             "-w", "%{local_port}",
                                             "http://127.0.0.1:%d/mine" % port),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    return proc.pid, int(out)


def test_member_attributes_with_no_capability(member, wireshark, server, need_ebpf, started):
    cap = member.capture("lo", "member.pcapng", "--extcap-capture-filter",
                         "tcp port %d" % server.port)
    started.append(cap)
    cap.wait_ready()
    time.sleep(0.3)
    (monitor,) = children_of(cap.proc.pid)
    threads = {tid: status_of(cap.proc.pid, tid) for tid in threads_of(cap.proc.pid)}
    monitor_status = status_of(monitor)
    root_curls = [one_shot_curl("http://127.0.0.1:%d/root" % server.port) for _ in range(3)]
    member_curls = [own_curl(member, server.port) for _ in range(3)]
    time.sleep(1)
    status, stderr, stats = cap.stop()
    assert (status, stderr) == (0, "")

    for fields in threads.values():
        assert int(fields["CapEff"], 16) == int(fields["CapPrm"], 16) == 0
    assert int(monitor_status["CapPrm"], 16) == mask(*MONITOR_CAPS)
    assert stats["capabilities"] == "=" and stats["ebpf"] == "1"

    frames = wireshark.fields(cap.output, FIELDS)
    right, total = curl_frames_share(frames, root_curls + member_curls)
    assert total >= 6 * 6 and right == total, "%d/%d curl frames with curl's pid" % (right, total)
    root_ports = {port for _, port in root_curls}
    member_ports = {port for _, port in member_curls}
    for frame in frames:
        if int(frame["tcp.srcport"]) in root_ports:
            # root's curl, seen by a member: who, not what it ran.
            assert (frame["procmap.src.name"], frame["procmap.src.user"]) == ("curl", "root")
            assert frame["procmap.src.exe"] == frame["procmap.src.args"] == "", frame
        elif int(frame["tcp.srcport"]) in member_ports:
            assert frame["procmap.src.user"] == "nobody", frame
            assert frame["procmap.src.exe"].endswith("/curl"), frame
            assert "/mine" in frame["procmap.src.args"], frame
        if frame["procmap.dst.pid"] == str(server.pid):
            assert frame["procmap.dst.user"] == "root" and frame["procmap.dst.exe"] == ""
