# SPDX-License-Identifier: GPL-2.0-or-later
"""Real sockets for the live tests, one role per process.

    socket_helper.py tcp-listen HOST [--fork-sharer] [--dual-stack]
    socket_helper.py udp-bind HOST
    socket_helper.py tcp-connect HOST PORT

Each prints "port N" once its socket is bound (the kernel picks N: port 0),
then holds the socket until killed.  A listener accepts every connection,
keeps it open and prints "accepted PEER_PORT".  --fork-sharer forks a child
that inherits the listener (two processes own one socket, as in a prefork
server) and prints "sharer PID".  An IPv6 listener is v6-only unless
--dual-stack.  A connector prints "connected LOCAL_PORT".
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))

from peer_util import die_with_parent, family_of, say  # noqa: E402


def tcp_listen(host, fork_sharer, dual_stack):
    listener = socket.socket(family_of(host), socket.SOCK_STREAM)
    if listener.family == socket.AF_INET6:
        listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0 if dual_stack else 1)
    listener.bind((host, 0))
    listener.listen(16)
    if fork_sharer:
        # Later than the parent by more than a clock tick (10 ms), so the
        # parent is the earliest started owner.
        time.sleep(0.05)
        parent = os.getpid()
        child = os.fork()
        if child == 0:
            die_with_parent(parent)
            while True:
                time.sleep(3600)
        say("sharer %d" % child)
    say("port %d" % listener.getsockname()[1])
    accepted = []
    while True:
        connection, peer = listener.accept()
        accepted.append(connection)
        say("accepted %d" % peer[1])


def udp_bind(host):
    sock = socket.socket(family_of(host), socket.SOCK_DGRAM)
    if sock.family == socket.AF_INET6:
        # Dual-stack on purpose: IPv4 datagrams reach a "::" socket.
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind((host, 0))
    say("port %d" % sock.getsockname()[1])
    while True:
        time.sleep(3600)


def tcp_connect(host, port):
    sock = socket.create_connection((host, port), timeout=10)
    say("connected %d" % sock.getsockname()[1])
    while True:
        time.sleep(3600)


def main(argv):
    # The test runner tells its pid: getppid() here could already be init's.
    die_with_parent(int(os.environ.get("PROCMAP_TEST_PARENT", os.getppid())))
    role = argv[1]
    if role == "tcp-listen":
        tcp_listen(argv[2], "--fork-sharer" in argv[3:], "--dual-stack" in argv[3:])
    elif role == "udp-bind":
        udp_bind(argv[2])
    elif role == "tcp-connect":
        tcp_connect(argv[2], int(argv[3]))
    else:
        sys.exit("unknown role " + role)


if __name__ == "__main__":
    main(sys.argv)
