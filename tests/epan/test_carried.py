# SPDX-License-Identifier: GPL-2.0-or-later
"""Process information the capture file carries: ptcpdump's comments (its
real sample captures), procmap's own two-sided comments, etl2pcapng's
"PID=<n> TID=<n>", Darwin process blocks (Wireshark 4.6+), the direction
flag, and hostile comments.  Carried information wins over live lookups
and names its source; a process whose end is not known is shown apart
("side unknown"), never invented for the other end."""
import os
import re
import subprocess
import time

import pytest

from harness import ANY_FIELDS, HERE, SIDE_FIELDS, all_process_fields, prefs
from pcapgen import (DIRECTION_INBOUND, DIRECTION_OUTBOUND, PcapNg, TcpConversation, old,
                     recent, tcp_packet, udp_packet)
from scenario import CURL_PORT, HTTP_PORT, LOOP4, StandardHost
from tshark_output import absolute_time_text, boolean_text, tshark_version

DATA = os.path.join(HERE, "..", "data", "ptcpdump")
FIELDS = ["frame.number", "frame.len"] + all_process_fields()

CURL_TCP = {   # tcp.pcapng: every frame, both directions
    "pid": "345650", "name": "curl", "exe": "/usr/bin/curl",
    "args": "curl http://127.0.0.1:8000/notfound", "ppid": "345626",
    "parent_exe": "/go_workshop/src/github.com/mozillazg/ptcpdump/ptcpdump",
    "parent_args": "ptcpdump -- curl http://127.0.0.1:8000/notfound", "source": "ptcpdump"}
CURL_USER = {  # curl-user.pcapng
    "pid": "99722", "name": "curl", "exe": "/usr/bin/curl", "args": "curl https://kernel.org",
    "uid": "1000", "ppid": "18840", "parent_exe": "/usr/bin/bash", "parent_args": "-bash",
    "source": "ptcpdump"}
PING = {       # icmp.pcapng requests
    "pid": "459141", "name": "ping", "exe": "/usr/bin/ping", "args": "ping -w 10 -c 2 1.1.1.1",
    "ppid": "45198", "parent_exe": "/usr/bin/bash", "parent_args": "-bash",
    "source": "ptcpdump"}

LOCAL, REMOTE = "10.0.0.5", "192.0.2.1"


def sample(name):
    return os.path.join(DATA, name)


def side(row, which):
    """The non-empty procmap.<which>.* values of a row."""
    return {f: row["procmap.%s.%s" % (which, f)] for f in SIDE_FIELDS
            if row["procmap.%s.%s" % (which, f)]}


def either(row):
    """The non-empty either-side values (procmap.*) of a row."""
    return {f: row["procmap." + f] for f in ANY_FIELDS if row["procmap." + f]}


def with_endpoint(process, address, port):
    return dict(process, endpoint=("[%s]:%d" if ":" in address else "%s:%d") % (address, port))


def no_process(reason, endpoint=None):
    return {"reason": reason, **({"endpoint": endpoint} if endpoint else {})}


def frames_matching(tshark, pcap, display_filter, *options):
    out = tshark.run("-r", pcap, "-Y", display_filter, "-T", "fields", "-e", "frame.number",
                     *options).stdout
    return [int(line) for line in out.split()]


def stats_tree(tshark, pcap, *options):
    """-z procmap,tree -> {top node: (count, {child: count})}."""
    text = tshark.run("-r", pcap, "-q", "-z", "procmap,tree", *options).stdout
    nodes, current = {}, None
    for line in text.splitlines():
        match = re.match(r"^( ?)(\S.*?)\s{2,}(\d+)\s", line)
        if not match or match.group(2) == "Topic / Item":
            continue
        indent, name, count = match.groups()
        if not indent:
            current = nodes[name] = (int(count), {})
        else:
            current[1][name] = int(count)
    return nodes


def ptcpdump_comment(pid=777, cmd="/usr/bin/wget", args="wget http://example.org/"):
    return "PID: %d\nCmd: %s\nArgs: %s" % (pid, cmd, args)


