# SPDX-License-Identifier: GPL-2.0-or-later
"""Process Information Blocks (Wireshark 5.1's custom block, PEN 32622,
entry type 3) and procmap's packet references to them, as procmap-capture
writes them (issue 14): what the plugin shows for files built to upstream's
layout by the project's own generator - every option, pid reuse, several
records, a reference before or without its record, an unknown entry type,
a big-endian section, two sections, a number claimed twice, malformed
records, and another writer's records.  Runs on every Wireshark of the
matrix (4.0, 4.4, 4.6)."""
import ipaddress
import struct

import pytest

from harness import SIDE_FIELDS, all_process_fields
from pcapgen import (DIRECTION_INBOUND, DIRECTION_OUTBOUND, WIRESHARK_PEN, PcapNg, old,
                     process_information_block,
                     process_thread_option, procmap_record_comment, procmap_refs_option,
                     udp_packet)
from tshark_output import absolute_time_text, boolean_text, tshark_version

RECORD_FIELDS = ["procmap.record.%s" % f for f in
                 ("ref", "run", "pid", "name", "path", "args", "user", "uid", "ppid", "start_time",
                  "extra")]
FIELDS = ["frame.number", "udp.srcport"] + all_process_fields() + RECORD_FIELDS
LOCAL, REMOTE = "10.0.0.5", "192.0.2.1"
START = 1700000000123456789
CURL = dict(pid=4242, name="curl", path="/usr/bin/curl",
            cmdline=["curl", "-s", "http://example.org/a b"], ppid=4000, uid=1000, user="alice",
            uuid=bytes(range(16)), start_ns=START)
SERVER = dict(pid=80, name="nginx", path="/usr/sbin/nginx", cmdline=["nginx: worker"],
              ppid=1, uid=33, user="www-data", start_ns=START - 10**9)


def side(row, which):
    return {f: row["procmap.%s.%s" % (which, f)] for f in SIDE_FIELDS
            if row["procmap.%s.%s" % (which, f)]}


DNS = dict(pid=53, name="unbound", path="/usr/sbin/unbound", cmdline=["unbound"],
           start_ns=START + 1)


def record_block(ref, process, **extra):
    return process_information_block(comment=procmap_record_comment(ref, **extra), **process)


def packet(pcap, port, refs, when=None, options=()):
    return pcap.add(udp_packet(LOCAL, port, REMOTE, 53, b"q"), when or old(),
                    options=[procmap_refs_option(*refs, order=pcap.order), *options])


def rows_of(tshark, pcap, tmp_path, name, *options):
    path = pcap.write(tmp_path / name)
    rows = tshark.fields(path, FIELDS, *options)
    # Read again in two passes: the same answers.
    assert tshark.fields(path, FIELDS, "-2", *options) == rows
    return path, rows


