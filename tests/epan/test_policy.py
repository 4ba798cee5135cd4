# SPDX-License-Identifier: GPL-2.0-or-later
"""When a live lookup is made: the live window, live_lookups auto / always /
never, the protocol disabled, the refresh rule, and a proc root that
cannot be read."""
import pytest

from harness import all_process_fields, interesting_stderr, prefs
from pcapgen import Pcap, TcpConversation, old, recent, tcp_packet
from scenario import (CURL_PORT, HTTP_PORT, LOCAL4, LOOP4, REMOTE4, UNOWNED_PORT, WEB_PORT,
                      StandardHost, attributed, side_of, unattributed)

FIELDS = ["frame.number"] + all_process_fields()


@pytest.fixture
def host(tmp_path):
    return StandardHost(tmp_path / "proc")


def loopback_capture(timestamp):
    """curl -> python3 over loopback: both ends local, both resolvable."""
    pcap = Pcap()
    pcap.add_all(TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT)).handshake(),
                 timestamp)
    return pcap


def dissect(tshark, root, pcap, tmp_path, *options):
    return tshark.fields(pcap.write(tmp_path / "capture.pcap"), FIELDS,
                         *prefs(capture_host="this-host", proc_root=root), *options)


def assert_both_sides(rows, src_then_dst):
    for row in rows:
        sides = [side_of(row, "src"), side_of(row, "dst")]
        assert sides == src_then_dst(row), "frame %s" % row["frame.number"]


def test_recent_frames_are_looked_up(tshark, host, tmp_path):
    rows = dissect(tshark, host.write(), loopback_capture(recent()), tmp_path)
    assert [row["procmap.name"] for row in rows] == ["curl,python3", "python3,curl",
                                                     "curl,python3"]
    assert all(row["procmap.src.source"] == "live" for row in rows)


@pytest.mark.parametrize("when", ["two hours ago", "an hour ahead"])
def test_frames_outside_the_live_window_are_too_old(tshark, host, tmp_path, when):
    timestamp = old() if when == "two hours ago" else recent(3603.0)
    rows = dissect(tshark, host.write(), loopback_capture(timestamp), tmp_path)
    client = unattributed("too-old", (LOOP4, CURL_PORT))
    server = unattributed("too-old", (LOOP4, HTTP_PORT))
    assert_both_sides(rows, lambda row: [client, server] if row["frame.number"] != "2"
                      else [server, client])
    assert all(row["procmap.name"] == "" and row["procmap.pid"] == "" for row in rows)


def test_old_frames_looked_up_when_always(tshark, host, tmp_path):
    rows = dissect(tshark, host.write(), loopback_capture(old()), tmp_path,
                   *prefs(live_lookups="always"))
    curl = attributed(host.curl, "tuple", (LOOP4, CURL_PORT))
    server = attributed(host.http, "tuple", (LOOP4, HTTP_PORT))
    assert_both_sides(rows, lambda row: [curl, server] if row["frame.number"] != "2"
                      else [server, curl])


def test_live_window_preference(tshark, host, tmp_path):
    # A frame 2 minutes old: too old for the default 30 s window, fine for 300 s.
    pcap = loopback_capture(recent(-120.0))
    root = host.write()
    rows = dissect(tshark, root, pcap, tmp_path)
    assert rows[0]["procmap.src.reason"] == "too-old"
    rows = dissect(tshark, root, pcap, tmp_path, *prefs(live_window=300))
    assert side_of(rows[0], "src") == attributed(host.curl, "tuple", (LOOP4, CURL_PORT))


def test_no_lookups_when_switched_off(tshark, host, tmp_path):
    reason = "live-lookups-off"
    pcap = loopback_capture(recent())
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, WEB_PORT, "S", 1))
    rows = dissect(tshark, host.write(), pcap, tmp_path, *prefs(live_lookups="never"))
    client = unattributed(reason, (LOOP4, CURL_PORT))
    server = unattributed(reason, (LOOP4, HTTP_PORT))
    assert_both_sides(rows[:3], lambda row: [client, server] if row["frame.number"] != "2"
                      else [server, client])
    # Not even the local-address check is made.
    assert side_of(rows[3], "src") == unattributed(reason, (REMOTE4, 50000))
    assert side_of(rows[3], "dst") == unattributed(reason, (LOCAL4, WEB_PORT))