# ---- ptcpdump's real captures ---------------------------------------------

def test_tcp_loopback_is_side_unknown(tshark):
    """Both ends are loopback: ptcpdump's one process may be either end (it
    labels the server's replies with curl too), so no side gets it."""
    rows = tshark.fields(sample("tcp.pcapng"), FIELDS + ["tcp.srcport"])
    assert len(rows) == 24
    client, server = "127.0.0.1:58694", "127.0.0.1:8000"
    for row in rows:
        src, dst = (client, server) if row["tcp.srcport"] == "58694" else (server, client)
        assert side(row, "src") == no_process("side-unknown", src), row
        assert side(row, "dst") == no_process("side-unknown", dst), row
        assert either(row) == CURL_TCP, row
        assert row["procmap.side_unknown"] == boolean_text(True)
    # Frame 3 is the server's SYN-ACK: still only "side unknown curl".
    frame3 = rows[2]
    assert frame3["procmap.src.endpoint"] == "127.0.0.1:8000"
    assert frame3["procmap.src.pid"] == frame3["procmap.dst.pid"] == ""
    assert frame3["procmap.pid"] == "345650"


def test_tcp_loopback_tree_text(tshark):
    text = tshark.run("-r", sample("tcp.pcapng"), "-Y", "frame.number == 3", "-O",
                      "procmap").stdout
    assert "Process: curl (345650) [side unknown]" in text
    assert "Process (side unknown): curl (345650)" in text
    assert "Attribution: ptcpdump (carried in the capture file by ptcpdump)" in text
    assert "Source: [the capture names a process but not its end]" in text
    assert "Source: curl" not in text and "Destination: curl" not in text


def test_curl_user_direction_puts_curl_on_the_local_side(tshark):
    rows = tshark.fields(sample("curl-user.pcapng"), FIELDS)
    assert [r["frame.number"] for r in rows] == ["1", "2", "3", "4", "5"]
    local, remote = ("10.0.2.15", 42906), ("139.178.84.217", 443)
    for row in rows:
        outbound = row["frame.number"] in ("1", "3", "5")
        if outbound:
            assert side(row, "src") == with_endpoint(CURL_USER, *local)
            assert side(row, "dst") == no_process("not-carried", "%s:%d" % remote)
        else:
            assert side(row, "src") == no_process("not-carried", "%s:%d" % remote)
            assert side(row, "dst") == with_endpoint(CURL_USER, *local)
        assert either(row) == CURL_USER
        assert row["procmap.side_unknown"] == ""


def test_icmp_requests_carry_ping_and_replies_nothing(tshark):
    rows = tshark.fields(sample("icmp.pcapng"), FIELDS)
    for row in rows:
        if row["frame.number"] in ("1", "3"):
            # No TCP/UDP header: no endpoint, but the carried process shows.
            assert side(row, "src") == PING
            assert side(row, "dst") == no_process("not-carried")
            assert either(row) == PING
        else:
            assert all(row[f] == "" for f in all_process_fields()), row
    text = tshark.run("-r", sample("icmp.pcapng"), "-O", "procmap").stdout
    assert text.count("Process: ping (459141)") == 2


def test_arp_has_no_process_tree(tshark):
    rows = tshark.fields(sample("arp.pcapng"), FIELDS)
    assert len(rows) == 2
    assert all(row[f] == "" for row in rows for f in all_process_fields())
    assert frames_matching(tshark, sample("arp.pcapng"), "procmap") == []
    assert "Process" not in tshark.run("-r", sample("arp.pcapng"), "-V").stdout


