#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`./run soak` (via soak.sh): tshark -i lo with the plugin through about a
million frames whose source ports churn through the whole ephemeral range
(64 k ports, a fresh socket for every 16 datagrams) from worker processes
that start and exit one after another; then a last TCP and UDP flow of
long-running processes, which must still be attributed correctly once
tshark has caught up.  The same run with --disable-protocol procmap gives
tshark's own memory; the report compares the peak RSS of both.

    soak.py --plugin procmap.so [--frames N] [--rate PPS] [--json FILE]"""
import argparse
import json
import math
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "epan"))

from harness import SYSTEM_PYTHON, Peer, Tshark, fields_args, system_epan_plugin_dir  # noqa: E402

PORT_FIRST, PORT_LAST = 1024, 65535
WORKERS = 64            # generator processes, two at a time
FIELDS = ["frame.number", "frame.time_epoch", "tcp.srcport", "tcp.dstport", "udp.srcport",
          "udp.dstport", "procmap.src.pid", "procmap.dst.pid", "procmap.src.reason",
          "procmap.dst.reason"]
CHURN = os.path.join(HERE, "soak_churn.py")
PEERS = os.path.join(HERE, "..", "epan", "live_peers.py")


class MemoryPoller(threading.Thread):
    """VmRSS and VmHWM of a process, every second, until it exits."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.samples, self.peak_kib, self.done = pid, [], 0, False
        self.started = time.monotonic()

    def run(self):
        while not self.done:
            try:
                with open("/proc/%d/status" % self.pid) as status:
                    text = status.read()
            except OSError:
                return
            rss = int(re.search(r"VmRSS:\s+(\d+)", text).group(1))
            self.peak_kib = max(self.peak_kib, int(re.search(r"VmHWM:\s+(\d+)", text).group(1)))
            self.samples.append((round(time.monotonic() - self.started), rss))
            time.sleep(1)


def start_peer(peers, *argv):
    peer = Peer([SYSTEM_PYTHON, *map(str, argv)])
    peers.append(peer)
    return peer


def generate(peers, sink_port, frames, rate):
    """The churn: WORKERS processes over the port range.  -> datagrams sent."""
    ports = PORT_LAST - PORT_FIRST + 1
    per_port = math.ceil(frames / ports)
    chunk = math.ceil(ports / WORKERS)
    sent = skipped = 0
    running = []
    for first in range(PORT_FIRST, PORT_LAST + 1, chunk):
        last = min(first + chunk - 1, PORT_LAST)
        running.append(start_peer(peers, CHURN, "worker", first, last, per_port, sink_port,
                                  rate / 2))
        if len(running) == 2:
            words = running.pop(0).wait_for("sent", timeout=3600).split()
            sent, skipped = sent + int(words[0]), skipped + int(words[2])
    for worker in running:
        words = worker.wait_for("sent", timeout=3600).split()
        sent, skipped = sent + int(words[0]), skipped + int(words[2])
    return sent, skipped