@pytest.mark.parametrize("big_endian", [False, True])
def test_every_option_and_both_ends(tshark, tmp_path, big_endian):
    pcap = PcapNg(big_endian=big_endian)
    pcap.add_custom_block(WIRESHARK_PEN, record_block(1, CURL, Cwd="/home/alice",
                                                      ContainerId="c0ffee",
                                                      ContainerName="web",
                                                      ParentCmd="/usr/bin/bash",
                                                      ParentArgs="-bash"))
    pcap.add_custom_block(WIRESHARK_PEN, record_block(2, SERVER))
    packet(pcap, 50000, (1, 2), options=[process_thread_option(4242, 4243, pcap.order)])
    packet(pcap, 50001, (2, 0))
    _, rows = rows_of(tshark, pcap, tmp_path, "every.pcapng")
    records, frames = rows[:2], rows[2:]
    assert [r["procmap.record.pid"] for r in records] == ["4242", "80"]
    curl = records[0]
    assert curl["procmap.record.ref"] == "1"
    assert curl["procmap.record.name"] == "curl"
    assert curl["procmap.record.path"] == "/usr/bin/curl"
    assert curl["procmap.record.args"] == "curl -s http://example.org/a b"
    assert (curl["procmap.record.uid"], curl["procmap.record.user"],
            curl["procmap.record.ppid"]) == ("1000", "alice", "4000")
    assert curl["procmap.record.start_time"] == absolute_time_text(START)
    assert "Cwd: /home/alice" in curl["procmap.record.extra"]
    assert all(r["udp.srcport"] == "" and r["procmap.src.pid"] == "" for r in records)

    src = side(frames[0], "src")
    assert src["pid"] == "4242" and src["name"] == "curl" and src["exe"] == "/usr/bin/curl"
    assert src["args"] == "curl -s http://example.org/a b"
    assert (src["uid"], src["user"], src["ppid"]) == ("1000", "alice", "4000")
    assert (src["cwd"], src["container_id"], src["container_name"]) == \
        ("/home/alice", "c0ffee", "web")
    assert (src["parent_exe"], src["parent_args"]) == ("/usr/bin/bash", "-bash")
    assert src["start_time"] == absolute_time_text(START)
    assert src["source"] == "procmap-capture"
    dst = side(frames[0], "dst")
    assert (dst["pid"], dst["name"], dst["user"]) == ("80", "nginx", "www-data")
    # Only a source record: the destination says it was not carried.
    assert side(frames[1], "src")["pid"] == "80"
    assert side(frames[1], "dst") == {"reason": "not-carried", "endpoint": "%s:53" % REMOTE}


def test_pid_reuse_and_several_records(tshark, tmp_path):
    """Two processes with one pid: each packet gets the record it names."""
    pcap = PcapNg()
    first = dict(CURL, name="first", start_ns=START)
    second = dict(CURL, name="second", start_ns=START + 5 * 10**9)
    pcap.add_custom_block(WIRESHARK_PEN, record_block(1, first))
    packet(pcap, 50000, (1, 0))
    pcap.add_custom_block(WIRESHARK_PEN, record_block(2, second))
    packet(pcap, 50001, (2, 0))
    packet(pcap, 50002, (1, 0))        # the older one again, by its number
    _, rows = rows_of(tshark, pcap, tmp_path, "reuse.pcapng")
    frames = [r for r in rows if r["udp.srcport"]]
    assert [(f["procmap.src.pid"], f["procmap.src.name"]) for f in frames] == \
        [("4242", "first"), ("4242", "second"), ("4242", "first")]


def test_a_reference_without_its_record_says_so(tshark, tmp_path):
    pcap = PcapNg()
    packet(pcap, 50000, (1, 0))        # before its record
    pcap.add_custom_block(WIRESHARK_PEN, record_block(1, CURL))
    packet(pcap, 50001, (1, 7))        # 7: never recorded
    packet(pcap, 50002, (1, 0))
    path, rows = rows_of(tshark, pcap, tmp_path, "missing.pcapng")
    frames = {r["udp.srcport"]: r for r in rows if r["udp.srcport"]}
    assert frames["50000"]["procmap.src.pid"] == ""
    assert frames["50001"]["procmap.src.pid"] == "4242"
    assert frames["50001"]["procmap.dst.pid"] == ""
    assert frames["50002"]["procmap.src.pid"] == "4242"
    flagged = tshark.run("-r", path, "-Y", "procmap.carried.unresolved", "-T", "fields",
                         "-e", "udp.srcport").stdout.split()
    assert flagged == ["50000", "50001"]


