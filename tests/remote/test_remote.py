# SPDX-License-Identifier: GPL-2.0-or-later
"""Captures from another host: never attributed to this host's processes.

The laptop and a stand-in remote host with a real sshd (standin.py).  The
same TCP tuple lives on both hosts' loopback at once, so a live lookup on
the laptop would name the laptop's processes: every test checks that no
frame from elsewhere gets one.

  - tshark -i sshdump, with procmap-capture on the stand-in as the remote
    capture command: the stand-in's processes (its own pids) at both ends of
    every frame on its loopback, and at its end of a conversation with the
    laptop; no live lookup on the laptop;
  - sshdump with a plain remote dumpcap: no process, other-host;
  - a pipe (tshark -i -) and a file read at once, both made on the
    stand-in: no process, host-unknown (unless the user says this host);
  - tshark -i lo on the laptop: the laptop's processes, live, as before."""
import os
import socket
import subprocess
import threading
import time

import pytest

from harness import COMMAND_TIMEOUT, fields_args, parse_fields
from standin import HOST_ALIAS, LAPTOP_ADDR, REMOTE_ADDR

# One tuple on both hosts' loopback; a conversation between the hosts.
LO_SERVER, LO_CLIENT = 18080, 41000
LINK_SERVER, LINK_CLIENT = 18081, 41001
PROBE = 19999       # UDP datagrams that tell when the capture runs
DONE_PROBE = 19998  # and, sent after the conversations, that they were dissected
FILTER = "tcp port %d or tcp port %d or udp port %d or udp port %d" % (
    LO_SERVER, LINK_SERVER, PROBE, DONE_PROBE)
MESSAGES, DELAY = 8, 0.25
FIELDS = ["frame.number", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "udp.dstport",
          "procmap.src.pid", "procmap.src.name", "procmap.src.source", "procmap.src.reason",
          "procmap.dst.pid", "procmap.dst.name", "procmap.dst.source", "procmap.dst.reason",
          "procmap.source", "_ws.expert.message"]
OTHER_HOST_NOTE = "Captured on another host"
HOST_UNKNOWN_NOTE = "Not known to be captured on this host"


def procmap_capture():
    path = os.path.join(os.environ.get("PROCMAP_BUILD_DIR", ""), "plugin", "extcap",
                        "procmap-capture")
    if not os.access(path, os.X_OK):
        pytest.skip("procmap-capture is not built (%s)" % path)
    return path


def sshdump(*options):
    """tshark options for sshdump to the stand-in, by its ~/.ssh/config name:
    no password, no key path on the command line."""
    args = ["-i", "sshdump", "-o", "extcap.sshdump.remotehost:" + HOST_ALIAS]
    for option in options:
        args += ["-o", "extcap.sshdump." + option]
    return args


class Prober:
    """UDP datagrams to a closed port of the stand-in's loopback, sent from
    a socket of its network namespace: a frame of them in the output says the
    capture runs, or that everything captured before was dissected."""

    def __init__(self, hosts, netns=None):
        netns = netns if netns is not None else hosts.remote_netns
        self.sock = netns.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def poke(self, port=PROBE):
        self.sock.sendto(b"probe", ("127.0.0.1", port))

    def poke_done(self):
        self.poke(DONE_PROBE)

    def close(self):
        self.sock.close()


def is_probe(line, port=PROBE):
    values = line.split("\t")
    return len(values) == len(FIELDS) and values[FIELDS.index("udp.dstport")] == str(port)


def wait_running(runner, prober, timeout=120):
    runner.wait_line(is_probe, timeout=timeout, poke=prober.poke, interval=0.5)


def wait_dissected(runner, prober, timeout=60):
    """Until a probe sent from now on is printed: every frame captured
    before it was dissected.  Its own port, not PROBE: probes of the first
    wait may still be queued in tshark's output when a slow tshark (ASan)
    lags, and one of them would end the wait before the conversations'
    frames are out (seen in CI: 7 of 8 replies printed)."""
    runner.wait_line(lambda line: is_probe(line, DONE_PROBE), timeout=timeout,
                     poke=prober.poke_done, interval=0.5)


