# SPDX-License-Identifier: GPL-2.0-or-later
"""process.* as a full synonym of procmap.* (issue 18), where no other
protocol owns the filter name "process" (Wireshark 4.0, 4.4): display
filters, -T fields -e, custom columns and -z procmap,tree filters give the
same frames and values under either name, with nothing on stderr; what -V and
PDML show does not change unless a process.* field is read.  Where
"process" is taken (Wireshark 4.6's Falco Events; here a test-only plugin
that registers it), the plugin loads cleanly with procmap.* only."""
import os
import re
import shutil
import struct

import pytest

import pcapgen
from harness import Tshark, all_process_fields, interesting_stderr, prefs
from pcapgen import Pcap, TcpConversation, icmp_port_unreachable, tcp_packet, udp_packet
from scenario import (CURL_PORT, DIG_PORT, DNS_PORT, GUNICORN_PORT, HTTP_PORT, LOCAL4,
                      LOCAL6, LOOP4, REMOTE4, REMOTE4B, REMOTE6, SSH_LOCAL_PORT, SSH_PORT,
                      UNOWNED_PORT, WEB_PORT, StandardHost)
from tshark_output import protocol_rows

PAIRS = [
    ("procmap", "process"),
    ("procmap.pid", "process.pid"),
    ('procmap.name == "curl"', 'process.name == "curl"'),
    ('procmap.exe == "/usr/bin/curl"', 'process.exe == "/usr/bin/curl"'),
    ("procmap.src.pid == 4242", "process.src.pid == 4242"),
    ('procmap.src.name == "python3" && procmap.dst.name == "curl"',
     'process.src.name == "python3" && process.dst.name == "curl"'),
    ('procmap.dst.reason == "not-local"', 'process.dst.reason == "not-local"'),
    ('procmap.src.reason == "no-socket" || procmap.dst.reason == "no-socket"',
     'process.src.reason == "no-socket" || process.dst.reason == "no-socket"'),
    ('procmap.src.source == "live"', 'process.src.source == "live"'),
    ('procmap.dst.match == "any-address"', 'process.dst.match == "any-address"'),
    ("procmap.ppid == 4000", "process.ppid == 4000"),
    ('procmap.src.endpoint == "127.0.0.1:45678"', 'process.src.endpoint == "127.0.0.1:45678"'),
    ("procmap.uid == 65534", "process.uid == 65534"),
    ("procmap.icmp_quoted", "process.icmp_quoted"),
    ("procmap.src.start_time", "process.src.start_time"),
]


OUR_PROTOCOL = "Process Attribution (process.* names)"


@pytest.fixture(scope="session")
def process_owner(plugin_dirs, tmp_path_factory):
    """The full name of the protocol whose filter name is "process" (ours,
    4.6's Falco Events, ...), or None."""
    config_dir = tmp_path_factory.mktemp("owner-config")
    runner = Tshark(plugin_dirs[0], plugin_dirs[1], str(config_dir))
    rows = [row for row in protocol_rows(runner.run("-G", "protocols").stdout)
            if row[2] == "process"]
    assert len(rows) <= 1, rows
    return rows[0][0] if rows else None


@pytest.fixture
def needs_synonym(process_owner):
    """Skips where another protocol owns "process" (Wireshark 4.6 with
    Falco Events: procmap.* only, checked by test_process_taken_*)."""
    if process_owner != OUR_PROTOCOL:
        pytest.skip("the filter name process belongs to %r here (Wireshark 4.6's Falco "
                    "Events): procmap.* only" % process_owner)


def synonym(name):
    assert name.startswith("procmap")
    return "process" + name[len("procmap"):]


