# SPDX-License-Identifier: GPL-2.0-or-later
"""Short-lived connections: one-shot curls, each gone long before a live
lookup could see it, are attributed at capture time from eBPF socket
events - both ends, with the program's path and arguments."""
import os
import signal
import subprocess
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


def test_exited_not_reaped(extcap_binary, wireshark, server, need_ebpf, tmp_path, started):
    """A curl whose events are read only after it exited, while its parent has
    not reaped it: /proc still has the pid (stat, start time) but no exe link
    and an empty cmdline; the path and arguments come from its exec event.
    (Under load, the one-shot curls above meet this now and then.)"""
    out = str(tmp_path / "zombie.pcapng")
    cap = Extcap(extcap_binary, "lo", out, "--extcap-capture-filter", "tcp port %d" % server.port)
    started.append(cap)
    cap.wait_ready()
    url = "http://127.0.0.1:%d/zombie" % server.port
    os.kill(cap.proc.pid, signal.SIGSTOP)          # its events wait in the ring buffer
    try:
        curl = subprocess.Popen(["curl", "-s", "-o", "/dev/null", "--max-time", "10",
                                 "-w", "%{local_port}", url],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        port = int(curl.stdout.read())             # EOF: curl is exiting
        deadline = time.monotonic() + 10
        while open("/proc/%d/stat" % curl.pid).read().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline, "curl did not exit"
            time.sleep(0.01)
    finally:
        os.kill(cap.proc.pid, signal.SIGCONT)
    time.sleep(1)                                  # read while curl is a zombie
    assert curl.wait(timeout=10) == 0
    curl.stdout.close()
    status, stderr, _ = cap.stop()
    assert (status, stderr) == (0, "")

    frames = [frame for frame in wireshark.fields(out, FIELDS)
              if frame["tcp.srcport"] == str(port)]
    assert len(frames) >= 3
    for frame in frames:
        assert frame["procmap.src.pid"] == str(curl.pid), frame
        assert frame["procmap.src.exe"].endswith("/curl"), frame
        assert url in frame["procmap.src.args"], frame
