# SPDX-License-Identifier: GPL-2.0-or-later
"""P2 (miss storm), and what P1 (p1_bench.py) shares with it: `tshark -r`
with the build-tree plugin against the same command with
`--disable-protocol procmap`.

tshark runs as root, so it ignores WIRESHARK_PLUGIN_DIR: as in the plugin
tests (tests/epan/harness.py), every run is `unshare -m` with a private
copy of the stock epan plugins plus our procmap.so bind-mounted over the
system epan plugin directory (a procmap.so that `./run demo` installed there
is left out).  Both arms get the same empty configuration directory and the
same options; the figure is the ratio of median CPU times (user + sys of
tshark), the arms interleaved."""
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "epan"))

import pcapgen  # noqa: E402
from benchlib import (SYSTEM_PYTHON, Result, cpu_median, interleaved, say,  # noqa: E402
                      section, spread, timed, wall_median)
from harness import system_epan_plugin_dir  # noqa: E402

DISABLED = ["--disable-protocol", "procmap"]
# The plugin's benchmark hooks (plugin/epan/procmap_prefs.c).
STATS_ENV = "PROCMAP_STATS"                     # stderr|PATH: watcher statistics at exit
EVERY_MISS_ENV = "PROCMAP_REFRESH_ON_EVERY_MISS"  # 1: Packetbeat's rebuild on every miss
# Frames are dissected up to minutes after capture here (repetitions): keep
# every frame inside the live window in every arm, and take the file, which
# this host captured, as this host's (live lookups, as in a live capture).
LIVE_WINDOW = ["-o", "procmap.live_window:3600", "-o", "procmap.capture_host:this-host"]
# A socket seen by a refresh answers for mapping_ttl (10 s) of wall-clock
# time; a `tshark -r` slower than that (a busy machine, callgrind) sees the
# steady state's mappings expire mid-file and, its frames being older than
# the table, never refreshes them (later frames fall back to `stream`).  P1
# measures the steady state, so both arms keep the mappings for the run, and
# the process details (cache_ttl), which a slow run (callgrind) would
# otherwise read again every 10 s of wall time.
STEADY = ["-o", "procmap.mapping_ttl:3600", "-o", "procmap.cache_ttl:3600"]
# Every tshark figure is `tshark -r` printing its summary lines (to
# /dev/null): `tshark -q -r` alone would not dissect at all, as nothing
# needs it.


class PluginTshark:
    """tshark loading the build-tree procmap.so (see the module doc)."""

    def __init__(self, plugin_path, workdir):
        self.system_dir = system_epan_plugin_dir()
        self.plugin_dir = os.path.join(workdir, "epan-plugins")
        self.config_dir = os.path.join(workdir, "wireshark-config")
        os.makedirs(self.plugin_dir)
        os.makedirs(self.config_dir)
        for name in os.listdir(self.system_dir):
            if name.endswith(".so") and name != "procmap.so":
                shutil.copy2(os.path.join(self.system_dir, name), self.plugin_dir)
        shutil.copy2(plugin_path, os.path.join(self.plugin_dir, "procmap.so"))
        os.chmod(self.plugin_dir, 0o755)

    def command(self, args, prefix=(), wrapper=()):
        """@prefix runs around unshare, @wrapper around tshark
        itself inside the namespace (valgrind)."""
        return [*prefix, "unshare", "-m", "--propagation", "private", "sh", "-c",
                'mount --bind "$1" "$2" && shift 2 && exec "$@"', "sh",
                self.plugin_dir, self.system_dir, *wrapper, "tshark", *map(str, args)]

    def env(self, extra=None):
        env = dict(os.environ, WIRESHARK_CONFIG_DIR=self.config_dir, LC_ALL="C.UTF-8")
        env.pop("WIRESHARK_PLUGIN_DIR", None)
        env.pop(STATS_ENV, None)
        env.pop(EVERY_MISS_ENV, None)
        env.update(extra or {})
        return env

    def timed(self, args, extra_env=None):
        return timed(self.command(args), env=self.env(extra_env))

    def output(self, args):
        result = subprocess.run(self.command(args), env=self.env(), stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            raise RuntimeError("tshark %s failed: %s" % (args, result.stderr[-2000:]))
        return result.stdout

    def instructions(self, args, workdir):
        """User-space instructions of one tshark run (callgrind): exact and
        independent of the machine's load, blind to cache misses and to
        the kernel's share.  -> (total, the plugin's own: the inclusive
        instructions of its postdissector, dissect_procmap)."""
        out = os.path.join(workdir, "callgrind.out")
        subprocess.run(self.command(args, wrapper=("valgrind", "--tool=callgrind",
                                                   "--callgrind-out-file=" + out)),
                       env=self.env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True, timeout=3600)
        with open(out) as lines:
            total = next(int(line.split()[1]) for line in lines if line.startswith("totals:"))
        annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100",
                                    out], capture_output=True, text=True).stdout
        own = max([int(line.split()[0].replace(",", "")) for line in annotated.splitlines()
                   if re.search(r"[ :]dissect_procmap( |$)", line)] or [0])
        keep = os.environ.get("PROCMAP_BENCH_KEEP_CALLGRIND")
        if keep:       # a directory: each profile kept for callgrind_annotate
            os.makedirs(keep, exist_ok=True)
            shutil.move(out, os.path.join(keep, "callgrind.%d.out" % len(os.listdir(keep))))
            return total, own
        os.unlink(out)
        return total, own

    def watcher_stats(self, args, workdir, extra_env=None):
        """Runs tshark once with PROCMAP_STATS (procmap_prefs.c: the plugin
        writes its watcher's statistics when it is freed, at exit) ->
        ({name: number}, wall s).  Only the plugin's own work is counted:
        no tracing, no disabled arm to subtract."""
        path = os.path.join(workdir, "procmap-stats.txt")
        if os.path.exists(path):
            os.unlink(path)
        start = time.monotonic()
        subprocess.run(self.command(args), env=self.env({STATS_ENV: path, **(extra_env or {})}),
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True, timeout=1800)
        wall = time.monotonic() - start
        stats = {}
        with open(path) as lines:
            for line in lines:      # one line per watcher; the last is the run's
                if line.startswith("procmap stats:"):
                    stats = {key: float(value) for key, _, value in
                             (word.partition("=") for word in line.split()[2:])
                             if key != "proc_root"}
        if not stats:
            raise RuntimeError("tshark wrote no procmap stats (is %s honoured?)" % STATS_ENV)
        return stats, wall


