# SPDX-License-Identifier: GPL-2.0-or-later
"""Running tshark 4.x with the build-tree procmap.so, and the processes the
live tests start; conftest.py makes fixtures of them.

As root, tshark ignores WIRESHARK_PLUGIN_DIR and the personal plugin dir, so
every tshark runs in a private mount namespace where a copy of the stock
plugins plus ours is bind-mounted over the system epan plugin dir (nobody
else sees it).  WIRESHARK_CONFIG_DIR is an empty directory per test, TZ is
UTC (absolute times print the same everywhere), and everything has a
timeout."""
import concurrent.futures
import os
import queue
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))

from line_child import LineChild  # noqa: E402

SYSTEM_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
COMMAND_TIMEOUT = 90
ROOT_WARNING = 'Running as user "root"'

# Every per-side field of the plugin; the second line only a capture file
# carries (ptcpdump, procmap's comments, etl2pcapng, Darwin).
SIDE_FIELDS = ("pid", "ppid", "name", "comm", "exe", "args", "cwd", "start_time", "uid",
               "user", "source", "reason", "match", "owners", "endpoint",
               "tid", "thread_name", "parent_exe", "parent_args", "container_id",
               "container_name", "container_image", "pod_name", "pod_namespace", "epid", "ename",
               "package")
# The either-side fields (hidden, except under "Process (side unknown)").
ANY_FIELDS = ("pid", "ppid", "name", "comm", "exe", "args", "uid", "user",
              "source", "tid", "thread_name", "parent_exe", "parent_args", "container_id",
              "container_name", "container_image", "pod_name", "pod_namespace", "epid", "ename",
              "package")


def all_process_fields():
    return (["procmap.%s.%s" % (side, f) for side in ("src", "dst") for f in SIDE_FIELDS]
            + ["procmap." + f for f in ANY_FIELDS]
            + ["procmap.icmp_quoted", "procmap.side_unknown"])


def system_epan_plugin_dir():
    """The directory tshark loads epan plugins from (as root, the only one)."""
    try:
        base = subprocess.run(["pkg-config", "--variable=plugindir", "wireshark"],
                              capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        base = ""
    if not base:
        folders = subprocess.run(["tshark", "-G", "folders"], capture_output=True, text=True,
                                 timeout=60).stdout
        for line in folders.splitlines():
            if line.startswith("Global Plugins:"):
                base = line.split(":", 1)[1].strip()
    if not base or not os.path.isdir(os.path.join(base, "epan")):
        raise RuntimeError("cannot find the Wireshark epan plugin dir (pkg-config wireshark)")
    return os.path.join(base, "epan")


def interesting_stderr(stderr):
    """stderr without the root warning every tshark prints as root."""
    return [line for line in stderr.splitlines() if line.strip() and ROOT_WARNING not in line]


def parse_fields(stdout, fields):
    """-T fields output -> one dict per line (field name -> text)."""
    rows = []
    for line in stdout.splitlines():
        values = line.split("\t")
        assert len(values) == len(fields), "unexpected -T fields line %r" % line
        rows.append(dict(zip(fields, values)))
    return rows


def fields_args(fields):
    args = ["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
            "-E", "quote=n", "-E", "header=n"]
    for field in fields:
        args += ["-e", field]
    return args


def prefs(**values):
    """-o procmap.NAME:VALUE for each keyword."""
    args = []
    for name, value in values.items():
        args += ["-o", "procmap.%s:%s" % (name, value)]
    return args


class TsharkProcess:
    """A tshark running in the background (live capture, or a pcap fed on
    stdin): stdout lines are queued as they come, stderr is collected."""

    def __init__(self, command, env, stdin):
        self.proc = subprocess.Popen(command, env=env, start_new_session=True,
                                     stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = queue.Queue()
        self.stdout_lines = []
        self.stderr_lines = []
        self.stderr_changed = threading.Condition()
        self._threads = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stdout_lines.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def _read_stderr(self):
        for raw in self.proc.stderr:
            with self.stderr_changed:
                self.stderr_lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.stderr_changed.notify_all()
        with self.stderr_changed:
            self.stderr_lines.append(None)      # end of stream
            self.stderr_changed.notify_all()

    def wait_stderr(self, text, timeout=60):
        """Waits for a stderr line containing @text ("Capturing on")."""
        deadline = time.monotonic() + timeout
        with self.stderr_changed:
            while True:
                if any(line is not None and text in line for line in self.stderr_lines):
                    return
                if None in self.stderr_lines:
                    raise AssertionError("tshark exited without printing %r: %s"
                                         % (text, self.stderr_lines))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("no %r from tshark within %ss: %s"
                                         % (text, timeout, self.stderr_lines))
                self.stderr_changed.wait(remaining)

    def readline(self, timeout=30):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no output line from tshark within %ss (stderr: %s)"
                                 % (timeout, self.stderr_lines)) from None
        if line is None:
            raise AssertionError("tshark exited early (stderr: %s)" % self.stderr_lines)
        return line

    def wait_line(self, predicate, timeout=60, poke=None, interval=0.2):
        """Reads output lines until one satisfies @predicate, calling @poke
        (e.g. sending a probe packet) every @interval seconds meanwhile.
        The lines stay in stdout_lines for finish()."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if poke is not None:
                poke()
            try:
                line = self.lines.get(timeout=interval)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError("tshark exited early (stderr: %s)" % self.stderr_lines)
            if predicate(line):
                return line
        raise AssertionError("no matching tshark output within %ss (stderr: %s)"
                             % (timeout, self.stderr_lines))

    def write(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def finish(self, timeout=COMMAND_TIMEOUT):
        """Waits for the exit (closing stdin first); returns (stdout, stderr, rc)."""
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("tshark did not finish within %ss" % timeout) from None
        for thread in self._threads:
            thread.join(timeout=10)
        stderr = "\n".join(line for line in self.stderr_lines if line is not None)
        return "\n".join(self.stdout_lines) + "\n", stderr, rc

    def stop(self):
        """Ctrl+C, as a user stops a capture: tshark stops dumpcap, dissects
        what is left and exits 0.  The process is tshark itself (unshare,
        sh, ip netns exec and setpriv all exec)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGINT)

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)     # dumpcap too
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)


