# SPDX-License-Identifier: GPL-2.0-or-later
"""Live capture on lo against the real /proc: real servers and clients, and
tshark -i lo naming both ends of every frame of their flows.

Servers: a slow Python HTTP server on 127.0.0.1 (the body in chunks over
~2 s, so curl is still alive when its frames are dissected 0.2-1 s after
capture), a UDP echo server on ::1, a TCP echo server on 0.0.0.0.  Clients:
curl, and Python UDP and TCP clients exchanging messages over ~2 s.  The
capture filter keeps only these flows; all ports are the kernel's choice."""
import os
import pwd
import shutil
import socket
import time

import pytest

from fakeproc import wireshark_time
from harness import fields_args

CAPTURE_SECONDS = 16
MIN_REFRESH_INTERVAL_S = 0.25       # the procmap.min_refresh_interval default
# Every field of a side, checked against /proc of the processes started.
PROCESS_FIELDS = ["pid", "ppid", "name", "comm", "exe", "args", "cwd", "start_time", "uid",
                  "user", "source", "reason", "match", "endpoint"]
FIELDS = (["frame.number", "tcp.stream", "tcp.srcport", "tcp.dstport", "udp.srcport",
           "udp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.len", "tcp.flags"]
          + ["procmap.%s.%s" % (side, f) for side in ("src", "dst") for f in PROCESS_FIELDS]
          + ["procmap.name", "procmap.pid"])


def real_process(pid):
    """What /proc says of a running process, as tshark prints the fields.
    Popen returns as soon as a vfork child starts its exec, before the new
    image has its arguments: wait for them."""
    deadline = time.monotonic() + 5
    while True:
        facts = read_process(pid)
        if facts["args"] or time.monotonic() > deadline:
            return facts
        time.sleep(0.01)


def read_process(pid):
    with open("/proc/%d/stat" % pid) as stat:
        text = stat.read()
    comm = text[text.index("(") + 1:text.rindex(")")]
    after = text[text.rindex(")") + 2:].split()
    ppid, start_ticks = int(after[1]), int(after[19])
    with open("/proc/stat") as stat:
        btime = next(int(line.split()[1]) for line in stat if line.startswith("btime "))
    with open("/proc/%d/cmdline" % pid, "rb") as cmdline:
        argv = cmdline.read().rstrip(b"\0").split(b"\0")
    with open("/proc/%d/status" % pid) as status:
        uid = next(int(line.split()[1]) for line in status if line.startswith("Uid:"))
    ticks = os.sysconf("SC_CLK_TCK")
    start_ns = btime * 10**9 + start_ticks * 10**9 // ticks
    return {"pid": str(pid), "ppid": str(ppid), "name": comm, "comm": comm,
            "exe": os.readlink("/proc/%d/exe" % pid),
            "args": " ".join(a.decode() for a in argv), "cwd": os.readlink("/proc/%d/cwd" % pid),
            "start_time": wireshark_time(start_ns), "uid": str(uid),
            "user": pwd.getpwuid(uid).pw_name}


def port_of(row, side):
    """The frame's source or destination port, TCP or UDP."""
    key = "srcport" if side == "src" else "dstport"
    return int(row["tcp." + key] or row["udp." + key])


def flow_rows(rows, port, transport):
    return [row for row in rows if port in (int(row[transport + ".srcport"] or 0),
                                            int(row[transport + ".dstport"] or 0))]


def assert_flow_attributed(rows, server_port, server, client, what, facts):
    """Every frame: the server's end is @server (pid, name), the other end
    @client; every field of each side is what /proc said of that process
    while it ran (@facts: pid -> real_process())."""
    assert rows, "no frames of the %s flow" % what
    for row in rows:
        for side in ("src", "dst"):
            expected = server if port_of(row, side) == server_port else client
            got = (row["procmap.%s.pid" % side], row["procmap.%s.name" % side])
            assert got == (str(expected[0]), expected[1]), \
                "%s frame %s, %s side: %s (reason %r), expected %s" % (
                    what, row["frame.number"], side, got,
                    row["procmap.%s.reason" % side], expected)
            values = {f: row["procmap.%s.%s" % (side, f)] for f in PROCESS_FIELDS}
            for field, value in facts[expected[0]].items():
                assert values[field] == value, (what, row["frame.number"], side, field)
            assert values["reason"] == ""
            assert values["source"] in ("live", "stream"), values
            assert values["match"] in ("tuple", "exact", "any-address"), values
            assert values["endpoint"].endswith(":%d" % port_of(row, side)), values
        # The either-side fields hold both ends.
        assert row["procmap.pid"].split(",") == [row["procmap.src.pid"],
                                                  row["procmap.dst.pid"]]


@pytest.fixture(scope="module")
def curl_path():
    path = shutil.which("curl")
    if path is None:
        pytest.fail("curl is not installed (apt-get install curl)")
    return path


def capture(tshark, capture_filter, *options):
    return tshark.live("-f", capture_filter, *options, *fields_args(FIELDS),
                       duration=CAPTURE_SECONDS)


