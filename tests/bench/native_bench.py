# SPDX-License-Identifier: GPL-2.0-or-later
"""P3 (table build), P4 (cached lookup), P5 (memory), P6 (memory per frame)
and C1 (carried-comment parsing): the C programs of tests/bench, built with
the project (bench_refresh, bench_lookup, bench_memory, bench_frames,
bench_carried, bench_sockload),
driven and summed up here."""
import os
import subprocess
import tempfile

from benchlib import Result, median, say, section, spread


def program(build_dir, name):
    path = os.path.join(build_dir, "tests", "bench", name)
    if not os.access(path, os.X_OK):
        raise RuntimeError("%s is not built (cmake --build %s --target %s)"
                           % (path, build_dir, name))
    return path


def run_program(command, env=None, timeout=900):
    """-> {key: [values...]} from the "KEY v1 v2..." lines of @command.
    A key made of two words ("ms ss_tuanp") keeps both."""
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(command), out.stderr[-2000:]))
    values = {}
    for line in out.stdout.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] in ("ms", "cpu", "ns", "rows", "owned", "phase",
                                             "scans"):
            key, rest = " ".join(words[:2]), words[2:]
        elif len(words) >= 2:
            key, rest = words[0], words[1:]
        else:
            continue
        values[key] = [float(v) for v in rest]
    return values