def test_unknown_entry_type_and_other_writers(tshark, tmp_path):
    """Another entry type of Wireshark's block is no record; another
    writer's record (no procmap number) is shown, and a packet naming a
    process by epb_processid_threadid alone gets no guessed end."""
    pcap = PcapNg()
    pcap.add_custom_block(WIRESHARK_PEN, struct.pack("<II", 7, 8) + b"\x01" * 8)
    pcap.add_custom_block(WIRESHARK_PEN, process_information_block(**SERVER))
    pcap.add(udp_packet(LOCAL, 50000, REMOTE, 53, b"q"), old(),
             options=[process_thread_option(80, 81)])
    path, rows = rows_of(tshark, pcap, tmp_path, "foreign.pcapng")
    assert [r["procmap.record.pid"] for r in rows] == ["", "80", ""]
    assert rows[1]["procmap.record.ref"] == "" and rows[1]["procmap.record.name"] == "nginx"
    assert rows[2]["procmap.src.pid"] == rows[2]["procmap.dst.pid"] == ""
    assert tshark.run("-r", path, "-Y", "procmap.carried.malformed").stdout == ""


@pytest.mark.parametrize("big_endian", [False, True])
def test_other_writers_packets_by_pid(tshark, tmp_path, big_endian):
    """Another writer's packets name their process by epb_processid_threadid
    alone (Wireshark 4.6 keeps that option; on 4.0 and 4.4, which drop it,
    the plugin's own option parser keeps it): the record of that pid in the
    section, before the packet, the one that had started by the packet's
    time (pid reuse); the end the direction flag names, else no end.  A pid
    no record has gives nothing.  On 4.6 an option whose two halves each
    name a record gives nothing too (epan does not say the section's byte
    order); 4.0 and 4.4 read the option in the section's order, so its pid
    is known."""
    pcap = PcapNg(big_endian=big_endian)
    start = 1700000000
    first = dict(CURL, name="first", start_ns=start * 10**9)
    second = dict(CURL, name="second", start_ns=(start + 100) * 10**9)
    for process in (SERVER, first, second):
        pcap.add_custom_block(WIRESHARK_PEN, process_information_block(**process))

    def named(port, pid, tid, when, direction=None):
        pcap.add(udp_packet(LOCAL, port, REMOTE, 53, b"q"), start + when, direction=direction,
                 options=[process_thread_option(pid, tid, pcap.order)])

    named(50000, 80, 81, 10, DIRECTION_OUTBOUND)
    named(50001, 4242, 4243, 50, DIRECTION_INBOUND)     # before the second started
    named(50002, 4242, 0, 150, DIRECTION_INBOUND)       # after: the second
    named(50003, 80, 80, 160)                          # no direction: no end
    named(50004, 999, 1000, 170, DIRECTION_OUTBOUND)   # no record of 999
    named(50005, 80, 4242, 180, DIRECTION_OUTBOUND)    # either half names a record
    _, rows = rows_of(tshark, pcap, tmp_path, "by-pid.pcapng")
    frames = {r["udp.srcport"]: r for r in rows if r["udp.srcport"]}
    assert (side(frames["50000"], "src")["name"], side(frames["50000"], "src")["source"]) == \
        ("nginx", "pib")
    assert side(frames["50000"], "dst")["reason"] == "not-carried"
    assert side(frames["50001"], "dst")["name"] == "first"
    assert side(frames["50001"], "src")["reason"] == "not-carried"
    assert side(frames["50002"], "dst")["name"] == "second"
    assert side(frames["50002"], "dst")["exe"] == "/usr/bin/curl"
    either = frames["50003"]
    assert either["procmap.src.pid"] == either["procmap.dst.pid"] == ""
    assert either["procmap.side_unknown"] == boolean_text(True)
    assert (either["procmap.pid"], either["procmap.name"]) == ("80", "nginx")
    assert frames["50004"]["procmap.pid"] == ""
    assert frames["50004"]["procmap.src.source"] == ""
    if tshark_version() < (4, 6):
        assert (side(frames["50005"], "src")["pid"], side(frames["50005"], "src")["name"]) == \
            ("80", "nginx")
    else:
        assert frames["50005"]["procmap.pid"] == ""
        assert frames["50005"]["procmap.src.source"] == ""


