#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The measured goals of procmap-capture (issue 8), printed, not asserted:

 1. one-shot curls to a local web server during a capture: the share of
    curl's frames attributed to the right pid through the extcap (goal
    >= 95 %), beside plain `tshark -i lo` with the plugin's live lookups;
 2. two network namespaces on a bridge, a server in one and one-shot curls
    in the other, captured on the client's host-side veth: frames whose
    both ends carry the right pids (goal 100 %);
 3. overhead: a UDP flood on loopback captured by the extcap and by plain
    dumpcap: packets captured per second and per CPU second, and the ratio;
 4. loss at a sustained rate: small UDP datagrams on loopback at a steady
    rate (default 200 000 a second for 10 s, bench_udp_pace), captured by
    dumpcap and by the extcap one after the other: packets sent, captured
    and lost by each, side by side;
 5. what the file spends on processes (issue 14): bytes besides the bare
    packets per packet, procmap-capture against dumpcap, on 10 000 small
    UDP datagrams of one process (goal <= 32 B/packet more), and the file
    size ratio on a 100 MB TCP transfer (goal <= 1.02).

Run as root: ./run extcap-measure (or measure.py --build-dir DIR)."""
import argparse
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))

import pcapng_blocks  # noqa: E402
from extcap_env import (SYSTEM_PYTHON, Extcap, HttpServer, Netns, Wireshark,  # noqa: E402
                        curl_frames_share, make_workdir, one_shot_curl)

PID_FIELDS = ["tcp.srcport", "tcp.dstport", "procmap.src.pid", "procmap.dst.pid"]


def percent(right, total):
    return 100.0 * right / total if total else 0.0


def extcap_curls(ws, binary, workdir, count, source):
    server = HttpServer()
    out = os.path.join(workdir, "curls-%s.pcapng" % source)
    cap = Extcap(binary, "lo", out, "--extcap-capture-filter", "tcp port %d" % server.port,
                 "--source", source)
    try:
        cap.wait_ready()
        curls = [one_shot_curl("http://127.0.0.1:%d/" % server.port) for _ in range(count)]
        time.sleep(1)
        status, stderr, stats = cap.stop()
    finally:
        cap.kill()
        server.stop()
    frames = ws.fields(out, PID_FIELDS)
    return curl_frames_share(frames, curls), stats


def live_tshark_curls(ws, count):
    server = HttpServer()
    tshark = ws.start("tshark", "-i", "lo", "-f", "tcp port %d" % server.port, "-l", "-n",
                      "-T", "fields", "-E", "separator=/t", "-E", "occurrence=f",
                      *sum((["-e", f] for f in PID_FIELDS), []))
    try:
        # tshark says "Capturing on" before dumpcap runs: probe until a
        # frame of our own shows up.
        deadline = time.monotonic() + 60
        seen = False
        while not seen and time.monotonic() < deadline:
            with socket.create_connection(("127.0.0.1", server.port)):
                pass
            time.sleep(0.3)
            seen = bool(_readable(tshark.stdout))
        curls = [one_shot_curl("http://127.0.0.1:%d/" % server.port) for _ in range(count)]
        time.sleep(2)
        tshark.send_signal(signal.SIGINT)
        out, _ = tshark.communicate(timeout=60)
    finally:
        if tshark.poll() is None:
            os.killpg(tshark.pid, signal.SIGKILL)
        server.stop()
    frames = [dict(zip(PID_FIELDS, line.split("\t"))) for line in out.splitlines()]
    return curl_frames_share(frames, curls)


def _readable(stream):
    import select
    ready, _, _ = select.select([stream], [], [], 0)
    return ready


def netns_curls(ws, binary, workdir, count, source):
    net = Netns("m%d" % (os.getpid() % 1000))
    server = cap = None
    try:
        server = HttpServer(host=net.server_ip, ns=net.server)
        out = os.path.join(workdir, "netns-%s.pcapng" % source)
        cap = Extcap(binary, net.host_veth, out, "--extcap-capture-filter",
                     "tcp port %d" % server.port, "--source", source)
        cap.wait_ready()
        time.sleep(0.5)
        curls = [one_shot_curl("http://%s:%d/" % (net.server_ip, server.port), ns=net.client)
                 for _ in range(count)]
        time.sleep(1)
        _, _, stats = cap.stop()
        frames = ws.fields(out, PID_FIELDS)
    finally:
        if cap:
            cap.kill()
        if server:
            server.stop()
        net.remove()
    by_port = {port: pid for pid, port in curls}
    both = total = 0
    for frame in frames:
        src, dst = int(frame["tcp.srcport"] or 0), int(frame["tcp.dstport"] or 0)
        if src in by_port:
            client, server_pid = frame["procmap.src.pid"], frame["procmap.dst.pid"]
            client_pid = by_port[src]
        elif dst in by_port:
            client, server_pid = frame["procmap.dst.pid"], frame["procmap.src.pid"]
            client_pid = by_port[dst]
        else:
            continue
        total += 1
        both += client == str(client_pid) and server_pid == str(server.pid)
    return (both, total), stats


FLOOD = r"""
import socket, sys, time
count, port = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", port))
data = b"x" * 64
start = time.monotonic()
for _ in range(count):
    s.send(data)
