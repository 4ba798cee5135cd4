# SPDX-License-Identifier: GPL-2.0-or-later
"""What the plugin shows, byte for byte, against golden files: the Process
tree of every frame as -V prints it, every procmap field as -T fields prints
it, the tree as -T pdml gives it (hidden either-side copies and flags
included), and which frames a set of display filters selects.

The captures are rich and deterministic: the shared fake host (live lookups
of TCP and UDP over IPv4 and IPv6, loopback, dual-stack, shared sockets,
ICMP errors, VXLAN, an owner-less socket, a closed port), every kind of
process information a capture carries (procmap's, ptcpdump's, etl2pcapng's
comments; malformed ones), ptcpdump's real sample captures, and Expert Info
(too old for a live lookup; an unreadable socket table).  Timestamps are
fixed, so nothing depends on the day.

Each mode of building the tree is exercised: -V (a visible tree), -T fields
(a visible tree on Wireshark 4.0, primed fields from 4.2 on), -T pdml, and
display filters (an invisible tree with referenced fields).  The goldens
were written by the plugin before issue 12 changed how the tree is built,
one set per Wireshark version (tests/epan/golden/<major>.<minor>/): the tree
must not change with it.  PROCMAP_GOLDEN_WRITE=1 rewrites them (then review
the diff)."""
import difflib
import os
import struct
import xml.etree.ElementTree as ElementTree

import pytest

from harness import HERE, all_process_fields, prefs, run_each
from pcapgen import (DIRECTION_INBOUND, DIRECTION_OUTBOUND, Pcap, PcapNg, TcpConversation,
                     _checksum, icmp_port_unreachable, ip, tcp_packet, udp_packet,
                     vxlan_packet)
import pcapgen
from scenario import (CURL_PORT, DIG6_PORT, DIG_PORT, DNS_PORT, GUNICORN_PORT, HTTP_PORT,
                      LOCAL4, LOCAL6, LONG_NAME_PORT, LOOP4, NTP_PORT, REMOTE4, REMOTE4B,
                      REMOTE6, SSH_LOCAL_PORT, SSH_PORT, SSHD_PORT, UNOWNED_PORT, WEB_PORT,
                      StandardHost)
from tshark_output import tshark_version

GOLDEN_DIR = os.path.join(HERE, "golden")
WRITE = os.environ.get("PROCMAP_GOLDEN_WRITE") == "1"
T0 = 1700000100.0               # 2023-11-14 22:15:00 UTC: old for a live lookup
OWNERLESS_PORT = 9100           # a socket of uid 33 that no process holds
DATA = os.path.join(HERE, "..", "data", "ptcpdump")

FILTERS = [
    "procmap",
    "procmap.pid",
    'procmap.name == "curl"',
    'procmap.src.name == "python3" && procmap.dst.name == "curl"',
    'procmap.src.reason == "no-socket" || procmap.dst.reason == "no-socket"',
    'procmap.dst.reason == "owner-gone"',
    'procmap.src.source == "live"',
    'procmap.source == "procmap-capture"',
    "procmap.src.owners > 1 || procmap.dst.owners > 1",
    'procmap.dst.match == "dual-stack"',
    'procmap.src.endpoint == "127.0.0.1:45678"',
    "procmap.uid == 65534",
    'procmap.user == "www-data"',
    "procmap.icmp_quoted",
    "procmap.side_unknown",
    "procmap.tid",
    'procmap.thread_name == "worker-1"',
    "procmap.src.start_time",
    'procmap contains "curl"',
    "_ws.expert",
    "procmap.too_old",
    "procmap.backend_failed",
    "procmap.carried.malformed",
    'tcp.len > 0 && procmap.src.pid',
    '!(procmap.name == "sshd")',
]


def icmp_echo(src, dst):
    header = struct.pack("!BBHHH", 8, 0, 0, 0x42, 1) + b"ping"
    checksum = _checksum(header)
    return ip(src, dst, 1, header[:2] + struct.pack("!H", checksum) + header[4:])


