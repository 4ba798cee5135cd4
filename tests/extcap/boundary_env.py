# SPDX-License-Identifier: GPL-2.0-or-later
"""procmap-capture as the Debian package installs it, run by an unprivileged
member of the group wireshark (uid nobody): a copy of the build-tree binary
in a root-owned directory, root:wireshark mode 0754, with the file
capabilities of the package's postinst.  Shared by test_boundary.py and
test_privileges.py."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from extcap_env import SYSTEM_PYTHON, Extcap

HERE = os.path.dirname(os.path.abspath(__file__))
POSTINST = os.path.join(HERE, "..", "..", "packaging", "debian", "procmap-capture.postinst")
NOBODY = 65534
# Bits of /proc/<pid>/status Cap* masks.
CAP = {"dac_read_search": 2, "net_admin": 12, "net_raw": 13, "sys_ptrace": 19,
       "sys_admin": 21, "perfmon": 38, "bpf": 39}
# The monitor keeps these (privileges.h); net_admin for conntrack questions.
MONITOR_CAPS = ("dac_read_search", "sys_ptrace", "sys_admin", "net_admin")


def mask(*names):
    return sum(1 << CAP[name] for name in names)


def package_capabilities():
    """The capabilities the package's postinst gives the program."""
    with open(POSTINST) as f:
        found = re.search(r"^CAPABILITIES=(\S+)$", f.read(), re.MULTILINE)
    assert found, "no CAPABILITIES= line in %s" % POSTINST
    return found.group(1)


def wireshark_gid():
    """The system group wireshark, made as the package makes it if missing."""
    result = subprocess.run(["getent", "group", "wireshark"], capture_output=True, text=True)
    if result.returncode != 0:
        subprocess.run(["groupadd", "--system", "wireshark"], check=True, capture_output=True)
        result = subprocess.run(["getent", "group", "wireshark"], capture_output=True,
                                text=True, check=True)
    return int(result.stdout.split(":")[2])


def status_of(pid, tid=None):
    path = "/proc/%d/task/%d/status" % (pid, tid) if tid else "/proc/%d/status" % pid
    with open(path) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def threads_of(pid):
    return [int(tid) for tid in os.listdir("/proc/%d/task" % pid)]


def children_of(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(child) for child in f.read().split()]


class Member:
    """The installed program, and how a member of group wireshark runs it."""

    def __init__(self, build_binary):
        self.gid = wireshark_gid()
        self.top = tempfile.mkdtemp(prefix="procmap-boundary-")
        os.chmod(self.top, 0o755)
        bindir = os.path.join(self.top, "bin")
        os.mkdir(bindir, 0o755)
        self.binary = os.path.join(bindir, "procmap-capture")
        shutil.copy2(build_binary, self.binary)
        os.chown(self.binary, 0, self.gid)
        os.chmod(self.binary, 0o754)
        result = subprocess.run(["setcap", package_capabilities(), self.binary],
                                capture_output=True, text=True)
        self.file_capabilities = result.returncode == 0
        self.setcap_error = result.stderr.strip()
        # The member's own directory: where a shell of theirs may write.
        self.home = os.path.join(self.top, "home")
        os.mkdir(self.home, 0o700)
        os.chown(self.home, NOBODY, NOBODY)
        version = self.run("--version")
        found = re.search(r"^configuration file: (.+)$", version.stdout, re.MULTILINE)
        self.config_file = found.group(1) if found else None

    def remove(self):
        shutil.rmtree(self.top, ignore_errors=True)

    def prefix(self):
        return ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
                "--groups=%d" % self.gid, "--inh-caps=-all"]

    def argv(self, *args, wrap=()):
        return list(wrap) + self.prefix() + [self.binary] + [str(a) for a in args]

    def run(self, *args, wrap=(), timeout=60):
        return subprocess.run(self.argv(*args, wrap=wrap), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, errors="replace",
                              timeout=timeout, cwd=self.top)

    def shell(self, script, *args):
        """A plain shell of the same user, for comparison."""
        return subprocess.run(self.prefix() + ["sh", "-c", script, "sh", *map(str, args)],
                              capture_output=True, text=True, timeout=60, cwd=self.top)

    def capture(self, interface, name, *options, wrap=()):
        """A capture into the member's own directory, in the background."""
        return Extcap(self.binary, interface, os.path.join(self.home, name), *options,
                      wrap=list(wrap) + self.prefix())

    def as_nobody(self, *argv):
        return ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups",
                *map(str, argv)]


SERVER = r"""
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
server = Server(("127.0.0.1", 0), Quiet)
print(server.server_address[1], flush=True)
server.serve_forever()
"""

# Waits for a line on stdin (so that it can be moved first), connects,
# sends a request that carries no secret, reads the answer and exits.
CLIENT = r"""
import socket, sys, time
port, hold = int(sys.argv[1]), float(sys.argv[2])
sys.stdin.readline()
s = socket.create_connection(("127.0.0.1", port))
print(s.getsockname()[1], flush=True)
s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
time.sleep(hold)
while s.recv(4096):
    pass
s.close()
"""


class SecretServer:
    """A web server whose command line holds a secret: root's unless @argv
    prefix says otherwise; started in @cwd."""

    def __init__(self, secret, cwd, prefix=()):
        command = list(prefix) + [SYSTEM_PYTHON, "-c", SERVER, "--db-password=" + secret]
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=cwd,
                                     start_new_session=True)
        line = self.proc.stdout.readline()
        assert line.strip(), "the server did not start: %s" % self.proc.stderr.read()
        self.pid = self.proc.pid
        self.port = int(line)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


class Client:
    """A client started now that connects when go() is called: (pid, port)
    once done.  @prefix runs it as another user."""

    def __init__(self, port, *args, prefix=(), cwd=None, hold=0.0):
        command = list(prefix) + [SYSTEM_PYTHON, "-c", CLIENT, str(port), str(hold), *args]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=cwd)
        self.pid = self.proc.pid
        self.port = None

    def go(self):
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        self.port = int(self.proc.stdout.readline())
        return self

    def wait(self):
        _, err = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, "the client failed: %s" % err
        return self

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def run_client(port, *args, prefix=(), cwd=None):
    return Client(port, *args, prefix=prefix, cwd=cwd).go().wait()


def frames_of_port(frames, port):
    """Frames sent from @port, and frames sent to it."""
    port = str(port)
    return ([f for f in frames if f["tcp.srcport"] == port],
            [f for f in frames if f["tcp.dstport"] == port])


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for %s" % what)
