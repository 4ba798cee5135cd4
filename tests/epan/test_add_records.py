# SPDX-License-Identifier: GPL-2.0-or-later
"""`procmap add-records ORIGINAL PIECE OUTPUT` (issue 14): pieces cut from
a capture with process records by Wireshark's own editcap (-c and -r), or
exported as displayed (what File > Export Specified Packets writes), name
no process for packets whose records stayed behind (the plugin says the
record is missing); after add-records, each piece read alone gives every
packet the processes the whole capture gives it.  Also: a big-endian
original, a number the original gives two different records (not added,
exit 1), nothing to add (the piece unchanged, byte for byte), a broken
piece (exit 4, no output), and OUTPUT naming an input (refused)."""
import os
import subprocess

from pcapgen import WIRESHARK_PEN, PcapNg, old, procmap_refs_option, udp_packet
from test_process_records import CURL, FIELDS, LOCAL, REMOTE, SERVER, packet, record_block

MISSING = "The packet refers to a process information block the capture does not have"
DNS = dict(CURL, pid=53, name="unbound", path="/usr/sbin/unbound", cmdline=["unbound"],
           start_ns=CURL["start_ns"] + 1)


def add_records(*args):
    return subprocess.run([os.environ["PROCMAP_BIN"], "add-records", *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def write_original(path, big_endian=False):
    original(big_endian).write(path)
    return path


def original(big_endian=False):
    """Three processes recorded once each, before their first packets;
    later packets refer back to all of them."""
    pcap = PcapNg(big_endian=big_endian)
    pcap.add_custom_block(WIRESHARK_PEN, record_block(1, CURL))
    for port in range(50000, 50004):
        packet(pcap, port, (1, 0))
    pcap.add_custom_block(WIRESHARK_PEN, record_block(2, SERVER))
    for port in range(50010, 50014):
        packet(pcap, port, (2, 1))
    pcap.add_custom_block(WIRESHARK_PEN, record_block(3, DNS))
    for port in range(50020, 50024):
        packet(pcap, port, (3, 2))
    for port in range(50030, 50034):
        packet(pcap, port, (1, 3))
    return pcap


def answers(tshark, path):
    """udp.srcport -> (src pid, src name, dst pid, dst name), and the expert
    messages met, of every packet of @path."""
    rows = tshark.fields(str(path), FIELDS + ["_ws.expert.message"])
    return ({row["udp.srcport"]: (row["procmap.src.pid"], row["procmap.src.name"],
                                  row["procmap.dst.pid"], row["procmap.dst.name"])
             for row in rows if row["udp.srcport"]},
            {message for row in rows for message in row["_ws.expert.message"].split(",")})


def editcap(*args):
    subprocess.run(["editcap", *map(str, args)], check=True, capture_output=True, timeout=60)


def assert_pieces_restored(tshark, whole_path, pieces, tmp_path):
    whole, messages = answers(tshark, whole_path)
    assert MISSING not in messages
    assert len(whole) == 16 and all(src for src, _, _, _ in whole.values()), whole
    lacking = 0
    for piece in pieces:
        before, messages = answers(tshark, piece)
        lacking += MISSING in messages
        fixed = tmp_path / ("fixed-" + os.path.basename(piece))
        result = add_records(whole_path, piece, fixed)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        after, messages = answers(tshark, fixed)
        assert MISSING not in messages, (piece, messages)
        assert set(after) == set(before) and after == {port: whole[port] for port in after}
    return lacking


def test_editcap_chunks_get_their_records(tshark, tmp_path):
    whole = write_original(tmp_path / "whole.pcapng")
    editcap("-c", 5, whole, tmp_path / "chunk.pcapng")
    chunks = sorted(str(tmp_path / name) for name in os.listdir(tmp_path)
                    if name.startswith("chunk"))
    assert len(chunks) == 4, chunks
    # Before: the later chunks lack records (the test would pass without
    # add-records otherwise).
    assert assert_pieces_restored(tshark, whole, chunks, tmp_path) >= 2


def test_editcap_selection_from_a_big_endian_capture(tshark, tmp_path):
    whole = write_original(tmp_path / "whole.pcapng", big_endian=True)
    # Frames 14-19: the last packets of unbound's and the ones after them;
    # editcap writes a little-endian section.
    piece = tmp_path / "piece.pcapng"
    editcap("-r", whole, piece, "14-19")
    assert assert_pieces_restored(tshark, whole, [piece], tmp_path) == 1


def test_displayed_packets_exported_get_their_records(tshark, tmp_path):
    """What Wireshark's File > Export Specified Packets (displayed) writes,
    made by tshark with the same filter: only the packets that match, none
    of the records (on 4.x a record is a frame of its own, and no filter on
    packets matches it)."""
    whole = write_original(tmp_path / "whole.pcapng")
    piece = tmp_path / "displayed.pcapng"
    tshark.run("-r", str(whole), "-Y", "udp.srcport >= 50020", "-w", str(piece))
    before, messages = answers(tshark, piece)
    assert len(before) == 8 and MISSING in messages, (before, messages)
    assert assert_pieces_restored(tshark, whole, [piece], tmp_path) == 1


def test_merged_runs_records_added_by_their_tags(tshark, tmp_path):
    """An original merged from two runs (mergecap): both number a record 1,
    told apart by their runs' tags; a piece gets each run's own record."""
    whole = PcapNg()
    whole.add_custom_block(WIRESHARK_PEN, record_block(1, CURL, run=7))
    whole.add_custom_block(WIRESHARK_PEN, record_block(1, SERVER, run=9))
    for port in range(50000, 50008):
        whole.add(udp_packet(LOCAL, port, REMOTE, 53, b"q"), old(),
                  options=[procmap_refs_option(1, 0, order=whole.order,
                                               run=7 if port % 2 else 9)])
    whole_path = whole.write(tmp_path / "merged.pcapng")
    piece = tmp_path / "piece.pcapng"
    editcap("-r", whole_path, piece, "7-10")
    fixed = tmp_path / "fixed.pcapng"
    result = add_records(whole_path, piece, fixed)
    assert result.returncode == 0 and result.stderr == "", result
    after, messages = answers(tshark, fixed)
    assert MISSING not in messages
    assert {port: pids[0] for port, pids in after.items()} == \
        {"50004": "80", "50005": "4242", "50006": "80", "50007": "4242"}


def test_a_number_given_to_two_records_is_not_added(tshark, tmp_path):
    """Two runs' sections in one original both number a record 1: a piece
    referring to 1 cannot be told which; add-records says so, exit 1."""
    one = PcapNg()
    one.add_custom_block(WIRESHARK_PEN, record_block(1, CURL))
    packet(one, 50000, (1, 0))
    two = PcapNg()
    two.add_custom_block(WIRESHARK_PEN, record_block(1, SERVER))
    packet(two, 50001, (1, 0))
    whole = tmp_path / "two-runs.pcapng"
    whole.write_bytes(one.to_bytes() + two.to_bytes())
    piece = tmp_path / "piece.pcapng"
    editcap("-r", whole, piece, "4")
    fixed = tmp_path / "fixed.pcapng"
    result = add_records(whole, piece, fixed)
    assert result.returncode == 1, result
    assert "two different process records numbered 1" in result.stderr, result.stderr
    after, messages = answers(tshark, fixed)
    assert after["50001"][0] == "" and MISSING in messages


def test_nothing_missing_leaves_the_piece_as_it_is(tmp_path):
    whole = write_original(tmp_path / "whole.pcapng")
    copy = tmp_path / "copy.pcapng"
    result = add_records(whole, whole, copy)
    assert result.returncode == 0, result.stderr
    assert copy.read_bytes() == whole.read_bytes()


def test_a_broken_piece_leaves_no_output(tmp_path):
    whole = write_original(tmp_path / "whole.pcapng")
    data = whole.read_bytes()
    broken = tmp_path / "broken.pcapng"
    broken.write_bytes(data[:len(data) - 6])
    out = tmp_path / "out.pcapng"
    result = add_records(whole, broken, out)
    assert result.returncode == 4, result
    assert "broken.pcapng: the file ends inside a block" in result.stderr, result.stderr
    assert not out.exists()
    # Not pcapng at all, and a pcap file: said as such.
    for name, head in (("text.pcapng", b"hello world, no capture"),
                       ("old.pcap", bytes.fromhex("d4c3b2a1") + bytes(20))):
        (tmp_path / name).write_bytes(head)
        result = add_records(whole, tmp_path / name, out)
        assert result.returncode == 4 and "not pcapng" in result.stderr.replace(
            "not a pcapng", "not pcapng"), result.stderr
        assert not out.exists()


def test_output_must_be_a_new_file(tmp_path):
    whole = write_original(tmp_path / "whole.pcapng")
    before = whole.read_bytes()
    for args in ((whole, whole, whole), (whole, tmp_path / "whole.pcapng", whole)):
        result = add_records(*args)
        assert result.returncode == 2 and "OUTPUT must be a new file" in result.stderr
    assert whole.read_bytes() == before
    result = add_records(whole, whole)
    assert result.returncode == 2 and "ORIGINAL, PIECE and OUTPUT" in result.stderr