def live_capture(path, limit=None):
    """Every live answer the fake host gives, at fixed times (the first
    @limit frames only, if given)."""
    pcap = Pcap()
    flows = [
        TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT)).exchange(),
        TcpConversation((LOCAL6, SSH_LOCAL_PORT), (REMOTE6, SSH_PORT)).exchange(),
        TcpConversation((REMOTE4, 40001), (LOCAL4, GUNICORN_PORT)).exchange(),
        TcpConversation((REMOTE4B, 40002), (LOCAL4, GUNICORN_PORT)).exchange(),
        TcpConversation((REMOTE4, 50000), (LOCAL4, WEB_PORT)).handshake(),
        [tcp_packet(REMOTE4, 50001, LOCAL4, GUNICORN_PORT, "S", 7)],      # 3 owners
        [tcp_packet(REMOTE4, 50002, LOCAL4, SSHD_PORT, "S", 7)],          # dual-stack
        [tcp_packet(REMOTE4, 50003, LOCAL4, UNOWNED_PORT, "S", 7),        # no-socket
         tcp_packet(LOCAL4, UNOWNED_PORT, REMOTE4, 50003, "RA", 0, 8)],
        [tcp_packet(REMOTE4, 50004, LOCAL4, OWNERLESS_PORT, "S", 7)],     # owner-gone
        [udp_packet(REMOTE4, 41000, LOCAL4, DNS_PORT, b"q" * 12),
         udp_packet(LOCAL4, DNS_PORT, REMOTE4, 41000, b"r" * 30)],
        [udp_packet(REMOTE6, 41001, LOCAL6, NTP_PORT, b"n" * 48)],
        [udp_packet(REMOTE4, 41002, LOCAL4, LONG_NAME_PORT, b"x"),
         udp_packet(REMOTE4, 41003, LOCAL4, LONG_NAME_PORT + 1, b"y")],
        [tcp_packet(REMOTE4, 50005, REMOTE4B, 80, "S", 7)],               # not local
    ]
    query4 = udp_packet(LOCAL4, DIG_PORT, "198.51.100.53", 53, b"\xab\xcd\x01\x00" + b"\0" * 8)
    query6 = udp_packet(LOCAL6, DIG6_PORT, "2001:db8::53", 53, b"\xab\xcd\x01\x00" + b"\0" * 8)
    flows.append([query4, icmp_port_unreachable("198.51.100.53", LOCAL4, query4),
                  query6, icmp_port_unreachable("2001:db8::1", LOCAL6, query6)])
    inner = pcapgen.ether(tcp_packet("10.244.1.5", 41234, "10.244.2.9", 80, "S", 1))
    flows.append([vxlan_packet(LOCAL4, 41999, REMOTE4, inner)])
    # Interleaved, so that streams overlap in time.
    t = T0
    for i in range(max(map(len, flows))):
        for flow in flows:
            if i < len(flow):
                pcap.add(flow[i], t)
                t += 0.001
    if limit is not None:
        del pcap.frames[limit:]
    return pcap.write(path)


