# SPDX-License-Identifier: GPL-2.0-or-later
"""procmap's benchmark suite (issue 4), run by `./run bench`.

    bench.py --build-dir DIR [--only P1,P2,P3,P4,P5,P6,C1] [--quick]

Every benchmark prints its figure as a ratio of two runs made side by side
in this invocation (plugin vs disabled, procmap vs ss, lookup vs a bare hash
lookup, memory kept vs peak), plus the machine it ran on, and a summary
table at the end with each goal met or missed.  Nothing here passes or
fails: the exit code is 0 whenever every benchmark could run.

    P1 steady state   tshark -r of >= 200k live loopback frames, in  goal <= 1.03
                      every mode (summary, filters, -T fields, the   (each mode)
                      procmap profile), instructions and CPU time
    P1-V              -V output: per frame and per added line        reported
    P2 miss storm     tshark -r of a 100k-frame port scan            goal <= 1.10,
                      and table refreshes                            <= 4 per second
    P3 table build    netlink refresh vs ss -tuanp, 10k sockets      goal <= 0.3
    P4 cached lookup  ns per lookup on a warm table                  goal < 200 ns
    P5 memory         peak RSS growth over 100k short-lived endpoints goal < 16 MB
    P6 frame memory   bytes the plugin keeps per frame (1M frames,   goal <= 16 B
                      streams of 16, both ends attributed)
    C1 comment parse  cost per line of a 400k-line comment vs 25k    goal <= 1.5

How each is measured is printed with it; RESULTS.md has a full run.  Needs
root (tshark in a private mount namespace, captures on lo) and valgrind
(installed with apt-get when missing).  P2 reads the plugin's own counters
(PROCMAP_STATS) and times Packetbeat's rule with
PROCMAP_REFRESH_ON_EVERY_MISS=1."""
import argparse
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # no __pycache__ in the source tree

import native_bench  # noqa: E402
import p1_bench  # noqa: E402
from benchlib import say, section  # noqa: E402

BENCHMARKS = ("P1", "P2", "P3", "P4", "P5", "P6", "C1")
PACKAGES = ("valgrind",)


def ensure_packages():
    missing = [p for p in PACKAGES
               if "install ok installed" not in subprocess.run(
                   ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True,
                   text=True).stdout]
    if not missing:
        return
    say("installing %s" % " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                   env=env, check=True, stdout=subprocess.DEVNULL)


def first_line(command):
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except OSError:
        return "?"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) \
        else "?"


def perf_instructions():
    """Whether `perf stat -e instructions true` counts (a VM often has no PMU)."""
    try:
        out = subprocess.run(["perf", "stat", "-x,", "-e", "instructions", "true"],
                             capture_output=True, text=True, timeout=60)
    except OSError:
        return "no (perf not installed)"
    text = out.stderr
    if "<not supported>" in text or "<not counted>" in text or out.returncode != 0:
        return "no (%s)" % (text.strip().splitlines()[-1] if text.strip() else "failed")
    return "yes"


def cpu_model():
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def git_state():
    top = os.path.join(HERE, "..", "..")
    if shutil.which("git") is None:
        return "unknown (no git here: a chroot or a tarball)"
    commit = first_line(["git", "-C", top, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", top, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return commit + (" + uncommitted changes" if dirty else "")


def machine():
    section("machine")
    load = os.getloadavg()
    facts = [
        ("CPU", "%s, %d cores online" % (cpu_model(), os.cpu_count())),
        ("kernel", "%s %s" % (platform.system(), platform.release())),
        ("Wireshark", first_line(["tshark", "--version"])),
        ("GLib", first_line(["pkg-config", "--modversion", "glib-2.0"])),
        ("perf stat -e instructions", perf_instructions()),
        ("procmap", git_state()),
        ("load average at start", "%.2f %.2f %.2f" % load),
        ("date", time.strftime("%Y-%m-%d %H:%M:%S %Z")),
    ]
    for name, value in facts:
        say("%-26s %s" % (name + ":", value))
    return facts


def summary(results, started):
    section("summary (%.0f s, load average now %.2f %.2f %.2f)"
            % ((time.monotonic() - started,) + os.getloadavg()))
    say("| | figure | measured | goal | verdict | notes |")
    say("|---|---|---|---|---|---|")
    for result in results:
        say(result.line())


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", required=True, help="the procmap build directory")
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help="comma-separated subset of %s" % ",".join(BENCHMARKS))
    parser.add_argument("--plugin", default=None,
                        help="the procmap.so of P1 and P2 (default: the build directory's; "
                        "another one gives figures of older code to set beside)")
    parser.add_argument("--modes", default="",
                        help="P1 only these modes (comma-separated: summary, tree-filter, "
                        "fields-procmap, fields-frame, filter-name, fields-process, "
                        "filter-process, profile, verbose)")
    parser.add_argument("--callgrind-frames", type=int, default=None,
                        help="frames per callgrind run of P1 (default 2000; 0: none)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer repetitions and frames (a smoke run, not a figure)")
    args = parser.parse_args(argv)
    which = {name.strip().upper() for name in args.only.split(",") if name.strip()}
    unknown = which - set(BENCHMARKS)
    if unknown:
        parser.error("unknown benchmark(s): %s" % ", ".join(sorted(unknown)))
    if os.geteuid() != 0:
        parser.error("run as root: tshark needs a private mount namespace and lo captures")
    plugin = args.plugin or os.path.join(args.build_dir, "plugin", "epan", "procmap.so")
    if ({"P1", "P2"} & which) and not os.path.isfile(plugin):
        parser.error("%s is not built" % plugin)

    reps = 3 if args.quick else 5
    started = time.monotonic()
    ensure_packages()
    machine()
    say("Method: every figure is a ratio of medians of runs made side by side, interleaved "
        "(A B, B A, ...). tshark (P1, P2): CPU time (user+sys) of tshark from wait4, and "
        "instructions counted by callgrind (P1i); P3: CPU time of the refresh (getrusage) and "
        "of the ss child (wait4); P4: thread CPU time, and callgrind instructions; P5: RSS "
        "from /proc/self/statm. Wall times are printed alongside.")
    results = []
    if {"P1", "P2"} & which:
        results += p1_bench.run(args.build_dir, plugin, which, reps,
                                    p1_frames=40000 if args.quick else 220000,
                                    p2_probes=10000 if args.quick else 50000,
                                    callgrind_frames=args.callgrind_frames
                                    if args.callgrind_frames is not None
                                    else (0 if args.quick else 2000),
                                    modes={m.strip() for m in args.modes.split(",")
                                           if m.strip()} or None)
    if {"P3", "P4", "P5", "P6", "C1"} & which:
        results += native_bench.run(args.build_dir, which, 7 if not args.quick else 3,
                                    p3_rounds=5 if args.quick else 15)
    summary(results, started)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except RuntimeError as error:
        print("bench: %s" % error, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