def test_disabled_protocol_shows_nothing(tshark, host, tmp_path):
    """Analyze > Enabled Protocols (--disable-protocol) is the one switch."""
    rows = dissect(tshark, host.write(), loopback_capture(recent()), tmp_path,
                   "--disable-protocol", "procmap")
    assert rows and all(value == "" for row in rows for name, value in row.items()
                        if name.startswith("procmap."))


@pytest.mark.parametrize("options", [prefs(live_lookups="never"),
                                     ["--disable-protocol", "procmap"]],
                         ids=["live-lookups-never", "disabled"])
def test_no_proc_access_when_switched_off(tshark, tmp_path, options):
    missing = str(tmp_path / "no-such-proc")
    result = tshark.run("-r", loopback_capture(recent()).write(tmp_path / "c.pcap"),
                        *prefs(capture_host="this-host", proc_root=missing), *options)
    assert not [line for line in interesting_stderr(result.stderr) if missing in line]


def test_miss_on_a_newer_frame_refreshes_at_most_every_interval(tshark, host, tmp_path):
    # Frame 1 makes the first refresh.  Frame 2, captured after it (20 s
    # ahead: inside the window), misses: a refresh is due but the last one
    # was less than min_refresh_interval ago.
    pcap = loopback_capture(recent())
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, UNOWNED_PORT, "S", 1), recent(23.0))
    root = host.write()
    rows = dissect(tshark, root, pcap, tmp_path, *prefs(min_refresh_interval=600000))
    assert side_of(rows[3], "dst") == unattributed("refresh-suppressed", (LOCAL4, UNOWNED_PORT))
    rows = dissect(tshark, root, pcap, tmp_path, *prefs(min_refresh_interval=0))
    assert side_of(rows[3], "dst") == unattributed("no-socket", (LOCAL4, UNOWNED_PORT))


def test_miss_on_an_older_frame_does_not_refresh(tshark, host, tmp_path):
    # The table is newer than the frame: a miss is a plain no-socket.
    pcap = loopback_capture(recent())
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, UNOWNED_PORT, "S", 1))
    rows = dissect(tshark, host.write(), pcap, tmp_path, *prefs(min_refresh_interval=600000))
    assert side_of(rows[3], "dst") == unattributed("no-socket", (LOCAL4, UNOWNED_PORT))


def missing_root_run(tshark, tmp_path):
    missing = str(tmp_path / "no-such-proc")
    pcap = loopback_capture(recent())
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, WEB_PORT, "S", 1))
    result = tshark.run("-r", pcap.write(tmp_path / "c.pcap"),
                        *prefs(capture_host="this-host", proc_root=missing),
                        "-T", "fields", "-e", "frame.number", "-e", "procmap.src.reason",
                        "-e", "procmap.dst.reason", "-e", "procmap.name")
    return missing, result


def test_missing_proc_root_does_not_crash(tshark, tmp_path):
    missing, result = missing_root_run(tshark, tmp_path)
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [row[0] for row in rows] == ["1", "2", "3", "4"]
    assert all(row[3] == "" for row in rows)
    assert all(row[1] and row[2] for row in rows), "every side has a reason"


def test_missing_proc_root_reason(tshark, tmp_path):
    missing, result = missing_root_run(tshark, tmp_path)
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    # Loopback is local whatever the tables say: its lookups failed.  Other
    # addresses cannot be told local or not without the host's addresses.
    for row in rows[:3]:
        assert row[1:3] == ["backend-failed", "backend-failed"], row
    assert rows[3][1:3] == ["backend-failed", "backend-failed"], rows[3]


def test_missing_proc_root_warns_once(tshark, tmp_path):
    missing, result = missing_root_run(tshark, tmp_path)
    lines = [line for line in interesting_stderr(result.stderr) if missing in line]
    assert len(lines) == 1, lines
