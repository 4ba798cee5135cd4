# SPDX-License-Identifier: GPL-2.0-or-later
"""Running the build-tree procmap-capture, alone or as tshark's extcap, and
reading what it wrote.  Shared by the extcap tests and measure.py.

As root, tshark ignores WIRESHARK_PLUGIN_DIR and the personal plugin and
extcap folders, so tshark runs in a private mount namespace where copies of
the stock plugin and extcap folders, plus ours, are bind-mounted over the
system ones (nobody else sees them)."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEM_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
TIMEOUT = 120


def tshark_folder(*labels):
    """The folder tshark -G folders prints under one of labels (the names
    changed between Wireshark versions)."""
    out = subprocess.run(["tshark", "-G", "folders"], capture_output=True, text=True,
                         timeout=60).stdout
    for line in out.splitlines():
        if line.split(":", 1)[0] in labels:
            return line.split(":", 1)[1].strip()
    raise RuntimeError("tshark -G folders has none of %r" % (labels,))


def system_dirs():
    """(the epan plugin folder, the extcap folder) of the installed Wireshark."""
    plugins = subprocess.run(["pkg-config", "--variable=plugindir", "wireshark"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
    if not plugins:
        plugins = tshark_folder("Global Plugins")
    extcap = tshark_folder("Extcap path", "Global Extcap path")    # 4.0, 4.4+
    return os.path.join(plugins, "epan"), extcap


class Wireshark:
    """tshark (or dumpcap) seeing our plugin and extcap."""

    def __init__(self, plugin_path, extcap_path, workdir):
        self.system_plugins, self.system_extcap = system_dirs()
        self.plugins = os.path.join(workdir, "plugins")
        self.extcap = os.path.join(workdir, "extcap")
        self.config = os.path.join(workdir, "config")
        for folder in (self.plugins, self.extcap, self.config):
            os.makedirs(folder, exist_ok=True)
        for name in os.listdir(self.system_plugins):
            if name.endswith(".so") and name != "procmap.so":
                shutil.copy2(os.path.join(self.system_plugins, name), self.plugins)
        for name in os.listdir(self.system_extcap):
            if name != "procmap-capture":
                shutil.copy2(os.path.join(self.system_extcap, name), self.extcap)
        if plugin_path:
            shutil.copy2(plugin_path, os.path.join(self.plugins, "procmap.so"))
        shutil.copy2(extcap_path, os.path.join(self.extcap, "procmap-capture"))
        for folder in (self.plugins, self.extcap):
            os.chmod(folder, 0o755)

    def command(self, program, *args):
        return ["unshare", "-m", "--propagation", "private", "sh", "-c",
                'mount --bind "$1" "$2" && mount --bind "$3" "$4" && shift 4 && exec "$@"',
                "sh", self.plugins, self.system_plugins, self.extcap, self.system_extcap,
                program, *map(str, args)]

    def env(self):
        env = dict(os.environ, WIRESHARK_CONFIG_DIR=self.config, TZ="UTC", LC_ALL="C.UTF-8")
        env.pop("WIRESHARK_PLUGIN_DIR", None)
        env.pop("WIRESHARK_EXTCAP_DIR", None)
        return env

    def run(self, program, *args, timeout=TIMEOUT):
        result = subprocess.run(self.command(program, *args), env=self.env(),
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                errors="replace", timeout=timeout)
        assert result.returncode == 0, "%s %s failed: %s" % (program, args, result.stderr)
        assert "CRITICAL" not in result.stderr, result.stderr
        return result

    def start(self, program, *args):
        return subprocess.Popen(self.command(program, *args), env=self.env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace",
                                start_new_session=True)

    def fields(self, pcap, fields, *options, records=False):
        """One dict per frame of @pcap, read back with no live lookup; the
        rows of process records (custom blocks) only if @records."""
        args = ["-r", pcap, "-o", "procmap.live_lookups:never", "-T", "fields",
                "-E", "separator=/t", "-E", "occurrence=a", "-E", "quote=n"]
        # A field named twice by -e is filled in one column only.
        asked = list(fields) + [f for f in ["procmap.record.pid"] if f not in fields]
        for field in asked:
            args += ["-e", field]
        out = self.run("tshark", *args, *options).stdout
        rows = [dict(zip(asked, line.split("\t"))) for line in out.splitlines()]
        return [{f: row.get(f, "") for f in fields} for row in rows
                if records or not row.get("procmap.record.pid")]


def free_port(family=socket.AF_INET, kind=socket.SOCK_STREAM):
    with socket.socket(family, kind) as s:
        s.bind(("127.0.0.1" if family == socket.AF_INET else "::1", 0))
        return s.getsockname()[1]


class Extcap:
    """procmap-capture --capture into a file, in the background."""

    def __init__(self, binary, interface, output, *options, ns=None, env=None, wrap=None,
                 signal_group=False):
        """@wrap: a command prefix (unshare ...); @signal_group: stop() signals
        the whole process group (a wrapper that does not pass SIGTERM on)."""
        self.output = output
        self.stats_file = output + ".stats"
        self.signal_group = signal_group
        command = [binary, "--capture", "--extcap-interface", "procmap-" + interface,
                   "--fifo", output, "--stats-file", self.stats_file, *map(str, options)]
        if ns:
            command = ["ip", "netns", "exec", ns] + command
        if wrap:
            command = list(wrap) + command
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True,
                                     env=env)

    def wait_ready(self, timeout=60):
        """Capturing: the file starts with its section and interface blocks,
        written once libpcap, the event source and the helpers are up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(self.output) and os.path.getsize(self.output) > 0:
                return
            if self.proc.poll() is not None:
                raise AssertionError("procmap-capture exited: %s" % self.proc.stderr.read())
            time.sleep(0.05)
        raise AssertionError("procmap-capture did not start within %ss" % timeout)

    def stop(self, timeout=30):
        """SIGTERM, as Wireshark stops it; returns (exit status, stderr, stats)."""
        if self.proc.poll() is None:
            if self.signal_group:
                os.killpg(self.proc.pid, signal.SIGTERM)
            else:
                self.proc.send_signal(signal.SIGTERM)
        try:
            _, stderr = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("procmap-capture ignored SIGTERM for %ss" % timeout) from None
        return self.proc.returncode, stderr, read_stats(self.stats_file)

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def read_stats(path):
    stats = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                key, _, value = line.rstrip("\n").partition("=")
                stats[key] = value
    return stats


