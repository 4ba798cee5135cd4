#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The plugin's memory on a capture whose every packet carries distinct
comments (issue 11, finding 8): peak RSS of tshark -r over such a file,
beside the same file whose packets all carry one comment, and beside
tshark without the plugin.  The carried cache is bounded
(plugin/epan/carried_cache.h), so the first column must stay near the
second however big the file; before the bound, 240 MB of distinct comments
took tshark from 162 MB to 538 MB.  Prints a table; not a test.

    carried_memory.py --plugin procmap.so [--megabytes 240]"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "epan"))

from harness import Tshark, system_epan_plugin_dir  # noqa: E402
from pcapgen import DIRECTION_OUTBOUND, PcapNg, old, udp_packet  # noqa: E402

COMMENT_BYTES = 1200


def write_capture(path, megabytes, distinct):
    """About @megabytes of frames, each with a ~1.2 KB ptcpdump comment set."""
    count = megabytes * 1024 * 1024 // (COMMENT_BYTES + 120)
    pcap = PcapNg()
    t = old()
    pad = "x" * (COMMENT_BYTES - 80)
    for i in range(count):
        n = i if distinct else 0
        pcap.add(udp_packet("10.0.0.5", 20000 + i % 40000, "192.0.2.1", 53, b"q"),
                 t + i * 0.0001, direction=DIRECTION_OUTBOUND,
                 comments=["PID: %d\nCmd: /bin/p%d\nArgs: p%d %s" % (1000 + n, n, n, pad)])
    pcap.write(path)
    return count


def peak_rss_kib(runner, path, *options):
    """tshark's peak RSS reading @path, and how long it took.  ru_maxrss of
    RUSAGE_CHILDREN is the largest child so far: a fresh Python runs each
    tshark and reports its own child's."""
    start = time.monotonic()
    script = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
              "stdout=subprocess.DEVNULL); "
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    result = subprocess.run([sys.executable, "-c", script,
                             *runner.command(["-r", path, "-T", "fields", "-e",
                                              "procmap.src.pid", *options])],
                            env=runner.env(), capture_output=True, text=True, check=True)
    return int(result.stdout.strip().splitlines()[-1]), time.monotonic() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--megabytes", type=int, default=240)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("carried_memory: run as root (a private mount namespace for the plugin)")
    work = tempfile.mkdtemp(prefix="procmap-carried-memory-")
    try:
        system_dir = system_epan_plugin_dir()
        plugins = os.path.join(work, "plugins")
        os.makedirs(plugins)
        for name in os.listdir(system_dir):
            if name.endswith(".so") and name != "procmap.so":
                shutil.copy2(os.path.join(system_dir, name), plugins)
        shutil.copy2(args.plugin, os.path.join(plugins, "procmap.so"))
        config = os.path.join(work, "config")
        os.makedirs(config)
        runner = Tshark(plugins, system_dir, config)
        distinct = os.path.join(work, "distinct.pcapng")
        same = os.path.join(work, "same.pcapng")
        frames = write_capture(distinct, args.megabytes, True)
        write_capture(same, args.megabytes, False)
        size = os.path.getsize(distinct) / 1e6
        rows = [
            ("distinct comments, plugin", peak_rss_kib(runner, distinct)),
            ("distinct comments, plugin, two passes (-2)", peak_rss_kib(runner, distinct, "-2")),
            ("one comment repeated, plugin", peak_rss_kib(runner, same)),
            ("distinct comments, plugin disabled",
             peak_rss_kib(runner, distinct, "--disable-protocol", "procmap")),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d frames, %.0f MB file, ~%d bytes of comments per frame\n" %
          (frames, size, COMMENT_BYTES))
    print("| tshark -r | peak RSS | time |")
    print("|---|---:|---:|")
    for name, (kib, seconds) in rows:
        print("| %s | %.0f MB | %.1f s |" % (name, kib / 1024, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
