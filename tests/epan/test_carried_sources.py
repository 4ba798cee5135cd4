# SPDX-License-Identifier: GPL-2.0-or-later
"""Process information other capture tools carry, made by pcapgen from the
layouts in docs/capture-comments.md: PCAPdroid's pcap trailer and its
pcapng "u-<uid>" comments with uid map blocks (PEN 62652, both byte
orders), tcpshark's and eCapture's Ethernet trailers, iOS pcapd's comments
(pymobiledevice3).  Odd input: a
truncated trailer, a wrong magic, a uid the map lacks, an app name that is
not UTF-8.  The frame's own dissection (Ethernet trailer and FCS, IP, TCP)
stays as it is without procmap."""
import os
import struct

import pytest

from harness import HERE, prefs
from pcapgen import (DIRECTION_INBOUND, DIRECTION_OUTBOUND, ECAPTURE_MAGIC, PCAPDROID_PEN,
                     TCPSHARK_MAGIC, Pcap, PcapNg, ether, gopacket_trailer_frame, old,
                     pcapdroid_frame, pcapdroid_uid_map, tcp_packet, udp_packet)
from test_carried import FIELDS, either, frames_matching, side, stats_tree
from tshark_output import boolean_text, expert_rows

PHONE, SERVER, SERVER6, PHONE6 = "10.215.173.1", "142.250.1.1", "2001:db8::1", "2001:db8::2"
MALFORMED = "Malformed process information in the capture: "
# What Wireshark itself shows of a frame: procmap must leave it as it is.
OWN_FIELDS = ["frame.number", "frame.protocols", "eth.type", "eth.padding", "eth.trailer",
              "eth.fcs", "ip.len", "ipv6.plen", "tcp.len", "udp.length", "_ws.expert.message"]
# Live lookups off: an answer can only come from the file.
NEVER = prefs(live_lookups="never")


def own_dissection(tshark, path):
    """OWN_FIELDS of every frame, with procmap and without it."""
    on = tshark.fields(path, OWN_FIELDS, *NEVER)
    off = tshark.fields(path, OWN_FIELDS, "--disable-protocol", "procmap")
    for row in on + off:    # procmap's own expert messages are its own
        row["_ws.expert.message"] = ",".join(
            m for m in row["_ws.expert.message"].split(",") if not m.startswith(MALFORMED))
    return on, off


def expert(tshark, path):
    return expert_rows(tshark.run("-r", path, "-q", "-z", "expert", *NEVER).stdout)


def app(name, uid, package=None):
    """The either-side fields of an Android app (no pid)."""
    fields = {"name": name, "uid": str(uid), "source": "pcapdroid"}
    if package:
        fields["package"] = package
    return fields


# ---- PCAPdroid, pcap -------------------------------------------------------

def pcapdroid_pcap(tmp_path):
    pcap = Pcap()
    t = old()
    request = tcp_packet(PHONE, 40000, SERVER, 443, "PA", 1, 1, b"GET / HTTP/1.1\r\n\r\n")
    pcap.add_frame(pcapdroid_frame(request, 10123, "Chrome"), t)                     # 1
    pcap.add_frame(pcapdroid_frame(udp_packet(PHONE, 5353, SERVER, 53, b"q"), 10123,
                                   "Chrome"))                                          # 2
    pcap.add_frame(pcapdroid_frame(tcp_packet(PHONE6, 40001, SERVER6, 443, "S"), 10200,
                                   "Twenty characters!!!"))                            # 3
    pcap.add_frame(pcapdroid_frame(udp_packet(PHONE, 5000, SERVER, 53, b"q"), 10300,
                                   b"Caf\xe9 \xff\xfe"))                               # 4
    pcap.add_frame(pcapdroid_frame(udp_packet(PHONE, 5001, SERVER, 53, b"q"), -1, ""))  # 5
    pcap.add_frame(pcapdroid_frame(udp_packet(PHONE, 5002, SERVER, 53, b"q"), 10123,
                                   "Chrome", magic=0x01072022))                        # 6
    pcap.add_frame(pcapdroid_frame(udp_packet(PHONE, 5003, SERVER, 53, b"q"), 10123,
                                   "Chrome", cut=12))                                  # 7
    # Ordinary Ethernet: padding of a short frame, and a frame with an FCS.
    pcap.add_frame(ether(udp_packet(PHONE, 5004, SERVER, 53, b"q")) + b"\0" * 14)      # 8
    pcap.add_frame(ether(udp_packet(PHONE, 5005, SERVER, 53, b"q" * 40)) + b"\x01\x02\x03\x04")
    return pcap.write(tmp_path / "pcapdroid.pcap")                                    # 9