class HttpServer:
    """python3 -m http.server-like threaded server that prints its port."""

    SCRIPT = r"""
import http.server, socketserver, sys
class Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
server = Server((sys.argv[1], 0), Quiet)
print(server.server_address[1], flush=True)
server.serve_forever()
"""

    def __init__(self, host="127.0.0.1", ns=None):
        command = [SYSTEM_PYTHON, "-c", self.SCRIPT, host]
        if ns:
            command = ["ip", "netns", "exec", ns] + command
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        line = self.proc.stdout.readline()
        if not line.strip():
            raise AssertionError("the web server did not start: %s" % self.proc.stderr.read())
        self.pid = self.proc.pid          # ip netns exec execs: the same pid
        self.port = int(line)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


def one_shot_curl(url, ns=None):
    """One curl process, one request: (its pid, its local port)."""
    command = ["curl", "-s", "-o", "/dev/null", "--max-time", "10", "-w", "%{local_port}", url]
    if ns:
        command = ["ip", "netns", "exec", ns] + command
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, "curl failed: %s" % err
    return proc.pid, int(out)


HELD_CLIENT = r"""
import socket, sys, time
host, port, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.create_connection((host, port))
print(s.getsockname()[1], flush=True)
s.sendall(b"GET /held HTTP/1.0\r\nHost: x\r\n\r\n")
time.sleep(hold)
while s.recv(4096):
    pass
s.close()
"""


def held_client(host, port, hold, ns=None):
    """A client that keeps its connection @hold seconds before it reads the
    answer and closes: (its pid, its local port), once it has exited."""
    command = [SYSTEM_PYTHON, "-c", HELD_CLIENT, host, str(port), str(hold)]
    if ns:
        command = ["ip", "netns", "exec", ns] + command
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, "the client failed: %s" % err
    return proc.pid, int(out)


def curl_frames_share(frames, curls, side_pid_fields=("procmap.src.pid", "procmap.dst.pid")):
    """Of the frames of the given curls ((pid, port) pairs), how many name
    the curl's pid at the curl's end: (right, total)."""
    by_port = {port: pid for pid, port in curls}
    right = total = 0
    for frame in frames:
        for end, port_field in ((0, "tcp.srcport"), (1, "tcp.dstport")):
            port = int(frame.get(port_field) or 0)
            if port in by_port:
                total += 1
                right += frame.get(side_pid_fields[end]) == str(by_port[port])
                break
    return right, total


def parse_procmap_comments(comments):
    """procmap's comments of one frame (frame.comment, ',' joined by tshark
    when several: split on the side markers) -> {"src": pid, "dst": pid}."""
    sides = {}
    text = comments.replace("\\n", "\n")
    for marker, side in (("procmap-src\n", "src"), ("procmap-dst\n", "dst")):
        at = text.find(marker)
        if at < 0:
            continue
        for line in text[at + len(marker):].split("\n"):
            if line.startswith("PID: "):
                sides[side] = line[5:].split(",")[0]
                break
    return sides


class Netns:
    """Two network namespaces on a host bridge: a "client" and a "server"
    namespace, each joined to the bridge by a veth pair; capture on the
    client's host-side veth (self.host_veth)."""

    def __init__(self, tag):
        self.tag = tag
        self.client, self.server = "pmc" + tag, "pms" + tag
        self.bridge, self.host_veth = "pmbr" + tag, "pmc" + tag + "h"
        self.client_ip, self.server_ip = "10.231.7.1", "10.231.7.2"
        self.created = []
        self.sh("ip netns add %s" % self.client)
        self.created.append(("netns", self.client))
        self.sh("ip netns add %s" % self.server)
        self.created.append(("netns", self.server))
        self.sh("ip link add %s type bridge" % self.bridge)
        self.created.append(("link", self.bridge))
        for ns, ip in ((self.client, self.client_ip), (self.server, self.server_ip)):
            host, inner = ns + "h", ns + "n"
            self.sh("ip link add %s type veth peer name %s" % (host, inner))
            self.created.append(("link", host))
            self.sh("ip link set %s netns %s" % (inner, ns))
            self.sh("ip link set %s master %s up" % (host, self.bridge))
            self.sh("ip -n %s addr add %s/24 dev %s" % (ns, ip, inner))
            self.sh("ip -n %s link set %s up" % (ns, inner))
            self.sh("ip -n %s link set lo up" % ns)
        self.sh("ip link set %s up" % self.bridge)

    @staticmethod
    def sh(command):
        result = subprocess.run(command.split(), capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError("%s: %s" % (command, result.stderr.strip()))

    def remove(self):
        for kind, name in reversed(self.created):
            command = ["ip", "netns", "del", name] if kind == "netns" else ["ip", "link", "del", name]
            subprocess.run(command, capture_output=True, timeout=30)
        self.created = []


def make_workdir():
    return tempfile.mkdtemp(prefix="procmap-extcap-")