def conversations(hosts, peers, with_link=True):
    """The same tuple on the laptop's loopback (kept open throughout) and
    the stand-in's; with @with_link, a conversation from the laptop to the
    stand-in.  -> {"laptop": (client pid, server pid), "remote": ..., "link":
    (laptop client pid, remote server pid)}, once the stand-in's are done."""
    pids = {}
    server = peers.laptop("server", "127.0.0.1", LO_SERVER)
    server.wait_for("port")
    client = peers.laptop("client", "127.0.0.1", LO_SERVER, "127.0.0.1", LO_CLIENT, 1000, 0.1)
    client.wait_for("local")
    pids["laptop"] = (int(client.wait_for("pid")), int(server.wait_for("pid")))
    remote_server = peers.remote("server", "127.0.0.1", LO_SERVER)
    remote_server.wait_for("port")
    clients = [peers.remote("client", "127.0.0.1", LO_SERVER, "127.0.0.1", LO_CLIENT,
                            MESSAGES, DELAY)]
    pids["remote"] = (clients[0], int(remote_server.wait_for("pid")))
    if with_link:
        link_server = peers.remote("server", REMOTE_ADDR, LINK_SERVER)
        link_server.wait_for("port")
        clients.append(peers.laptop("client", REMOTE_ADDR, LINK_SERVER, LAPTOP_ADDR,
                                    LINK_CLIENT, MESSAGES, DELAY))
        pids["link"] = (clients[1], int(link_server.wait_for("pid")))
    for peer in clients:
        peer.wait_for("done", timeout=60)
    pids["remote"] = (int(pids["remote"][0].wait_for("pid")), pids["remote"][1])
    if with_link:
        pids["link"] = (int(pids["link"][0].wait_for("pid")), pids["link"][1])
    return pids


def live_capture(tshark, hosts, peers, options, with_link=True):
    """tshark with @options on the laptop while the conversations run;
    stopped once their last frame was dissected.  -> (rows, pids)."""
    prober = Prober(hosts)
    runner = tshark.start(*options, "-l", "-n", "-a", "duration:240", *fields_args(FIELDS))
    try:
        wait_running(runner, prober)
        pids = conversations(hosts, peers, with_link)
        wait_dissected(runner, prober)
    finally:
        prober.close()
        runner.kill()
    rows = parse_fields("\n".join(line for line in runner.stdout_lines if line), FIELDS)
    return rows, pids


def frames_of(rows, port):
    return [row for row in rows if str(port) in (row["tcp.srcport"], row["tcp.dstport"])]


def assert_never_live(rows, laptop_pids):
    for row in rows:
        sources = (row["procmap.src.source"], row["procmap.dst.source"], row["procmap.source"])
        assert "live" not in ",".join(sources).split(","), row
        for pid in (row["procmap.src.pid"], row["procmap.dst.pid"]):
            assert pid == "" or int(pid) not in laptop_pids, row


def notes(rows, text):
    return [row["frame.number"] for row in rows if text in row["_ws.expert.message"]]


def test_sshdump_with_procmap_capture_names_the_remote_processes(tshark, hosts, peers):
    command = ("%s --capture --extcap-interface procmap-any --fifo - "
               "--extcap-capture-filter '%s'" % (procmap_capture(), FILTER))
    rows, pids = live_capture(tshark, hosts, peers, sshdump(
        "remotecapturecommandselect:other", "remotecapturecommand:" + command))

    loopback = frames_of(rows, LO_SERVER)
    client, server = pids["remote"]
    assert len(loopback) >= 2 * MESSAGES, rows
    for row in loopback:
        client_side = "src" if row["tcp.srcport"] == str(LO_CLIENT) else "dst"
        server_side = "dst" if client_side == "src" else "src"
        assert row["procmap.%s.pid" % client_side] == str(client), row
        assert row["procmap.%s.pid" % server_side] == str(server), row
        assert row["procmap.src.source"] == row["procmap.dst.source"] == "procmap-capture", row
    link = frames_of(rows, LINK_SERVER)
    laptop_client, remote_server = pids["link"]
    assert len(link) >= 2 * MESSAGES, rows
    for row in link:
        remote_side = "src" if row["ip.src"] == REMOTE_ADDR else "dst"
        laptop_side = "dst" if remote_side == "src" else "src"
        assert row["procmap.%s.pid" % remote_side] == str(remote_server), row
        assert row["procmap.%s.source" % remote_side] == "procmap-capture", row
        # The laptop's end is not the stand-in's: not carried, and never
        # looked up here, though the laptop's client does own it.
        assert row["procmap.%s.pid" % laptop_side] == "", row
        assert row["procmap.%s.reason" % laptop_side] == "not-carried", row
    assert_never_live(rows, {*pids["laptop"], laptop_client})


def test_sshdump_with_plain_dumpcap_says_other_host(tshark, hosts, peers):
    rows, pids = live_capture(tshark, hosts, peers, sshdump(
        "remotecapturecommandselect:dumpcap", "remoteinterface:lo", "remotefilter:" + FILTER),
        with_link=False)
    loopback = frames_of(rows, LO_SERVER)
    assert len(loopback) >= 2 * MESSAGES, rows
    for row in loopback:
        assert (row["procmap.src.pid"], row["procmap.dst.pid"]) == ("", ""), row
        assert row["procmap.src.reason"] == row["procmap.dst.reason"] == "other-host", row
    assert_never_live(rows, set(pids["laptop"]))
    # One note for the interface, not one per frame.
    assert len(notes(rows, OTHER_HOST_NOTE)) == 1, rows