def test_pcapdroid_trailer_names_the_app(tshark, tmp_path):
    """A pcap has no direction: the app is at an unknown end, in the
    either-side fields, with its uid and no pid."""
    rows = tshark.fields(pcapdroid_pcap(tmp_path), FIELDS, *NEVER)
    assert len(rows) == 9
    chrome = app("Chrome", 10123)
    assert either(rows[0]) == chrome and either(rows[1]) == chrome
    assert either(rows[2]) == app("Twenty characters!!!", 10200)
    # Not UTF-8: replacement characters, as every carried text.
    assert either(rows[3]) == app("Caf\ufffd \ufffd\ufffd", 10300)
    for row in rows[:4]:
        assert row["procmap.side_unknown"] == boolean_text(True)
        assert row["procmap.pid"] == "" and row["procmap.src.pid"] == ""
        assert side(row, "src")["reason"] == "side-unknown"
    # uid -1 (PCAPdroid did not know the app), a wrong magic, a truncated
    # trailer, ordinary Ethernet frames: no process, from the file or live.
    for row in rows[4:]:
        assert either(row) == {}, row
        assert row["procmap.src.reason"] in ("live-lookups-off", ""), row


def test_pcapdroid_filters_and_statistics(tshark, tmp_path):
    path = pcapdroid_pcap(tmp_path)
    assert frames_matching(tshark, path, 'procmap.name == "Chrome"', *NEVER) == [1, 2]
    assert frames_matching(tshark, path, "procmap.uid == 10200", *NEVER) == [3]
    assert frames_matching(tshark, path, 'procmap.source == "pcapdroid"', *NEVER) == [1, 2, 3, 4]
    tree = stats_tree(tshark, path, *NEVER)
    assert tree["Packets by process (either end)"][1] == {
        "Chrome (uid 10123)": 2, "Twenty characters!!! (uid 10200)": 1,
        "Caf\ufffd \ufffd\ufffd (uid 10300)": 1}
    text = tshark.run("-r", path, "-Y", "frame.number == 1", "-O", "procmap", *NEVER).stdout
    assert "Process (side unknown): Chrome (uid 10123)" in text
    assert "Attribution: pcapdroid (carried in the capture file by PCAPdroid (Android)" in text


def profile_filters():
    """The procmap profile's "Has process" button and colouring rule."""
    folder = os.path.join(HERE, "..", "..", "packaging", "profiles", "procmap")
    with open(os.path.join(folder, "dfilter_buttons"), encoding="utf-8") as f:
        button = next(line.split('","')[2] for line in f if '"Has process"' in line)
    with open(os.path.join(folder, "colorfilters"), encoding="utf-8") as f:
        rule = next(line.split("@")[2] for line in f if "@procmap: has a process@" in line)
    return [button.replace("\\x22", '"'), rule]


def test_profile_colours_and_button_show_android_apps(tshark, tmp_path):
    """PCAPdroid names an app (uid) and no pid: the profile's "Has process"
    button and colouring rule match its frames too."""
    pcap, pcapng = pcapdroid_pcap(tmp_path), pcapdroid_pcapng(tmp_path)
    for display_filter in profile_filters():
        assert frames_matching(tshark, pcap, display_filter, *NEVER) == [1, 2, 3, 4]
        assert frames_matching(tshark, pcapng, display_filter, *NEVER) == [2, 3, 4, 5, 7, 11]