def test_filters_select_the_right_frames(tshark):
    tcp, user, icmp = sample("tcp.pcapng"), sample("curl-user.pcapng"), sample("icmp.pcapng")
    assert frames_matching(tshark, tcp, 'procmap.name == "curl"') == list(range(1, 25))
    assert frames_matching(tshark, tcp, 'procmap.src.name == "curl"') == []
    assert frames_matching(tshark, tcp, "procmap.side_unknown") == list(range(1, 25))
    assert frames_matching(tshark, tcp, 'procmap.src.reason == "side-unknown"') == \
        list(range(1, 25))
    assert frames_matching(tshark, user, 'procmap.name == "curl"') == [1, 2, 3, 4, 5]
    assert frames_matching(tshark, user, 'procmap.src.name == "curl"') == [1, 3, 5]
    assert frames_matching(tshark, user, 'procmap.dst.name == "curl"') == [2, 4]
    assert frames_matching(tshark, user, "procmap.uid == 1000") == [1, 2, 3, 4, 5]
    assert frames_matching(tshark, user, 'procmap.source == "ptcpdump"') == [1, 2, 3, 4, 5]
    assert frames_matching(tshark, icmp, 'procmap.name == "ping"') == [1, 3]
    assert frames_matching(tshark, icmp, 'procmap.parent_exe == "/usr/bin/bash"') == [1, 3]
    assert frames_matching(tshark, icmp, 'procmap.name == "curl"') == []


def test_stats_tree_counts_carried_processes(tshark):
    tcp = stats_tree(tshark, sample("tcp.pcapng"))
    lengths = sum(int(r["frame.len"]) for r in tshark.fields(sample("tcp.pcapng"), FIELDS))
    assert tcp["Packets by process (either end)"] == (24, {"curl (345650)": 24})
    assert tcp["Packets by source process"] == (24, {"(side-unknown)": 24})
    assert tcp["Packets by destination process"] == (24, {"(side-unknown)": 24})
    assert tcp["Bytes by source process"] == (lengths, {"(side-unknown)": lengths})

    user = stats_tree(tshark, sample("curl-user.pcapng"))
    assert user["Packets by process (either end)"] == (5, {"curl (99722)": 5})
    assert user["Packets by source process"] == (5, {"curl (99722)": 3, "(not-carried)": 2})
    assert user["Packets by destination process"] == (5, {"curl (99722)": 2,
                                                          "(not-carried)": 3})
    icmp = stats_tree(tshark, sample("icmp.pcapng"))
    assert icmp["Packets by process (either end)"] == (2, {"ping (459141)": 2})
    assert icmp["Packets by source process"] == (2, {"ping (459141)": 2})


@pytest.mark.parametrize("options", [
    prefs(live_lookups="never"), prefs(live_lookups="always"), prefs(live_lookups="auto"),
    ["-2"]], ids=["never", "always", "auto", "two-pass"])
def test_carried_is_not_a_live_lookup(tshark, options):
    """The samples are from 2024: far too old for a live lookup, and with
    live lookups off or forced, the carried answer is the same."""
    rows = tshark.fields(sample("curl-user.pcapng"), FIELDS, *options)
    assert side(rows[0], "src") == with_endpoint(CURL_USER, "10.0.2.15", 42906)
    assert side(rows[1], "dst") == with_endpoint(CURL_USER, "10.0.2.15", 42906)
    rows = tshark.fields(sample("tcp.pcapng"), FIELDS, *options)
    assert all(either(row) == CURL_TCP for row in rows)


def test_disabled_shows_nothing_carried(tshark):
    for name in ("curl-user.pcapng", "icmp.pcapng"):
        rows = tshark.fields(sample(name), FIELDS, "--disable-protocol", "procmap")
        assert rows and all(row[f] == "" for row in rows for f in all_process_fields())


