# SPDX-License-Identifier: GPL-2.0-or-later
"""Real loopback traffic for the steady-state benchmark (P1): a server and a
client in two processes, many small request/response exchanges over a few
keep-alive connections, so that every frame's both ends are live sockets.

    loadgen.py serve           TCP echo on 127.0.0.1 and ::1, UDP echo on 127.0.0.1;
                               prints "tcp4 N", "tcp6 N", "udp4 N", then "ready"
    loadgen.py client TCP4 TCP6 UDP4 CONNECTIONS
                               connects (CONNECTIONS over IPv4, one over IPv6, one
                               connected UDP socket), prints "ready", waits for a
                               "go" line on stdin, exchanges messages until SIGUSR1,
                               prints "stopped EXCHANGES", then keeps every socket
                               open until stdin closes

Both die with their parent (PR_SET_PDEATHSIG), so a killed benchmark leaves
nothing behind."""
import ctypes
import selectors
import signal
import socket
import sys

MESSAGE = b"m" * 64


def die_with_parent():
    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def say(*words):
    print(*words, flush=True)


def serve():
    selector = selectors.DefaultSelector()
    listeners = []
    for family, host, name in ((socket.AF_INET, "127.0.0.1", "tcp4"),
                               (socket.AF_INET6, "::1", "tcp6")):
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, 0))
        listener.listen(64)
        listener.setblocking(False)
        selector.register(listener, selectors.EVENT_READ, "accept")
        listeners.append(listener)
        say(name, listener.getsockname()[1])
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    selector.register(udp, selectors.EVENT_READ, "udp")
    say("udp4", udp.getsockname()[1])
    say("ready")
    while True:
        for key, _ in selector.select():
            sock = key.fileobj
            if key.data == "accept":
                conn, _ = sock.accept()
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn.setblocking(False)
                selector.register(conn, selectors.EVENT_READ, "echo")
            elif key.data == "udp":
                try:
                    data, peer = sock.recvfrom(2048)
                    sock.sendto(data, peer)
                except BlockingIOError:
                    pass
            else:
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    continue
                except ConnectionError:
                    data = b""
                if not data:
                    selector.unregister(sock)
                    sock.close()
                    continue
                sock.sendall(data)


def recv_exactly(sock, size):
    got = 0
    while got < size:
        chunk = sock.recv(size - got)
        if not chunk:
            raise ConnectionError("the server closed a connection")
        got += len(chunk)


def client(tcp4_port, tcp6_port, udp4_port, connections):
    stop = []
    signal.signal(signal.SIGUSR1, lambda *_: stop.append(True))
    streams = []
    for _ in range(int(connections)):
        streams.append(socket.create_connection(("127.0.0.1", int(tcp4_port))))
    streams.append(socket.create_connection(("::1", int(tcp6_port))))
    for sock in streams:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    datagrams = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    datagrams.connect(("127.0.0.1", int(udp4_port)))
    datagrams.settimeout(0.5)      # a lost datagram must not stall the run
    say("ready")
    if sys.stdin.readline().strip() != "go":
        return
    exchanges = 0
    while not stop:
        # Pipelined: one message in flight per connection, then the answers.
        for sock in streams:
            sock.sendall(MESSAGE)
        datagrams.send(MESSAGE)
        for sock in streams:
            recv_exactly(sock, len(MESSAGE))
        try:
            datagrams.recv(2048)
        except socket.timeout:
            pass
        exchanges += len(streams) + 1
    say("stopped", exchanges)
    sys.stdin.read()            # keep the sockets open until the benchmark is done


def main(argv):
    die_with_parent()
    if argv[:1] == ["serve"] and len(argv) == 1:
        serve()
    elif argv[:1] == ["client"] and len(argv) == 5:
        client(*argv[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except KeyboardInterrupt:
        pass