print(time.monotonic() - start, flush=True)
"""


def flood(count, port):
    out = subprocess.run([SYSTEM_PYTHON, "-c", FLOOD, str(count), str(port)], check=True,
                         capture_output=True, text=True, timeout=300).stdout
    return float(out)


def captured_packets(path):
    out = subprocess.run(["capinfos", "-c", "-M", "-T", path], capture_output=True, text=True,
                         timeout=300).stdout.strip().splitlines()
    return int(out[-1].split("\t")[-1]) if out else 0


def run_capture(command, ready_path, count, port, traffic=None):
    """Starts @command, floods (or runs @traffic(port) -> (sent, seconds)),
    stops it: (captured, seconds, cpu seconds[, sent])."""
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while not (os.path.exists(ready_path) and os.path.getsize(ready_path) > 0):
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("%s did not start" % command[0])
        time.sleep(0.05)
    time.sleep(0.5)
    if traffic is None:
        sent, seconds = None, flood(count, port)
    else:
        sent, seconds = traffic(port)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _, _, usage = os.wait4(proc.pid, 0)
    result = (captured_packets(ready_path), seconds, usage.ru_utime + usage.ru_stime)
    return result if sent is None else result + (sent,)


def overhead(binary, workdir, count, traffic=None, name="flood", sink=None, kind="udp"):
    """dumpcap, then procmap-capture, on lo for the same traffic: {name:
    run_capture()'s result}; the files stay in @workdir (NAME-dumpcap.pcapng,
    NAME-extcap.pcapng).  @sink: a bound socket the traffic goes to."""
    own_sink = sink is None
    if own_sink:
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sink.bind(("127.0.0.1", 0))
    port = sink.getsockname()[1]
    results = {}
    try:
        plain = os.path.join(workdir, "%s-dumpcap.pcapng" % name)
        results["dumpcap"] = run_capture(["dumpcap", "-q", "-i", "lo", "-f",
                                          "%s port %d" % (kind, port), "-w", plain], plain,
                                         count, port, traffic)
        ours = os.path.join(workdir, "%s-extcap.pcapng" % name)
        results["procmap-capture"] = run_capture(
            [binary, "--capture", "--extcap-interface", "procmap-lo", "--fifo", ours,
             "--extcap-capture-filter", "%s port %d" % (kind, port)], ours, count, port, traffic)
    finally:
        if own_sink:
            sink.close()
    return results


def metadata_bytes(path):
    """(packets, bytes that are not bare packets: options, records, headers
    of the file) of a pcapng file."""
    packets, bare = 0, 0
    for block in pcapng_blocks.blocks(path):
        if block["type"] == pcapng_blocks.EPB:
            packets += 1
            bare += 32 + (block["captured"] + 3) // 4 * 4
    return packets, os.path.getsize(path) - bare


def bulk_tcp(megabytes):
    """A traffic for run_capture(): one process sends @megabytes to the
    listening socket @port (accepted and read in a thread here)."""
    def send(port):
        sender = ("import socket,sys\ns=socket.create_connection(('127.0.0.1',%d))\n"
                  "b=b'x'*65536\nfor _ in range(%d): s.sendall(b)\ns.close()\n"
                  % (port, megabytes * 16))
        start = time.monotonic()
        subprocess.run([sys.executable, "-c", sender], check=True, timeout=600)
        return megabytes, time.monotonic() - start
    return send


def paced(pace_binary, rate, seconds):
    """A traffic for run_capture(): @rate datagrams a second for @seconds."""
    def send(port):
        result = subprocess.run([pace_binary, str(port), str(rate), str(seconds)],
                                capture_output=True, text=True, timeout=seconds * 3 + 60)
        match = re.match(r"sent (\d+) in ([0-9.]+) s", result.stdout)
        if match is None:
            raise RuntimeError("bench_udp_pace: %s %s" % (result.stdout, result.stderr))
        if result.returncode != 0:
            print("   (the sender fell behind: %s)" % result.stdout.strip())
        return int(match.group(1)), float(match.group(2))
    return send


def tcp_sockets():
    out = subprocess.run(["ss", "-tan"], capture_output=True, text=True, timeout=60).stdout
    return max(len(out.splitlines()) - 1, 0)


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return "%s, %d CPUs (%s), Linux %s" % (platform.node(), os.cpu_count(), cpu,
                                           platform.release())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--curls", type=int, default=50)
    parser.add_argument("--netns-curls", type=int, default=20)
    parser.add_argument("--flood", type=int, default=200000)
    parser.add_argument("--rate", type=int, default=200000,
                        help="datagrams a second for the loss figure (4)")
    parser.add_argument("--rate-seconds", type=int, default=10)
    parser.add_argument("--only", default="1,2,3,4,5",
                        help="the figures to measure (comma-separated numbers)")
    args = parser.parse_args()
    only = {part.strip() for part in args.only.split(",")}
    if os.geteuid() != 0:
        sys.exit("measure.py: run as root (captures, network namespaces)")
    binary = os.path.join(args.build_dir, "plugin", "extcap", "procmap-capture")
    plugin = os.path.join(args.build_dir, "plugin", "epan", "procmap.so")
    workdir = make_workdir()
    ws = Wireshark(plugin, binary, workdir)
    print("machine: %s" % machine())
    print("load average: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    print("tshark: %s" % subprocess.run(["tshark", "--version"], capture_output=True,
                                         text=True).stdout.splitlines()[0])

    if "1" in only:
        measure_curls(ws, binary, workdir, args)
    if "2" in only:
        measure_netns(ws, binary, workdir, args)
    if "3" in only:
        measure_flood(binary, workdir, args)
    if "4" in only:
        measure_loss(binary, workdir, args)
    if "5" in only:
        measure_metadata(binary, workdir, args)
    shutil.rmtree(workdir, ignore_errors=True)


def measure_curls(ws, binary, workdir, args):
    (right, total), stats = extcap_curls(ws, binary, workdir, args.curls, "auto")
    print("\n1. %d one-shot curls on lo: curl's frames with curl's pid" % args.curls)
    print("   extcap (%s): %d/%d = %.1f %% (goal >= 95 %%)"
          % ("eBPF" if stats.get("ebpf") == "1" else "netlink", right, total,
             percent(right, total)))
    (right, total), stats = extcap_curls(ws, binary, workdir, args.curls, "netlink")
    print("   extcap, fallback forced (netlink polling every 20 ms): %d/%d = %.1f %%"
          % (right, total, percent(right, total)))
    print("      (a poll took %s ms on average; this host has %d TCP sockets)"
          % (stats.get("poll_ms_average", "?"), tcp_sockets()))
    right, total = live_tshark_curls(ws, args.curls)
    print("   plain tshark -i lo, plugin live lookups: %d/%d = %.1f %%"
          % (right, total, percent(right, total)))



def measure_netns(ws, binary, workdir, args):
    print("\n2. two namespaces on a bridge, %d curls client -> server, captured on the "
          "client's host-side veth" % args.netns_curls)
    for source in ("auto", "netlink"):
        (both, total), stats = netns_curls(ws, binary, workdir, args.netns_curls, source)
        print("   extcap (%s): frames with both pids right %d/%d = %.1f %% (goal 100 %%)"
              % ("eBPF" if stats.get("ebpf") == "1" else "netlink", both, total,
                 percent(both, total)))



def measure_flood(binary, workdir, args):
    print("\n3. overhead: %d UDP datagrams of 64 bytes flooded on lo" % args.flood)
    results = overhead(binary, workdir, args.flood)
    for name, (captured, seconds, cpu) in results.items():
        print("   %-16s captured %7d in %.2f s flood: %8.0f pkt/s; CPU %.2f s: %8.0f pkt per "
              "CPU second" % (name, captured, seconds, captured / seconds, cpu,
                              captured / cpu if cpu else 0))
    ours, plain = results["procmap-capture"], results["dumpcap"]
    if plain[2] and ours[2]:
        print("   ratio procmap-capture / dumpcap: %.2f (packets per CPU second), "
              "%.2f (packets captured)" % ((ours[0] / ours[2]) / (plain[0] / plain[2]),
                                            ours[0] / plain[0] if plain[0] else 0))


def measure_loss(binary, workdir, args):
    pace = os.path.join(args.build_dir, "tests", "bench", "bench_udp_pace")
    print("\n4. loss: UDP datagrams of 64 bytes on lo, %d a second for %d s, each capture "
          "alone" % (args.rate, args.rate_seconds))
    results = overhead(binary, workdir, 0, paced(pace, args.rate, args.rate_seconds), "rate")
    for name, (captured, seconds, cpu, sent) in results.items():
        lost = max(sent - captured, 0)
        print("   %-16s sent %8d in %.2f s, captured %8d, lost %8d (%.2f %%); CPU %.2f s"
              % (name, sent, seconds, captured, lost, percent(lost, sent), cpu))



def drain(listener, stop):
    """Accepts and reads connections on @listener until @stop is set."""
    listener.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        with conn:
            while conn.recv(1 << 20):
                pass


def measure_metadata(binary, workdir, args):
    pace = os.path.join(args.build_dir, "tests", "bench", "bench_udp_pace")
    print("\n5. what the file spends on processes: 10 000 UDP datagrams of 64 bytes from one "
          "process on lo, and a bulk TCP transfer, dumpcap and procmap-capture side by side")
    results = overhead(binary, workdir, 0, paced(pace, 10000, 1), "meta")
    per_packet = {}
    for name, suffix in (("dumpcap", "dumpcap"), ("procmap-capture", "extcap")):
        packets, meta = metadata_bytes(os.path.join(workdir, "meta-%s.pcapng" % suffix))
        per_packet[name] = meta / packets if packets else 0
        print("   %-16s %6d packets, %7d bytes besides the bare packets: %.1f B/packet"
              % (name, packets, meta, per_packet[name]))
    print("   metadata procmap-capture - dumpcap: %.1f B/packet (goal <= 32)"
          % (per_packet["procmap-capture"] - per_packet["dumpcap"]))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()
    reader = threading.Thread(target=drain, args=(listener, stop), daemon=True)
    reader.start()
    try:
        overhead(binary, workdir, 0, bulk_tcp(100), "bulk", sink=listener, kind="tcp")
    finally:
        stop.set()
        reader.join(timeout=5)
        listener.close()
    # Each capture may drop a different share of a burst this size: the
    # ratio compares each file with the packets it holds.
    sizes = {}
    for name, suffix in (("dumpcap", "dumpcap"), ("procmap-capture", "extcap")):
        path = os.path.join(workdir, "bulk-%s.pcapng" % suffix)
        packets, meta = metadata_bytes(path)
        size = os.path.getsize(path)
        sizes[name] = size / (size - meta) if size > meta else 0
        print("   bulk TCP, 100 MB on lo, %-16s %6d packets in %d bytes, %.4f of their bare size"
              % (name, packets, size, sizes[name]))
    print("   file size ratio procmap-capture / dumpcap for the same packets: %.4f (goal <= 1.02)"
          % (sizes["procmap-capture"] / sizes["dumpcap"] if sizes["dumpcap"] else 0))

if __name__ == "__main__":
    main()