def test_carried_wins_over_a_live_answer(tshark, tmp_path):
    """A recent capture of a host whose sockets answer live: the frame that
    carries a process gets it (and no live lookup), the others are live."""
    host = StandardHost(tmp_path / "proc")
    root = host.write()
    pcap = PcapNg()
    packets = TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT)).handshake()
    pcap.add(packets[0], recent(), comments=[ptcpdump_comment()], direction=DIRECTION_OUTBOUND)
    pcap.add(packets[1])
    pcap.add(packets[2], comments=["procmap-src\nPID: 31\nComm: x",
                                   "procmap-dst\nPID: 32\nComm: y"])
    rows = tshark.fields(pcap.write(tmp_path / "c.pcapng"), FIELDS,
                         *prefs(capture_host="this-host", proc_root=root))
    assert either(rows[0])["pid"] == "777"
    assert side(rows[0], "src")["reason"] == side(rows[0], "dst")["reason"] == "side-unknown"
    assert side(rows[1], "src")["pid"] == str(host.http.pid)
    assert side(rows[1], "src")["source"] == "live"
    assert side(rows[1], "dst")["pid"] == str(host.curl.pid)
    assert (side(rows[2], "src")["pid"], side(rows[2], "dst")["pid"]) == ("31", "32")
    assert side(rows[2], "src")["source"] == "procmap-capture"
    assert "live" not in (rows[0]["procmap.source"] + rows[2]["procmap.source"])


# ---- procmap's own comment format -------------------------------------------

CLIENT = ("procmap-src\nVersion: 1\nPID: 4242\nCmd: /usr/bin/curl\n"
          "Args: curl -s http://127.0.0.1:8080/\nComm: curl\nUserId: 1000\nUser: alice\n"
          "ParentPID: 4000\nStartTime: 1700000000123456789\nCwd: /home/alice\n"
          "ContainerId: 3f2a9c\nContainerName: client")
SERVER = ("procmap-dst\nVersion: 1\nPID: 4100\nCmd: /usr/bin/python3.11\n"
          "Args: python3 -m http.server 8080\nComm: python3\nUserId: 0\nUser: root\n"
          "ParentPID: 1\nStartTime: 1699999999000000000\nCwd: /srv")


def test_procmap_comments_name_both_sides(tshark, tmp_path):
    pcap = PcapNg()
    request = tcp_packet(LOOP4, 51000, LOOP4, 8080, "S")
    reply = tcp_packet(LOOP4, 8080, LOOP4, 51000, "SA", 1, 1)
    # ptcpdump's comment first (for ptcpdump-aware tools): procmap's wins.
    pcap.add(request, old(), comments=[ptcpdump_comment(4242, "/usr/bin/curl", "curl"),
                                       CLIENT, SERVER], direction=DIRECTION_OUTBOUND)
    pcap.add(reply, comments=[ptcpdump_comment(999, "/usr/bin/wrong", "wrong"),
                              SERVER.replace("procmap-dst", "procmap-src"),
                              CLIENT.replace("procmap-src", "procmap-dst")],
             direction=DIRECTION_INBOUND)
    rows = tshark.fields(pcap.write(tmp_path / "p.pcapng"), FIELDS)
    curl = {"pid": "4242", "name": "curl", "comm": "curl", "exe": "/usr/bin/curl",
            "args": "curl -s http://127.0.0.1:8080/", "uid": "1000", "user": "alice",
            "ppid": "4000", "start_time": absolute_time_text(1700000000123456789),
            "cwd": "/home/alice", "container_id": "3f2a9c", "container_name": "client",
            "source": "procmap-capture"}
    python = {"pid": "4100", "name": "python3", "comm": "python3", "exe": "/usr/bin/python3.11",
              "args": "python3 -m http.server 8080", "uid": "0", "user": "root", "ppid": "1",
              "start_time": absolute_time_text(1699999999000000000), "cwd": "/srv",
              "source": "procmap-capture"}
    assert side(rows[0], "src") == with_endpoint(curl, LOOP4, 51000)
    assert side(rows[0], "dst") == with_endpoint(python, LOOP4, 8080)
    assert side(rows[1], "src") == with_endpoint(python, LOOP4, 8080)
    assert side(rows[1], "dst") == with_endpoint(curl, LOOP4, 51000)
    for row in rows:
        assert row["procmap.side_unknown"] == ""
        assert sorted(row["procmap.pid"].split(",")) == ["4100", "4242"]
        assert "999" not in row["procmap.pid"]


