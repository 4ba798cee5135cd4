# SPDX-License-Identifier: GPL-2.0-or-later
"""What the benchmark scripts share: timing a command (wall and CPU time of
the child and everything it waited for), interleaved A/B repetitions,
medians, and the result record every benchmark returns."""
import os
import statistics
import subprocess
import time

SYSTEM_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"


class Sample:
    """One timed run: wall seconds, CPU seconds (user + sys of the child and
    the children it reaped), exit code."""

    def __init__(self, wall, cpu, rc):
        self.wall, self.cpu, self.rc = wall, cpu, rc


def timed(command, env=None, stdout=subprocess.DEVNULL, timeout=900):
    """Runs @command to completion; -> Sample.  stderr is kept for errors."""
    start = time.monotonic()
    proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=stdout,
                            stderr=subprocess.PIPE)
    # wait4 gives this child's rusage alone, not that of the whole script.
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            raise RuntimeError("%s: no exit within %ss" % (command[-1], timeout))
        time.sleep(0.005)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(command), proc.returncode,
                                                    stderr[-2000:]))
    if "CRITICAL" in stderr or "Dissector bug" in stderr:
        raise RuntimeError("%s printed: %s" % (" ".join(command), stderr[-2000:]))
    return Sample(wall, usage.ru_utime + usage.ru_stime, proc.returncode)


def interleaved(arms, reps, warmup=True):
    """@arms: {name: zero-argument callable returning a Sample}.  Runs every
    arm once to warm the page cache (unless @warmup is false), then @reps
    rounds in which the arms' order alternates, so that a slow phase of the
    machine hits every arm alike.  -> {name: [Sample...]}"""
    names = list(arms)
    if warmup:
        for name in names:
            arms[name]()
    results = {name: [] for name in names}
    for rep in range(reps):
        order = names if rep % 2 == 0 else list(reversed(names))
        for name in order:
            results[name].append(arms[name]())
    return results


def median(values):
    return statistics.median(values) if values else float("nan")


def cpu_median(samples):
    return median([s.cpu for s in samples])


def wall_median(samples):
    return median([s.wall for s in samples])


def spread(values):
    """"min..max" of @values, to show how noisy a median is."""
    return "%.3f..%.3f" % (min(values), max(values)) if values else "-"


class Result:
    """One benchmark's headline: a figure compared with its goal.
    @better is "lower" (the figure must be <= goal) or "higher"."""

    def __init__(self, name, figure, goal, unit, what, better="lower", note=""):
        self.name, self.figure, self.goal, self.unit = name, figure, goal, unit
        self.what, self.better, self.note = what, better, note

    @property
    def met(self):
        if self.figure is None or self.goal is None:
            return None
        return self.figure <= self.goal if self.better == "lower" else self.figure >= self.goal

    def verdict(self):
        if self.goal is None:
            return "reported"
        if self.met is None:
            return "not measured"
        if self.met:
            return "met"
        return "missed by %.0f%%" % (abs(self.figure / self.goal - 1.0) * 100.0)

    def line(self):
        figure = "-" if self.figure is None else "%.3g %s" % (self.figure, self.unit)
        sign = "<=" if self.better == "lower" else ">="
        goal = "-" if self.goal is None else "%s %g %s" % (sign, self.goal, self.unit)
        return "| %s | %s | %s | %s | %s | %s |" % (
            self.name, self.what, figure.strip(), goal, self.verdict(), self.note)


def say(text=""):
    print(text, flush=True)


def section(title):
    say()
    say("== %s ==" % title)
