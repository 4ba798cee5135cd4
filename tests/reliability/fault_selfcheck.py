#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Part of `./run sanitize`: tshark (the ASan shim first on PATH) with
procmap_plugin_faulty reading one byte past a block on every lookup
(PROCMAP_INJECT_FAULT=overflow) must fail with an ASan report naming the
plugin's code - else the sanitizer run would pass whatever the plugin did.

    fault_selfcheck.py FAULTY_PLUGIN REPORT_DIR"""
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "epan"))

from harness import Tshark, prefs, system_epan_plugin_dir  # noqa: E402
from pcapgen import Pcap, tcp_packet  # noqa: E402
import scenario as sc  # noqa: E402


def main():
    plugin, report_dir = sys.argv[1], sys.argv[2]
    before = set(os.listdir(report_dir))
    work = tempfile.mkdtemp(prefix="procmap-selfcheck-")
    try:
        system_dir = system_epan_plugin_dir()
        plugins = os.path.join(work, "plugins")
        os.makedirs(plugins)
        shutil.copy2(plugin, os.path.join(plugins, "procmap.so"))
        os.makedirs(os.path.join(work, "config"))
        root = sc.StandardHost(os.path.join(work, "proc")).write()
        pcap = Pcap()
        pcap.add(tcp_packet(sc.REMOTE4, 40000, sc.LOCAL4, sc.WEB_PORT, "S", 1))
        os.environ["PROCMAP_INJECT_FAULT"] = "overflow"
        result = Tshark(plugins, system_dir, os.path.join(work, "config")).run(
            "-r", pcap.write(os.path.join(work, "c.pcap")),
            *prefs(proc_root=root, live_lookups="always", capture_host="this-host"),
            check=False)
    finally:
        shutil.rmtree(work)
    reports = sorted(set(os.listdir(report_dir)) - before)
    texts = []
    for name in reports:
        with open(os.path.join(report_dir, name), errors="replace") as f:
            texts.append(f.read())
        os.unlink(os.path.join(report_dir, name))   # expected: not a finding of the run
    caught = any("heap-buffer-overflow" in t and "inject_fault.c" in t for t in texts)
    print("sanitize self-check: tshark exit %d, %d report(s); the injected overflow is %s"
          % (result.returncode, len(reports), "REPORTED" if caught else "MISSED"))
    return 0 if caught and result.returncode != 0 else 1


if __name__ == "__main__":
    sys.exit(main())
