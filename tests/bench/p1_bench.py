# SPDX-License-Identifier: GPL-2.0-or-later
"""P1 (steady state) in every way tshark is run, and P1-V (-V output):
`tshark -r` of live loopback traffic with the build-tree plugin against the
same command with `--disable-protocol procmap`.

Each mode is its own figure, in instructions per frame (callgrind, the
primary evidence: exact, and blind to the machine's load) and in CPU time
(the arms interleaved, medians; secondary, as it moves with the load):

  summary        tshark -n -r            no protocol tree (tree == NULL)
  tree-filter    -Y 'tcp.len > 0'        a tree (invisible) that names no procmap field
  fields-procmap -T fields -e procmap.src.pid -e procmap.src.name -e procmap.dst.name
  fields-frame   -T fields -e frame.number
  filter-name    -Y '!(procmap.name == "sshd")'
                                         a filter on a procmap field (the negation
                                         selects every frame in both arms, so both
                                         print the same lines)
  fields-process -T fields -e process.src.pid -e process.src.name -e process.dst.name
  filter-process -Y '!(process.name == "sshd")'
                                         the same through the process.* synonym (issue
                                         18; only where "process" is procmap's: 4.0, 4.4)
  profile        -C procmap --color -Y 'tcp || udp'
                                         the procmap profile: its columns
                                         (procmap.*.name, .pid) and colouring rules
  verbose (P1-V) -V                      the full tree printed; the plugin's output is
                                         longer by design: also per added line

Wireshark 4.0's tshark builds a *visible* tree for -T fields (every item of
every dissector, labels included, as for -V); from 4.2 on it primes the -e
fields and keeps the tree invisible.  On 4.0 the plugin reads tshark's -T
and -e (plugin/epan/tshark_fields.c) and builds only the fields asked for,
so the host's fields modes measure that; the other dissectors' visible
tree is the same in both arms."""
import os
import shutil
import subprocess
import tempfile

from benchlib import Result, cpu_median, say, section
from tshark_bench import (DISABLED, LIVE_WINDOW, STEADY, PluginTshark, ab_figure,
                          capture_steady_state, frame_count, p2_miss_storm)

HERE = os.path.dirname(os.path.abspath(__file__))
PROFILE = os.path.join(HERE, "..", "..", "packaging", "profiles", "procmap")

# (key, what, tshark options, frames for the CPU runs: None = the whole capture)
MODES = [
    ("summary", "`tshark -n -r`, summary lines (no tree)", [], None),
    ("tree-filter", "`-Y 'tcp.len > 0'` (a tree, no procmap field)", ["-Y", "tcp.len > 0"],
     None),
    ("fields-procmap", "`-T fields -e procmap.src.pid -e procmap.src.name -e procmap.dst.name`",
     ["-T", "fields", "-e", "procmap.src.pid", "-e", "procmap.src.name", "-e",
      "procmap.dst.name"], None),
    ("fields-frame", "`-T fields -e frame.number`", ["-T", "fields", "-e", "frame.number"],
     None),
    ("filter-name", "`-Y '!(procmap.name == \"sshd\")'` (a filter on procmap.name)",
     ["-Y", '!(procmap.name == "sshd")'], None),
    ("fields-process", "`-T fields -e process.src.pid -e process.src.name -e process.dst.name`"
     " (the synonym)", ["-T", "fields", "-e", "process.src.pid", "-e", "process.src.name",
                         "-e", "process.dst.name"], None),
    ("filter-process", "`-Y '!(process.name == \"sshd\")'` (the synonym)",
     ["-Y", '!(process.name == "sshd")'], None),
    ("profile", "`-C procmap --color -Y 'tcp || udp'` (the profile's columns and colours)",
     ["-C", "procmap", "--color", "-Y", "tcp || udp"], None),
    ("verbose", "`-V` (P1-V: the tree printed)", ["-V"], 20000),
]


# Modes only where the process.* synonym is there (not on 4.6: Falco Events).
SYNONYM_MODES = {"fields-process", "filter-process"}
SYNONYM_PROTOCOL = "Process Attribution (process.* names)"


def synonym_here(tshark):
    """Whether the filter name "process" is procmap's synonym here."""
    for line in tshark.output(["-G", "protocols"]).splitlines():
        columns = line.split("\t")
        if len(columns) >= 3 and columns[2] == "process":
            return columns[0] == SYNONYM_PROTOCOL
    return False


def install_profile(tshark):
    """The procmap profile in both arms' configuration directory."""
    target = os.path.join(tshark.config_dir, "profiles", "procmap")
    if not os.path.isdir(target):
        shutil.copytree(PROFILE, target)