def ab_figure(tshark, name, args, reps, options=()):
    """Times plugin vs disabled on @args (+ @options in both arms); prints
    and returns the ratio of median CPU times (the min ratio is printed too:
    on a busy machine noise only adds, so the minima are the least
    disturbed runs)."""
    runs = interleaved({
        "plugin": lambda: tshark.timed([*args, *LIVE_WINDOW, *options]),
        "disabled": lambda: tshark.timed([*args, *LIVE_WINDOW, *options, *DISABLED]),
    }, reps)
    plugin, disabled = runs["plugin"], runs["disabled"]
    ratio = cpu_median(plugin) / cpu_median(disabled)
    say("%-26s plugin %.2f s CPU (%s; wall %.2f s), disabled %.2f s CPU (%s; wall %.2f s)"
        % (name, cpu_median(plugin), spread([s.cpu for s in plugin]), wall_median(plugin),
           cpu_median(disabled), spread([s.cpu for s in disabled]), wall_median(disabled)))
    say("%-26s ratio plugin/disabled = %.3f (CPU medians of %d interleaved), %.3f (CPU "
        "minima), %.3f (wall medians)"
        % ("", ratio, reps, min(s.cpu for s in plugin) / min(s.cpu for s in disabled),
           wall_median(plugin) / wall_median(disabled)))
    return ratio, runs


# ---- P1 ----------------------------------------------------------------------

