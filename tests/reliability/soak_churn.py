#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The traffic of the soak test (soak.py), one role per process:

    soak_churn.py sink                  drains UDP datagrams on 127.0.0.1;
                                        prints "port N"
    soak_churn.py worker FIRST LAST PER_PORT SINK RATE
                                        for each source port FIRST..LAST:
                                        binds a UDP socket to it, sends
                                        PER_PORT datagrams to the sink,
                                        closes it; at most RATE datagrams a
                                        second; prints "sent N skipped M"

A worker is a short-lived process: the soak starts one after another, so
processes start and exit while the source ports churn."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))

from peer_util import die_with_parent, say  # noqa: E402


def sink():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind(("127.0.0.1", 0))
    say("port %d" % sock.getsockname()[1])
    while True:
        sock.recv(2048)


def worker(first, last, per_port, sink_port, rate):
    first, last, per_port = int(first), int(last), int(per_port)
    sink_port, rate = int(sink_port), float(rate)
    payload = b"soak" * 8
    sent = skipped = 0
    start = time.monotonic()
    for port in range(first, last + 1):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:             # in use by another program
            skipped += 1
            sock.close()
            continue
        sock.connect(("127.0.0.1", sink_port))
        for _ in range(per_port):
            try:
                sock.send(payload)
                sent += 1
            except OSError:         # ENOBUFS, ECONNREFUSED: not captured either
                pass
        sock.close()
        ahead = sent / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    say("sent %d skipped %d" % (sent, skipped))


if __name__ == "__main__":
    die_with_parent()
    {"sink": sink, "worker": worker}[sys.argv[1]](*sys.argv[2:])