def prefix(path, frames, workdir):
    """The first @frames frames of @path (editcap), cached."""
    out = os.path.join(workdir, "p1-first-%d.pcapng" % frames)
    if not os.path.exists(out):
        subprocess.run(["editcap", "-r", path, out, "1-%d" % frames], check=True,
                       stdout=subprocess.DEVNULL)
    return out


def output_lines(tshark, args):
    """Lines tshark writes for @args (-V: the output's size)."""
    command = tshark.command(args)
    with subprocess.Popen(command, env=tshark.env(), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: proc.stdout.read(1 << 20), b""))
    if proc.returncode != 0:
        raise RuntimeError("tshark %s failed" % " ".join(map(str, args)))
    return lines


def instructions_per_frame(tshark, path, options, frames, workdir):
    """Callgrind on the first frame and on the first @frames frames, each
    arm -> {arm: (start-up, per frame)}, and the plugin's own per frame
    (the inclusive instructions of dissect_procmap)."""
    one, many = prefix(path, 1, workdir), prefix(path, frames, workdir)
    cost, own = {}, 0.0
    for arm, extra in (("plugin", []), ("disabled", DISABLED)):
        start, own_start = tshark.instructions(["-n", *LIVE_WINDOW, *STEADY, *options,
                                                *extra, "-r", one], workdir)
        total, own_total = tshark.instructions(["-n", *LIVE_WINDOW, *STEADY, *options,
                                                *extra, "-r", many], workdir)
        cost[arm] = (start, (total - start) / (frames - 1))
        if arm == "plugin":
            own = (own_total - own_start) / (frames - 1)
    return cost, own


def mode_figure(tshark, key, what, options, cpu_frames, path, count, workdir, reps,
                callgrind_frames):
    section("P1 %s: %s" % (key, what))
    cpu_path = path if cpu_frames is None or cpu_frames >= count else \
        prefix(path, cpu_frames, workdir)
    frames = count if cpu_path == path else cpu_frames
    ratio, runs = ab_figure(tshark, key, ["-n", "-r", cpu_path, *options], reps, STEADY)
    plugin_cpu, disabled_cpu = cpu_median(runs["plugin"]), cpu_median(runs["disabled"])
    say("%-26s CPU per frame: %.2f us plugin, %.2f us disabled (+%.2f us) over %d frames"
        % ("", 1e6 * plugin_cpu / frames, 1e6 * disabled_cpu / frames,
           1e6 * (plugin_cpu - disabled_cpu) / frames, frames))
    figure = {"cpu": ratio, "frames": frames, "plugin_cpu": plugin_cpu,
              "disabled_cpu": disabled_cpu}
    if callgrind_frames:
        cost, own = instructions_per_frame(tshark, path, options, callgrind_frames, workdir)
        per_frame = cost["plugin"][1] / cost["disabled"][1]
        say("%-26s callgrind on 1 and %d frames: %.0f vs %.0f instructions per frame "
            "(plugin vs disabled, +%.0f) = %.3f; start-up %.0f M vs %.0f M; dissect_procmap "
            "%.0f per frame" % ("", callgrind_frames, cost["plugin"][1], cost["disabled"][1],
                                cost["plugin"][1] - cost["disabled"][1], per_frame,
                                cost["plugin"][0] / 1e6, cost["disabled"][0] / 1e6, own))
        figure.update(instructions=per_frame, plugin_i=cost["plugin"][1],
                      disabled_i=cost["disabled"][1], own_i=own)
    return figure


def verbose_lines(tshark, path, cpu_frames, count, workdir, figure):
    """P1-V per frame and per line: the plugin's output is longer, so its
    cost is set against the lines it adds, beside Wireshark's own cost per
    line of -V (the disabled arm)."""
    cpu_path = path if cpu_frames >= count else prefix(path, cpu_frames, workdir)
    base = ["-n", "-r", cpu_path, "-V", *LIVE_WINDOW, *STEADY]
    lines = {"plugin": output_lines(tshark, base),
             "disabled": output_lines(tshark, [*base, *DISABLED])}
    frames = figure["frames"]
    added = lines["plugin"] - lines["disabled"]
    say("%-26s -V lines per frame: %.1f plugin, %.1f disabled (+%.1f: the Process tree)"
        % ("", lines["plugin"] / frames, lines["disabled"] / frames, added / frames))
    extra_cpu = figure["plugin_cpu"] - figure["disabled_cpu"]
    own_line_ns = 1e9 * figure["disabled_cpu"] / lines["disabled"]
    added_line_ns = 1e9 * extra_cpu / added if added > 0 else float("nan")
    say("%-26s CPU per line: Wireshark's own %.0f ns, each added line %.0f ns (ratio %.2f)"
        % ("", own_line_ns, added_line_ns, added_line_ns / own_line_ns))
    result = {"lines_per_frame": (lines["plugin"] / frames, lines["disabled"] / frames),
              "cpu_line_ratio": added_line_ns / own_line_ns}
    if "plugin_i" in figure:
        per_frame_lines = (lines["plugin"] / frames, lines["disabled"] / frames)
        own_line_i = figure["disabled_i"] / per_frame_lines[1]
        added_line_i = (figure["plugin_i"] - figure["disabled_i"]) / \
            (per_frame_lines[0] - per_frame_lines[1])
        say("%-26s instructions per line: Wireshark's own %.0f, each added line %.0f "
            "(ratio %.2f)" % ("", own_line_i, added_line_i, added_line_i / own_line_i))
        result["i_line_ratio"] = added_line_i / own_line_i
    return result