def run(plugin_dirs, system_dir, work, frames, rate, enabled):
    peers = []
    config = tempfile.mkdtemp(dir=work)
    runner = Tshark(plugin_dirs, system_dir, config)
    result = {"procmap": "enabled" if enabled else "disabled"}
    try:
        sink_port = int(start_peer(peers, CHURN, "sink").wait_for("port"))
        tcp_server = start_peer(peers, PEERS, "tcp-echo", "127.0.0.1")
        udp_server = start_peer(peers, PEERS, "udp-echo", "127.0.0.1")
        tcp_port, udp_port = int(tcp_server.wait_for("port")), int(udp_server.wait_for("port"))
        # io,stat counts every frame dissected (-Y only limits the output).
        extra = ["-z", "io,stat,0"]
        extra += ["-z", "procmap,tree"] if enabled else ["--disable-protocol", "procmap"]
        tshark = runner.start("-i", "lo", "-l", "-n", "-B", "64",
                              "-f", "udp port %d or tcp port %d or udp port %d"
                              % (sink_port, tcp_port, udp_port),
                              "-Y", "tcp.port == %d or udp.port == %d" % (tcp_port, udp_port),
                              *extra, *fields_args(FIELDS))
        poller = MemoryPoller(tshark.proc.pid)
        poller.start()
        tshark.wait_stderr("Capturing on")
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tshark.wait_line(lambda line: True, timeout=120,
                         poke=lambda: probe.sendto(b"probe", ("127.0.0.1", udp_port)),
                         interval=0.5)

        started = time.time()
        sent, skipped = generate(peers, sink_port, frames, rate)
        churn_end = time.time()
        tcp_client = start_peer(peers, PEERS, "tcp-client", "127.0.0.1", tcp_port, 100000, 0.1)
        udp_client = start_peer(peers, PEERS, "udp-client", "127.0.0.1", udp_port, 100000, 0.1)
        clients = {int(tcp_client.wait_for("local")): tcp_client.pid,
                   int(udp_client.wait_for("local")): udp_client.pid}
        servers = {tcp_port: tcp_server.pid, udp_port: udp_server.pid}

        # Caught up: a marker frame sent after the churn, dissected within 3 s.
        def fresh(line):
            values = dict(zip(FIELDS, line.split("\t")))
            captured = float(values["frame.time_epoch"])
            return captured > churn_end and time.time() - captured < 3

        tshark.wait_line(fresh, timeout=3600)
        caught_up = time.time()
        # The flows' first frames may say refresh-suppressed (a refresh for
        # the churn was just made, README): judge the frames of the next 3 s.
        lines = []
        while time.time() < caught_up + 3:
            lines.append(tshark.readline(timeout=60))
        last = [dict(zip(FIELDS, line.split("\t"))) for line in lines[-20:]]
        os.kill(tshark.proc.pid, signal.SIGINT)
        stdout, stderr, code = tshark.finish(timeout=600)
        poller.done = True
        poller.join(timeout=5)

        captured = re.search(r"<>[^|]*\|\s*(\d+)\s*\|", stdout)
        dropped = re.search(r"(\d+) packets? dropped", stderr)
        result.update(frames_sent=sent, ports_skipped=skipped,
                      churn_seconds=round(churn_end - started, 1),
                      lag_seconds=round(caught_up - churn_end, 1),
                      frames_captured=int(captured.group(1)) if captured else None,
                      frames_dropped=int(dropped.group(1)) if dropped else 0,
                      tshark_exit=code, peak_rss_kib=poller.peak_kib,
                      rss_kib_samples=poller.samples[::max(1, len(poller.samples) // 20)])
        if enabled:
            wrong = []
            for row in last:
                ports = (int(row["tcp.srcport"] or row["udp.srcport"]),
                         int(row["tcp.dstport"] or row["udp.dstport"]))
                want = tuple(str(servers.get(p) or clients.get(p)) for p in ports)
                if (row["procmap.src.pid"], row["procmap.dst.pid"]) != want:
                    wrong.append(row)
            result["last_flow_frames_checked"] = len(last)
            result["last_flow_wrong"] = wrong
            tree = stdout.find("Process")
            result["stats_tree"] = stdout[stdout.rfind("=" * 20, 0, tree):].strip()
        result["stderr"] = [line for line in stderr.splitlines()
                            if line.strip() and "Running as user" not in line]
    finally:
        runner.kill_all()
        for peer in peers:
            peer.kill()
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--frames", type=int, default=1000000)
    parser.add_argument("--rate", type=float, default=20000, help="churn datagrams a second")
    parser.add_argument("--json")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("soak: run as root (live capture, private mount namespace)")
    work = tempfile.mkdtemp(prefix="procmap-soak-")
    try:
        system_dir = system_epan_plugin_dir()
        plugins = os.path.join(work, "plugins")
        os.makedirs(plugins)
        for name in os.listdir(system_dir):
            if name.endswith(".so") and name != "procmap.so":
                shutil.copy2(os.path.join(system_dir, name), plugins)
        shutil.copy2(args.plugin, os.path.join(plugins, "procmap.so"))
        results = [run(plugins, system_dir, work, args.frames, args.rate, enabled)
                   for enabled in (True, False)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {"machine": machine(), "frames_asked": args.frames, "rate": args.rate,
              "runs": results}
    print_report(report)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=1)
    problems = check(report, args.frames)
    print("soak: %s" % ("; ".join(problems) if problems else "passed"))
    return 1 if problems else 0


def check(report, frames):
    """What went wrong: a crash, too few frames, a wrong answer at the end,
    or log lines beyond tshark's own capture messages."""
    problems = []
    for run_result in report["runs"]:
        name = "procmap %s" % run_result["procmap"]
        if run_result["tshark_exit"] != 0:
            problems.append("%s: tshark exit %s" % (name, run_result["tshark_exit"]))
        if (run_result["frames_captured"] or 0) < frames * 0.95:
            problems.append("%s: %s frames captured" % (name, run_result["frames_captured"]))
        noise = [line for line in run_result["stderr"]
                 if not re.search(r"Capturing on|packets? (captured|dropped)|Capture started|"
                                  r"-- File: |^tshark: *$", line)]
        if len(noise) > 2:   # at most one line per cause
            problems.append("%s: log lines %s" % (name, noise[:5]))
    if report["runs"][0]["last_flow_wrong"]:
        problems.append("the last flow is attributed wrongly")
    return problems


def machine():
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                      if line.startswith("model name")), "?")
    with open("/proc/meminfo") as meminfo:
        memory = meminfo.readline().split()[1]
    return "%s, %d cores, %d MiB, %s" % (model, os.cpu_count(), int(memory) // 1024,
                                          " ".join(os.uname()[2:3]))


def print_report(report):
    print("soak on %s" % report["machine"])
    for run_result in report["runs"]:
        print("procmap %(procmap)s: %(frames_sent)d datagrams sent in %(churn_seconds)ss "
              "(%(ports_skipped)d ports in use, skipped), %(frames_captured)s frames captured, "
              "%(frames_dropped)s dropped, tshark caught up %(lag_seconds)ss after the churn, "
              "exit %(tshark_exit)s, peak RSS %(peak_rss_kib)d KiB" % run_result)
        print("    RSS (s, KiB): %s" % run_result["rss_kib_samples"])
        if "last_flow_wrong" in run_result:
            print("    last flow: %d frames checked, %d wrong %s" % (
                run_result["last_flow_frames_checked"], len(run_result["last_flow_wrong"]),
                run_result["last_flow_wrong"][:3]))
            print("    stderr: %s" % run_result["stderr"])
            print("\n".join("    " + line for line in run_result["stats_tree"].splitlines()))


if __name__ == "__main__":
    sys.exit(main())
