# SPDX-License-Identifier: GPL-2.0-or-later
"""Frames whose transport header is not the outermost one: ICMP errors
quoting a UDP packet (the quoted sender is the process the error is for) and
VXLAN (the inner TCP tuple is attributed, not the outer UDP 4789)."""
import struct

import pytest

import pcapgen
from harness import all_process_fields, prefs
from pcapgen import Pcap, icmp_port_unreachable, tcp_packet, udp_packet
from scenario import (DIG_PORT, DIG6_PORT, LOCAL4, LOCAL6, LOOP4, REMOTE6, WEB_PORT,
                      StandardHost, attributed, side_of, unattributed)
from tshark_output import boolean_text

FIELDS = ["frame.number", "icmp.type", "icmpv6.type"] + all_process_fields()


@pytest.fixture
def host(tmp_path):
    return StandardHost(tmp_path / "proc")


def dissect(tshark, host, pcap, tmp_path, *options, extra=()):
    root = host.write()
    return tshark.fields(pcap.write(tmp_path / "capture.pcap"), FIELDS + list(extra),
                         *prefs(capture_host="this-host", proc_root=root), *options)


@pytest.mark.parametrize("family", [4, 6])
def test_icmp_error_goes_to_the_quoted_sender(tshark, host, tmp_path, family):
    if family == 4:
        sender, process, router, server = (LOCAL4, DIG_PORT), host.dig, "198.51.100.53", \
            "198.51.100.53"
        match = "any-address"       # dig's socket is bound to 0.0.0.0
    else:
        sender, process, router, server = (LOCAL6, DIG6_PORT), host.dig6, "2001:db8::1", \
            "2001:db8::53"
        match = "exact"
    query = udp_packet(sender[0], sender[1], server, 53, b"\xab\xcd\x01\x00" + b"\0" * 8)
    pcap = Pcap()
    pcap.add(query)
    pcap.add(icmp_port_unreachable(router, sender[0], query))
    rows = dissect(tshark, host, pcap, tmp_path)
    dig = attributed(process, match, sender)
    # The query itself: dig -> a remote server.
    assert side_of(rows[0], "src") == dig
    assert side_of(rows[0], "dst") == unattributed("not-local", (server, 53))
    assert rows[0]["procmap.icmp_quoted"] == ""
    # The error: from a network stack, for dig.
    error = rows[1]
    assert (error["icmp.type"], error["icmpv6.type"]) == (("3", "") if family == 4
                                                          else ("", "1"))
    assert error["procmap.icmp_quoted"] == boolean_text(True)
    assert side_of(error, "src") == unattributed("icmp-error")
    assert side_of(error, "dst") == dig
    assert error["procmap.name"] == "dig"
    assert error["procmap.pid"] == str(process.pid)


def test_loopback_icmp_error(tshark, host, tmp_path):
    """On loopback the error comes from a local address: still no process."""
    client = host.host.add_process(6100, "nc", ["nc", "-u", "127.0.0.1", "9"],
                                   exe="/usr/bin/nc.openbsd")
    host.host.add_socket("udp", (LOOP4, 39999), (LOOP4, 9), owners=[client])
    datagram = udp_packet(LOOP4, 39999, LOOP4, 9, b"hello")
    pcap = Pcap()
    pcap.add(datagram)
    pcap.add(icmp_port_unreachable(LOOP4, LOOP4, datagram))
    rows = dissect(tshark, host, pcap, tmp_path)
    nc = attributed(client, "tuple", (LOOP4, 39999))
    assert side_of(rows[0], "src") == nc
    assert side_of(rows[0], "dst") == unattributed("no-socket", (LOOP4, 9))
    assert rows[1]["procmap.icmp_quoted"] == boolean_text(True)
    assert side_of(rows[1], "src") == unattributed("icmp-error")
    assert side_of(rows[1], "dst") == nc


@pytest.mark.parametrize("passes", [[], ["-2"]])
def test_icmp_error_does_not_join_the_quoted_stream(tshark, host, tmp_path, passes):
    """The error's source endpoint is the quoted packet's (dig's), in dig's
    UDP stream: stickiness must not turn "icmp-error" into dig."""
    query = udp_packet(LOCAL4, DIG_PORT, "198.51.100.53", 53, b"\x01\x02" + b"\0" * 10)
    pcap = Pcap()
    pcap.add(query)
    pcap.add(icmp_port_unreachable("198.51.100.53", LOCAL4, query))
    pcap.add(query)
    rows = dissect(tshark, host, pcap, tmp_path, *passes)
    dig = attributed(host.dig, "any-address", (LOCAL4, DIG_PORT))
    assert side_of(rows[1], "src") == unattributed("icmp-error")
    assert side_of(rows[1], "dst") == dig
    assert side_of(rows[2], "src") == dig


def vxlan_frame(inner_ip_packet):
    inner = pcapgen.ether(inner_ip_packet, src_mac=b"\x02\0\0\0\1\1", dst_mac=b"\x02\0\0\0\1\2")
    return pcapgen.vxlan_packet("198.51.100.99", 50000, LOCAL4, inner)


def test_vxlan_inner_tuple_attributed(tshark, host, tmp_path):
    # flanneld owns UDP 0.0.0.0:4789: attributing the outer header would
    # name it instead of web.
    pcap = Pcap()
    pcap.add(vxlan_frame(tcp_packet("198.51.100.77", 33333, LOCAL4, WEB_PORT, "S", 5)))
    pcap.add(vxlan_frame(tcp_packet(LOCAL4, WEB_PORT, "198.51.100.77", 33333, "SA", 9, 6)))
    rows = dissect(tshark, host, pcap, tmp_path, extra=["vxlan.vni"])
    web = attributed(host.web, "any-address", (LOCAL4, WEB_PORT))
    peer = unattributed("not-local", ("198.51.100.77", 33333))
    assert rows[0]["vxlan.vni"] == "42"
    assert side_of(rows[0], "src") == peer and side_of(rows[0], "dst") == web
    assert side_of(rows[1], "src") == web and side_of(rows[1], "dst") == peer
    assert rows[0]["procmap.name"] == "web (v2)"


def test_vxlan_without_inner_transport_uses_outer_udp(tshark, host, tmp_path):
    """Control: the decoy is real.  With no inner TCP/UDP (an ARP request),
    the outer UDP header is the innermost one: flanneld's."""
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, b"\x02\0\0\0\1\1",
                      bytes([10, 9, 0, 1]), b"\0" * 6, bytes([10, 9, 0, 2]))
    inner = b"\xff" * 6 + b"\x02\0\0\0\1\1" + struct.pack("!H", 0x0806) + arp
    pcap = Pcap()
    pcap.add(pcapgen.vxlan_packet("198.51.100.99", 50000, LOCAL4, inner))
    rows = dissect(tshark, host, pcap, tmp_path)
    assert side_of(rows[0], "dst") == attributed(host.flanneld, "any-address",
                                                 (LOCAL4, pcapgen.VXLAN_PORT))


def test_frames_without_transport_are_not_attributed(tshark, host, tmp_path):
    echo = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"
    pcap = Pcap()
    pcap.add(pcapgen.ipv4(LOCAL4, "198.51.100.7", pcapgen.PROTO_ICMP, echo))
    pcap.add(pcapgen.ipv6(LOCAL6, REMOTE6, 59, b""))          # no next header
    rows = dissect(tshark, host, pcap, tmp_path)
    assert len(rows) == 2 and rows[0]["icmp.type"] == "8"
    for row in rows:
        assert all(row[f] == "" for f in all_process_fields()), row