def remote_dumpcap(hosts, *output):
    """dumpcap on the stand-in's loopback (the conversations' filter)."""
    return hosts.on_remote("dumpcap", "-q", "-i", "lo", "-f", FILTER, *output)


def test_pipe_from_another_host_is_host_unknown(tshark, hosts, peers):
    capture = subprocess.Popen(remote_dumpcap(hosts, "-w", "-"), stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    runner = None
    try:
        runner = tshark.start("-i", "-", "-l", "-n", *fields_args(FIELDS), stdin=True)

        def pump():
            for chunk in iter(lambda: capture.stdout.read1(65536), b""):
                try:
                    runner.write(chunk)
                except (BrokenPipeError, ValueError):
                    return

        threading.Thread(target=pump, daemon=True).start()
        prober = Prober(hosts)
        try:
            wait_running(runner, prober, timeout=60)
            pids = conversations(hosts, peers, with_link=False)
            wait_dissected(runner, prober)
        finally:
            prober.close()
    finally:
        capture.kill()
        capture.wait(timeout=COMMAND_TIMEOUT)
        if runner is not None:
            runner.kill()
    rows = parse_fields("\n".join(line for line in runner.stdout_lines if line), FIELDS)
    loopback = frames_of(rows, LO_SERVER)
    assert len(loopback) >= 2 * MESSAGES, rows
    for row in loopback:
        assert row["procmap.src.reason"] == row["procmap.dst.reason"] == "host-unknown", row
    assert_never_live(rows, set(pids["laptop"]))
    assert len(notes(rows, HOST_UNKNOWN_NOTE)) == 1, rows


def wait_for_a_packet(path, prober, timeout=60):
    """Until dumpcap has written a probe into @path: it captures."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) or os.path.getsize(path) == 0:
        assert time.monotonic() < deadline, "dumpcap wrote no file"
        time.sleep(0.1)
    time.sleep(0.5)     # its header blocks
    empty = os.path.getsize(path)
    while os.path.getsize(path) == empty:
        assert time.monotonic() < deadline, "dumpcap captured no probe"
        prober.poke()
        time.sleep(0.2)


def test_file_from_another_host_read_at_once_is_host_unknown(tshark, hosts, peers, tmp_path):
    path = tmp_path / "remote.pcapng"
    capture = subprocess.Popen(remote_dumpcap(hosts, "-w", str(path)),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        prober = Prober(hosts)
        try:
            wait_for_a_packet(path, prober)
            pids = conversations(hosts, peers, with_link=False)
        finally:
            prober.close()
    finally:
        capture.terminate()
        capture.wait(timeout=COMMAND_TIMEOUT)
    laptop_client, laptop_server = pids["laptop"]
    # Read at once: recent frames, and the same tuple alive on the laptop.
    rows = tshark.fields(str(path), FIELDS)
    loopback = frames_of(rows, LO_SERVER)
    assert len(loopback) >= 2 * MESSAGES, rows
    for row in loopback:
        assert row["procmap.src.reason"] == row["procmap.dst.reason"] == "host-unknown", row
    assert_never_live(rows, set(pids["laptop"]))
    # What the preference asserts is taken as true: here it is not, and the
    # laptop's processes are named.  This is the wrong answer the default
    # prevents (and the proof that the tuple is live on the laptop).
    rows = tshark.fields(str(path), FIELDS, "-o", "procmap.capture_host:this-host")
    named = {row["procmap.src.pid"] for row in frames_of(rows, LO_SERVER)}
    assert str(laptop_client) in named or str(laptop_server) in named, rows


def test_local_capture_on_the_laptop_is_live(tshark, hosts, peers):
    """tshark -i lo on the laptop: its own processes, live, as before."""
    # The server first: the table the first frame makes has its listener
    # (a socket new since the last refresh could say refresh-suppressed).
    server = peers.laptop("server", "127.0.0.1", LO_SERVER)
    server.wait_for("port")
    prober = Prober(hosts, hosts.laptop)
    runner = tshark.start("-i", "lo", "-l", "-n", "-f", FILTER, "-a", "duration:120",
                          *fields_args(FIELDS))
    try:
        wait_running(runner, prober)
        client = peers.laptop("client", "127.0.0.1", LO_SERVER, "127.0.0.1", LO_CLIENT,
                              MESSAGES, DELAY)
        client.wait_for("done", timeout=60)
        pids = (int(client.wait_for("pid")), int(server.wait_for("pid")))
        wait_dissected(runner, prober)
    finally:
        prober.close()
        runner.kill()
    rows = parse_fields("\n".join(line for line in runner.stdout_lines if line), FIELDS)
    served = [row for row in frames_of(rows, LO_SERVER) if row["tcp.srcport"] == str(LO_SERVER)]
    assert len(served) >= MESSAGES, rows
    for row in served:
        assert row["procmap.src.pid"] == str(pids[1]), row
        assert row["procmap.src.source"] in ("live", "stream"), row
