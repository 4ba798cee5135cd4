# SPDX-License-Identifier: GPL-2.0-or-later
"""tshark -z procmap,tree: packets and bytes per process, per side, equal
to what the same capture's per-frame fields add up to."""
import collections
import re
import struct

import pytest

import pcapgen
from harness import prefs
from pcapgen import Pcap, TcpConversation, icmp_port_unreachable, tcp_packet, udp_packet
from scenario import (CURL_PORT, DIG_PORT, DNS_PORT, GUNICORN_PORT, HTTP_PORT, LOCAL4,
                      LOCAL6, LOOP4, REMOTE4, REMOTE4B, REMOTE6, SSH_LOCAL_PORT, SSH_PORT,
                      UNOWNED_PORT, WEB_PORT, StandardHost)

NODES = ("Packets by process (either end)", "Packets by source process",
         "Packets by destination process", "Bytes by source process",
         "Bytes by destination process")
FIELDS = ["frame.len"] + ["procmap.%s.%s" % (side, f)
                                             for side in ("src", "dst")
                                             for f in ("name", "pid", "reason")]


@pytest.fixture
def capture(tmp_path):
    host = StandardHost(tmp_path / "proc")
    root = host.write()
    pcap = Pcap()
    pcap.add_all(TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT))
                 .exchange(response=b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 700))
    pcap.add_all(TcpConversation((LOCAL6, SSH_LOCAL_PORT), (REMOTE6, SSH_PORT))
                 .exchange(b"SSH-2.0-a\r\n", b"SSH-2.0-b\r\n" + b"k" * 300))
    pcap.add_all(TcpConversation((REMOTE4, 40001), (LOCAL4, GUNICORN_PORT)).exchange())
    pcap.add_all(TcpConversation((REMOTE4B, 40002), (LOCAL4, GUNICORN_PORT)).exchange())
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, WEB_PORT, "S", 1))
    pcap.add(tcp_packet(REMOTE4, 50001, LOCAL4, UNOWNED_PORT, "S", 1))
    query = udp_packet(LOCAL4, DIG_PORT, "198.51.100.53", 53, b"\x01\x02" + b"\0" * 30)
    pcap.add(query)
    pcap.add(icmp_port_unreachable("198.51.100.53", LOCAL4, query))
    pcap.add(udp_packet(REMOTE4, 41000, LOCAL4, DNS_PORT, b"q" * 17))
    pcap.add(udp_packet(LOCAL4, DNS_PORT, REMOTE4, 41000, b"r" * 111))
    # No transport header: not counted anywhere.
    pcap.add(pcapgen.ipv4(LOCAL4, REMOTE4, pcapgen.PROTO_ICMP,
                          struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"))
    return tmp_path, root, pcap


def parse_tree(text):
    """The process stats tree: {top node: (count, {child: count})}."""
    nodes = {}
    current = None
    for line in text.splitlines():
        match = re.match(r"^( ?)(\S.*?)\s{2,}(\d+)\s", line)
        if not match:
            continue
        indent, name, count = match.groups()
        if not indent:
            assert name in NODES, line
            current = nodes[name] = (int(count), {})
        else:
            assert current is not None, line
            assert name not in current[1], "duplicate node %r" % line
            current[1][name] = int(count)
    return nodes


def expected_tree(rows):
    """The tree computed from per-frame fields: frames the plugin answered
    (every side has a process or a reason) count; a frame counts once per
    distinct process for "either end"."""
    counts = {node: collections.Counter() for node in NODES}
    totals = collections.Counter()
    for row in rows:
        if not (row["procmap.src.pid"] or row["procmap.src.reason"]):
            continue
        length = int(row["frame.len"])
        keys = {}
        for side in ("src", "dst"):
            pid = row["procmap.%s.pid" % side]
            keys[side] = ("%s (%s)" % (row["procmap.%s.name" % side], pid) if pid
                          else "(%s)" % row["procmap.%s.reason" % side])
        either = {keys[side] for side in keys if row["procmap.%s.pid" % side]}
        for key in either:
            counts[NODES[0]][key] += 1
        counts[NODES[1]][keys["src"]] += 1
        counts[NODES[2]][keys["dst"]] += 1
        counts[NODES[3]][keys["src"]] += length
        counts[NODES[4]][keys["dst"]] += length
        totals[NODES[0]] += 1
        totals[NODES[1]] += 1
        totals[NODES[2]] += 1
        totals[NODES[3]] += length
        totals[NODES[4]] += length
    return {node: (totals[node], dict(counts[node])) for node in NODES if totals[node]}


def stats_and_fields(tshark, capture, *filter_args):
    tmp_path, root, pcap = capture
    path = pcap.write(tmp_path / "capture.pcap")
    suffix = ",%s" % filter_args[0] if filter_args else ""
    text = tshark.run("-r", path, "-q", "-z", "procmap,tree" + suffix,
                      *prefs(capture_host="this-host", proc_root=root)).stdout
    read_filter = ["-Y", filter_args[0]] if filter_args else []
    rows = tshark.fields(path, FIELDS, *prefs(capture_host="this-host", proc_root=root),
                         *read_filter)
    return parse_tree(text), rows


def test_tree_matches_the_fields(tshark, capture):
    tree, rows = stats_and_fields(tshark, capture)
    expected = expected_tree(rows)
    assert tree == expected
    # The capture covers what the tree is about.
    sources = expected["Packets by source process"][1]
    assert sources["curl (4242)"] == 4 and sources["python3 (4100)"] == 2
    assert {"(not-local)", "(no-socket)", "(icmp-error)"} <= set(
        expected["Packets by source process"][1]) | set(
        expected["Packets by destination process"][1])
    assert expected["Packets by process (either end)"][1]["gunicorn (5001)"] == 6
    assert expected["Packets by process (either end)"][1]["gunicorn (5002)"] == 6
    # Every frame but the ICMP echo.
    assert expected["Packets by source process"][0] == len(capture[2].frames) - 1


def test_filter_restricts_the_tree(tshark, capture):
    tree, rows = stats_and_fields(tshark, capture, "tcp.port==%d" % HTTP_PORT)
    assert len(rows) == 6
    assert tree == expected_tree(rows)
    assert tree["Packets by process (either end)"] == (6, {"curl (4242)": 6,
                                                           "python3 (4100)": 6})
    total_bytes = sum(int(row["frame.len"]) for row in rows)
    assert tree["Bytes by source process"][0] == total_bytes


def test_filter_on_process_fields(tshark, capture):
    tree, rows = stats_and_fields(tshark, capture, 'procmap.name == "gunicorn"')
    assert len(rows) == 12
    assert tree == expected_tree(rows)
    assert set(tree["Packets by process (either end)"][1]) == {"gunicorn (5001)",
                                                               "gunicorn (5002)"}