def test_procmap_comment_for_one_side(tshark, tmp_path):
    pcap = PcapNg()
    pcap.add(tcp_packet(REMOTE, 40000, LOCAL, 22, "S"), old(),
             comments=["procmap-dst\nPID: 700\nCmd: /usr/sbin/sshd\nComm: sshd"])
    row = tshark.fields(pcap.write(tmp_path / "one.pcapng"), FIELDS)[0]
    assert side(row, "src") == no_process("not-carried", "%s:40000" % REMOTE)
    assert side(row, "dst") == {"pid": "700", "name": "sshd", "comm": "sshd",
                                "exe": "/usr/sbin/sshd", "source": "procmap-capture",
                                "endpoint": "%s:22" % LOCAL}


# ---- etl2pcapng --------------------------------------------------------------

@pytest.mark.parametrize("comment, direction, slot", [
    ("PID=1234 TID=5678", DIRECTION_OUTBOUND, "src"),
    ("PID=1234 TID=5678", DIRECTION_INBOUND, "dst"),
    ("PID=1234 TID=5678", None, "either"),
    ("PID=1234 TID=5678 Packet Metadata: ReceiveFlags:0x0, PhyType:HT, CenterCh:2437, "
     "NumMPDUsReceived:1, RSSI:-40, DataRate:130", DIRECTION_INBOUND, "dst"),
    ("PID=1234 TID=5678 VlanId=0 SrcPortId=7 SrcNicType=Synthetic SrcNicName=eth0 "
     "SrcPortName=p DstNicCount=1 HashValue=0000abcd", DIRECTION_OUTBOUND, "src"),
    ("PID=1234 TID=5678 RoutingDomainId={0} Username=bob", DIRECTION_OUTBOUND, "src"),
], ids=["outbound", "inbound", "no-flag", "wlan", "vmswitch", "ras"])
def test_etl2pcapng(tshark, tmp_path, comment, direction, slot):
    pcap = PcapNg()
    if slot == "dst":
        packet = udp_packet(REMOTE, 53, LOCAL, 50000, b"r" * 20)
    else:
        packet = udp_packet(LOCAL, 50000, REMOTE, 53, b"q" * 20)
    pcap.add(packet, old(), comments=[comment], direction=direction)
    row = tshark.fields(pcap.write(tmp_path / "etl.pcapng"), FIELDS)[0]
    process = {"pid": "1234", "tid": "5678", "source": "etl2pcapng"}
    if slot == "either":
        assert either(row) == process
        assert row["procmap.side_unknown"] == boolean_text(True)
    else:
        other = "dst" if slot == "src" else "src"
        assert {k: v for k, v in side(row, slot).items() if k != "endpoint"} == process
        assert side(row, other)["reason"] == "not-carried"
        assert row["procmap.user"] == "" and row["procmap.uid"] == ""   # not the RAS user
    text = tshark.run("-r", str(tmp_path / "etl.pcapng"), "-O", "procmap").stdout
    assert "pid 1234" in text       # no name: etl2pcapng records none


def test_etl2pcapng_pid_zero_is_no_process(tshark, tmp_path):
    pcap = PcapNg()
    pcap.add(udp_packet(LOCAL, 50000, REMOTE, 53, b"q"), old(), comments=["PID=0 TID=0"],
             direction=DIRECTION_OUTBOUND)
    row = tshark.fields(pcap.write(tmp_path / "zero.pcapng"), FIELDS)[0]
    assert side(row, "src")["reason"] == "too-old"      # the live path, as without comments


# ---- the direction flag ------------------------------------------------------

