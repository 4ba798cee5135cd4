# SPDX-License-Identifier: GPL-2.0-or-later
"""procmap-capture records each process once, as a Wireshark Process
Information Block, and each packet names its two ends' records in a short
custom option, with epb_processid_threadid for Wireshark 5.1's own reader
(issue 14).  No comment is written unless asked for (--comments)."""
import os
import subprocess
import sys
import time

from extcap_env import Extcap, HttpServer, one_shot_curl

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pylib"))
from pcapng_blocks import (CUSTOM_COPY, EPB, OPT_COMMENT, blocks, packet_process,  # noqa: E402
                           packet_refs, packet_refs_and_run, process_record)

FIELDS = ["frame.number", "tcp.srcport", "tcp.dstport", "procmap.src.pid", "procmap.src.name",
          "procmap.src.exe", "procmap.src.source", "procmap.dst.pid", "procmap.dst.name",
          "frame.comment", "procmap.record.pid", "procmap.record.name", "procmap.record.ref"]


def capture_curls(extcap_binary, tmp_path, started, *options, curls=3, name="records.pcapng"):
    web = HttpServer()
    started.append(web)
    out = str(tmp_path / name)
    cap = Extcap(extcap_binary, "lo", out, "--extcap-capture-filter", "tcp port %d" % web.port,
                 *options)
    started.append(cap)
    cap.wait_ready()
    time.sleep(0.3)
    by_port = {port: pid for pid, port in
               (one_shot_curl("http://127.0.0.1:%d/r" % web.port) for _ in range(curls))}
    time.sleep(1)
    status, stderr, stats = cap.stop()
    assert status == 0, stderr
    web_pid = web.pid
    web.stop()
    return out, by_port, web_pid, stats


def test_records_once_and_packets_refer_to_them(extcap_binary, wireshark, tmp_path, started):
    out, by_port, web_pid, stats = capture_curls(extcap_binary, tmp_path, started)
    records, refs_seen, packets = {}, set(), 0
    for block in blocks(out):
        record = process_record(block)
        if record is not None:
            assert block["type"] == CUSTOM_COPY
            ref = int(record["comment"].split("Ref: ")[1].split("\n")[0])
            assert ref not in records, "a record written twice in one section"
            records[ref] = record
        if block["type"] != EPB:
            continue
        packets += 1
        assert all(code != OPT_COMMENT for code, _ in block["options"]), "a comment by default"
        refs = packet_refs(block)
        assert refs is not None
        for ref in refs:
            # Every reference follows its record.
            assert ref in records, "a packet names a record not yet written"
            refs_seen.add(ref)
        # Loopback has no direction: epb_processid_threadid names the sender.
        assert packet_process(block)[0] == records[refs[0]]["pid"]
    pids = {r["pid"] for r in records.values()}
    assert pids == set(by_port.values()) | {web_pid}
    assert len(records) == len(pids) == len(refs_seen)     # one record per process
    assert stats["records"] == str(len(records))
    for record in records.values():
        assert record["name"] in ("curl", "python3")
        assert record["path"].startswith("/") and record["start"] > 0 and "uid" in record
        # The command line as upstream's cmdline option has it: one NUL after
        # each argument (one_shot_curl's argv).
        assert record["cmdline"].endswith(b"\0"), record
        if record["name"] == "curl":
            argv = record["cmdline"][:-1].split(b"\0")
            assert argv[:8] == [b"curl", b"-s", b"-o", b"/dev/null", b"--max-time", b"10",
                                b"-w", b"%{local_port}"], argv
    assert packets >= 18

    # The plugin, with every process gone: the processes from the records;
    # each record a row of its own.
    frames = wireshark.fields(out, FIELDS, records=True)
    rows = [f for f in frames if f["procmap.record.pid"]]
    assert len(rows) == len(records)
    assert {(int(r["procmap.record.pid"]), r["procmap.record.name"]) for r in rows} == \
        {(r["pid"], r["name"]) for r in records.values()}
    tcp = [f for f in frames if f["tcp.srcport"]]
    assert len(tcp) == packets
    for frame in tcp:
        from_curl = int(frame["tcp.srcport"]) in by_port
        port = int(frame["tcp.srcport"] if from_curl else frame["tcp.dstport"])
        curl, server = (frame["procmap.src.pid"], frame["procmap.dst.pid"]) if from_curl else \
            (frame["procmap.dst.pid"], frame["procmap.src.pid"])
        assert (curl, server) == (str(by_port[port]), str(web_pid)), frame
        assert frame["procmap.src.source"] == "procmap-capture"
        assert frame["procmap.src.name"] == ("curl" if from_curl else "python3")
        assert frame["frame.comment"] == ""
    # Two passes and a filter read the same.
    again = wireshark.fields(out, FIELDS, "-2", records=True)
    assert again == frames
    curl_frames = wireshark.fields(out, ["frame.number"], "-Y", 'procmap.src.name == "curl"')
    assert len(curl_frames) == sum(1 for f in tcp if int(f["tcp.srcport"]) in by_port)