def test_process_thread_option_malformed_or_saved(tshark, tmp_path):
    """On 4.0 and 4.4 an epb_processid_threadid of the wrong length is
    skipped by the plugin's parser, the rest of the file still read (4.6's
    own reader calls such a file damaged); and what the plugin keeps of the
    option there (a custom option in memory) never reaches a file tshark
    saves."""
    pcap = PcapNg()
    pcap.add_custom_block(WIRESHARK_PEN, process_information_block(**SERVER))
    malformed = tshark_version() < (4, 6)
    if malformed:
        pcap.add(udp_packet(LOCAL, 50000, REMOTE, 53, b"q"), old(),
                 direction=DIRECTION_OUTBOUND, options=[(8, struct.pack("<IH", 80, 0))])
    pcap.add(udp_packet(LOCAL, 50001, REMOTE, 53, b"q"), old(), direction=DIRECTION_OUTBOUND,
             options=[process_thread_option(80, 81)])
    path, rows = rows_of(tshark, pcap, tmp_path, "short-option.pcapng")
    frames = {r["udp.srcport"]: r for r in rows if r["udp.srcport"]}
    if malformed:
        assert frames["50000"]["procmap.pid"] == ""
    assert side(frames["50001"], "src")["name"] == "nginx"
    saved = tmp_path / "saved.pcapng"
    tshark.run("-r", path, "-w", str(saved))
    data = saved.read_bytes()
    assert struct.pack("<I", 0x70726D70) not in data and struct.pack(">I", 0x70726D70) not in data


def ipv4_fragments(src, dst, datagram, split):
    """@datagram (a UDP datagram) as two IPv4 fragments, cut at @split (a
    multiple of 8)."""
    def fragment(data, offset, more):
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(data), 0x4242,
                             (0x2000 if more else 0) | offset // 8, 64, 17, 0,
                             ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed)
        return header + data
    return [fragment(datagram[:split], 0, True), fragment(datagram[split:], split, False)]


def tshark_saves_depended_upon_frames(tshark, tmp_path):
    """Whether `tshark -2 -Y ... -w` writes the frames a displayed frame
    depends on, probed with Wireshark's own case: a reassembled datagram's
    first fragment.  Wireshark 4.0 does; 4.4 and 4.6 write the displayed
    frames only."""
    pcap = PcapNg()
    datagram = struct.pack("!HHHH", 50000, 9999, 108, 0) + b"x" * 100
    for n, fragment in enumerate(ipv4_fragments(LOCAL, REMOTE, datagram, 56)):
        pcap.add(fragment, old() + n)
    path = pcap.write(tmp_path / "fragments.pcapng")
    saved = tmp_path / "fragments-saved.pcapng"
    tshark.run("-2", "-r", path, "-Y", "udp", "-w", str(saved))
    return len(tshark.fields(str(saved), ["frame.number"])) == 2


def test_saving_displayed_packets_keeps_their_records(tshark, tmp_path):
    """A packet whose process came from records depends on their frames, as
    a reassembled PDU on its pieces: saving only the packets a filter keeps
    (tshark -2 -Y ... -w, the GUI's Export Specified Packets > Displayed)
    keeps the records they name, and no others, so the saved file still
    names its processes.  By default only on Wireshark 4.0, where a
    dissection's depended-upon frames cost nothing after it (from 4.2 on
    each packet keeps a hash table: procmap.keep_records_on_export is off
    there unless set); and only where tshark writes depended-upon frames at
    all (4.4 and 4.6 do not, not even an IP datagram's first fragment;
    tests/gui/test_gui_export.py covers the GUI there).  Elsewhere, and
    with the preference off, the kept packets say that their records are
    missing, as before."""
    writes_dependencies = tshark_saves_depended_upon_frames(tshark, tmp_path)
    for keep in (None, False):
        saving_keeps_records(tshark, tmp_path, writes_dependencies and keep is None and
                             tshark_version() < (4, 2),
                             [] if keep is None else
                             ["-o", "procmap.keep_records_on_export:FALSE"])