def check_attribution(tshark, path, count, pids):
    fields = tshark.output(["-n", "-r", path, *LIVE_WINDOW, *STEADY, "-T", "fields",
                            "-e", "procmap.src.pid", "-e", "procmap.dst.pid"])
    both = sum(1 for line in fields.splitlines()
               if set(line.split("\t")) <= pids and len(line.split("\t")) == 2)
    say("attributed, both ends to the live server/client: %d of %d frames (%.1f%%)"
        % (both, count, 100.0 * both / max(count, 1)))
    return 100.0 * both / max(count, 1)


def p1_modes(tshark, workdir, frames, reps, callgrind_frames, modes=None):
    section("P1 steady state: tshark -r on live loopback traffic, plugin vs disabled, "
            "mode by mode")
    install_profile(tshark)
    path = os.path.join(workdir, "p1.pcapng")
    server, client = capture_steady_state(path, frames)
    results = []
    try:
        count = frame_count(path)
        say("capture: %d frames from loadgen.py (server pid %s, client pid %s: 3 TCP "
            "connections over 127.0.0.1, 1 over ::1, 1 connected UDP socket)"
            % (count, server.proc.pid, client.proc.pid))
        attributed = check_attribution(tshark, path, count,
                                       {str(server.proc.pid), str(client.proc.pid)})
        say("options in both arms: -n %s" % " ".join(LIVE_WINDOW + STEADY))
        with_synonym = synonym_here(tshark)
        for key, what, options, cpu_frames in MODES:
            if modes and key not in modes:
                continue
            if key in SYNONYM_MODES and not with_synonym:
                say("P1 %s: skipped, \"process\" is not procmap's here (Falco Events)" % key)
                continue
            figure = mode_figure(tshark, key, what, options, cpu_frames, path, count,
                                 workdir, reps, callgrind_frames)
            note = "CPU %.3f (%d frames, +%.2f us/frame)" % (
                figure["cpu"], figure["frames"],
                1e6 * (figure["plugin_cpu"] - figure["disabled_cpu"]) / figure["frames"])
            if "instructions" in figure:
                note = "+%.0f instructions/frame of %.0f (dissect_procmap %.0f); %s" % (
                    figure["plugin_i"] - figure["disabled_i"], figure["disabled_i"],
                    figure["own_i"], note)
            name = "P1-V" if key == "verbose" else "P1 " + key
            if key == "verbose":
                per_line = verbose_lines(tshark, path, cpu_frames, count, workdir, figure)
                note += "; %.1f vs %.1f lines/frame; cost per added line / Wireshark's: " \
                    "%s CPU" % (per_line["lines_per_frame"] + ("%.2f" % per_line["cpu_line_ratio"],))
                if "i_line_ratio" in per_line:
                    note += ", %.2f instructions" % per_line["i_line_ratio"]
                results.append(Result(name, figure.get("instructions", figure["cpu"]), None,
                                      "x", "-V output, plugin / disabled (reported)",
                                      note=note))
                continue
            if key == "summary":
                note += "; %.1f%% of frames attributed at both ends" % attributed
            results.append(Result(name, figure.get("instructions", figure["cpu"]), 1.03, "x",
                                  "%s, %s" % (what, "instructions" if "instructions" in figure
                                              else "CPU"), note=note))
    finally:
        client.stop()
        server.stop()
    return results


def run(build_dir, plugin_path, which, reps, p1_frames, p2_probes, callgrind_frames,
        modes=None):
    """P1 and P2 (tshark_bench.py), which share the plugin's tshark."""
    results = []
    workdir = tempfile.mkdtemp(prefix="procmap-bench-")
    try:
        tshark = PluginTshark(plugin_path, workdir)
        if "P1" in which:
            results += p1_modes(tshark, workdir, p1_frames, reps, callgrind_frames, modes)
        if "P2" in which:
            results += p2_miss_storm(tshark, build_dir, workdir, p2_probes, reps)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return results
