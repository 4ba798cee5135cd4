# SPDX-License-Identifier: GPL-2.0-or-later
"""Expert Info: every entry the plugin registers, seen the way Wireshark's
own are seen (tshark -z expert, and the entry's filter field), on generated
captures and fake hosts: a frame too old for a live lookup, a socket table
that cannot be read, malformed process information in the capture, and a
packet that refers to a Darwin process block the file lacks (4.6+).
Ordinary answers (not-local, no-socket, attributed) add none.  The entry
for no-permission needs an unprivileged tshark: it is tested in
tests/reliability/test_unprivileged.py."""
import struct

import pytest

from harness import prefs
from pcapgen import (DIRECTION_OUTBOUND, Pcap, PcapNg, TcpConversation, _checksum, ip, old,
                     recent, tcp_packet)
from scenario import (CURL_PORT, HTTP_PORT, LOCAL4, LOOP4, REMOTE4, UNOWNED_PORT, WEB_PORT,
                      StandardHost)
from tshark_output import expert_rows, tshark_version

TOO_OLD = ("Captured too long ago for a live lookup of its processes (the live_window and "
           "live_lookups preferences)")
BACKEND = ("The socket table could not be read: no live lookup (see the proc_root "
           "preference)")
MALFORMED = "Malformed process information in the capture: "
UNRESOLVED = "The packet refers to a process information block the capture does not have"
HOST_UNKNOWN = ("Not known to be captured on this host (a file, a pipe): no live lookup; set the "
                "capture_host preference to this-host if it was (noted on the first such frame "
                "of each interface)")
REMOTE = "192.0.2.1"


@pytest.fixture
def host(tmp_path):
    return StandardHost(tmp_path / "proc")


def expert(tshark, path, *options):
    """The Process entries of tshark -z expert over @path."""
    return expert_rows(tshark.run("-r", path, "-q", "-z", "expert", *options).stdout)


def frames_matching(tshark, path, display_filter, *options):
    stdout = tshark.run("-r", path, "-Y", display_filter, "-T", "fields", "-e", "frame.number",
                        *options).stdout
    return [int(number) for number in stdout.split()]


def loopback_capture(tmp_path, timestamp):
    """curl -> python3 over loopback, both ends resolvable on StandardHost."""
    pcap = Pcap()
    pcap.add_all(TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT)).handshake(),
                 timestamp)
    return pcap


def icmp_echo(src, dst):
    header = struct.pack("!BBHHH", 8, 0, 0, 0x42, 1) + b"ping"
    checksum = _checksum(header)
    return ip(src, dst, 1, header[:2] + struct.pack("!H", checksum) + header[4:])


def test_too_old_is_a_note_per_frame(tshark, host, tmp_path):
    path = loopback_capture(tmp_path, old()).write(tmp_path / "old.pcap")
    options = prefs(capture_host="this-host", proc_root=host.write())
    assert expert(tshark, path, *options) == [("Notes", 3, "Undecoded", TOO_OLD)]
    assert frames_matching(tshark, path, "procmap.too_old", *options) == [1, 2, 3]
    # Under the frame's Process tree, as Wireshark shows its own.
    details = tshark.run("-r", path, "-V", "-O", "procmap", "-c", "1", *options).stdout
    assert "Expert Info (Note/Undecoded): " + TOO_OLD in details, details
    # Looked up after all, or recent: no note.
    assert expert(tshark, path, *options, *prefs(live_lookups="always")) == []
    recent_path = loopback_capture(tmp_path, recent()).write(tmp_path / "recent.pcap")
    assert expert(tshark, recent_path, *options) == []


def test_host_unknown_is_one_note_per_interface(tshark, host, tmp_path):
    """A recent file: not known to be this host's, said once, on its first
    frame, on every pass; nothing when the user says this host."""
    path = loopback_capture(tmp_path, recent()).write(tmp_path / "recent.pcap")
    options = prefs(proc_root=host.write())
    assert expert(tshark, path, *options) == [("Notes", 1, "Undecoded", HOST_UNKNOWN)]
    assert frames_matching(tshark, path, "procmap.host_unknown", *options) == [1]
    assert frames_matching(tshark, path, "procmap.host_unknown", *options, "-2") == [1]
    reasons = tshark.fields(path, ["procmap.src.reason", "procmap.dst.reason"], *options)
    assert {value for row in reasons for value in row.values()} == {"host-unknown"}
    assert expert(tshark, path, *options, *prefs(capture_host="this-host")) == []