def saving_keeps_records(tshark, tmp_path, keeps_dependencies, options):
    pcap = PcapNg()
    pcap.add_custom_block(WIRESHARK_PEN, record_block(1, CURL))          # frame 1
    pcap.add_custom_block(WIRESHARK_PEN, record_block(2, SERVER))        # frame 2
    pcap.add_custom_block(WIRESHARK_PEN, record_block(3, DNS))           # frame 3
    packet(pcap, 50000, (1, 0))                                          # 4: curl
    packet(pcap, 50001, (3, 0))                                          # 5: unbound
    packet(pcap, 50002, (1, 2))                                          # 6: curl, nginx
    pcap.add(udp_packet(LOCAL, 50003, REMOTE, 53, b"q"), old(),         # 7: by pid, unbound
             direction=DIRECTION_OUTBOUND, options=[process_thread_option(53, 0)])
    path = pcap.write(tmp_path / "all.pcapng")
    for display_filter, kept_ports, kept_records in (
            ('procmap.name == "curl"', {"50000", "50002"}, {"curl", "nginx"}),
            ("udp.srcport == 50003", {"50003"}, {"unbound"}),
            ("udp.srcport == 50001", {"50001"}, {"unbound"}),
            ("udp.srcport == 9", set(), set())):
        saved = tmp_path / "saved.pcapng"
        tshark.run("-2", "-r", path, "-Y", display_filter, "-w", str(saved), *options)
        rows = tshark.fields(str(saved), FIELDS)
        records = {r["procmap.record.name"] for r in rows if r["procmap.record.name"]}
        packets = {r["udp.srcport"]: r for r in rows if r["udp.srcport"]}
        if not keeps_dependencies:
            assert (set(packets), records) == (kept_ports, set()), display_filter
            assert all(r["procmap.pid"] == "" for r in packets.values()), display_filter
            continue
        assert (set(packets), records) == (kept_ports, kept_records), display_filter
        for port, row in packets.items():
            if port == "50003" and tshark_version() < (4, 6):
                # 4.0 and 4.4 write no epb_processid_threadid: the saved
                # packet has lost its pid (its record is kept all the same).
                assert row["procmap.pid"] == "", display_filter
                continue
            # Every kept packet still names its process, none says a record is missing.
            assert row["procmap.src.name"] in ("curl", "unbound"), (display_filter, port)
            assert row["procmap.src.reason"] == "", (display_filter, port)
        if "50002" in packets:
            assert packets["50002"]["procmap.dst.name"] == "nginx"


def test_a_comment_cannot_pose_as_a_record(tshark, tmp_path):
    """The plugin's own marker for a record named by pid is never read from
    a file's comment."""
    pcap = PcapNg()
    pcap.add(udp_packet(LOCAL, 50000, REMOTE, 53, b"q"), old(), direction=DIRECTION_OUTBOUND,
             comments=["procmap-pib\nVersion: 1\nPID: 66\nComm: forged"])
    _, rows = rows_of(tshark, pcap, tmp_path, "forged.pcapng")
    assert rows[0]["procmap.pid"] == "" and rows[0]["procmap.src.source"] != "pib"


def test_sections_and_numbers_claimed_twice(tshark, tmp_path):
    """A number means a record of its own section; two records of one
    section claiming one number (two runs merged) answer nothing from the
    second on."""
    one = PcapNg()
    one.add_custom_block(WIRESHARK_PEN, record_block(1, CURL))
    packet(one, 50000, (1, 0))
    packet(one, 50001, (1, 0))
    one.add_custom_block(WIRESHARK_PEN, record_block(1, SERVER))    # claimed twice
    packet(one, 50002, (1, 0))
    two = PcapNg()
    packet(two, 50003, (1, 0))          # section 2: its own records only
    two.add_custom_block(WIRESHARK_PEN, record_block(1, SERVER))
    packet(two, 50004, (1, 0))
    path = tmp_path / "sections.pcapng"
    path.write_bytes(one.to_bytes() + two.to_bytes())
    rows = tshark.fields(str(path), FIELDS)
    assert tshark.fields(str(path), FIELDS, "-2") == rows
    pids = {r["udp.srcport"]: r["procmap.src.pid"] for r in rows if r["udp.srcport"]}
    assert pids == {"50000": "4242", "50001": "4242", "50002": "", "50003": "", "50004": "80"}