class SocketLoad:
    """bench_sockload: @procs processes x @sockets sockets, until stopped."""

    def __init__(self, build_dir, procs, sockets):
        self.proc = subprocess.Popen([program(build_dir, "bench_sockload"), str(procs),
                                      str(sockets)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if line[:1] != ["ready"]:
            self.stop()
            raise RuntimeError("bench_sockload did not start")
        self.sockets = int(line[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def ss_rows():
    out = subprocess.run(["ss", "-Htuanp"], capture_output=True, text=True, check=True).stdout
    return len(out.splitlines())


# ---- P3 ----------------------------------------------------------------------

def p3_table_build(build_dir, rounds, procs=100, sockets=100):
    section("P3 table build: one refresh vs one `ss -tuanp`, %d processes x %d sockets"
            % (procs, sockets))
    load = SocketLoad(build_dir, procs, sockets)
    try:
        rows_before = ss_rows()
        values = run_program([program(build_dir, "bench_refresh"), "--rounds", str(rounds)])
        say("load: bench_sockload holds %d sockets; ss -tuanp listed %d rows before the "
            "rounds, %d after (anything beyond ours is the host's own or another program's)"
            % (load.sockets, rows_before, ss_rows()))
        lookup = run_program([program(build_dir, "bench_lookup"), "--real", "--reps", "5",
                              "--iterations", "300000"])
    finally:
        load.stop()
    wall = {key.split()[1]: median(v) for key, v in values.items() if key.startswith("ms ")}
    cpu = {key.split()[1]: median(v) for key, v in values.items() if key.startswith("cpu ")}
    say("medians of %d rounds, measures interleaved in rotating order; CPU = user+sys of "
        "the refresh (in process) or of the ss child:" % rounds)
    for key in ("ss_tuanp", "ss_start", "netlink_warm", "netlink_new", "netlink_whole",
                "netlink_cold", "netlink_dump", "procfs_warm", "procfs_cold"):
        say("  %-13s CPU %8.2f ms (%s)   wall %8.2f ms (%s)"
            % (key, cpu[key], spread(values["cpu " + key]), wall[key],
               spread(values["ms " + key])))
    say("table: netlink %d rows (%d with an owner), procfs %d rows (%d with an owner)"
        % (values["rows netlink"][0], values["owned netlink"][0], values["rows procfs"][0],
           values["owned procfs"][0]))
    ss_work = {"cpu": cpu["ss_tuanp"] - cpu["ss_start"],
               "wall": wall["ss_tuanp"] - wall["ss_start"]}
    say("ss's own work = ss -tuanp - ss -V (its process start): CPU %.2f ms, wall %.2f ms"
        % (ss_work["cpu"], ss_work["wall"]))
    for key in ("netlink_warm", "netlink_new", "netlink_whole"):
        refreshes, partial, skipped, kept = values["scans " + key]
        say("  %-13s %d refreshes: %d partial owner scans, %d skipped, %d owner rows kept"
            % (key, refreshes, partial, skipped, kept))
    ratios = {}
    for key in ("netlink_warm", "netlink_new", "netlink_whole", "netlink_cold", "netlink_dump",
                "procfs_warm", "procfs_cold"):
        ratios[key] = cpu[key] / ss_work["cpu"]
        say("  %-13s / ss's work: CPU %.3f, wall %.3f   (/ whole ss -tuanp: CPU %.3f)"
            % (key, ratios[key], wall[key] / ss_work["wall"], cpu[key] / cpu["ss_tuanp"]))
    say("  floor (the socket dump alone): %.3f" % ratios["netlink_dump"])
    results = [Result("P3", ratios["netlink_warm"], 0.3, "x",
                      "netlink refresh / `ss -tuanp`, CPU (10k sockets)",
                      note="warm: nothing new since the last refresh, owners kept; a new "
                      "socket found last (worst partial scan) %.2f; whole scan (due every "
                      "mapping_ttl; each refresh before) %.2f; cold %.2f; floor (dump alone) "
                      "%.2f; procfs warm %.2f, cold %.2f; wall %.2f; ss's work %.0f ms CPU; "
                      "table %d rows"
                      % (ratios["netlink_new"], ratios["netlink_whole"], ratios["netlink_cold"],
                         ratios["netlink_dump"], ratios["procfs_warm"], ratios["procfs_cold"],
                         wall["netlink_warm"] / ss_work["wall"], ss_work["cpu"],
                         values["rows netlink"][0]))]
    return results, lookup


# ---- P4 ----------------------------------------------------------------------

def callgrind_instructions(command, workdir):
    out = os.path.join(workdir, "callgrind.out")
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, *command],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   timeout=900)
    with open(out) as lines:
        for line in lines:
            if line.startswith(("summary:", "totals:")):
                total = int(line.split()[1])
                break
        else:
            raise RuntimeError("no total in the callgrind output")
    os.unlink(out)
    return total


def instructions_per_lookup(build_dir, kind, workdir):
    """Instructions of one lookup: the difference of two runs of N and 2N
    lookups (set-up and exit cancel out), divided by N."""
    base = [program(build_dir, "bench_lookup"), "--reps", "1", "--only", kind]
    n = 20000
    one = callgrind_instructions([*base, "--iterations", str(n)], workdir)
    two = callgrind_instructions([*base, "--iterations", str(2 * n)], workdir)
    return (two - one) / n


def p4_cached_lookup(build_dir, real_lookup, reps):
    section("P4 cached lookup: ns per endpoint lookup on a warm table")
    values = run_program([program(build_dir, "bench_lookup"), "--reps", str(reps)])
    ns = {kind: median(values["ns " + kind]) for kind in ("tuple", "bound", "floor")}
    say("mock backend, %d connected sockets + %d listeners, shuffled order, %d repetitions "
        "of 1e6 lookups, each with pm_endpoint_answer_clear():"
        % (values["entries"][0], values["entries"][1], reps))
    for kind in ("tuple", "bound", "floor"):
        say("  %-6s %7.1f ns  (%s)" % (kind, ns[kind], spread(values["ns " + kind])))
    real = {kind: median(real_lookup["ns " + kind]) for kind in ("tuple", "bound", "floor")}
    say("real host (default backend) under the P3 load, %d connected sockets: tuple %.1f ns, "
        "bound %.1f ns, floor %.1f ns" % (real_lookup["entries"][0], real["tuple"],
                                          real["bound"], real["floor"]))
    with tempfile.TemporaryDirectory(prefix="procmap-callgrind-") as workdir:
        instr = {kind: instructions_per_lookup(build_dir, kind, workdir)
                 for kind in ("tuple", "floor")}
    say("callgrind (exact, load-independent): tuple lookup %.0f instructions, floor %.0f: "
        "ratio %.2f" % (instr["tuple"], instr["floor"], instr["tuple"] / instr["floor"]))
    say("ratio tuple/floor in time: %.2f (mock), %.2f (real)"
        % (ns["tuple"] / ns["floor"], real["tuple"] / real["floor"]))
    return [Result("P4", ns["tuple"], 200, "ns", "cached tuple lookup (mock, 10k sockets)",
                   better="lower",
                   note="%.0f instructions (floor %.0f); real host %.0f ns; listener %.0f ns"
                   % (instr["tuple"], instr["floor"], real["tuple"], ns["bound"]))]


# ---- P5 ----------------------------------------------------------------------

def memory_run(build_dir, env_extra, args):
    env = dict(os.environ, **env_extra)
    values = run_program([program(build_dir, "bench_memory"), *args], env=env)
    phases = {key.split()[1]: v for key, v in values.items() if key.startswith("phase ")}
    return phases, values


def describe_phase(name, phase, baseline):
    return "%-9s RSS %6.1f MB (%+6.1f MB)  endpoint entries %6d  tuple entries %6d  " \
           "process records %5d" % (name, phase[0] / 2**20, (phase[0] - baseline[0]) / 2**20,
                                    phase[1], phase[2], phase[3])


def p5_memory(build_dir):
    section("P5 memory: 100k short-lived endpoints over simulated time (mock backend)")
    variants = [
        ("spread: 250 new sockets every 250 ms for 100 s", {}, []),
        ("same, G_SLICE=always-malloc", {"G_SLICE": "always-malloc"}, []),
        ("burst: 10000 new sockets every 1 s (all 100k alive at once)",
         {"G_SLICE": "always-malloc"}, ["--batch", "10000", "--interval-ms", "1000"]),
    ]
    growth = {}
    for title, env, args in variants:
        phases, values = memory_run(build_dir, env, args)
        baseline = phases["baseline"]
        say("%s: %d endpoints per feed, %d answered, %d refreshes" % (
            title, values["endpoints"][0] / 2, values["found"][0], values["refreshes"][0]))
        for name in ("baseline", "peak", "expired", "trimmed", "peak2", "expired2"):
            say("  " + describe_phase(name, phases[name], baseline))
        growth[title] = ((phases["peak"][0] - baseline[0]) / 2**20,
                         (phases["trimmed"][0] - baseline[0]) / 2**20,
                         (phases["peak2"][0] - baseline[0]) / 2**20,
                         phases["expired"][1:])
    spread_title = variants[0][0]
    peak, kept, peak2, left = growth[spread_title]
    say("ratio retained after expiry and malloc_trim / peak growth: %.2f (default), %.2f "
        "(G_SLICE=always-malloc)" % (kept / peak, growth[variants[1][0]][1] /
                                     growth[variants[1][0]][0]))
    return [Result("P5", peak, 16, "MB", "peak RSS growth, 100k endpoints",
                   note="entries after expiry %s; second feed peak %+.1f MB; kept after "
                   "trim %.1f MB (GSlice); burst %.1f MB" % (
                       "/".join("%d" % v for v in left), peak2, kept,
                       growth[variants[2][0]][0]))]


# ---- P6 ----------------------------------------------------------------------

def p6_frame_memory(build_dir):
    """What the plugin keeps per frame for later passes, alone: the soak's
    RSS difference (tests/SOAK.md) mixes it with the allocator's moods."""
    section("P6 memory per frame: the frame engine's stored answers (mock backend)")
    shapes = [("the soak's shape: UDP streams of 16 datagrams, both ends attributed", []),
              ("long streams: 1000 frames each", ["--per-stream", "1000"])]
    figures = []
    for title, args in shapes:
        values = run_program([program(build_dir, "bench_frames"), *args])
        per_frame = values["bytes_per_frame"][0]
        say("%s: %d frames, %d streams, %d distinct records, %.1f MB: %.2f B per frame; "
            "first pass %.0f ns, later pass %.0f ns per frame (thread CPU)" % (
                title, values["frames"][0], values["streams"][0], values["records"][0],
                values["engine_bytes"][0] / 2**20, per_frame,
                values["first_pass_ns_per_frame"][0], values["second_pass_ns_per_frame"][0]))
        figures.append(per_frame)
    return [Result("P6", figures[0], 16, "B", "frame engine memory per frame (soak shape)",
                   note="long streams %.2f B per frame" % figures[1])]


def c1_carried_parse(build_dir, reps):
    """The unit test of the comment parser checks what it reads, not how
    fast: whether its time is linear in the input is this figure."""
    section("C1 carried comments: parse time per line as the comment grows")
    values = run_program([program(build_dir, "bench_carried"), "--reps", str(reps)])
    sizes, per_line = values["lines"], values["ns_per_line"]
    for size, cost in zip(sizes, per_line):
        say("  %7d lines: %.1f ns per line (median of %d, thread CPU time)" % (size, cost, reps))
    growth = per_line[-1] / per_line[0]
    say("cost per line at %d lines / at %d lines = %.2f (linear: about 1; quadratic: %.0f)"
        % (sizes[-1], sizes[0], growth, sizes[-1] / sizes[0]))
    return [Result("C1", growth, 1.5, "x", "carried-comment parse, cost per line 16x larger",
                   note="%.0f ns per line at %d lines, %.0f at %d"
                   % (per_line[0], sizes[0], per_line[-1], sizes[-1]))]


def run(build_dir, which, reps, p3_rounds):
    results = []
    real_lookup = None
    if "P3" in which or "P4" in which:
        p3, real_lookup = p3_table_build(build_dir, p3_rounds)
        if "P3" in which:
            results += p3
    if "P4" in which:
        results += p4_cached_lookup(build_dir, real_lookup, reps)
    if "P5" in which:
        results += p5_memory(build_dir)
    if "P6" in which:
        results += p6_frame_memory(build_dir)
    if "C1" in which:
        results += c1_carried_parse(build_dir, reps)
    return results

