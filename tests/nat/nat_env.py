# SPDX-License-Identifier: GPL-2.0-or-later
"""Network namespaces for the NAT tests, with real nftables rules; tshark,
the procmap tool and peers run inside them with nsenter (only the network
namespace changes, so the harness's private mount namespace and /proc stay
as they are).

The topology, all made by the test and deleted after it:

    ext (10.199.2.2) --- [10.199.2.1] host [10.199.1.1] --- (10.199.1.2) srv
                              "the host": its process, its NAT rules,
                              tshark capturing on it

host forwards between its two links; srv and ext route back through it.
Nothing of the machine's own namespace (addresses, rules) is touched."""
import ctypes
import os
import pwd
import socket
import subprocess
import threading

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
NOBODY = pwd.getpwnam("nobody")


def as_nobody(*argv):
    """@argv as nobody: no capability, only nobody's files."""
    return ["setpriv", "--reuid=%d" % NOBODY.pw_uid, "--regid=%d" % NOBODY.pw_gid,
            "--clear-groups", *map(str, argv)]


def run(argv, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, **kwargs)
    if result.returncode != 0:
        raise AssertionError("%s failed: %s" % (" ".join(argv), result.stderr.strip()))
    return result.stdout


class Netns:
    """A named network namespace (/run/netns/NAME)."""

    def __init__(self, name):
        self.name = name
        self.path = "/run/netns/" + name
        run(["ip", "netns", "add", name])

    def wrap(self, argv):
        """@argv run inside this namespace (network only)."""
        return ["nsenter", "--net=" + self.path, *map(str, argv)]

    def run(self, *argv, **kwargs):
        return run(self.wrap(argv), **kwargs)

    def nft(self, ruleset):
        run(self.wrap(["nft", "-f", "-"]), input=ruleset)

    def socket(self, *args):
        """A socket of this namespace for the test process itself: setns in
        a thread of its own (a namespace is per thread), the socket made
        there belongs to the namespace for good."""
        made = []

        def make():
            fd = os.open(self.path, os.O_RDONLY)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns")
                made.append(socket.socket(*args))
            except OSError as error:
                made.append(error)
            finally:
                os.close(fd)

        thread = threading.Thread(target=make)
        thread.start()
        thread.join()
        if isinstance(made[0], OSError):
            raise made[0]
        return made[0]

    def delete(self):
        subprocess.run(["ip", "netns", "delete", self.name], capture_output=True, timeout=60)


class Topology:
    HOST_SRV, SRV = "10.199.1.1", "10.199.1.2"
    HOST_EXT, EXT = "10.199.2.1", "10.199.2.2"

    def __init__(self):
        tag = "procmap-nat-%d" % os.getpid()
        self.spaces = []
        try:
            self.host = self._add(tag + "-host")
            self.srv = self._add(tag + "-srv")
            self.ext = self._add(tag + "-ext")
            self._link(self.host, "h-srv", self.HOST_SRV, self.srv, "s-host", self.SRV)
            self._link(self.host, "h-ext", self.HOST_EXT, self.ext, "e-host", self.EXT)
            self.host.run("sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
            self.srv.run("ip", "route", "add", "default", "via", self.HOST_SRV)
            self.ext.run("ip", "route", "add", "default", "via", self.HOST_EXT)
        except Exception:
            self.delete()
            raise

    def _add(self, name):
        space = Netns(name)
        self.spaces.append(space)
        space.run("ip", "link", "set", "lo", "up")
        return space

    @staticmethod
    def _link(a, a_dev, a_addr, b, b_dev, b_addr):
        a.run("ip", "link", "add", a_dev, "type", "veth", "peer", "name", b_dev, "netns", b.path)
        a.run("ip", "addr", "add", a_addr + "/24", "dev", a_dev)
        b.run("ip", "addr", "add", b_addr + "/24", "dev", b_dev)
        a.run("ip", "link", "set", a_dev, "up")
        b.run("ip", "link", "set", b_dev, "up")

    def delete(self):
        for space in self.spaces:
            space.delete()


def nat_unavailable():
    """Why network namespaces with nftables NAT cannot be made here, or
    None: tried once, in a namespace of its own."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, nftables rules)"
    try:
        run(["nft", "--version"])
    except (OSError, AssertionError):
        return "nft is not installed (./run deps installs nftables)"
    try:
        space = Netns("procmap-nat-%d-probe" % os.getpid())
    except (OSError, AssertionError) as error:
        return "cannot make a network namespace: %s" % error
    try:
        space.nft("table ip t {\n chain out {\n  type nat hook output priority -100;\n"
                  "  ip daddr 10.96.0.10 tcp dport 443 dnat to 10.199.1.2:8443\n }\n}\n")
    except AssertionError as error:
        return "this kernel has no nftables NAT: %s" % error
    finally:
        space.delete()
    return None
