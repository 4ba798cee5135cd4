# SPDX-License-Identifier: GPL-2.0-or-later
"""Servers and clients of the NAT tests, one role per process (run inside a
network namespace with nsenter):

    nat_peers.py tcp-server HOST PORT           echoes every connection (threads);
                                                PORT 0: the kernel's choice
    nat_peers.py tcp-client HOST PORT COUNT DELAY HOLD [BIND]
                                                COUNT messages DELAY s apart, then
                                                keeps the connection HOLD s; BIND:
                                                the local address to send from
    nat_peers.py shared-server HOST PORT N      accepts N connections, closes its
                                                listener, echoes on them

Servers print "port N" once listening ("ready" once the listener is closed,
for shared-server); clients print "local ADDRESS PORT" once connected and
"done" after their messages.  Every process dies with its parent."""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))

from peer_util import die_with_parent, say  # noqa: E402


def echo(conn):
    with conn:
        while True:
            data = conn.recv(65535)
            if not data:
                return
            conn.sendall(data)


def listen(host, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, int(port)))
    sock.listen(16)
    say("port %d" % sock.getsockname()[1])
    return sock


def tcp_server(host, port):
    sock = listen(host, port)
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=echo, args=(conn,), daemon=True).start()


def shared_server(host, port, count):
    sock = listen(host, port)
    threads = []
    for _ in range(int(count)):
        conn, _ = sock.accept()
        threads.append(threading.Thread(target=echo, args=(conn,), daemon=True))
        threads[-1].start()
    sock.close()
    say("ready")
    for thread in threads:
        thread.join()
    while True:
        time.sleep(60)


def tcp_client(host, port, count, delay, hold, bind=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(5)
    if bind:
        sock.bind((bind, 0))
    sock.connect((host, int(port)))
    say("local %s %d" % sock.getsockname())
    for i in range(int(count)):
        message = b"message %d\n" % i
        sock.sendall(message)
        received = b""
        while len(received) < len(message):
            received += sock.recv(65535)
        time.sleep(float(delay))
    say("done")
    time.sleep(float(hold))
    sock.close()


ROLES = {"tcp-server": tcp_server, "tcp-client": tcp_client, "shared-server": shared_server}

if __name__ == "__main__":
    die_with_parent()
    ROLES[sys.argv[1]](*sys.argv[2:])
