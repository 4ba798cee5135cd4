#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`./run memcheck` (via memcheck.sh): tshark with the plugin under valgrind
memcheck over the integration captures, and a check that a leak the plugin
makes on purpose is reported.

    memcheck.py --plugin procmap.so --faulty-plugin faulty/procmap.so --out DIR

Captures (tests/epan's pcapgen, fakeproc and scenario helpers):
  standard   the fake host of the plugin tests: TCP/UDP, IPv4/IPv6, every
             match rule, shared sockets, ICMP errors, VXLAN; -V, two passes
  bad-input  the fake host of test_bad_input.py; -T json
  live       loopback flows of real processes on the real /proc (netlink)
  records    process records as procmap-capture writes them (Process
             Information Blocks, references, a missing and a malformed
             record, a big-endian section after a little-endian one); -2 -V
  injected   `standard` with procmap_plugin_faulty, which leaks a block
             per lookup: the check must find those leaks

A finding is the plugin's when its stack has a frame in procmap.so: an
invalid read or write, a use of uninitialised memory, a bad free, or a
definitely or indirectly lost block.  Wireshark's and GLib's own findings
are listed apart (and the known ones suppressed by valgrind.supp): they
are not ours to fix.  Exit status 0 when the plugin has none and the
injected leak is found."""
import argparse
import os
import shutil
import struct
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "epan"))

from harness import SYSTEM_PYTHON, Peer, Tshark, prefs, system_epan_plugin_dir  # noqa: E402
from pcapgen import (WIRESHARK_PEN, Pcap, PcapNg, TcpConversation,  # noqa: E402
                     icmp_port_unreachable, old, process_information_block,
                     process_thread_option, procmap_record_comment, procmap_refs_option,
                     recent, tcp_packet, udp_packet, vxlan_packet, ether)
import scenario as sc  # noqa: E402
import badhost  # noqa: E402
from test_bad_input import bad_frames  # noqa: E402

LEAK_KINDS = ("Leak_DefinitelyLost", "Leak_IndirectlyLost")
TIMEOUT = 1800


def standard_capture(path):
    pcap = Pcap()
    pcap.add_all(TcpConversation((sc.LOOP4, sc.CURL_PORT), (sc.LOOP4, sc.HTTP_PORT)).exchange())
    pcap.add_all(TcpConversation((sc.LOCAL6, sc.SSH_LOCAL_PORT), (sc.REMOTE6, sc.SSH_PORT))
                 .exchange())
    pcap.add(udp_packet(sc.REMOTE4, 40000, sc.LOCAL4, sc.DNS_PORT, b"query"))
    pcap.add(udp_packet(sc.REMOTE6, 40001, sc.LOCAL6, sc.NTP_PORT, b"ntp"))
    pcap.add(tcp_packet(sc.REMOTE4, 40002, sc.LOCAL4, sc.SSHD_PORT, "S", 1))      # dual-stack
    pcap.add(tcp_packet(sc.REMOTE4, 40001, sc.LOCAL4, sc.GUNICORN_PORT, "PA", 1, 1, b"x"))
    pcap.add(tcp_packet(sc.REMOTE4C, 40003, sc.LOCAL4, sc.GUNICORN_PORT, "S", 1))  # listener
    pcap.add(tcp_packet(sc.REMOTE4, 40004, sc.LOCAL4, sc.WEB_PORT, "S", 1))
    pcap.add(tcp_packet(sc.REMOTE4, 40005, sc.LOCAL4, sc.UNOWNED_PORT, "S", 1))
    pcap.add(udp_packet(sc.LOCAL4, sc.LONG_NAME_PORT + 1, sc.REMOTE4, 9999, b"long name"))
    quoted = udp_packet(sc.LOCAL4, sc.DIG_PORT, "198.51.100.53", 53, b"q")
    pcap.add(icmp_port_unreachable("198.51.100.53", sc.LOCAL4, quoted))
    inner = ether(tcp_packet(sc.LOCAL4, 40006, sc.REMOTE4, 80, "S", 1))
    pcap.add(vxlan_packet(sc.REMOTE4B, 50000, sc.LOCAL4, inner))
    pcap.add(udp_packet(sc.REMOTE4, 1, sc.REMOTE4B, 2, b"not local"))
    return pcap.write(path)


def records_capture(path):
    """Two sections (little-, then big-endian) of process records and the
    packets naming them: every option, pid reuse, a reference without its
    record, a malformed record and reference."""
    sections = []
    for big_endian in (False, True):
        pcap = PcapNg(big_endian=big_endian)
        for ref, name, start in ((1, "curl", 10**18), (2, "curl-again", 10**18 + 10**9)):
            pcap.add_custom_block(WIRESHARK_PEN, process_information_block(
                4242, name=name, path="/usr/bin/curl", cmdline=["curl", "-s", "x"], ppid=1,
                uid=1000, user="alice", uuid=bytes(16), start_ns=start,
                comment=procmap_record_comment(ref, Cwd="/tmp", ContainerId="c0ffee")))
        pcap.add_custom_block(WIRESHARK_PEN, struct.pack("<II", 3, 400) + bytes(8))
        for port, refs in ((50000, (1, 2)), (50001, (2, 0)), (50002, (1, 7)), (50003, (9, 9))):
            pcap.add(udp_packet("10.0.0.5", port, "192.0.2.1", 53, b"q"), old(),
                     options=[procmap_refs_option(*refs, order=pcap.order),
                              process_thread_option(4242, 4243, pcap.order)])
        pcap.add(udp_packet("10.0.0.5", 50004, "192.0.2.1", 53, b"q"), old(),
                 options=[(2989, struct.pack("<I", 0x70726D70) + b"\x01\xff\xff\xff")])
        sections.append(pcap.to_bytes())
    with open(path, "wb") as out:
        out.write(b"".join(sections))
    return path


def live_capture(path, peers):
    """A recent capture of real loopback flows; the peers keep running."""
    script = os.path.join(HERE, "..", "epan", "live_peers.py")
    server = Peer([SYSTEM_PYTHON, script, "tcp-echo", "127.0.0.1"])
    peers.append(server)
    port = int(server.wait_for("port"))
    udp = Peer([SYSTEM_PYTHON, script, "udp-echo", "::1"])
    peers.append(udp)
    udp_port = int(udp.wait_for("port"))
    client = Peer([SYSTEM_PYTHON, script, "tcp-client", "127.0.0.1", str(port), "10000", "0.5"])
    peers.append(client)
    local = int(client.wait_for("local"))
    pcap = Pcap()
    conv = TcpConversation(("127.0.0.1", local), ("127.0.0.1", port))
    for _ in range(20):
        pcap.add(conv.client_send("PA", b"hello"))
        pcap.add(conv.server_send("PA", b"hello"))
    pcap.add(udp_packet("::1", 40000, "::1", udp_port, b"to a real server"))
    pcap.add(tcp_packet("127.0.0.1", 40001, "127.0.0.1", 9, "S", 1))
    return pcap.write(path)


# ---- valgrind ------------------------------------------------------------

def write_shim(directory, xml_dir, suppressions):
    """A `tshark` first on PATH that runs the real one under memcheck.
    --keep-debuginfo: tshark unloads its plugins before the leak check, and
    the frames of a leak in the plugin must still name procmap.so."""
    real = shutil.which("tshark", path="/usr/local/bin:/usr/bin:/bin")
    shim = os.path.join(directory, "tshark")
    with open(shim, "w") as out:
        out.write("#!/bin/sh\nexec valgrind --tool=memcheck --leak-check=full "
                  "--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect "
                  "--num-callers=40 --keep-debuginfo=yes --suppressions=%s --xml=yes --xml-file=%s/vg-%%p.xml "
                  "%s \"$@\"\n" % (suppressions, xml_dir, real))
    os.chmod(shim, 0o755)


def frames(error):
    stack = error.find("stack")
    return [] if stack is None else stack.findall("frame")


def frame_text(frame):
    fn = frame.findtext("fn", "?")
    where = frame.findtext("file")
    if where:
        return "%s (%s:%s)" % (fn, where, frame.findtext("line", "?"))
    return "%s (%s)" % (fn, os.path.basename(frame.findtext("obj", "?")))


def ours(error):
    return any(frame.findtext("obj", "").endswith("/procmap.so") for frame in frames(error))


def read_findings(xml_dir):
    """(errors of the plugin, other errors) over every XML file: dicts of
    kind, bytes, stack (text)."""
    mine, theirs = [], []
    for name in sorted(os.listdir(xml_dir)):
        root = ET.parse(os.path.join(xml_dir, name)).getroot()
        for error in root.findall("error"):
            kind = error.findtext("kind")
            leaked = error.find("xwhat/leakedbytes")
            finding = {"kind": kind, "bytes": int(leaked.text) if leaked is not None else 0,
                       "what": error.findtext("what") or error.findtext("xwhat/text"),
                       "stack": [frame_text(f) for f in frames(error)]}
            (mine if ours(error) else theirs).append(finding)
    return mine, theirs


def run_case(name, out_dir, tshark_args, plugin_dirs, system_dir, env_extra=None):
    case_dir = os.path.join(out_dir, name)
    xml_dir = os.path.join(case_dir, "xml")
    os.makedirs(xml_dir)
    shim_dir = os.path.join(case_dir, "bin")
    os.makedirs(shim_dir)
    write_shim(shim_dir, xml_dir, os.path.join(HERE, "valgrind.supp"))
    config = os.path.join(case_dir, "config")
    os.makedirs(config)
    runner = Tshark(plugin_dirs, system_dir, config)
    saved = dict(os.environ)
    os.environ["PATH"] = shim_dir + ":" + os.environ["PATH"]
    os.environ.update(env_extra or {})
    started = time.monotonic()
    try:
        result = runner.run(*tshark_args, timeout=TIMEOUT, check=False)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    seconds = time.monotonic() - started
    with open(os.path.join(case_dir, "tshark.out"), "w") as out:
        out.write(result.stdout)
    with open(os.path.join(case_dir, "tshark.err"), "w") as out:
        out.write(result.stderr)
    mine, theirs = read_findings(xml_dir)
    return result, seconds, mine, theirs


def plugin_dir_with(plugin, system_dir, directory):
    os.makedirs(directory)
    for name in os.listdir(system_dir):
        if name.endswith(".so") and name != "procmap.so":
            shutil.copy2(os.path.join(system_dir, name), directory)
    shutil.copy2(plugin, os.path.join(directory, "procmap.so"))
    os.chmod(directory, 0o755)
    return directory


def summarize(name, result, seconds, mine, theirs):
    invalid = [f for f in mine if not f["kind"].startswith("Leak_")]
    leaks = [f for f in mine if f["kind"] in LEAK_KINDS]
    print("%-10s %5.0fs  tshark exit %d  plugin: %d invalid accesses, %d leaks (%d bytes); "
          "Wireshark/GLib: %d findings" % (name, seconds, result.returncode, len(invalid),
                                           len(leaks), sum(f["bytes"] for f in leaks),
                                           len(theirs)))
    for finding in (mine + theirs)[:6]:
        print("    %s %s: %s" % ("PLUGIN" if finding in mine else "other", finding["kind"],
                                 finding["what"]))
        for frame in finding["stack"][:8]:
            print("        " + frame)
    return invalid, leaks


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--faulty-plugin", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--cases", default="standard,bad-input,records,live,injected")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("memcheck: run as root (tshark runs in a private mount namespace)")
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    work = tempfile.mkdtemp(prefix="procmap-memcheck-")
    system_dir = system_epan_plugin_dir()
    ours_dir = plugin_dir_with(args.plugin, system_dir, os.path.join(work, "plugins"))
    faulty_dir = plugin_dir_with(args.faulty_plugin, system_dir, os.path.join(work, "faulty"))
    standard = sc.StandardHost(os.path.join(work, "standard-proc"))
    standard_root = standard.write()
    standard_pcap = standard_capture(os.path.join(work, "standard.pcap"))
    standard_args = ["-r", standard_pcap, "-2", "-V", "-z", "procmap,tree",
                     *prefs(proc_root=standard_root, live_lookups="always",
                            capture_host="this-host")]
    bad = badhost.BadHost(os.path.join(work, "bad-proc"))
    bad_root = bad.write()
    bad_pcap = bad_frames()[0].write(os.path.join(work, "bad.pcap"))
    peers = []
    failed = False
    try:
        cases = {
            "standard": (standard_args, ours_dir, None),
            "bad-input": (["-r", bad_pcap, "-T", "json",
                           *prefs(proc_root=bad_root, live_lookups="always",
                                  capture_host="this-host", min_refresh_interval=0)],
                          ours_dir, None),
            "records": (["-r", records_capture(os.path.join(work, "records.pcapng")), "-2",
                         "-V", "-z", "procmap,tree"], ours_dir, None),
            "live": (None, ours_dir, None),
            "injected": (standard_args, faulty_dir, {"PROCMAP_INJECT_FAULT": "leak"}),
        }
        for name in args.cases.split(","):
            tshark_args, plugins, env = cases[name]
            if name == "live":
                tshark_args = ["-r", live_capture(os.path.join(work, "live.pcap"), peers),
                               "-V", *prefs(live_lookups="always", capture_host="this-host")]
            result, seconds, mine, theirs = run_case(name, args.out, tshark_args, plugins,
                                                     system_dir, env)
            invalid, leaks = summarize(name, result, seconds, mine, theirs)
            if name == "injected":
                injected = [f for f in leaks if any("__wrap_pm_watcher_lookup_tuple" in frame
                                                    for frame in f["stack"])]
                print("    the injected leak is %s" % ("REPORTED (%d records)" % len(injected)
                                                       if injected else "MISSED"))
                failed |= not injected or bool(invalid)
            else:
                failed |= bool(invalid or leaks) or result.returncode != 0
    finally:
        for peer in peers:
            peer.kill()
        shutil.rmtree(work, ignore_errors=True)
    print("memcheck: %s (valgrind XML and tshark output in %s)"
          % ("FAILED" if failed else "passed", args.out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
