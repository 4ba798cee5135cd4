# SPDX-License-Identifier: GPL-2.0-or-later
"""The fallback when eBPF is not used: forced by --source netlink, or
because the kernel refuses it.  Netlink polling feeds the same history, so
a connection seen by one poll still resolves after it closed (its last
packets, sent from TIME_WAIT, have no owner any more)."""
import subprocess
import time

from extcap_env import Extcap, held_client, read_stats

FIELDS = ["tcp.srcport", "tcp.dstport", "tcp.flags.fin", "procmap.src.pid",
          "procmap.dst.pid"]
NO_EBPF = ["setpriv", "--bounding-set", "-bpf,-perfmon,-sys_admin", "--"]


def check_frames(wireshark, out, clients, server_pid):
    by_port = {port: pid for pid, port in clients}
    frames = wireshark.fields(out, FIELDS)
    fins = 0
    for frame in frames:
        src, dst = int(frame["tcp.srcport"]), int(frame["tcp.dstport"])
        client_port = src if src in by_port else dst
        assert client_port in by_port, frame
        expected = (str(by_port[client_port]), str(server_pid))
        if src != client_port:
            expected = expected[::-1]
        assert (frame["procmap.src.pid"], frame["procmap.dst.pid"]) == expected, frame
        fins += frame["tcp.flags.fin"] in ("1", "True")
    assert len(frames) >= 8 * len(clients) and fins >= 2 * len(clients)


def test_forced_netlink(extcap_binary, wireshark, server, tmp_path, started):
    out = str(tmp_path / "netlink.pcapng")
    cap = Extcap(extcap_binary, "lo", out, "--extcap-capture-filter",
                 "tcp port %d" % server.port, "--source", "netlink", "--poll-interval", "20")
    started.append(cap)
    cap.wait_ready()
    time.sleep(0.3)
    clients = [held_client("127.0.0.1", server.port, 1.0) for _ in range(3)]
    time.sleep(1)
    status, stderr, stats = cap.stop()
    assert (status, stderr) == (0, "")
    assert stats["ebpf"] == "0" and "netlink polling every 20 ms (chosen)" in stats["source"]
    assert int(stats["answers_poll"]) > 0 and int(stats["answers_event"]) == 0
    check_frames(wireshark, out, clients, server.pid)
    # The file says which source attributed it.
    comment = wireshark.run("capinfos", "-k", out).stdout
    assert "netlink polling every 20 ms" in comment


def test_auto_falls_back_when_ebpf_is_refused(extcap_binary, wireshark, server, tmp_path,
                                              started):
    out = str(tmp_path / "refused.pcapng")
    cap = Extcap(extcap_binary, "lo", out, "--extcap-capture-filter",
                 "tcp port %d" % server.port)
    cap.proc.kill()                     # only its command line is wanted here
    cap.proc.wait()
    command = NO_EBPF + cap.proc.args
    cap.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
    started.append(cap)
    cap.wait_ready()
    time.sleep(0.3)
    clients = [held_client("127.0.0.1", server.port, 1.0) for _ in range(2)]
    time.sleep(1)
    status, stderr, stats = cap.stop()
    assert (status, stderr) == (0, "")
    assert stats["ebpf"] == "0"
    assert "netlink polling" in stats["source"] and "eBPF: " in stats["source"], stats
    check_frames(wireshark, out, clients, server.pid)


def test_forced_ebpf_fails_when_refused(extcap_binary, tmp_path):
    out = str(tmp_path / "never.pcapng")
    result = subprocess.run(NO_EBPF + [extcap_binary, "--capture", "--extcap-interface",
                                       "procmap-lo", "--fifo", out, "--source", "ebpf",
                                       "--stats-file", out + ".stats"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("procmap-capture: eBPF: ")
    assert read_stats(out + ".stats") == {}
