# SPDX-License-Identifier: GPL-2.0-or-later
"""The processes of the remote capture tests, on fixed addresses and ports
so that one tuple can exist on both hosts at once.

    remote_peers.py server HOST PORT
        an echo server (one thread per connection)
    remote_peers.py client HOST PORT BIND_HOST BIND_PORT COUNT DELAY
        connects from BIND_HOST:BIND_PORT, exchanges COUNT messages DELAY
        seconds apart, then closes

Each prints "pid N" first: its pid as its own pid namespace sees it (the
stand-in host's, for a process started there).  Servers then print
"port N" once listening; clients "local N" once connected, "done" at the
end.  Every process dies with its parent."""
import os
import socket
import socketserver
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))

from peer_util import die_with_parent, say  # noqa: E402


def server(host, port):
    class Echo(socketserver.BaseRequestHandler):
        def handle(self):
            while True:
                data = self.request.recv(65535)
                if not data:
                    return
                self.request.sendall(data)

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    echo = socketserver.ThreadingTCPServer((host, int(port)), Echo)
    say("port %d" % echo.server_address[1])
    echo.serve_forever()


def client(host, port, bind_host, bind_port, count, delay):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((bind_host, int(bind_port)))
    sock.settimeout(10)
    sock.connect((host, int(port)))
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


if __name__ == "__main__":
    die_with_parent()
    say("pid %d" % os.getpid())
    {"server": server, "client": client}[sys.argv[1]](*sys.argv[2:])