def test_merged_runs_keep_their_numbers_apart(tshark, tmp_path):
    """Two runs merged into one section (what mergecap writes) both number
    a record 1; their tags (version 2 references, "Run:" in the record)
    keep them apart.  The same tag and number claimed twice still answers
    nothing from the second claim on, and a version 1 reference does not
    name a tagged record."""
    pcap = PcapNg()
    pcap.add_custom_block(WIRESHARK_PEN, record_block(1, CURL, run=7))
    pcap.add_custom_block(WIRESHARK_PEN, record_block(1, SERVER, run=9))
    for port, run in ((50000, 7), (50001, 9), (50002, 7), (50003, 9)):
        pcap.add(udp_packet(LOCAL, port, REMOTE, 53, b"q"), old(),
                 options=[procmap_refs_option(1, 0, order=pcap.order, run=run)])
    packet(pcap, 50004, (1, 0))                     # version 1: no tag, no record
    pcap.add_custom_block(WIRESHARK_PEN, record_block(1, DNS, run=9))    # 9/1 again
    pcap.add(udp_packet(LOCAL, 50005, REMOTE, 53, b"q"), old(),
             options=[procmap_refs_option(1, 0, order=pcap.order, run=9)])
    pcap.add(udp_packet(LOCAL, 50006, REMOTE, 53, b"q"), old(),
             options=[procmap_refs_option(1, 0, order=pcap.order, run=7)])
    _, rows = rows_of(tshark, pcap, tmp_path, "merged.pcapng")
    pids = {r["udp.srcport"]: r["procmap.src.pid"] for r in rows if r["udp.srcport"]}
    assert pids == {"50000": "4242", "50001": "80", "50002": "4242", "50003": "80",
                    "50004": "", "50005": "", "50006": "4242"}
    runs = [r["procmap.record.run"] for r in rows if r["procmap.record.pid"]]
    assert runs == ["7", "9", "9"]


def test_malformed_records(tshark, tmp_path):
    pcap = PcapNg()
    # An entry longer than its block; a uid of the wrong length (the rest
    # of the record is kept); a process entry without its pid.
    pcap.add_custom_block(WIRESHARK_PEN, struct.pack("<II", 3, 400) + b"\0" * 8)
    pcap.add_custom_block(WIRESHARK_PEN, process_information_block(
        1, name="short-uid", comment=procmap_record_comment(1),
        extra_options=[(6, b"\x01\x02")]))
    pcap.add_custom_block(WIRESHARK_PEN, struct.pack("<II", 3, 2) + b"\0\0\0\0")
    packet(pcap, 50000, (1, 0))
    # A garbage reference option: no answer, no crash.
    pcap.add(udp_packet(LOCAL, 50001, REMOTE, 53, b"q"), old(),
             options=[(2989, struct.pack("<I", 0x70726D70) + b"\x01\xff\xff\xff\xff\xff\xff")])
    path, rows = rows_of(tshark, pcap, tmp_path, "malformed.pcapng")
    frames = {r["udp.srcport"]: r for r in rows if r["udp.srcport"]}
    assert frames["50000"]["procmap.src.name"] == "short-uid"
    assert frames["50000"]["procmap.src.uid"] == ""
    assert frames["50001"]["procmap.src.pid"] == ""
    malformed = tshark.run("-r", path, "-Y", "procmap.carried.malformed", "-T", "fields",
                           "-e", "frame.number").stdout.split()
    assert malformed == ["1", "2", "3"]
