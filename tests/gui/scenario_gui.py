# SPDX-License-Identifier: GPL-2.0-or-later
"""The capture the GUI test opens: a few conversations of the fake host of
tests/epan/scenario.py, one per kind of row the procmap profile shows
(a process on both ends, a DNS resolver, SSH, a plain daemon, a local port
nobody listens on), with the process names and coloring rule each frame
should get."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "epan"))

from pcapgen import Pcap, TcpConversation, tcp_packet, udp_packet  # noqa: E402
from scenario import (CURL_PORT, DNS_PORT, GUNICORN_PORT, HTTP_PORT, LOCAL4, LOCAL6,  # noqa: E402
                      LOOP4, NTP_PORT, REMOTE4, REMOTE4C, REMOTE6, SSH_LOCAL_PORT, SSH_PORT,
                      SSHD_PORT, UNOWNED_PORT, StandardHost)

# The profile's coloring rules (packaging/profiles/procmap/colorfilters).
HAS_PROCESS = "procmap: has a process"
SSH = "procmap: SSH"
DNS = "procmap: DNS resolver"
NO_SOCKET = "procmap: local socket not found"

# Capture times: fixed, so the file is the same every run (the test asks
# for live_lookups:always, the fake /proc answers whatever the date).
START = 1700000000.0
FRAME_STEP = 0.05

DNS_QUERY = bytes.fromhex("1a2b01000001000000000000") + b"\x07example\x03org\x00" + \
    b"\x00\x01\x00\x01"
DNS_ANSWER = bytes.fromhex("1a2b81800001000100000000") + b"\x07example\x03org\x00" + \
    b"\x00\x01\x00\x01" + bytes.fromhex("c00c000100010000012c00045db8d822")
NTP_REQUEST = bytes([0x23]) + bytes(47)          # NTPv4, client mode
NTP_REPLY = bytes([0x24, 2]) + bytes(46)         # server mode, stratum 2


class GuiCapture:
    """write(dir) -> (proc root, pcap path); frames: one (src name, dst name,
    coloring rule) per frame, "" where a side has no process; no_socket: the
    numbers of the frames with a local end whose socket is not found."""

    def __init__(self):
        self.frames = []
        self.no_socket = []
        self.pcap = Pcap()
        self._build()

    def _add(self, packets, src_dst_names, rule):
        for packet, (src, dst) in zip(packets, src_dst_names):
            self.pcap.add(packet, START + len(self.frames) * FRAME_STEP)
            self.frames.append((src, dst, rule))

    def _build(self):
        both = [("curl", "python3"), ("python3", "curl")]
        web = TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT))
        self._add(web.exchange(), [both[0], both[1], both[0], both[0], both[1], both[0]],
                  HAS_PROCESS)

        self._add([udp_packet(REMOTE4, 33333, LOCAL4, DNS_PORT, DNS_QUERY),
                   udp_packet(LOCAL4, DNS_PORT, REMOTE4, 33333, DNS_ANSWER)],
                  [("", "dnsmasq"), ("dnsmasq", "")], DNS)

        ssh = TcpConversation((LOCAL6, SSH_LOCAL_PORT), (REMOTE6, SSH_PORT))
        self._add([ssh.server_send("PA", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
                   ssh.client_send("PA", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
                   ssh.server_send("A")],
                  [("", "ssh"), ("ssh", ""), ("", "ssh")], SSH)

        # sshd listens on [::]:2222 only: an IPv4 SYN finds it dual-stack.
        self._add([tcp_packet(REMOTE4C, 40100, LOCAL4, SSHD_PORT, "S", seq=7000),
                   tcp_packet(LOCAL4, SSHD_PORT, REMOTE4C, 40100, "SA", seq=9000, ack=7001)],
                  [("", "sshd"), ("sshd", "")], SSH)

        app = TcpConversation((REMOTE4, 40001), (LOCAL4, GUNICORN_PORT))
        self._add([app.client_send("PA", b"GET /health HTTP/1.1\r\nHost: app\r\n\r\n"),
                   app.server_send("PA", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")],
                  [("", "gunicorn"), ("gunicorn", "")], HAS_PROCESS)

        self._add([udp_packet(REMOTE6, NTP_PORT, LOCAL6, NTP_PORT, NTP_REQUEST),
                   udp_packet(LOCAL6, NTP_PORT, REMOTE6, NTP_PORT, NTP_REPLY)],
                  [("", "chronyd"), ("chronyd", "")], HAS_PROCESS)

        # Nobody listens on port 9: the kernel's RST comes from no process
        # (and the stock "TCP RST" rule, which comes first, colors it).
        self._add([tcp_packet(REMOTE4C, 40200, LOCAL4, UNOWNED_PORT, "S", seq=100)],
                  [("", "")], NO_SOCKET)
        self._add([tcp_packet(LOCAL4, UNOWNED_PORT, REMOTE4C, 40200, "RA", seq=0, ack=101)],
                  [("", "")], "TCP RST")
        self.no_socket += [len(self.frames) - 1, len(self.frames)]

    def write(self, directory):
        root = StandardHost(os.path.join(str(directory), "proc")).write()
        return root, self.pcap.write(os.path.join(str(directory), "procmap-gui.pcap"))