def test_pcapdroid_trailer_leaves_the_frame_as_it_is(tshark, tmp_path):
    """Wireshark shows PCAPdroid's trailer as the Ethernet trailer and FCS:
    with procmap, the same."""
    on, off = own_dissection(tshark, pcapdroid_pcap(tmp_path))
    assert on == off
    assert on[0]["eth.trailer"] != "" and on[0]["eth.fcs"] != ""      # as Wireshark sees it


def test_pcapdroid_truncated_trailer_is_malformed(tshark, tmp_path):
    path = pcapdroid_pcap(tmp_path)
    assert expert(tshark, path) == [
        ("Warns", 1, "Malformed", MALFORMED + "a truncated PCAPdroid trailer")]
    assert frames_matching(tshark, path, "procmap.carried.malformed", *NEVER) == [7]


# ---- PCAPdroid, pcapng -----------------------------------------------------

def pcapdroid_pcapng(tmp_path, big_endian=False):
    """PCAPdroid's pcapng: raw IP, uid map blocks before a uid's first
    packet, "u-<uid>" comments, the direction flag (root mode)."""
    pcap = PcapNg(101, big_endian=big_endian)
    t = old()
    pcap.add_custom_block(PCAPDROID_PEN, pcapdroid_uid_map(10123, "com.android.chrome", "Chrome",
                                                           big_endian))               # 1
    pcap.add(tcp_packet(PHONE, 40000, SERVER, 443, "S"), t, comments=["u-10123"],
             direction=DIRECTION_OUTBOUND)                                             # 2
    pcap.add(tcp_packet(SERVER, 443, PHONE, 40000, "SA", 1, 1), comments=["u-10123"],
             direction=DIRECTION_INBOUND)                                              # 3
    pcap.add(udp_packet(PHONE, 5000, SERVER, 53, b"q"), comments=["u-10123"])          # 4
    pcap.add(udp_packet(PHONE, 5001, SERVER, 53, b"q"), comments=["u-10999"],
             direction=DIRECTION_OUTBOUND)                                             # 5
    pcap.add_custom_block(PCAPDROID_PEN, pcapdroid_uid_map(10300, b"com.caf\xe9", b"Caf\xe9",
                                                           big_endian))               # 6
    pcap.add(udp_packet(PHONE, 5002, SERVER, 53, b"q"), comments=["u-10300"],
             direction=DIRECTION_OUTBOUND)                                             # 7
    # A truncated map block, one of a later version (ignored), a wrong PEN.
    pcap.add_custom_block(PCAPDROID_PEN, pcapdroid_uid_map(10400, "com.x", "X",
                                                           big_endian)[:8])           # 8
    pcap.add_custom_block(PCAPDROID_PEN, pcapdroid_uid_map(10400, "com.y", "Y", big_endian,
                                                           version=2))                # 9
    pcap.add_custom_block(PCAPDROID_PEN + 1, pcapdroid_uid_map(10400, "com.z", "Z",
                                                               big_endian))           # 10
    pcap.add(udp_packet(PHONE, 5003, SERVER, 53, b"q"), comments=["u-10400"],
             direction=DIRECTION_OUTBOUND)                                             # 11
    pcap.add(udp_packet(PHONE, 5004, SERVER, 53, b"q"), comments=["u-12x"],
             direction=DIRECTION_OUTBOUND)                                             # 12
    return pcap.write(tmp_path / ("pcapdroid-%s.pcapng" % ("be" if big_endian else "le")))