@pytest.fixture
def capture(tmp_path):
    host = StandardHost(tmp_path / "proc")
    root = host.write()
    pcap = Pcap()
    pcap.add_all(TcpConversation((LOOP4, CURL_PORT), (LOOP4, HTTP_PORT))
                 .exchange(response=b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 700))
    pcap.add_all(TcpConversation((LOCAL6, SSH_LOCAL_PORT), (REMOTE6, SSH_PORT))
                 .exchange(b"SSH-2.0-a\r\n", b"SSH-2.0-b\r\n"))
    pcap.add_all(TcpConversation((REMOTE4, 40001), (LOCAL4, GUNICORN_PORT)).exchange())
    pcap.add_all(TcpConversation((REMOTE4B, 40002), (LOCAL4, GUNICORN_PORT)).exchange())
    pcap.add(tcp_packet(REMOTE4, 50000, LOCAL4, WEB_PORT, "S", 1))
    pcap.add(tcp_packet(REMOTE4, 50001, LOCAL4, UNOWNED_PORT, "S", 1))
    query = udp_packet(LOCAL4, DIG_PORT, "198.51.100.53", 53, b"\x01\x02" + b"\0" * 30)
    pcap.add(query)
    pcap.add(icmp_port_unreachable("198.51.100.53", LOCAL4, query))
    pcap.add(udp_packet(REMOTE4, 41000, LOCAL4, DNS_PORT, b"q" * 17))
    pcap.add(udp_packet(LOCAL4, DNS_PORT, REMOTE4, 41000, b"r" * 111))
    pcap.add(pcapgen.ipv4(LOCAL4, REMOTE4, pcapgen.PROTO_ICMP,
                          struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"))
    path = pcap.write(tmp_path / "capture.pcap")
    return path, prefs(capture_host="this-host", proc_root=root)


def run_clean(tshark, *args):
    """tshark's stdout; its stderr must say nothing (no deprecation warning)."""
    result = tshark.run(*args)
    assert interesting_stderr(result.stderr) == [], result.stderr
    return result.stdout


def frames(tshark, capture, display_filter):
    path, options = capture
    return run_clean(tshark, "-r", path, *options, "-Y", display_filter,
                     "-T", "fields", "-e", "frame.number").split()


def test_protocol_and_twin_fields_registered(tshark, needs_synonym):
    rows = [row for row in protocol_rows(tshark.run("-G", "protocols").stdout)
            if row[2] == "process"]
    assert len(rows) == 1, rows
    assert rows[0][:2] == [OUR_PROTOCOL, "Process names"], rows
    fields = {}
    for line in tshark.run("-G", "fields").stdout.splitlines():
        cols = line.split("\t")
        if cols[0] == "F" and cols[2].split(".")[0] in ("procmap", "process"):
            fields[cols[2]] = cols
    # The process records' row fields have twins too (process.record.*).
    ours = set(all_process_fields()) | {
        "procmap.record." + f for f in ("ref", "run", "pid", "name", "path", "args", "user", "uid",
                                        "ppid", "start_time", "extra")}
    for name in ours:
        twin = fields.get(synonym(name))
        assert twin is not None, synonym(name)
        # Same label, type, display; parent protocol "process".
        assert twin[1] == fields[name][1] and twin[3:4] == fields[name][3:4], (twin, fields[name])
        assert twin[4] == "process", twin
    # Expert Info entries (FT_NONE) have no twin; nothing else is there.
    assert {n for n in fields if n.startswith("process.")} == {synonym(n) for n in ours}


@pytest.mark.parametrize("pair", PAIRS, ids=[p[1] for p in PAIRS])
def test_filter_selects_the_same_frames(tshark, capture, pair, needs_synonym):
    ours, theirs = pair
    expected = frames(tshark, capture, ours)
    assert expected, "the capture has no frame for %r" % ours
    assert frames(tshark, capture, theirs) == expected


def test_fields_give_the_same_values(tshark, capture, needs_synonym):
    path, options = capture
    names = all_process_fields()
    ours = tshark.fields(path, names, *options)
    theirs = tshark.fields(path, [synonym(n) for n in names], *options)
    assert len(ours) == len(theirs) > 0
    for row, twin_row in zip(ours, theirs):
        assert [row[n] for n in names] == [twin_row[synonym(n)] for n in names]
    assert any(row["procmap.src.pid"] for row in ours)


@pytest.mark.parametrize("passes", [[], ["-2"]], ids=["one-pass", "two-pass"])
@pytest.mark.parametrize("field", ["src.pid", "name", "dst.exe", "src.reason"])
def test_one_field_alone(tshark, capture, field, passes, needs_synonym):
    """-e process.X alone: nothing else in the command line reads procmap.*
    (on 4.0 a visible tree; from 4.2 on, primed fields); in one pass and in
    two (tshark 4.0's second pass primes no postdissector field)."""
    path, options = capture
    ours = run_clean(tshark, "-r", path, *options, *passes, "-T", "fields",
                     "-e", "procmap." + field)
    theirs = run_clean(tshark, "-r", path, *options, *passes, "-T", "fields",
                       "-e", "process." + field)
    assert theirs == ours
    assert ours.strip(), "no value of procmap.%s in the capture" % field


def test_custom_column(tshark, capture, needs_synonym):
    path, options = capture
    columns = []
    for name in ("procmap.src.name", "process.src.name"):
        fmt = '"No.","%%m","P","%%Cus:%s","D","%%Cus:%s"' % (name, name.replace("src", "dst"))
        columns.append(run_clean(tshark, "-r", path, *options, "-o", "gui.column.format:" + fmt))
    assert columns[1] == columns[0]
    assert "curl" in columns[0] and "python3" in columns[0]


def test_stats_tree_filter(tshark, capture, needs_synonym):
    path, options = capture
    ours = run_clean(tshark, "-r", path, *options, "-q", "-z",
                     'procmap,tree,procmap.name == "curl"')
    theirs = run_clean(tshark, "-r", path, *options, "-q", "-z",
                       'procmap,tree,process.name == "curl"')
    assert re.search(r"curl \(4242\)\s+4\s", ours), ours
    # The filter is printed in the header; the counts are the same.
    assert theirs.replace("process.name", "procmap.name") == ours


def test_tree_unchanged_unless_read(tshark, capture, needs_synonym):
    """No twin items when no process.* field is read: PDML (hidden items
    included) names none; and -V is the same whichever name a filter uses."""
    path, options = capture
    pdml = run_clean(tshark, "-r", path, *options, "-T", "pdml", "-Y", "procmap")
    assert 'name="procmap.src.pid"' in pdml
    assert 'name="process' not in pdml
    verbose = [run_clean(tshark, "-r", path, *options, "-V", "-Y", f)
               for f in ('procmap.name == "curl"', 'process.name == "curl"')]
    assert verbose[1] == verbose[0]
    # Read, a twin is there, hidden.
    pdml = run_clean(tshark, "-r", path, *options, "-T", "pdml", "-Y", 'process.name == "curl"')
    assert re.search(r'<field name="process\.name" [^>]*hide="yes"', pdml), pdml[:2000]


# ---- "process" taken by another protocol --------------------------------

@pytest.fixture
def taken_tshark(plugin_dirs, tmp_path, process_owner):
    """tshark with procmap.so and a test plugin that registers the protocol
    "process" (what Falco Events does on 4.6)."""
    if process_owner != OUR_PROTOCOL:
        pytest.skip("process already belongs to %r: test_process_taken_by_another_plugin"
                    % process_owner)
    owner = os.environ.get("PROCMAP_TEST_PROCESS_OWNER")
    if not owner or not os.path.isfile(owner):
        pytest.fail("PROCMAP_TEST_PROCESS_OWNER is not set: run through ctest")
    ours = tmp_path / "epan-plugins"
    shutil.copytree(plugin_dirs[0], ours)
    shutil.copy2(owner, ours / "process_owner.so")
    config_dir = tmp_path / "wireshark-config"
    config_dir.mkdir()
    runner = Tshark(str(ours), plugin_dirs[1], str(config_dir))
    yield runner
    runner.kill_all()


def test_process_taken_loads_cleanly(taken_tshark, capture):
    path, options = capture
    result = taken_tshark.run("-G", "protocols")
    rows = {row[2]: row for row in protocol_rows(result.stdout)}
    assert rows["process"][:2] == ["Process owner (test)", "process_owner_test"], rows["process"]
    assert "procmap" in rows
    assert interesting_stderr(result.stderr) == [], result.stderr
    fields = [line.split("\t")[2] for line in taken_tshark.run("-G", "fields").stdout.splitlines()
              if line.startswith("F\t")]
    assert "procmap.src.pid" in fields and "process.src.pid" not in fields
    assert "process.test_only" in fields
    # procmap.* works as ever, quietly.
    rows = taken_tshark.fields(path, ["procmap.src.pid", "procmap.src.name"], *options)
    assert ["4242", "curl"] in [[r["procmap.src.pid"], r["procmap.src.name"]] for r in rows]
    result = taken_tshark.run("-r", path, *options, "-Y", 'procmap.name == "curl"')
    assert interesting_stderr(result.stderr) == [], result.stderr
    # process.name is not ours: the filter is refused, not silently ours.
    result = taken_tshark.run("-r", path, "-Y", 'process.name == "curl"', check=False)
    assert result.returncode != 0
    # One informational line, shown only when asked for.
    result = taken_tshark.run("--log-level", "info", "-G", "plugins")
    said = [line for line in result.stderr.splitlines() if "filter name \"process\"" in line]
    assert len(said) == 1, result.stderr
    assert "belongs to Process owner (test)" in said[0], said


def test_process_taken_by_another_plugin(tshark, capture, process_owner):
    """Where a stock plugin owns "process" (Wireshark 4.6's Falco Events):
    a clean start, procmap.* as ever, one informational line."""
    if process_owner in (OUR_PROTOCOL, None):
        pytest.skip("no other plugin owns process here (Wireshark 4.0, 4.4): "
                    "test_process_taken_loads_cleanly")
    path, options = capture
    result = tshark.run("-G", "plugins")
    assert interesting_stderr(result.stderr) == [], result.stderr
    fields = [line.split("\t")[2] for line in tshark.run("-G", "fields").stdout.splitlines()
              if line.startswith("F\t")]
    assert "procmap.src.pid" in fields and "process.src.pid" not in fields
    result = tshark.run("-r", path, *options, "-Y", 'procmap.name == "curl"',
                        "-T", "fields", "-e", "procmap.src.name")
    assert interesting_stderr(result.stderr) == [], result.stderr
    assert "curl" in result.stdout.split()
    result = tshark.run("--log-level", "info", "-G", "plugins")
    said = [line for line in result.stderr.splitlines() if "filter name \"process\"" in line]
    assert len(said) == 1, result.stderr
