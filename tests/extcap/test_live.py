# SPDX-License-Identifier: GPL-2.0-or-later
"""Short-lived connections: one-shot curls, each gone long before a live
lookup could see it, are attributed at capture time from eBPF socket
events - both ends, with the program's path and arguments."""
import os
import time

from extcap_env import Extcap, curl_frames_share, one_shot_curl

CURLS = 20
FIELDS = ["tcp.srcport", "tcp.dstport", "procmap.src.pid", "procmap.dst.pid",
          "procmap.src.exe", "procmap.src.args", "procmap.dst.exe", "procmap.src.source"]


def test_one_shot_curls(extcap_binary, wireshark, server, need_ebpf, tmp_path, started):
    out = str(tmp_path / "curls.pcapng")
    cap = Extcap(extcap_binary, "lo", out, "--extcap-capture-filter", "tcp port %d" % server.port)
    started.append(cap)
    cap.wait_ready()
    curls = [one_shot_curl("http://127.0.0.1:%d/n%d" % (server.port, i)) for i in range(CURLS)]
    for pid, _ in curls:                  # each one is gone
        assert not os.path.exists("/proc/%d" % pid)
    time.sleep(1)
    status, stderr, stats = cap.stop()
    assert (status, stderr) == (0, "")
    assert stats["ebpf"] == "1" and int(stats["answers_event"]) > 0, stats

    frames = wireshark.fields(out, FIELDS)
    right, total = curl_frames_share(frames, curls)
    assert total >= CURLS * 6                       # handshake, request, answer, close
    assert right >= 0.95 * total, "%d/%d curl frames with curl's pid" % (right, total)
    by_port = dict((port, (pid, i)) for i, (pid, port) in enumerate(curls))
    server_right = 0
    for frame in frames:
        sent_by_curl = int(frame["tcp.srcport"]) in by_port
        port = int(frame["tcp.srcport"] if sent_by_curl else frame["tcp.dstport"])
        server_pid = frame["procmap.dst.pid" if sent_by_curl else "procmap.src.pid"]
        server_right += server_pid == str(server.pid)
        if sent_by_curl and frame["procmap.src.pid"] == str(by_port[port][0]):
            # What the process was, recorded while it ran.
            assert frame["procmap.src.exe"].endswith("/curl")
            assert "http://127.0.0.1:%d/n%d" % (server.port, by_port[port][1]) \
                in frame["procmap.src.args"]
            assert frame["procmap.src.source"] == "procmap-capture"
    assert server_right >= 0.95 * len(frames)
