# SPDX-License-Identifier: GPL-2.0-or-later
"""Real servers and clients for the live capture tests, one role per process.

    live_peers.py http-server HOST CHUNKS DELAY  slow HTTP: the body in CHUNKS writes
    live_peers.py udp-echo HOST                  echoes every datagram
    live_peers.py tcp-echo HOST                  echoes every connection (threads)
    live_peers.py udp-client HOST PORT COUNT DELAY
    live_peers.py tcp-client HOST PORT COUNT DELAY

Servers print "port N" once bound (the kernel picks N) and serve until
killed.  Clients print "local N" (their own port), exchange COUNT messages
DELAY seconds apart, then print "done" and exit.  Every process dies with its
parent, even when the test runner is killed.  Their name (comm) stays
"python3": no thread is renamed (from Python 3.14 on, naming the main thread
renames the process)."""
import http.server
import os
import socket
import socketserver
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))

from peer_util import die_with_parent, family_of, say  # noqa: E402


def http_server(host, chunks, delay):
    chunks, delay = int(chunks), float(delay)

    class SlowHandler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            piece = b"x" * 512 + b"\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(piece) * chunks))
            self.end_headers()
            for _ in range(chunks):
                self.wfile.write(piece)
                self.wfile.flush()
                time.sleep(delay)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer((host, 0), SlowHandler)
    say("port %d" % server.server_address[1])
    server.serve_forever()


def udp_echo(host):
    sock = socket.socket(family_of(host), socket.SOCK_DGRAM)
    sock.bind((host, 0))
    say("port %d" % sock.getsockname()[1])
    while True:
        data, peer = sock.recvfrom(65535)
        sock.sendto(data, peer)


def tcp_echo(host):
    class Echo(socketserver.BaseRequestHandler):
        def handle(self):
            while True:
                data = self.request.recv(65535)
                if not data:
                    return
                self.request.sendall(data)

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer((host, 0), Echo)
    say("port %d" % server.server_address[1])
    server.serve_forever()


def udp_client(host, port, count, delay):
    sock = socket.socket(family_of(host), socket.SOCK_DGRAM)
    sock.settimeout(5)
    for i in range(int(count)):
        sock.sendto(b"datagram %d" % i, (host, int(port)))
        if i == 0:
            say("local %d" % sock.getsockname()[1])
        sock.recvfrom(65535)
        time.sleep(float(delay))
    say("done")


def tcp_client(host, port, count, delay):
    sock = socket.create_connection((host, int(port)), timeout=5)
    say("local %d" % sock.getsockname()[1])
    for i in range(int(count)):
        message = b"message %d\n" % i
        sock.sendall(message)
        received = b""
        while len(received) < len(message):
            received += sock.recv(65535)
        time.sleep(float(delay))
    sock.close()
    say("done")


ROLES = {"http-server": http_server, "udp-echo": udp_echo, "tcp-echo": tcp_echo,
         "udp-client": udp_client, "tcp-client": tcp_client}

if __name__ == "__main__":
    die_with_parent()
    ROLES[sys.argv[1]](*sys.argv[2:])