@pytest.mark.parametrize("big_endian", [False, True], ids=["little-endian", "big-endian"])
def test_pcapdroid_pcapng_uid_map(tshark, tmp_path, big_endian):
    rows = {row["frame.number"]: row for row in
            tshark.fields(pcapdroid_pcapng(tmp_path, big_endian), FIELDS, *NEVER)}
    assert len(rows) == 12
    chrome = app("Chrome", 10123, "com.android.chrome")
    # Outbound: the app sent it; inbound: it receives it; no flag: unknown end.
    assert side(rows["2"], "src") == dict(chrome, endpoint="%s:40000" % PHONE)
    assert side(rows["2"], "dst")["reason"] == "not-carried"
    assert side(rows["3"], "dst") == dict(chrome, endpoint="%s:40000" % PHONE)
    assert side(rows["3"], "src")["reason"] == "not-carried"
    assert either(rows["4"]) == chrome
    assert rows["4"]["procmap.side_unknown"] == boolean_text(True)
    # A uid the map lacks: the uid alone.
    assert either(rows["5"]) == {"uid": "10999", "source": "pcapdroid"}
    assert side(rows["5"], "src") == {"uid": "10999", "source": "pcapdroid",
                                      "endpoint": "%s:5001" % PHONE}
    assert either(rows["7"]) == app("Caf\ufffd", 10300, "com.caf\ufffd")
    # No usable map entry for 10400 (truncated, later version, other PEN).
    assert either(rows["11"]) == {"uid": "10400", "source": "pcapdroid"}
    # Not "u-<uid>": nothing.
    assert either(rows["12"]) == {}
    # The blocks themselves carry no process.
    for number in ("1", "6", "8", "9", "10"):
        assert either(rows[number]) == {} and rows[number]["procmap.src.source"] == ""


def test_pcapdroid_pcapng_filters_statistics_and_expert(tshark, tmp_path):
    path = pcapdroid_pcapng(tmp_path)
    assert frames_matching(tshark, path, 'procmap.package == "com.android.chrome"',
                           *NEVER) == [2, 3, 4]
    assert frames_matching(tshark, path, 'procmap.src.package == "com.android.chrome"',
                           *NEVER) == [2]
    assert frames_matching(tshark, path, 'procmap.dst.name == "Chrome"', *NEVER) == [3]
    tree = stats_tree(tshark, path, *NEVER)
    assert tree["Packets by process (either end)"][1] == {
        "Chrome (uid 10123)": 3, "uid 10999": 1, "Caf\ufffd (uid 10300)": 1, "uid 10400": 1}
    assert tree["Packets by source process"][1]["Chrome (uid 10123)"] == 1
    assert expert(tshark, path) == [
        ("Warns", 1, "Malformed", MALFORMED + "a truncated PCAPdroid uid map block")]
    assert frames_matching(tshark, path, "procmap.carried.malformed", *NEVER) == [8]


# ---- tcpshark and eCapture -------------------------------------------------

def trailer_pcap(tmp_path):
    pcap = PcapNg()
    t = old()
    request = tcp_packet(PHONE, 40000, SERVER, 443, "PA", 1, 1, b"x" * 100)
    pcap.add_frame(gopacket_trailer_frame(request, TCPSHARK_MAGIC, 4242, "curl",
                                          "curl -s https://example.org/"), t,
                   direction=DIRECTION_OUTBOUND)                                       # 1
    # Short: zeros up to 60 bytes before the trailer.
    pcap.add_frame(gopacket_trailer_frame(udp_packet(PHONE, 5000, SERVER, 53, b"q"),
                                          TCPSHARK_MAGIC, 4243, "dig", ""))            # 2
    pcap.add_frame(gopacket_trailer_frame(udp_packet(PHONE, 5001, SERVER, 53, b"q"),
                                          TCPSHARK_MAGIC, 0, "", ""))                  # 3
    pcap.add_frame(gopacket_trailer_frame(request, TCPSHARK_MAGIC, 4244, "curl", "curl x",
                                          cut=9))                                      # 4
    pcap.add_frame(gopacket_trailer_frame(request, 0xA1BFF3D5, 4245, "curl", ""))       # 5
    # eCapture: the comm NUL-padded to 16 bytes, as the kernel's.
    reply = tcp_packet(SERVER, 443, PHONE, 40000, "PA", 1, 101, b"y" * 100)
    pcap.add_frame(gopacket_trailer_frame(reply, ECAPTURE_MAGIC, 777, b"openssl" + b"\0" * 9),
                   direction=DIRECTION_INBOUND)                                        # 6
    pcap.add_frame(gopacket_trailer_frame(udp_packet(PHONE, 5002, SERVER, 53, b"q"),
                                          ECAPTURE_MAGIC, 778, b"n\xffme"))            # 7
    pcap.add_frame(gopacket_trailer_frame(request, ECAPTURE_MAGIC, 779, "openssl", cut=8))
    return pcap.write(tmp_path / "trailers.pcapng")                                   # 8