def carried_capture(path):
    """Process information the capture carries, of every kind."""
    pcap = PcapNg()
    client = ("procmap-src\nVersion: 1\nPID: 4242\nCmd: /usr/bin/curl\n"
              "Args: curl -s http://127.0.0.1:8081/\nComm: curl\nUserId: 65534\nUser: nobody\n"
              "ParentPID: 4000\nTID: 4243\nThreadName: worker-1\nCwd: /home/nobody\n"
              "StartTime: 1700000000123456789")
    server = ("procmap-dst\nVersion: 1\nPID: 4100\nCmd: /usr/bin/python3.11\n"
              "Args: python3 -m http.server\nComm: python3\nUserId: 0\nUser: root")
    conversation = TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT))
    t = T0
    for packet in conversation.handshake():
        pcap.add(packet, t, comments=[client, server])
        t += 0.001
    pcap.add(tcp_packet(LOCAL4, 40000, REMOTE4, 443, "S"), t,
             comments=["PID: 345\nCmd: /usr/bin/wget\nArgs: wget https://example.org/\n"
                       "ParentPID: 300\nParentCmd: /bin/bash\nParentArgs: -bash\n"
                       "ContainerId: 0123456789ab\nContainerName: web\n"
                       "ContainerImage: nginx:1.25\nPodName: web-0\nPodNamespace: prod"],
             direction=DIRECTION_OUTBOUND)
    pcap.add(tcp_packet(REMOTE4, 443, LOCAL4, 40000, "SA", 9, 1), t + 0.001,
             comments=["PID: 345\nCmd: /usr/bin/wget"], direction=DIRECTION_INBOUND)
    pcap.add(udp_packet(LOCAL4, 50000, REMOTE4, 53, b"q"), t + 0.002,
             comments=["PID=1234 TID=5678"], direction=DIRECTION_OUTBOUND)
    pcap.add(udp_packet(LOCAL4, 50001, REMOTE4, 53, b"q"), t + 0.003,
             comments=["PID=1234 TID=5678"])
    pcap.add(tcp_packet(LOCAL4, 40001, REMOTE4, 443, "S"), t + 0.004,
             comments=["PID: 12a\nCmd: /usr/bin/curl"], direction=DIRECTION_OUTBOUND)
    pcap.add(tcp_packet(LOCAL4, 40002, REMOTE4, 443, "S"), t + 0.005,
             comments=["PID: 100\nCmd: /usr/bin/curl\nUserId: x"],
             direction=DIRECTION_OUTBOUND)
    pcap.add(icmp_echo(LOCAL4, REMOTE4), t + 0.006,
             comments=["PID: 77\nCmd: /usr/bin/ping\nArgs: ping -c 1 198.51.100.7"],
             direction=DIRECTION_OUTBOUND)
    pcap.add(icmp_echo(LOCAL4, REMOTE4), t + 0.007)
    pcap.add(tcp_packet(LOCAL4, 40003, REMOTE4, 443, "S"), t + 0.008,
             comments=["just a note"])
    return pcap.write(path)


# What each case must show (else a golden could quietly hold an empty tree),
# and whether every filter of FILTERS is run on it (the others get SHORT).
CLAIMS = {
    "live": ["tuple", "exact", "any-address", "dual-stack", "no-socket", "owner-gone",
             "not-local", "icmp-error", "socket owners", "very-long-server"],
    "live-too-old": ["Expert Info", "too-old"],
    "live-no-table": ["Expert Info", "backend-failed"],
    "carried": ["procmap-capture", "ptcpdump", "etl2pcapng", "side unknown", "worker-1",
                "nginx:1.25", "Malformed", "live-lookups-off"],
    "ptcpdump-tcp": ["side unknown"],
    "ptcpdump-curl-user": ["not-carried"],
    "ptcpdump-icmp": ["ping"],
}
ALL_FILTERS = ("live", "carried")
SHORT = ["procmap", "procmap.pid", "_ws.expert", 'procmap.name == "curl"']


def case(tmp_path, name):
    """-> (capture, options) of the case @name."""
    if name.startswith("ptcpdump-"):
        return os.path.join(DATA, name[len("ptcpdump-"):] + ".pcapng"), []
    host = StandardHost(tmp_path / "proc")
    host.host.add_socket("tcp", (LOCAL4, OWNERLESS_PORT), uid=33, owners=[])
    root = host.write()
    if name == "carried":
        return carried_capture(tmp_path / "carried.pcapng"), \
            prefs(proc_root=root, live_lookups="never")
    # Expert Info is the same on every frame: a few frames say it.  The
    # capture is the fake host's own (capture_host), as a live one would be.
    live = live_capture(tmp_path / "live.pcap", None if name == "live" else 8)
    here = {"capture_host": "this-host"}
    return live, {
        "live": prefs(proc_root=root, live_lookups="always", **here),
        "live-too-old": prefs(proc_root=root, **here),
        "live-no-table": prefs(proc_root=str(tmp_path / "no-such-proc"), live_lookups="always",
                               **here),
    }[name]


