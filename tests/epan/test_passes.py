# SPDX-License-Identifier: GPL-2.0-or-later
"""One answer per frame across passes, and stream stickiness.

The watcher reads the fake tree at its first lookup and again only on a
miss for a frame newer than the table; to make a later lookup see a
different host deterministically:
 - "stream" (an end resolved earlier, its socket gone now): the capture is
   fed to `tshark -r -` frame by frame; the test waits for the early frames'
   output, removes the socket from the tree, waits past mapping_ttl (1 s),
   then sends a frame stamped now (newer than the table: it refreshes);
 - "stream-later" (tshark -2; an early frame missed, a later one resolved):
   net/tcp is a FIFO whose first reader gets a table without the socket and
   every later reader one with it; the later frame is stamped 20 s ahead, so
   its miss refreshes (min_refresh_interval 0)."""
import os
import threading
import time

import pytest

import pcapgen
from harness import all_process_fields, fields_args, parse_fields, prefs
from fakeproc import FakeHost
from pcapgen import Pcap, TcpConversation, recent, tcp_packet, udp_packet
from scenario import (CURL_PORT, DNS_PORT, GUNICORN_PORT, HTTP_PORT, LOCAL4, LOCAL6,
                      LOOP4, REMOTE4, REMOTE4B, REMOTE6, SSH_LOCAL_PORT, SSH_PORT, WEB_PORT,
                      StandardHost, attributed, side_of, unattributed)

FIELDS = ["frame.number"] + all_process_fields()
CLIENT = (LOCAL4, 41000)
SERVER = (REMOTE4, 80)


def test_two_passes_match_one_pass(tshark, tmp_path):
    """Every stream resolves at its first frame: -2 changes nothing."""
    host = StandardHost(tmp_path / "proc")
    root = host.write()
    pcap = Pcap()
    flows = [TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT)).exchange(),
             TcpConversation((LOCAL6, SSH_LOCAL_PORT), (REMOTE6, SSH_PORT)).exchange(),
             TcpConversation((REMOTE4, 40001), (LOCAL4, GUNICORN_PORT)).exchange(),
             TcpConversation((REMOTE4, 50000), (LOCAL4, WEB_PORT)).handshake(),
             [udp_packet(REMOTE4, 41000, LOCAL4, DNS_PORT, b"q" * 12),
              udp_packet(LOCAL4, DNS_PORT, REMOTE4, 41000, b"r" * 30)]]
    # Interleaved, so the streams overlap in time.
    for i in range(max(map(len, flows))):
        for flow in flows:
            if i < len(flow):
                pcap.add(flow[i])
    path = pcap.write(tmp_path / "capture.pcap")
    one = tshark.fields(path, FIELDS, *prefs(capture_host="this-host", proc_root=root))
    two = tshark.fields(path, FIELDS, *prefs(capture_host="this-host", proc_root=root), "-2")
    assert len(one) == len(pcap.frames)
    assert two == one
    sources = {row["procmap.%s.source" % side] for row in one for side in ("src", "dst")}
    assert sources == {"live", ""}
    assert sum(1 for row in one if row["procmap.pid"]) == len(one)


def wget_host(root):
    host = FakeHost(root, ipv4=[LOCAL4])
    wget = host.add_process(6000, "wget", ["wget", "http://198.51.100.7/big.iso"],
                            exe="/usr/bin/wget", cwd="/tmp", uid=65534)
    inode = host.add_socket("tcp", CLIENT, SERVER, uid=65534, owners=[wget])
    return host, wget, inode


class TableFeeder:
    """Serves a socket table through a FIFO: the first reader gets @first,
    then the FIFO is replaced by a regular file holding @later (before the
    first reader can see end-of-file, so no later open can reach the FIFO)."""

    def __init__(self, path, first, later):
        self.path, self.first, self.later = path, first, later
        self.served = threading.Event()
        os.mkfifo(path)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        fd = os.open(self.path, os.O_WRONLY)     # until the first reader opens
        try:
            with open(self.path + ".later", "w") as out:
                out.write(self.later)
            os.write(fd, self.first.encode())
            os.replace(self.path + ".later", self.path)
            self.served.set()
        except OSError:
            pass
        finally:
            os.close(fd)

    def close(self):
        if self.thread.is_alive() and not self.served.is_set():
            # Nobody read: release the writer.
            try:
                fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
                self.thread.join(timeout=10)
                os.close(fd)
            except OSError:
                pass
        self.thread.join(timeout=10)


@pytest.fixture
def feeders():
    started = []
    yield lambda *args: started.append(TableFeeder(*args)) or started[-1]
    for feeder in started:
        feeder.close()


def socket_appears_later(tmp_path, feeders, run, before=()):
    """The wget stream's frame 1 misses (no socket in the first table);
    frame 2, 20 s later, refreshes and finds it.  @before: packets first."""
    host, wget, inode = wget_host(tmp_path / "proc")
    with_socket = host.table_text("tcp")
    host.sockets = [s for s in host.sockets if s["inode"] != inode]     # the fd link stays
    without_socket = host.table_text("tcp")
    root = host.write(skip_tables=("tcp",))
    feeder = feeders(os.path.join(root, "net", "tcp"), without_socket, with_socket)
    syn, syn_ack, ack = TcpConversation(CLIENT, SERVER).handshake()
    pcap = Pcap()
    for packet in before:
        pcap.add(packet, recent(-1.0))
    pcap.add(syn, recent())
    pcap.add(syn_ack, recent(20.0))
    pcap.add(ack, recent(20.001))
    rows = run(pcap.write(tmp_path / "capture.pcap"),
               *prefs(capture_host="this-host", proc_root=root, min_refresh_interval=0))
    assert feeder.served.is_set()
    return wget, rows[len(before):], rows[:len(before)]