class LineProcess:
    """A loadgen.py process: "KEY VALUE" lines on stdout, commands on stdin."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([SYSTEM_PYTHON, os.path.join(HERE, "loadgen.py"), *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     start_new_session=True)

    def read_until(self, keyword):
        values = {}
        for line in self.proc.stdout:
            word, _, value = line.strip().partition(" ")
            if word == keyword:
                return values, value
            values[word] = value
        raise RuntimeError("loadgen.py exited before printing %r" % keyword)

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


def capture_steady_state(path, frames):
    """Captures @frames frames of loadgen traffic on lo; -> (server, client),
    both still running with every socket open."""
    server = LineProcess("serve")
    ports, _ = server.read_until("ready")
    client = LineProcess("client", ports["tcp4"], ports["tcp6"], ports["udp4"], "3")
    client.read_until("ready")
    port_filter = "tcp port %s or tcp port %s or udp port %s" % (ports["tcp4"], ports["tcp6"],
                                                                 ports["udp4"])
    dumpcap = subprocess.Popen(["dumpcap", "-q", "-i", "lo", "-B", "64", "-c", str(frames),
                                "-f", port_filter, "-w", path],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)             # dumpcap prints nothing reliable once capturing
    client.send("go")
    try:
        dumpcap.wait(timeout=300)
    finally:
        client.proc.send_signal(signal.SIGUSR1)
    if dumpcap.returncode != 0:
        raise RuntimeError("dumpcap failed: %s" % dumpcap.stderr.read())
    client.read_until("stopped")
    return server, client


def frame_count(path):
    out = subprocess.run(["capinfos", "-M", "-c", path], capture_output=True, text=True,
                         check=True).stdout
    return int(re.search(r"Number of packets:\s*(\d+)", out).group(1))


# ---- P2 ----------------------------------------------------------------------

def ports_in_use():
    out = subprocess.run(["ss", "-Htuan"], capture_output=True, text=True, check=True).stdout
    used = set()
    for line in out.splitlines():
        columns = line.split()
        if len(columns) >= 5:
            used.add(int(columns[4].rsplit(":", 1)[1]))
    return used


def host_size():
    """What a refresh has to read here: sockets and processes."""
    sockets = len(subprocess.run(["ss", "-Htuan"], capture_output=True, text=True,
                                 check=True).stdout.splitlines())
    processes = sum(1 for name in os.listdir("/proc") if name.isdigit())
    return "%d TCP/UDP sockets, %d processes (a refresh reads them all)" % (sockets, processes)


def write_port_scan(path, probes, start_time):
    """A SYN scan of 127.0.0.1 answered by RSTs: 2 * @probes frames, 2 us
    apart from @start_time, every port closed when it is written."""
    used = ports_in_use()
    closed = [p for p in range(1, 65536) if p not in used]
    sources = [p for p in range(40000, 61000) if p not in used]
    rand = random.Random(4)
    records = [pcapgen.file_header()]
    for i in range(probes):
        sport, dport = rand.choice(sources), closed[i % len(closed)]
        seq = rand.getrandbits(32)
        syn = pcapgen.tcp_packet("127.0.0.1", sport, "127.0.0.1", dport, "S", seq)
        rst = pcapgen.tcp_packet("127.0.0.1", dport, "127.0.0.1", sport, "RA", 0, seq + 1)
        records.append(pcapgen.record(pcapgen.ether(syn), start_time + 4e-6 * i))
        records.append(pcapgen.record(pcapgen.ether(rst), start_time + 4e-6 * i + 2e-6))
    with open(path, "wb") as out:
        out.write(b"".join(records))


def watcher_work(tshark, args, workdir, extra_env=None):
    """What the plugin's watcher did in one run (PROCMAP_STATS) ->
    (stats, wall s of the run)."""
    return tshark.watcher_stats([*args, *LIVE_WINDOW], workdir, extra_env)


def prefix_of(path, frames, workdir, name):
    prefix = os.path.join(workdir, name)
    subprocess.run(["editcap", "-r", path, prefix, "1-%d" % frames], check=True,
                   stdout=subprocess.DEVNULL)
    return prefix


def every_miss_run(tshark, path, count, workdir, reps):
    """Packetbeat's rule inside tshark: PROCMAP_REFRESH_ON_EVERY_MISS=1
    (a full refresh on every miss, no interval, no exact lookups).  A
    200-frame pilot tells the cost per frame; the timed prefix is as long as
    ~10 s of that cost allows.  -> (CPU ratio on the prefix, frames, stats,
    extra CPU s per frame)."""
    every_miss = {EVERY_MISS_ENV: "1"}
    pilot = prefix_of(path, 200, workdir, "p2-pilot.pcap")
    extra = tshark.timed(["-n", "-r", pilot, *LIVE_WINDOW], every_miss).cpu - \
        tshark.timed(["-n", "-r", pilot, *LIVE_WINDOW, *DISABLED]).cpu
    frames = int(min(count, max(200, 10.0 / max(extra / 200, 1e-6))))
    prefix = path if frames >= count else prefix_of(path, frames, workdir, "p2-prefix.pcap")
    runs = interleaved({
        "plugin": lambda: tshark.timed(["-n", "-r", prefix, *LIVE_WINDOW], every_miss),
        "disabled": lambda: tshark.timed(["-n", "-r", prefix, *LIVE_WINDOW, *DISABLED]),
    }, max(1, reps // 2), warmup=False)
    stats, _ = watcher_work(tshark, ["-n", "-r", prefix], workdir, every_miss)
    cpu, base = cpu_median(runs["plugin"]), cpu_median(runs["disabled"])
    say("%s=1 (Packetbeat's rule in tshark), first %d frames: %.2f s CPU vs %.2f s "
        "disabled = %.2fx; %d refreshes (%.2f per frame, %.1f ms each on average)"
        % (EVERY_MISS_ENV, frames, cpu, base, cpu / base, stats["refreshes"],
           stats["refreshes"] / frames,
           stats["refresh_time_total_us"] / 1e3 / max(stats["refreshes"], 1)))
    return cpu / base, frames, stats, (cpu - base) / frames


def storm_at_watcher(build_dir, path, count, base_cpu):
    """Packetbeat's rule for real (refresh_on_every_miss, no interval) at
    the watcher, against the default rule, on the same frames."""
    program = os.path.join(build_dir, "tests", "bench", "bench_storm")
    results = {}
    for mode, extra in (("rule", []), ("every-miss", ["--every-miss"])):
        out = subprocess.run([program, path, "--max-seconds", "10", *extra], check=True,
                             capture_output=True, text=True, timeout=300).stdout
        values = dict(line.split() for line in out.splitlines())
        results[mode] = {key: float(value) for key, value in values.items()}
    for mode, r in results.items():
        say("watcher replay (bench_storm), %-10s: %6d frames in %.2f s (%.1f us CPU per "
            "frame), %d refreshes, %d suppressed"
            % (mode, r["frames"], r["seconds"], 1e6 * r["cpu"] / r["frames"], r["refreshes"],
               r["suppressed"]))
    per_frame = {mode: r["cpu"] / r["frames"] for mode, r in results.items()}
    projected = (base_cpu + count * per_frame["every-miss"]) / base_cpu
    say("rebuild on every miss costs %.0fx the rule per frame; added to `tshark -r` "
        "(%.2f s CPU disabled) it would make the %d-frame run %.0fx"
        % (per_frame["every-miss"] / per_frame["rule"], base_cpu, count, projected))
    return projected, results["every-miss"]["refreshes"] / results["every-miss"]["frames"]


def p2_miss_storm(tshark, build_dir, workdir, probes, reps):
    section("P2 miss storm: a port scan of closed loopback ports, plugin vs disabled")
    path = os.path.join(workdir, "p2.pcap")
    # Stamped ahead of the run: every frame is newer than any table the run
    # builds, so every miss may refresh and only the rule stops it: the
    # worst case of a live capture (whose newest frame is newer than the
    # table).  Ten minutes ahead, inside the 3600 s live window.
    write_port_scan(path, probes, time.time() + 600.0)
    count = frame_count(path)
    say("capture: %d frames (SYN to a closed port, RST back; both ends closed), stamped "
        "from 10 min ahead of now" % count)
    say("host: %s" % host_size())
    ratio, runs = ab_figure(tshark, "tshark -r (summary lines)", ["-n", "-r", path], reps)
    stats, wall = watcher_work(tshark, ["-n", "-r", path], workdir)
    extra_cpu = cpu_median(runs["plugin"]) - cpu_median(runs["disabled"])
    say("watcher statistics (%s) of a %.2f s run: %d lookups, %d refreshes (%.2f/s; %.0f ms "
        "in all, longest %.0f ms), %d suppressed, %d exact lookups (%d answered)"
        % (STATS_ENV, wall, stats["lookups"], stats["refreshes"], stats["refreshes"] / wall,
           stats["refresh_time_total_us"] / 1e3, stats["refresh_time_max_us"] / 1e3,
           stats["refreshes_suppressed"], stats["exact_lookups"],
           stats["exact_lookup_answers"]))
    every_ratio, every_frames, _, every_per_frame = every_miss_run(tshark, path, count,
                                                                  workdir, reps)
    base_cpu = cpu_median(runs["disabled"])
    every_projected = (base_cpu + count * every_per_frame) / base_cpu
    say("rebuild on every miss, projected to the %d frames: %.0fx the disabled run"
        % (count, every_projected))
    projected, per_frame = storm_at_watcher(build_dir, path, count, base_cpu)
    return [Result("P2", ratio, 1.10, "x", "miss storm, `tshark -r` CPU ratio",
                   note="%d frames; plugin +%.2f s CPU; Packetbeat's rebuild on every miss: "
                   "%.1fx on the first %d frames in tshark, ~%.0fx projected (watcher "
                   "replay %.1f refreshes/frame: ~%.0fx)"
                   % (count, extra_cpu, every_ratio, every_frames, every_projected,
                      per_frame, projected)),
            Result("P2r", stats["refreshes"] / wall, 4.0, "/s",
                   "table refreshes per second of run",
                   note="%d refreshes and %d exact lookups in a %.2f s run (PROCMAP_STATS)"
                   % (stats["refreshes"], stats["exact_lookups"], wall))]