def test_tcpshark_and_ecapture_trailers(tshark, tmp_path):
    rows = tshark.fields(trailer_pcap(tmp_path), FIELDS, *NEVER)
    assert len(rows) == 8
    curl = {"pid": "4242", "name": "curl", "args": "curl -s https://example.org/",
            "source": "tcpshark"}
    assert side(rows[0], "src") == dict(curl, endpoint="%s:40000" % PHONE)
    assert either(rows[1]) == {"pid": "4243", "name": "dig", "source": "tcpshark"}
    assert rows[1]["procmap.side_unknown"] == boolean_text(True)
    openssl = {"pid": "777", "name": "openssl", "comm": "openssl", "source": "ecapture"}
    assert side(rows[5], "dst") == dict(openssl, endpoint="%s:40000" % PHONE)
    assert either(rows[6]) == {"pid": "778", "name": "n\ufffdme", "comm": "n\ufffdme",
                               "source": "ecapture"}
    # pid 0 (tcpshark found no socket), truncated, wrong magic: nothing.
    for row in (rows[2], rows[3], rows[4], rows[7]):
        assert either(row) == {}, row


def test_tcpshark_and_ecapture_filters_statistics_expert_and_own_dissection(tshark, tmp_path):
    path = trailer_pcap(tmp_path)
    assert frames_matching(tshark, path, 'procmap.source == "tcpshark"', *NEVER) == [1, 2]
    assert frames_matching(tshark, path, 'procmap.name == "openssl"', *NEVER) == [6]
    tree = stats_tree(tshark, path, *NEVER)
    assert tree["Packets by process (either end)"][1] == {
        "curl (4242)": 1, "dig (4243)": 1, "openssl (777)": 1, "n\ufffdme (778)": 1}
    assert sorted(expert(tshark, path)) == sorted([
        ("Warns", 1, "Malformed", MALFORMED + "a truncated tcpshark trailer"),
        ("Warns", 1, "Malformed", MALFORMED + "a truncated eCapture trailer")])
    on, off = own_dissection(tshark, path)
    assert on == off


def test_plain_ethernet_trailers_carry_nothing(tshark, tmp_path):
    """Padding, an FCS, bytes after the IP packet that are no tool's: no
    process and no complaint."""
    pcap = Pcap()
    t = old()
    packet = udp_packet(PHONE, 5000, SERVER, 53, b"q")
    pcap.add_frame(ether(packet) + b"\0" * 18, t)
    pcap.add_frame(ether(packet) + b"\0" * 14 + struct.pack("!I", 0x01072021))
    pcap.add_frame(ether(packet) + b"\0" * 14 + struct.pack("!I", TCPSHARK_MAGIC)[:3])
    pcap.add_frame(ether(tcp_packet(PHONE, 40000, SERVER, 443, "PA", 1, 1,
                                    b"payload ending in the magic" +
                                    struct.pack("!Ii", 0x01072021, 10123) + b"\0" * 24)))
    path = pcap.write(tmp_path / "plain.pcap")
    rows = tshark.fields(path, FIELDS, *NEVER)
    assert all(either(row) == {} and row["procmap.src.source"] == "" for row in rows), rows
    assert expert(tshark, path) == []