def test_socket_appearing_later_one_pass(tshark, tmp_path, feeders):
    wget, rows, _ = socket_appears_later(tmp_path, feeders,
                                         lambda path, *o: tshark.fields(path, FIELDS, *o))
    assert side_of(rows[0], "src") == unattributed("no-socket", CLIENT)
    assert side_of(rows[1], "dst") == attributed(wget, "tuple", CLIENT)
    assert side_of(rows[2], "src") == attributed(wget, "tuple", CLIENT)


def test_read_filter_sees_the_first_pass(tshark, tmp_path):
    """-R filters during the first pass: it must see the attribution."""
    host = StandardHost(tmp_path / "proc")
    root = host.write()
    pcap = Pcap()
    pcap.add_all(TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT)).exchange())
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, WEB_PORT, "S", 1))
    rows = tshark.fields(pcap.write(tmp_path / "capture.pcap"), ["frame.number"],
                         *prefs(capture_host="this-host", proc_root=root), "-2",
                         "-R", 'procmap.name == "curl"')
    assert [row["frame.number"] for row in rows] == ["1", "2", "3", "4", "5", "6"]


def test_second_pass_backfills_from_a_later_frame(tshark, tmp_path, feeders):
    wget, rows, _ = socket_appears_later(
        tmp_path, feeders, lambda path, *o: tshark.fields(path, FIELDS, "-2", *o))
    assert side_of(rows[0], "src") == attributed(wget, "tuple", CLIENT, source="stream-later")
    assert side_of(rows[0], "dst") == unattributed("not-local", SERVER)
    assert side_of(rows[1], "dst") == attributed(wget, "tuple", CLIENT)
    assert side_of(rows[2], "src") == attributed(wget, "tuple", CLIENT)
    assert rows[0]["procmap.name"] == "wget"


def test_backfill_stays_within_the_stream(tshark, tmp_path, feeders):
    """An earlier connection from the same local port (another tcp.stream)
    is not backfilled from the wget stream."""
    earlier = tcp_packet(CLIENT[0], CLIENT[1], REMOTE4B, 80, "S", 1)
    wget, rows, before = socket_appears_later(
        tmp_path, feeders, lambda path, *o: tshark.fields(path, FIELDS, "-2", *o),
        before=[earlier])
    assert side_of(before[0], "src") == unattributed("no-socket", CLIENT)
    assert side_of(rows[0], "src") == attributed(wget, "tuple", CLIENT, source="stream-later")


def test_stream_keeps_a_process_whose_socket_is_gone(tshark, tmp_path):
    host, wget, inode = wget_host(tmp_path / "proc")
    root = host.write()
    fields = FIELDS + ["tcp.stream"]
    runner = tshark.start("-r", "-", "-l",
                          *prefs(capture_host="this-host", proc_root=root, mapping_ttl=1),
                          *fields_args(fields), stdin=True)
    conv = TcpConversation(CLIENT, SERVER)
    syn, syn_ack, ack = conv.handshake()
    runner.write(pcapgen.file_header())
    runner.write(pcapgen.record(pcapgen.ether(syn), recent()))
    runner.write(pcapgen.record(pcapgen.ether(syn_ack), recent(0.001)))
    early = parse_fields("\n".join(runner.readline(60) for _ in range(2)), fields)
    wget_live = attributed(wget, "tuple", CLIENT)
    assert side_of(early[0], "src") == wget_live
    assert side_of(early[1], "dst") == wget_live

    # The connection closes: its socket leaves the tables, and once
    # mapping_ttl has passed, the last refresh's mapping no longer answers.
    # Mappings are judged at the packet's time, so the late frame must be
    # stamped more than mapping_ttl (1 s) after the mapping was made.
    host.remove_socket(inode)
    host.write()
    time.sleep(2.0)
    # Newer than the table (read at frame 1, two seconds ago), older than
    # the refresh it causes: the control frame after it does not refresh.
    stamp = time.time() - 0.5
    runner.write(pcapgen.record(pcapgen.ether(ack), stamp))
    other = tcp_packet(CLIENT[0], CLIENT[1] + 1, SERVER[0], SERVER[1], "S", 1)
    runner.write(pcapgen.record(pcapgen.ether(other), stamp + 0.001))
    late = parse_fields("\n".join(runner.readline(60) for _ in range(2)), fields)
    stdout, stderr, rc = runner.finish()
    assert rc == 0, stderr
    assert late[0]["tcp.stream"] == early[0]["tcp.stream"]
    assert side_of(late[0], "src") == attributed(wget, "tuple", CLIENT, source="stream")
    assert side_of(late[0], "dst") == unattributed("not-local", SERVER)
    # Control: a new stream from a port nobody holds misses after the same refresh.
    assert side_of(late[1], "src") == unattributed("no-socket", (CLIENT[0], CLIENT[1] + 1))