@pytest.mark.parametrize("src, dst, direction, slot", [
    (LOCAL, REMOTE, DIRECTION_OUTBOUND, "src"),
    (REMOTE, LOCAL, DIRECTION_INBOUND, "dst"),
    (LOCAL, REMOTE, None, "either"),
    ("127.0.0.1", "127.0.0.1", DIRECTION_OUTBOUND, "either"),
    ("127.0.0.1", "127.0.0.1", DIRECTION_INBOUND, "either"),
    ("::1", "::1", DIRECTION_OUTBOUND, "either"),
    ("127.0.0.1", "10.0.0.5", DIRECTION_OUTBOUND, "src"),    # one end loopback
    ("2001:db8::1", "fd00::5", DIRECTION_INBOUND, "dst"),
], ids=["out", "in", "no-flag", "lo-out", "lo-in", "lo6", "half-loopback", "v6-in"])
def test_direction_flag_places_ptcpdump_process(tshark, tmp_path, src, dst, direction, slot):
    pcap = PcapNg()
    pcap.add(tcp_packet(src, 40000, dst, 443, "S"), old(),
             comments=[ptcpdump_comment(), "UserId: 33"], direction=direction)
    row = tshark.fields(pcap.write(tmp_path / "dir.pcapng"), FIELDS)[0]
    wget = {"pid": "777", "name": "wget", "exe": "/usr/bin/wget",
            "args": "wget http://example.org/", "uid": "33", "source": "ptcpdump"}
    assert either(row) == wget
    for which in ("src", "dst"):
        values = {k: v for k, v in side(row, which).items() if k != "endpoint"}
        if which == slot:
            assert values == wget
        else:
            assert values == {"reason": "side-unknown" if slot == "either" else "not-carried"}
    assert row["procmap.side_unknown"] == (boolean_text(True) if slot == "either" else "")


# ---- what ptcpdump's reader tolerates, and hostile comments -------------------

def test_ptcpdump_context_groups_and_aliases(tshark, tmp_path):
    pcap = PcapNg()
    pcap.add(udp_packet(LOCAL, 50000, REMOTE, 53, b"q"), old(), direction=DIRECTION_OUTBOUND,
             comments=["PID: 122868\r\nCommand: /usr/bin/curl\r\nArgs: curl kernel.com --x...",
                       "TID: 122870\nThreadName: curl-worker",
                       "UserId: 1000",
                       "ParentPID: 1\nParentCommand: /usr/bin/bash\nParentArgs: -bash",
                       "ContainerName: web\nContainerId: 0123abcd\nContainerImage: nginx:1.27\n"
                       "ContainerLabels: {\"a\":\"b\"}",
                       "PodName: web-0\nPodNamespace: prod\nPodUID: u\nPodLabels: {}\n"
                       "PodAnnotations: {}\nSomethingNew: 42"])
    row = tshark.fields(pcap.write(tmp_path / "ctx.pcapng"), FIELDS)[0]
    expected = {"pid": "122868", "name": "curl", "exe": "/usr/bin/curl",
                "args": "curl kernel.com --x...", "tid": "122870", "thread_name": "curl-worker",
                "uid": "1000", "ppid": "1", "parent_exe": "/usr/bin/bash", "parent_args": "-bash",
                "container_name": "web", "container_id": "0123abcd",
                "container_image": "nginx:1.27", "pod_name": "web-0", "pod_namespace": "prod",
                "source": "ptcpdump"}
    assert side(row, "src") == with_endpoint(expected, LOCAL, 50000)
    assert either(row) == expected


def test_malformed_comments(tshark, tmp_path):
    pcap = PcapNg()
    t = old()
    cases = [
        ["PID: 99999999999\nCmd: /bin/x"],          # out of range: no process
        ["PID: -5"], ["PID: twelve"], ["hello, world"], ["PID:"],
        ["PID: 5\nUserId: 4294967296\nParentPID: x"],   # bad optional numbers: dropped
        ["PID: 10\nPID: 20\nCmd: /bin/first\nCmd: /bin/second", "PID: 30"],  # first wins
        ["ContainerName: c\nContainerId: 1"],       # a container alone is no process
    ]
    for i, comments in enumerate(cases):
        pcap.add(udp_packet(LOCAL, 50000 + i, REMOTE, 53, b"q"), t + i,
                 comments=comments, direction=DIRECTION_OUTBOUND)
    rows = tshark.fields(pcap.write(tmp_path / "bad.pcapng"), FIELDS)
    for row in rows[:5] + rows[7:]:
        assert side(row, "src")["reason"] == "too-old", row   # read as no process
        assert either(row) == {}
    assert side(rows[5], "src")["pid"] == "5"
    assert "uid" not in side(rows[5], "src") and "ppid" not in side(rows[5], "src")
    assert (side(rows[6], "src")["pid"], side(rows[6], "src")["exe"]) == ("10", "/bin/first")