# ---- iOS pcapd (pymobiledevice3) -------------------------------------------

def pcapd_comment(pid, name, epid, ename, svc=0):
    """pymobiledevice3's comment (services/pcapd.py)."""
    return "PID: %d, ProcName: %s, EPID: %d, EProcName: %s, SVC: %d" % (pid, name, epid, ename,
                                                                       svc)


def pcapd_pcapng(tmp_path):
    """As pymobiledevice3 writes it: Ethernet (a fake header for cellular
    packets), a comment per packet, no direction flag; then the flag, as a
    similar tool might write it, and odd comments."""
    pcap = PcapNg()
    t = old()
    fake = b"\xbe\xef" * 6 + b"\x08\x00"
    request = tcp_packet(PHONE, 49152, SERVER, 443, "S")
    pcap.add_frame(fake + request, t, comments=[pcapd_comment(312, "nsurlsessiond", 1204,
                                                              "MobileSafari", 300)])      # 1
    pcap.add_frame(ether(udp_packet(PHONE, 5000, SERVER, 53, b"q")),
                   comments=[pcapd_comment(88, "mDNSResponder", 88, "mDNSResponder")])     # 2
    pcap.add_frame(ether(tcp_packet(SERVER, 443, PHONE, 49152, "SA", 1, 1)),
                   comments=[pcapd_comment(312, "nsurlsessiond", 1204, "MobileSafari")],
                   direction=DIRECTION_INBOUND)                                            # 3
    pcap.add_frame(ether(udp_packet(PHONE, 5001, SERVER, 53, b"q")),
                   comments=["PID: x1, ProcName: bad, EPID: 1, EProcName: bad, SVC: 0"])   # 4
    pcap.add_frame(ether(udp_packet(PHONE, 5002, SERVER, 53, b"q")),
                   comments=[b"PID: 90, ProcName: caf\xe9, EPID: 90, EProcName: caf\xe9, SVC: 0"])
    return pcap.write(tmp_path / "pcapd.pcapng")                                           # 5


def test_pcapd_comments(tshark, tmp_path):
    rows = tshark.fields(pcapd_pcapng(tmp_path), FIELDS, *NEVER)
    safari = {"pid": "312", "name": "nsurlsessiond", "epid": "1204", "ename": "MobileSafari",
              "source": "pcapd"}
    assert either(rows[0]) == safari
    assert rows[0]["procmap.side_unknown"] == boolean_text(True)
    # The same effective process: no effective process apart.
    assert either(rows[1]) == {"pid": "88", "name": "mDNSResponder", "source": "pcapd"}
    assert side(rows[2], "dst") == dict(safari, endpoint="%s:49152" % PHONE)
    assert side(rows[2], "src")["reason"] == "not-carried"
    assert either(rows[3]) == {}
    assert either(rows[4]) == {"pid": "90", "name": "caf\ufffd", "source": "pcapd"}


def test_pcapd_filters_statistics_and_expert(tshark, tmp_path):
    path = pcapd_pcapng(tmp_path)
    assert frames_matching(tshark, path, 'procmap.ename == "MobileSafari"', *NEVER) == [1, 3]
    assert frames_matching(tshark, path, 'procmap.source == "pcapd"', *NEVER) == [1, 2, 3, 5]
    tree = stats_tree(tshark, path, *NEVER)
    assert tree["Packets by process (either end)"][1] == {
        "nsurlsessiond (312)": 2, "mDNSResponder (88)": 1, "caf\ufffd (90)": 1}
    assert expert(tshark, path) == [
        ("Warns", 1, "Malformed", MALFORMED + "a malformed or out-of-range pcapd PID")]
    for display_filter in profile_filters():
        assert frames_matching(tshark, path, display_filter, *NEVER) == [1, 2, 3, 5]