def test_unreadable_socket_table_is_a_warning_per_frame(tshark, tmp_path):
    pcap = loopback_capture(tmp_path, recent())
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, WEB_PORT, "S", 1))
    path = pcap.write(tmp_path / "c.pcap")
    options = prefs(capture_host="this-host", proc_root=str(tmp_path / "no-such-proc"))
    assert expert(tshark, path, *options) == [("Warns", 4, "Undecoded", BACKEND)]
    assert frames_matching(tshark, path, "procmap.backend_failed", *options) == [1, 2, 3, 4]


def test_ordinary_answers_add_none(tshark, host, tmp_path):
    """Attributed, no-socket and not-local ends are answers, not problems."""
    pcap = loopback_capture(tmp_path, recent())
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, UNOWNED_PORT, "S", 1))   # no-socket
    pcap.add(tcp_packet(REMOTE4, 50000, REMOTE, 80, "S", 1))             # not-local
    path = pcap.write(tmp_path / "c.pcap")
    options = prefs(capture_host="this-host", proc_root=host.write())
    rows = tshark.fields(path, ["procmap.src.reason", "procmap.dst.reason"], *options)
    assert [r["procmap.dst.reason"] for r in rows[3:]] == ["no-socket", "not-local"]
    assert expert(tshark, path, *options) == []


def test_malformed_carried_information_is_a_warning(tshark, tmp_path):
    pcap = PcapNg()
    t = recent()
    # 1: no process for it (a live lookup is made instead); 2: a process,
    # one value skipped; 3: fine; 4: an ICMP echo, nothing else to show.
    pcap.add(tcp_packet(LOCAL4, 40000, REMOTE, 443, "S"), t,
             comments=["PID: 12a\nCmd: /usr/bin/curl"], direction=DIRECTION_OUTBOUND)
    pcap.add(tcp_packet(LOCAL4, 40000, REMOTE, 443, "A", 1, 1), t + 0.1,
             comments=["PID: 100\nCmd: /usr/bin/curl\nUserId: x"], direction=DIRECTION_OUTBOUND)
    pcap.add(tcp_packet(LOCAL4, 40000, REMOTE, 443, "A", 1, 1), t + 0.2,
             comments=["PID: 100\nCmd: /usr/bin/curl"], direction=DIRECTION_OUTBOUND)
    pcap.add(icmp_echo(LOCAL4, REMOTE), t + 0.3, comments=["PID: 0x10\nCmd: /usr/bin/ping"],
             direction=DIRECTION_OUTBOUND)
    path = pcap.write(tmp_path / "malformed.pcapng")
    assert expert(tshark, path, *prefs(live_lookups="never")) == [
        ("Warns", 2, "Malformed", MALFORMED + "a malformed or out-of-range PID"),
        ("Warns", 1, "Malformed", MALFORMED + "a malformed or out-of-range UserId"),
    ]
    assert frames_matching(tshark, path, "procmap.carried.malformed") == [1, 2, 4]
    # PI_MALFORMED: Wireshark's malformed filter finds them too.
    assert frames_matching(tshark, path, "_ws.malformed") == [1, 2, 4]
    rows = tshark.fields(path, ["procmap.src.pid"])
    assert [r["procmap.src.pid"] for r in rows] == ["", "100", "100", ""]


@pytest.mark.skipif(tshark_version() < (4, 6), reason="Darwin process blocks: Wireshark 4.6+")
def test_reference_without_its_record_is_a_warning(tshark, tmp_path):
    pcap = PcapNg()
    responder = pcap.add_darwin_process(501, "mDNSResponder")
    t = old()
    pcap.add(tcp_packet(LOCAL4, 50000, REMOTE, 443, "S"), t, direction=DIRECTION_OUTBOUND,
             options=PcapNg.darwin_options(responder))
    pcap.add(tcp_packet(LOCAL4, 50000, REMOTE, 443, "A", 1, 1), t + 1,
             direction=DIRECTION_OUTBOUND, options=PcapNg.darwin_options(responder + 7))
    pcap.add(tcp_packet(LOCAL4, 50000, REMOTE, 443, "A", 1, 1), t + 2,
             direction=DIRECTION_OUTBOUND, options=PcapNg.darwin_options(responder, 9))
    path = pcap.write(tmp_path / "dangling.pcapng")
    assert ("Warns", 2, "Malformed", UNRESOLVED) in expert(tshark, path)
    assert frames_matching(tshark, path, "procmap.carried.unresolved") == [2, 3]
    # The frame whose effective process is missing still shows its process.
    rows = tshark.fields(path, ["procmap.src.pid"])
    assert [r["procmap.src.pid"] for r in rows] == ["501", "", "501"]