def test_hostile_comments(tshark, tmp_path):
    """Huge values, binary bytes, thousands of lines, many comments: valid
    UTF-8 without control characters comes out, in bounded time."""
    pcap = PcapNg()
    t = old()
    huge_args = "x" * 65000
    many_lines = "Junk: x\n" * 7000 + "PID: 41\nCmd: /bin/late"
    repeated = "PID: 42\n" + "PID: 43\n" * 6000
    binary = b"PID: 44\nCmd: /tmp/\xff\xfe\x01evil\x1b[2J\nThreadName: \x80t\x07"
    too_many = ["note %d" % i for i in range(70)] + ["PID: 45"]     # only 64 are read
    for i, comments in enumerate([["PID: 40\nArgs: " + huge_args], [many_lines], [repeated],
                                  [binary], too_many]):
        pcap.add(udp_packet(LOCAL, 50000 + i, REMOTE, 53, b"q"), t + i, comments=comments,
                 direction=DIRECTION_OUTBOUND)
    path = pcap.write(tmp_path / "hostile.pcapng")
    start = time.monotonic()
    rows = tshark.fields(path, FIELDS)
    assert time.monotonic() - start < 60
    assert side(rows[0], "src")["pid"] == "40"
    assert side(rows[0], "src")["args"] == huge_args
    assert side(rows[1], "src")["pid"] == "41"
    assert side(rows[1], "src")["exe"] == "/bin/late"
    assert side(rows[2], "src")["pid"] == "42"
    binary_side = side(rows[3], "src")
    assert binary_side["pid"] == "44"
    assert binary_side["exe"].startswith("/tmp/") and "evil" in binary_side["exe"]
    for text in (binary_side["exe"], binary_side["name"], binary_side["thread_name"]):
        assert not re.search(r"[\x00-\x1f\x7f]", text), text
    assert side(rows[4], "src")["reason"] == "too-old"
    # The tree of every frame too.
    tshark.run("-r", path, "-V")


def test_many_distinct_huge_comments_in_bounded_time(tshark, tmp_path):
    pcap = PcapNg()
    t = old()
    for i in range(200):
        comment = "PID: %d\nCmd: /bin/p%d\n" % (1000 + i, i) + "Junk: %d\n" % i * 6000
        pcap.add(udp_packet(LOCAL, 40000 + i, REMOTE, 53, b"q"), t + i * 0.001,
                 comments=[comment], direction=DIRECTION_OUTBOUND)
    path = pcap.write(tmp_path / "big.pcapng")
    start = time.monotonic()
    rows = tshark.fields(path, ["frame.number", "procmap.src.pid", "procmap.src.name"],
                         timeout=120)
    assert time.monotonic() - start < 90
    assert [r["procmap.src.pid"] for r in rows] == [str(1000 + i) for i in range(200)]
    assert rows[199]["procmap.src.name"] == "p199"


def test_more_distinct_comments_than_the_cache_holds(tshark, tmp_path):
    """20 000 frames, each with its own comments: more sets than the carried
    cache keeps (16 384, carried_cache.h).  Both passes of tshark -2 answer
    every frame right: the ones forgotten are read again from the file."""
    count = 20000
    pcap = PcapNg()
    t = old()
    for i in range(count):
        pcap.add(udp_packet(LOCAL, 20000 + i % 40000, REMOTE, 53, b"q"), t + i * 0.0001,
                 comments=["PID: %d\nCmd: /bin/p%d" % (100000 + i, i)],
                 direction=DIRECTION_OUTBOUND)
    path = pcap.write(tmp_path / "distinct.pcapng")
    rows = tshark.fields(path, ["frame.number", "procmap.src.pid", "procmap.src.name"], "-2",
                         timeout=300)
    assert [r["procmap.src.pid"] for r in rows] == [str(100000 + i) for i in range(count)]
    assert rows[0]["procmap.src.name"] == "p0" and rows[-1]["procmap.src.name"] == "p%d" % (count - 1)