class Probe:
    """A UDP port of ours on 127.0.0.1 to send probe datagrams to.
    "Capturing on" is printed before dumpcap even starts, so a capture is
    known to run only once it dissects a probe (sent to a bound port: no
    ICMP error follows)."""

    def __init__(self):
        self.sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sink.bind(("127.0.0.1", 0))
        self.port = self.sink.getsockname()[1]
        self.sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def send(self):
        self.sender.sendto(b"probe", ("127.0.0.1", self.port))

    def wait_until_capturing(self, runners):
        column = FIELDS.index("udp.dstport")
        for runner in runners:
            runner.wait_line(lambda line: line.split("\t")[column] == str(self.port),
                             timeout=60, poke=self.send)

    def close(self):
        self.sender.close()
        self.sink.close()


@pytest.fixture
def probe():
    probe = Probe()
    yield probe
    probe.close()


def finish(runner):
    stdout, stderr, rc = runner.finish(timeout=CAPTURE_SECONDS + 60)
    assert rc == 0, stderr
    # Warnings are allowed (this host may hide some processes' fds even from
    # root); crashes and GLib criticals are not.
    for bad in ("CRITICAL", "Dissector bug", "ERROR", "Segmentation"):
        assert bad not in stderr, stderr
    rows = []
    for line in stdout.splitlines():
        if line.strip():
            values = line.split("\t")
            assert len(values) == len(FIELDS), line
            rows.append(dict(zip(FIELDS, values)))
    return rows


def test_live_loopback_flows(tshark, peers, curl_path, probe):
    http = peers("http-server", "127.0.0.1", 5, 0.4)
    udp = peers("udp-echo", "::1")
    tcp = peers("tcp-echo", "0.0.0.0")
    http_port, udp_port, tcp_port = (int(p.wait_for("port")) for p in (http, udp, tcp))
    facts = {p.pid: real_process(p.pid) for p in (http, udp, tcp)}
    capture_filter = "tcp port %d or udp port %d or tcp port %d or udp port %d" % (
        http_port, udp_port, tcp_port, probe.port)
    everything = capture(tshark, capture_filter)
    curl_only = capture(tshark, capture_filter,
                        "-Y", 'procmap.name == "curl" || udp.port == %d' % probe.port)
    probe.wait_until_capturing([everything, curl_only])
    # Each tshark refreshed its socket table for the probe's first frame,
    # just before printing it.  curl's first frame, dissected less than
    # min_refresh_interval after that refresh, would be refresh-suppressed:
    # 4.4+ dumpcap hands frames over within milliseconds, so let it pass.
    time.sleep(2 * MIN_REFRESH_INTERVAL_S)

    # One client after the other: a new flow's first frame captured just
    # after a refresh made for another flow, and dissected less than
    # min_refresh_interval (250 ms) after it, would be refresh-suppressed.
    curl = peers.command(curl_path, "-s", "-S", "-o", "/dev/null", "-w", "%{local_port}",
                         "--max-time", "20", "http://127.0.0.1:%d/" % http_port)
    facts[curl.pid] = real_process(curl.pid)    # it runs ~2 s: the server is slow
    curl_port = int(curl.wait(timeout=30))
    udp_client = peers("udp-client", "::1", udp_port, 8, 0.25)
    udp_client_port = int(udp_client.wait_for("local"))
    facts[udp_client.pid] = real_process(udp_client.pid)
    udp_client.wait(timeout=30)
    tcp_client = peers("tcp-client", "127.0.0.1", tcp_port, 8, 0.25)
    tcp_client_port = int(tcp_client.wait_for("local"))
    facts[tcp_client.pid] = real_process(tcp_client.pid)
    tcp_client.wait(timeout=30)

    rows = finish(everything)
    curl_rows = [row for row in finish(curl_only) if row["udp.dstport"] != str(probe.port)]

    http_rows = flow_rows(rows, http_port, "tcp")
    assert {port_of(row, "src") for row in http_rows} == {http_port, curl_port}
    assert len(http_rows) >= 10, http_rows         # handshake, request, 5 chunks, close
    assert_flow_attributed(http_rows, http_port, (http.pid, "python3"), (curl.pid, "curl"),
                           "HTTP", facts)

    udp_rows = flow_rows(rows, udp_port, "udp")
    assert len(udp_rows) == 16, udp_rows           # 8 datagrams and their echoes
    assert {port_of(row, "src") for row in udp_rows} == {udp_port, udp_client_port}
    assert_flow_attributed(udp_rows, udp_port, (udp.pid, "python3"),
                           (udp_client.pid, "python3"), "UDP", facts)

    tcp_rows = flow_rows(rows, tcp_port, "tcp")
    assert len(tcp_rows) >= 16, tcp_rows
    assert {port_of(row, "src") for row in tcp_rows} == {tcp_port, tcp_client_port}
    assert_flow_attributed(tcp_rows, tcp_port, (tcp.pid, "python3"),
                           (tcp_client.pid, "python3"), "TCP", facts)

    # -Y 'procmap.name == "curl"' keeps exactly the frames of curl's stream.
    def packet_key(row):
        return tuple(row[f] for f in ("tcp.srcport", "tcp.dstport", "tcp.seq_raw",
                                      "tcp.ack_raw", "tcp.len", "tcp.flags"))
    curl_stream = {packet_key(row) for row in http_rows}
    assert len(curl_stream) == len(http_rows), "packets are told apart"
    assert {packet_key(row) for row in curl_rows} == curl_stream
    assert len(curl_rows) == len(http_rows)
    assert all("curl" in row["procmap.name"].split(",") for row in curl_rows)
