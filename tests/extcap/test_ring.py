# SPDX-License-Identifier: GPL-2.0-or-later
"""tshark -i procmap-lo -b filesize:KB: each file of the ring buffer names
the processes of its packets when read alone (issue 14).  dumpcap starts
each file with the section header and interface only; procmap-capture,
told the same size (the interface option "Ring buffer: new file every
(kB)"), follows dumpcap's cuts and writes the records again in each file.
Without it, a file's packets whose records went into an earlier file show
no process and say so - never a guess."""
import glob
import os
import shutil
import signal
import time

from extcap_env import one_shot_curl

FIELDS = ["frame.number", "tcp.srcport", "tcp.dstport", "procmap.src.pid", "procmap.dst.pid",
          "procmap.src.reason", "procmap.dst.reason"]
FILE_KB = 4
CURLS = 12


def ring_capture(wireshark, server, directory, *options):
    os.makedirs(directory)
    tshark = wireshark.start("tshark", "-i", "procmap-lo", "-f", "tcp port %d" % server.port,
                             "-b", "filesize:%d" % FILE_KB, "-w",
                             os.path.join(directory, "ring.pcapng"), "-a", "duration:60",
                             *options)
    try:
        deadline = time.monotonic() + 30
        while not glob.glob(os.path.join(directory, "ring_*")):
            assert time.monotonic() < deadline and tshark.poll() is None, tshark.stderr.read()
            time.sleep(0.1)
        time.sleep(2)             # the extcap's event source is up
        curls = dict((port, pid) for pid, port in
                     (one_shot_curl("http://127.0.0.1:%d/ring" % server.port)
                      for _ in range(CURLS)))
        time.sleep(1)
        tshark.send_signal(signal.SIGINT)
        assert tshark.wait(timeout=60) == 0, tshark.stderr.read()
    finally:
        if tshark.poll() is None:
            os.killpg(tshark.pid, signal.SIGKILL)
    return sorted(glob.glob(os.path.join(directory, "ring_*"))), curls


def unresolved(wireshark, piece):
    out = wireshark.run("tshark", "-r", piece, "-Y", "procmap.carried.unresolved", "-T",
                        "fields", "-e", "frame.number").stdout
    return out.split()


def keep_pieces(pieces):
    """A failure's ring files, kept in <build>/Testing/extcap-ring for a look."""
    build = os.environ.get("PROCMAP_BUILD_DIR")
    if build:
        kept = os.path.join(build, "Testing", "extcap-ring")
        shutil.rmtree(kept, ignore_errors=True)
        os.makedirs(kept)
        for piece in pieces:
            shutil.copy2(piece, kept)


def test_each_file_names_its_processes(wireshark, server, tmp_path):
    pieces, curls = ring_capture(wireshark, server, str(tmp_path / "followed"),
                                 "-o", "extcap.procmap_lo.ringfilesize:%d" % FILE_KB)
    assert len(pieces) >= 3, pieces
    seen = 0
    try:
        for piece in pieces:
            for frame in wireshark.fields(piece, FIELDS):
                client = int(frame["tcp.srcport"]) if int(frame["tcp.srcport"]) in curls \
                    else int(frame["tcp.dstport"])
                pids = {frame["procmap.src.pid"], frame["procmap.dst.pid"]}
                assert pids == {str(curls[client]), str(server.pid)}, \
                    "%s: %s" % (piece, " ".join("%s=%s" % kv for kv in frame.items()))
                seen += 1
            assert unresolved(wireshark, piece) == [], piece
    except AssertionError:
        keep_pieces(pieces)
        raise
    assert seen >= 9 * CURLS


def test_without_the_option_later_files_say_what_is_missing(wireshark, server, tmp_path):
    """The control: the same capture, the extcap not told of the ring."""
    pieces, curls = ring_capture(wireshark, server, str(tmp_path / "plain"))
    assert len(pieces) >= 3, pieces
    missing = 0
    for piece in pieces[1:]:
        flagged = set(unresolved(wireshark, piece))
        for frame in wireshark.fields(piece, FIELDS):
            if frame["frame.number"] in flagged:
                # The server's record went into the first file only.
                assert str(server.pid) not in (frame["procmap.src.pid"],
                                               frame["procmap.dst.pid"]), frame
                missing += 1
    assert missing > 0
