# SPDX-License-Identifier: GPL-2.0-or-later
"""Two hosts on one machine: "the laptop", where tshark and Wireshark run,
and a stand-in remote host with a real sshd, as sshdump reaches a server.

    laptop netns (10.198.0.1) ---- veth ---- (10.198.0.2) stand-in
    its own lo: 127.0.0.1                    its own lo: 127.0.0.1
    tshark, sshdump, local peers             netns + pid namespace + mount
                                             namespace (its own /proc, /sys,
                                             /run): sshd, its processes,
                                             procmap-capture or dumpcap

Both have the same loopback addresses, so one TCP tuple can exist on both at
once.  Nothing of the machine's own namespaces is touched: everything is
made by the test and deleted after it."""
import os
import pwd
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "nat"))

from nat_env import Netns, run  # noqa: E402

SSHD = "/usr/sbin/sshd"
LAPTOP_ADDR, REMOTE_ADDR = "10.198.0.1", "10.198.0.2"
LAPTOP_LINK, REMOTE_LINK = "to-standin", "to-laptop"
HOST_ALIAS = "standin"      # the laptop's ~/.ssh/config names the stand-in so


def standin_unavailable():
    """Why the two hosts cannot be made here, or None."""
    if os.geteuid() != 0:
        return "needs root (network, pid and mount namespaces, sshd)"
    for program in (SSHD, "/usr/bin/ssh-keygen"):
        if not os.access(program, os.X_OK):
            return "%s is missing (./run deps installs openssh-server)" % program
    return None


class Hosts:
    """The laptop's network namespace and the stand-in host, its sshd
    running; keys and configuration under @workdir."""

    def __init__(self, workdir):
        tag = "procmap-rm-%d" % os.getpid()
        self.workdir = str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.spaces = []
        self.sshd = None
        try:
            self.laptop = self._add(tag + "-laptop")
            self.remote_netns = self._add(tag + "-remote")
            self.laptop.run("ip", "link", "add", LAPTOP_LINK, "type", "veth", "peer", "name",
                            REMOTE_LINK, "netns", self.remote_netns.path)
            self.laptop.run("ip", "addr", "add", LAPTOP_ADDR + "/24", "dev", LAPTOP_LINK)
            self.remote_netns.run("ip", "addr", "add", REMOTE_ADDR + "/24", "dev", REMOTE_LINK)
            self.laptop.run("ip", "link", "set", LAPTOP_LINK, "up")
            self.remote_netns.run("ip", "link", "set", REMOTE_LINK, "up")
            self._keys()
            self._start_sshd()
        except Exception:
            self.delete()
            raise

    def _add(self, name):
        space = Netns(name)
        self.spaces.append(space)
        space.run("ip", "link", "set", "lo", "up")
        return space

    def path(self, name):
        return os.path.join(self.workdir, name)

    def _keys(self):
        for key in ("host_key", "client_key"):
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.path(key)])
        with open(self.path("client_key.pub")) as public, \
                open(self.path("authorized_keys"), "w") as authorized:
            authorized.write(public.read())
        with open(self.path("sshd_config"), "w") as config:
            config.write("ListenAddress %s\nPort 22\nHostKey %s\nAuthorizedKeysFile %s\n"
                         "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                         "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                         "PidFile none\n"
                         % (REMOTE_ADDR, self.path("host_key"), self.path("authorized_keys")))
        # The laptop user's ~/.ssh: the stand-in by name, its key, its host
        # key known (tshark and Wireshark run with this as their home).
        ssh_dir = os.path.join(self.home, ".ssh")
        os.makedirs(ssh_dir, mode=0o700)
        with open(self.path("host_key.pub")) as host_key:
            key = " ".join(host_key.read().split()[:2])
        with open(os.path.join(ssh_dir, "known_hosts"), "w") as known:
            known.write("%s,%s %s\n" % (HOST_ALIAS, REMOTE_ADDR, key))
        with open(os.path.join(ssh_dir, "config"), "w") as config:
            # GlobalKnownHostsFile: libssh would warn that there is no
            # /etc/ssh/ssh_known_hosts, and Wireshark 4.6 reports any extcap
            # warning as an error once the capture stops.
            config.write("Host %s\n    HostName %s\n    User root\n    IdentityFile %s\n"
                         "    UserKnownHostsFile %s\n    GlobalKnownHostsFile %s\n"
                         % (HOST_ALIAS, REMOTE_ADDR, self.path("client_key"),
                            os.path.join(ssh_dir, "known_hosts"),
                            os.path.join(ssh_dir, "known_hosts")))
        for name in os.listdir(ssh_dir):
            os.chmod(os.path.join(ssh_dir, name), 0o600)

    @property
    def home(self):
        return self.path("home")

    def _start_sshd(self):
        # pid 1 of the stand-in's pid namespace; its /proc, /sys and /run.
        script = ('mount -t sysfs sysfs /sys && mount -t tmpfs tmpfs /run && '
                  'mkdir -m 0755 /run/sshd && exec "$0" -D -e -f "$1"')
        self.sshd_log = open(self.path("sshd.log"), "w")
        self.sshd = subprocess.Popen(
            ["nsenter", "--net=" + self.remote_netns.path, "unshare", "--pid", "--mount",
             "--fork", "--mount-proc", "--propagation", "private", "sh", "-c", script,
             SSHD, self.path("sshd_config")],
            stdin=subprocess.DEVNULL, stdout=self.sshd_log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 30
        while not self._sshd_answers():
            if self.sshd.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("sshd did not start: %s" % self.sshd_log_text())
            time.sleep(0.1)
        self.init_pid = self._namespace_init()

    def _sshd_answers(self):
        try:
            with self.laptop.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.settimeout(1)
                probe.connect((REMOTE_ADDR, 22))
                return probe.recv(64).startswith(b"SSH-")
        except OSError:
            return False

    def _namespace_init(self):
        """The stand-in's pid 1 (sshd): unshare's child."""
        for task in os.listdir("/proc/%d/task" % self.sshd.pid):
            with open("/proc/%d/task/%s/children" % (self.sshd.pid, task)) as children:
                for pid in children.read().split():
                    return int(pid)
        raise AssertionError("the stand-in's sshd has no pid")

    def sshd_log_text(self):
        with open(self.path("sshd.log")) as log:
            return log.read()

    def on_remote(self, *argv):
        """@argv run on the stand-in (its network, pid and mount namespaces)."""
        return ["nsenter", "-t", str(self.init_pid), "--net", "--pid", "--mount",
                *map(str, argv)]

    def on_laptop(self, *argv):
        """@argv run on the laptop (its network namespace only)."""
        return self.laptop.wrap(argv)

    def delete(self):
        if self.sshd is not None and self.sshd.poll() is None:
            # sshd is the stand-in's pid 1: with it goes every process there.
            for kill in (lambda: os.kill(self.init_pid, signal.SIGKILL),
                         lambda: os.killpg(self.sshd.pid, signal.SIGKILL)):
                try:
                    kill()
                except (ProcessLookupError, AttributeError):
                    pass
            self.sshd.wait(timeout=30)
        if self.sshd is not None:
            self.sshd_log.close()
        for space in self.spaces:
            space.delete()


def user_home():
    return pwd.getpwuid(os.getuid()).pw_dir
