# SPDX-License-Identifier: GPL-2.0-or-later
"""A fake /proc tree full of bad input (tests/RELIABILITY.md), around good
processes that must still be attributed: malformed, truncated and over-long
/proc/net/tcp lines before the good ones, no tcp6/udp6, a process that
exits between the owner scan and its reading, garbage "socket:[" links next
to a good one, cmdlines of 1 MiB, empty and not UTF-8, a comm with spaces and
parentheses, not-UTF-8 comm, exe and cwd."""
import os

from fakeproc import FakeHost

LOCAL4 = "10.1.2.3"
REMOTE4 = "198.51.100.7"
LOOP4 = "127.0.0.1"

# (name, port): a TCP listener on 10.1.2.3:port per bad-input process.
GOOD_PORT = 8001         # an ordinary server listed after the bad lines
BIG_PORT = 8002          # 1 MiB cmdline
EMPTY_PORT = 8003        # empty cmdline (a kernel thread reads so)
BYTES_PORT = 8004        # comm, cmdline, exe and cwd not UTF-8
PARENS_PORT = 8005       # comm "a) R 1 (b"
GARBAGE_PORT = 8006      # fds with garbage socket links, then a good one
VANISHED_PORT = 8007     # the owner exits between the scan and the read
HTTP_PORT, CURL_PORT = 8081, 45678   # loopback pair, both ends local
UNOWNED_PORT = 9         # no socket: every frame to it is a miss
V6_PORT = 8443           # an IPv6 frame: tcp6 is missing

BIG_CMDLINE_BYTES = 1024 * 1024
CMDLINE_CAP = 64 * 1024  # what the procfs backend reads of a cmdline
MALFORMED_LINES = [
    b"   1: this is not a socket line at all but has many fields 1 2 3 4",
    b"   2: 0100007F:0003 00000000:0000 0A 00000000:000",              # truncated
    b"   3: " + b"Z" * (100 * 1024),                                    # over-long
    b"\xff\xfe garbage \x00 with a NUL",
]


def write_bytes(root, relative, data):
    path = os.path.join(root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as out:
        out.write(data)


def relink(root, relative, target):
    path = os.path.join(os.fsencode(root), os.fsencode(relative))
    os.unlink(path)
    os.symlink(target, path)


class BadHost:
    def __init__(self, root):
        self.root = str(root)
        host = self.host = FakeHost(root, ipv4=[LOCAL4], ipv6=["fd00:1::3"])
        add, sock = host.add_process, host.add_socket
        self.good = add(3001, "server", ["/usr/sbin/server", "-p", "8001"])
        self.big = add(3002, "bigargs", ["/usr/bin/bigargs"])
        self.empty = add(3003, "kworker/0:1", ["kworker"], exe="/usr/bin/kworker")
        self.bytes = add(3004, "bytes", ["/opt/bytes"], exe="/opt/bytes")
        self.parens = add(3005, "a) R 1 (b", ["/usr/bin/parens"])
        self.garbage = add(3006, "garbage", ["/usr/bin/garbage"])
        self.vanished = add(3007, "vanished", ["/usr/bin/vanished"])
        self.http = add(4100, "python3", ["python3", "-m", "http.server", "8081"],
                        exe="/usr/bin/python3.11")
        self.curl = add(4242, "curl", ["curl", "-s", "http://127.0.0.1:8081/"],
                        exe="/usr/bin/curl", uid=65534)
        for process, port in ((self.good, GOOD_PORT), (self.big, BIG_PORT),
                              (self.empty, EMPTY_PORT), (self.bytes, BYTES_PORT),
                              (self.parens, PARENS_PORT), (self.vanished, VANISHED_PORT)):
            sock("tcp", (LOCAL4, port), owners=[process])
        # Garbage links first, the real socket on the highest fd.
        self.garbage.fds.update({3: "socket:[abc]", 4: "socket:[123", 5: "socket:[]",
                                 6: "socket:[99999999999999999999999]", 7: "socket:[-1]"})
        inode = sock("tcp", (LOCAL4, GARBAGE_PORT))
        self.garbage.fds[8] = "socket:[%d]" % inode
        sock("tcp", (LOOP4, HTTP_PORT), owners=[self.http])
        sock("tcp", (LOOP4, HTTP_PORT), (LOOP4, CURL_PORT), owners=[self.http])
        sock("tcp", (LOOP4, CURL_PORT), (LOOP4, HTTP_PORT), uid=65534, owners=[self.curl])
        sock("udp", (LOCAL4, 53), owners=[self.good])

    def write(self):
        root = self.host.write()
        # Bad lines before the good ones: nothing after them may be lost.
        path = os.path.join(root, "net", "tcp")
        with open(path, "rb") as f:
            header, rest = f.read().split(b"\n", 1)
        write_bytes(root, "net/tcp", b"\n".join([header] + MALFORMED_LINES) + b"\n" + rest)
        for name in ("tcp6", "udp6"):                       # IPv6 disabled
            os.unlink(os.path.join(root, "net", name))
        # 1 MiB of arguments; a two-byte character straddles the 64 KiB cut.
        head = b"/usr/bin/bigargs\0"
        filler = b"a" * (CMDLINE_CAP - len(head) - 1) + "\u00e9".encode()
        big = head + filler + b"b" * (BIG_CMDLINE_BYTES - len(head) - len(filler) - 1) + b"\0"
        write_bytes(root, "3002/cmdline", big)
        write_bytes(root, "3003/cmdline", b"")
        write_bytes(root, "3004/cmdline", b"/opt/bytes\0\xff\xfe\0caf\xc3\xa9\0tab\there\x01\0")
        with open(os.path.join(root, "3004", "stat"), "rb") as f:
            stat = f.read()
        write_bytes(root, "3004/stat", stat.replace(b"(bytes)", b"(b\xffy\x1bt\xc3)"))
        relink(root, "3004/exe", b"/opt/\xff\xfebin")
        relink(root, "3004/cwd", b"/srv/\xe9t\xe9")
        # Exited after the owner scan listed it: only its fds are left.
        for name in ("stat", "status", "cmdline", "exe", "cwd"):
            os.unlink(os.path.join(root, "3007", name))
        return root