def process_trees(text):
    """-V output -> each frame's number line and its Process tree."""
    out, keep = [], False
    for line in text.splitlines():
        if line.startswith("Frame "):
            out.append(line.split(":")[0])
            keep = False
        elif line and not line[0].isspace():
            keep = line.startswith("[Process") or line.startswith("Process")
        if keep:
            out.append(line)
    return out


def pdml_trees(text):
    """-T pdml -> the procmap proto element of every packet, its fields'
    name, showname, show and hide, one line each, indented by depth."""
    out = []

    def walk(element, depth):
        attributes = " ".join('%s="%s"' % (key, element.get(key))
                              for key in ("name", "showname", "show", "hide")
                              if element.get(key) is not None)
        out.append("  " * depth + element.tag + " " + attributes)
        for child in element:
            walk(child, depth + 1)

    for packet in ElementTree.fromstring(text).iter("packet"):
        number = packet.find("proto[@name='geninfo']/field[@name='num']")
        out.append("packet %s" % (number.get("show") if number is not None else "?"))
        for proto in packet.findall("proto[@name='procmap']"):
            walk(proto, 1)
    return out


def golden_fields():
    """The process fields the golden files were written with: those added
    since (issue 17: the package name) are left out, so that the files stay
    as they were and still show that nothing else changed."""
    return [f for f in all_process_fields()
            if f not in ("procmap.src.package", "procmap.dst.package", "procmap.package")]


def render(tshark, capture, options, filters):
    """Everything compared, as one text."""
    sections = []
    verbose = tshark.run("-r", capture, "-V", *options).stdout
    sections.append(("-V (Process trees)", process_trees(verbose)))
    fields = ["frame.number"] + golden_fields()
    args = ["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-E", "separator=|"]
    for field in fields:
        args += ["-e", field]
    sections.append(("-T fields", tshark.run("-r", capture, *args, *options).stdout
                     .splitlines()))
    pdml = tshark.run("-r", capture, "-T", "pdml", *options).stdout
    sections.append(("-T pdml (procmap)", pdml_trees(pdml)))

    def selected(display_filter):
        numbers = tshark.run("-r", capture, "-Y", display_filter, "-T", "fields", "-e",
                             "frame.number", *options).stdout.split()
        return "%s: %s" % (display_filter, " ".join(numbers))
    matches = run_each(selected, filters)
    sections.append(("-Y (frames selected)", matches))
    return "".join("== %s\n%s\n" % (title, "\n".join(lines)) for title, lines in sections)


def golden_path(name):
    major, minor, _ = tshark_version()
    return os.path.join(GOLDEN_DIR, "%d.%d" % (major, minor), name + ".txt")


@pytest.mark.parametrize("name", list(CLAIMS))
def test_output_matches_golden(tshark, tmp_path, name):
    capture, options = case(tmp_path, name)
    text = render(tshark, capture, options, FILTERS if name in ALL_FILTERS else SHORT)
    for word in CLAIMS[name]:
        assert word in text, "the %s case shows no %r" % (name, word)
    path = golden_path(name)
    if WRITE:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
        return
    if not os.path.exists(path):
        pytest.skip("no golden for Wireshark %d.%d (%s): write one with "
                    "PROCMAP_GOLDEN_WRITE=1 and the plugin of a known-good commit"
                    % (tshark_version()[:2] + (path,)))
    with open(path, encoding="utf-8") as golden:
        expected = golden.read()
    if text != expected:
        diff = list(difflib.unified_diff(expected.splitlines(), text.splitlines(), "golden",
                                         "now", lineterm="", n=2))
        pytest.fail("%s differs from %s:\n%s" % (name, path, "\n".join(diff[:80])))