# ---- Darwin process blocks (Wireshark 4.6+) ------------------------------------

def darwin_capture(tmp_path):
    pcap = PcapNg()
    responder = pcap.add_darwin_process(501, "mDNSResponder")
    safari = pcap.add_darwin_process(88, "Safari")
    t = old()
    pcap.add(udp_packet(LOCAL, 5353, "224.0.0.251", 5353, b"m" * 12), t,
             direction=DIRECTION_OUTBOUND, options=PcapNg.darwin_options(responder))
    pcap.add(tcp_packet(LOCAL, 50000, REMOTE, 443, "S"), t + 1, direction=DIRECTION_OUTBOUND,
             options=PcapNg.darwin_options(responder, safari))
    pcap.add(tcp_packet(REMOTE, 443, LOCAL, 50000, "SA", 1, 1), t + 2,
             direction=DIRECTION_INBOUND, options=PcapNg.darwin_options(safari))
    pcap.add(tcp_packet(LOCAL, 50000, REMOTE, 443, "A", 1, 1), t + 3)
    return pcap.write(tmp_path / "darwin.pcapng")


@pytest.mark.skipif(tshark_version() < (4, 6), reason="Darwin process blocks: Wireshark 4.6+")
def test_darwin_process_blocks(tshark, tmp_path):
    path = darwin_capture(tmp_path)
    rows = tshark.fields(path, FIELDS + ["frame.darwin.process_info.pid"])
    responder = {"pid": "501", "name": "mDNSResponder", "source": "darwin"}
    assert side(rows[0], "src") == with_endpoint(responder, LOCAL, 5353)
    assert side(rows[0], "dst") == no_process("not-carried", "224.0.0.251:5353")
    assert side(rows[1], "src") == with_endpoint(dict(responder, epid="88", ename="Safari"),
                                                 LOCAL, 50000)
    assert side(rows[2], "dst") == with_endpoint({"pid": "88", "name": "Safari",
                                                  "source": "darwin"}, LOCAL, 50000)
    assert side(rows[3], "src")["reason"] == "too-old"
    assert frames_matching(tshark, path, 'procmap.name == "Safari"') == [3]
    assert frames_matching(tshark, path, 'procmap.ename == "Safari"') == [2]
    assert frames_matching(tshark, path, 'procmap.source == "darwin"') == [1, 2, 3]


@pytest.mark.skipif(tshark_version() >= (4, 6), reason="before Wireshark 4.6 only")
def test_darwin_blocks_unread_before_4_6(tshark, tmp_path):
    rows = tshark.fields(darwin_capture(tmp_path), FIELDS)
    assert all(side(row, "src").get("reason") == "too-old" for row in rows)
    assert all(row["procmap.source"] == "" for row in rows)


def test_darwin_reader_built_only_from_4_6(plugin_path):
    """The plugin resolves Darwin process blocks through epan functions
    that Wireshark 4.6 added; built for 4.0 or 4.4 it has none of that code
    (carried_epan.c compiles it out), so it must not import them."""
    undefined = subprocess.run(["nm", "-D", "--undefined-only", plugin_path],
                               capture_output=True, text=True, check=True, timeout=60).stdout
    imported = {line.split()[-1].split("@")[0] for line in undefined.splitlines() if line.strip()}
    assert "proto_register_protocol" in imported    # nm read the plugin's imports
    darwin = {"epan_get_process_id", "epan_get_process_name"}
    assert imported & darwin == (darwin if tshark_version() >= (4, 6) else set())