def test_ptcpdump_comments_on_request(extcap_binary, wireshark, tmp_path, started):
    out, by_port, web_pid, _ = capture_curls(extcap_binary, tmp_path, started,
                                             "--comments", "ptcpdump", curls=1)
    comments = []
    for block in blocks(out):
        if block["type"] == EPB:
            texts = [v.decode() for code, v in block["options"] if code == OPT_COMMENT]
            assert texts and not any(t.startswith("procmap-") for t in texts)
            comments.append(texts[0])
            assert packet_refs(block) is not None
    pids = {int(t.split("\n")[0][len("PID: "):]) for t in comments}
    assert pids == set(by_port.values()) | {web_pid}


def test_merged_runs_keep_their_processes(extcap_binary, wireshark, tmp_path, started):
    """Two runs merged by mergecap into one section: each run numbers its
    records from 1, and its tag (one byte, at random) keeps the numbers
    apart.  Should the two tags meet (1 in 255), the numbers both claim
    answer nothing, never the other run's process."""
    runs = []
    for name in ("first.pcapng", "second.pcapng"):
        out, by_port, web_pid, _ = capture_curls(extcap_binary, tmp_path, started, curls=2,
                                                 name=name)
        tags = {packet_refs_and_run(b)[0] for b in blocks(out)
                if b["type"] == EPB and packet_refs(b) is not None}
        assert len(tags) == 1 and 0 not in tags, tags
        runs.append((by_port, web_pid, tags.pop()))
    merged = str(tmp_path / "merged.pcapng")
    subprocess.run(["mergecap", "-w", merged, str(tmp_path / "first.pcapng"),
                    str(tmp_path / "second.pcapng")], check=True, capture_output=True,
                   timeout=60)
    sections = sum(1 for b in blocks(merged) if b["type"] == 0x0A0D0D0A)
    assert sections == 1, "mergecap wrote %d sections" % sections
    frames = [f for f in wireshark.fields(merged, FIELDS) if f["tcp.srcport"]]
    tags_meet = runs[0][2] == runs[1][2]
    seen = 0
    for frame in frames:
        for by_port, web_pid, _ in runs:
            from_curl = int(frame["tcp.srcport"]) in by_port
            port = int(frame["tcp.srcport"] if from_curl else frame["tcp.dstport"])
            if port not in by_port:
                continue
            seen += 1
            curl, server = (frame["procmap.src.pid"], frame["procmap.dst.pid"]) if from_curl \
                else (frame["procmap.dst.pid"], frame["procmap.src.pid"])
            if tags_meet:
                assert curl in ("", str(by_port[port])) and server in ("", str(web_pid)), frame
            else:
                assert (curl, server) == (str(by_port[port]), str(web_pid)), frame
    assert seen == len(frames) and seen >= 2 * 2 * 6
