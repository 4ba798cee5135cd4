# SPDX-License-Identifier: GPL-2.0-or-later
"""tshark -T fields gives every procmap field the value the whole Process
tree has (issue 12).  tshark 4.0 builds a visible tree for -T fields; the
plugin reads tshark's command line and builds only the fields its -e
options and filters read (tshark_fields.c), as tshark 4.2 and later do by
themselves.  So each field, asked for alone, must come out as it does
when the whole tree is built (-e procmap, the protocol item, asks for it):
live answers, every reason, ICMP errors, carried processes with their
thread, parent, container and pod, a process at an unknown end; in one
pass and in two; with a display filter on fields no -e names."""
import pytest

from harness import all_process_fields, interesting_stderr, prefs, run_each
from pcapgen import (DIRECTION_OUTBOUND, PcapNg, TcpConversation, icmp_port_unreachable, old,
                     recent, tcp_packet, udp_packet)
from scenario import (CURL_PORT, DIG_PORT, DNS_PORT, GUNICORN_PORT, HTTP_PORT, LOCAL4, LOCAL6,
                      LOOP4, REMOTE4, REMOTE4B, REMOTE6, SSH_LOCAL_PORT, SSH_PORT,
                      UNOWNED_PORT, WEB_PORT, StandardHost)

FIELDS = all_process_fields()
CONTEXT_COMMENTS = [
    "PID: 122868\nCommand: /usr/bin/curl\nArgs: curl kernel.com",
    "TID: 122870\nThreadName: curl-worker",
    "UserId: 1000",
    "ParentPID: 1\nParentCommand: /usr/bin/bash\nParentArgs: -bash",
    "ContainerName: web\nContainerId: 0123abcd\nContainerImage: nginx:1.27",
    "PodName: web-0\nPodNamespace: prod\nPodUID: u",
]


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    """Live answers (a fake /proc) and carried processes in one file."""
    tmp = tmp_path_factory.mktemp("tshark-fields")
    root = StandardHost(tmp / "proc").write()
    pcap = PcapNg()
    start = recent()
    for packet in (TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT))
                   .exchange(response=b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 700)
                   + TcpConversation((LOCAL6, SSH_LOCAL_PORT), (REMOTE6, SSH_PORT))
                   .exchange(b"SSH-2.0-a\r\n", b"SSH-2.0-b\r\n")
                   + TcpConversation((REMOTE4, 40001), (LOCAL4, GUNICORN_PORT)).exchange()
                   + TcpConversation((REMOTE4B, 40002), (LOCAL4, GUNICORN_PORT)).exchange()):
        pcap.add(packet, start)
        start += 0.001
    query = udp_packet(LOCAL4, DIG_PORT, "198.51.100.53", 53, b"\x01\x02" + b"\0" * 30)
    for packet in (tcp_packet(REMOTE4, 50000, LOCAL4, WEB_PORT, "S", 1),
                   tcp_packet(REMOTE4, 50001, LOCAL4, UNOWNED_PORT, "S", 1),
                   query, icmp_port_unreachable("198.51.100.53", LOCAL4, query),
                   udp_packet(REMOTE4, 41000, LOCAL4, DNS_PORT, b"q" * 17)):
        pcap.add(packet, start)
        start += 0.001
    # Carried: every context group, one end known; then an unknown end.
    pcap.add(udp_packet("10.0.0.5", 50000, "192.0.2.1", 53, b"q"), old(),
             direction=DIRECTION_OUTBOUND, comments=CONTEXT_COMMENTS)
    pcap.add(udp_packet("10.0.0.5", 50001, "192.0.2.1", 53, b"q"), old(0.1),
             comments=CONTEXT_COMMENTS[:1])
    path = str(pcap.write(tmp / "capture.pcapng"))
    # The run of every field alone takes longer than the default live window.
    return path, prefs(capture_host="this-host", proc_root=root, live_window=3600)


def columns(tshark, capture, names, *options):
    path, pref_options = capture
    args = ["-r", path, *pref_options, *options, "-T", "fields", "-E", "separator=/t"]
    for name in names:
        args += ["-e", name]
    result = tshark.run(*args)
    assert interesting_stderr(result.stderr) == [], result.stderr
    return [line.split("\t") for line in result.stdout.splitlines()]


@pytest.fixture
def whole_tree(tshark, capture):
    """Every field's column with the whole tree built (-e procmap first)."""
    rows = columns(tshark, capture, ["procmap"] + FIELDS)
    assert len(rows) >= 25, rows
    return {name: [row[1 + i] for row in rows] for i, name in enumerate(FIELDS)}


def test_every_field_alone_as_in_the_whole_tree(tshark, capture, whole_tree):
    filled = {name for name, column in whole_tree.items() if any(column)}
    # The capture must exercise what the fields can say.
    for expected in ("procmap.src.pid", "procmap.dst.reason", "procmap.src.match",
                     "procmap.icmp_quoted", "procmap.side_unknown",
                     "procmap.src.container_name", "procmap.pod_name", "procmap.tid",
                     "procmap.src.start_time", "procmap.user"):
        assert expected in filled, expected
    alone = run_each(lambda name: [row[0] for row in columns(tshark, capture, [name])], FIELDS)
    wrong = {name: (column, whole_tree[name]) for name, column in zip(FIELDS, alone)
             if column != whole_tree[name]}
    assert len(alone) == len(FIELDS) and wrong == {}


@pytest.mark.parametrize("names", [["procmap.src.pid", "procmap.src.name", "procmap.dst.name"],
                                   ["procmap.pid", "procmap.user"],
                                   ["procmap.dst.reason", "procmap.src.endpoint"]],
                         ids=["profile-like", "either-side", "reasons"])
def test_several_fields_two_passes(tshark, capture, whole_tree, names):
    for passes in ([], ["-2"]):
        rows = columns(tshark, capture, ["frame.number"] + names, *passes)
        for i, name in enumerate(names):
            assert [row[1 + i] for row in rows] == whole_tree[name], (name, passes)


def test_filter_on_fields_no_column_names(tshark, capture, whole_tree):
    """-Y reads procmap.name and procmap.dst.reason, -e only frame.number and
    procmap.src.exe: the filter sees its fields, the column its own."""
    display_filter = 'procmap.name == "curl" || procmap.dst.reason == "no-socket"'
    rows = columns(tshark, capture, ["frame.number", "procmap.src.exe"], "-Y", display_filter)
    expected = [(str(i + 1), whole_tree["procmap.src.exe"][i])
                for i in range(len(whole_tree["procmap.src.exe"]))
                if "curl" in whole_tree["procmap.name"][i].split(",")
                or whole_tree["procmap.dst.reason"][i] == "no-socket"]
    assert expected
    assert [tuple(row) for row in rows] == expected


def test_frame_fields_only(tshark, capture, whole_tree):
    """No procmap field asked for: every frame, its own fields."""
    rows = columns(tshark, capture, ["frame.number", "udp.srcport"])
    count = len(whole_tree["procmap.src.pid"])
    assert [row[0] for row in rows] == [str(i) for i in range(1, count + 1)]
    assert rows[-1][1] == "50001"