class Tshark:
    """tshark with our plugin: run() to completion, start() in the background,
    fields() for -T fields rows."""

    def __init__(self, plugin_dir, system_dir, config_dir):
        self.plugin_dir, self.system_dir, self.config_dir = plugin_dir, system_dir, config_dir
        self.started = []

    def command(self, args):
        return ["unshare", "-m", "--propagation", "private", "sh", "-c",
                'mount --bind "$1" "$2" && shift 2 && exec tshark "$@"', "sh",
                self.plugin_dir, self.system_dir, *map(str, args)]

    def env(self):
        env = dict(os.environ, WIRESHARK_CONFIG_DIR=self.config_dir, TZ="UTC", LC_ALL="C.UTF-8")
        env.pop("WIRESHARK_PLUGIN_DIR", None)
        return env

    def run(self, *args, timeout=COMMAND_TIMEOUT, check=True):
        """-> CompletedProcess (text); rc 0 asserted unless check=False."""
        try:
            result = subprocess.run(self.command(args), env=self.env(), stdin=subprocess.DEVNULL,
                                    capture_output=True, encoding="utf-8", errors="replace",
                                    timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("tshark %s: no exit within %ss" % (args, timeout)) from None
        if check:
            assert result.returncode == 0, "tshark %s failed: %s" % (args, result.stderr)
        # A plugin warning or GLib critical is a bug whatever the test checks.
        assert "CRITICAL" not in result.stderr and "Dissector bug" not in result.stderr, \
            result.stderr
        return result

    def fields(self, pcap, fields, *options, timeout=COMMAND_TIMEOUT):
        """Reads @pcap; one dict per frame of @fields."""
        result = self.run("-r", pcap, *options, *fields_args(fields), timeout=timeout)
        return parse_fields(result.stdout, fields)

    def start(self, *args, stdin=False):
        process = TsharkProcess(self.command(args), self.env(), stdin)
        self.started.append(process)
        return process

    def live(self, *args, interface="lo", duration=None, packets=None):
        """A live capture (-l: a line per packet as soon as it is dissected)
        in the background, stopped after @duration seconds or @packets
        packets.  "Capturing on" is printed before dumpcap starts: wait for
        a packet of your own before sending what matters."""
        stop = []
        if duration is not None:
            stop += ["-a", "duration:%d" % duration]
        if packets is not None:
            stop += ["-c", str(packets)]
        if not stop:
            raise ValueError("a live capture needs a duration or a packet count")
        return self.start("-i", interface, "-l", "-n", *stop, *args)

    def kill_all(self):
        for process in self.started:
            process.kill()


class Peer(LineChild):
    """A live_peers.py process (or any command) in its own process group;
    wait_for("port") returns the value of its "port N" line."""


def run_each(function, items):
    """[function(item) for item in items], as many at once as there are CPUs:
    a tshark run of a small capture is mostly its start, CPU work."""
    workers = max(2, os.cpu_count() or 2)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items))
