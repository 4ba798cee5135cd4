# SPDX-License-Identifier: GPL-2.0-or-later
"""NAT-aware attribution, live: real nftables NAT rules in network
namespaces the test makes (nat_env.py), real servers and clients, tshark
capturing in the "host" namespace with the build-tree plugin, and the
procmap tool asked the same questions.

- DNAT (a client on the host to a service address, like kube-proxy's
  ClusterIP): the client found through conntrack;
- SNAT/masquerade by the host running the client: the same;
- port publishing (a server behind a DNAT'ed host port): a client on the
  host to host-ip:published-port found through conntrack; an outside
  client's connection to the published port is "forwarded", never the host
  process listening on that port (like docker-proxy);
- tshark as nobody (conntrack refuses it): the local-endpoint rule finds
  the DNAT'ed client, and refuses a local endpoint that accepted
  connections share;
- an address added during a live capture: its first frame attributed."""
import json
import os
import re
import socket
import subprocess
import time

import pytest

from harness import fields_args, parse_fields
from nat_env import Topology, as_nobody

CAPTURE_SECONDS = 14
MIN_REFRESH_INTERVAL_S = 0.25
SERVICE, SERVICE_PORT = "10.96.0.10", 443
PUBLISHED_PORT = 18080
SIDES = ("pid", "match", "reason", "source", "endpoint")
FIELDS = (["frame.number", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "tcp.flags",
           "udp.srcport", "udp.dstport"]
          + ["procmap.%s.%s" % (side, f) for side in ("src", "dst") for f in SIDES])


def dnat_rules(hooks, address, port, target, target_port):
    chains = "".join(
        " chain %s {\n  type nat hook %s priority -100;\n"
        "  ip daddr %s tcp dport %d dnat to %s:%d\n }\n" % (hook, hook, address, port, target,
                                                           target_port)
        for hook in hooks)
    return "table ip procmap_test {\n%s}\n" % chains


class Probe:
    """UDP datagrams from the host to a port of srv, over the captured link:
    a capture is known to run once it dissects one."""

    def __init__(self, topology):
        self.sink = topology.srv.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sink.bind((Topology.SRV, 0))
        self.port = self.sink.getsockname()[1]
        self.sender = topology.host.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.topology = topology

    def send(self):
        self.sender.sendto(b"probe", (Topology.SRV, self.port))

    def wait_until_capturing(self, runner):
        """@runner prints -T fields lines of FIELDS."""
        column = FIELDS.index("udp.dstport")
        runner.wait_line(lambda line: line.split("\t")[column] == str(self.port),
                         timeout=60, poke=self.send)

    def wait_until_writing(self, runner):
        """@runner writes a file and prints packet summaries (-P)."""
        runner.wait_line(lambda line: str(self.port) in line, timeout=60, poke=self.send)

    def end(self, runner, summaries=False):
        """Stops @runner once everything sent before is in: a datagram from a
        new port, over the same link, seen dissected (the link keeps its
        order), a second for another link of the capture, then Ctrl+C.  The
        capture's -a duration stays as a bound; this only saves the wait."""
        marker = self.topology.host.socket(socket.AF_INET, socket.SOCK_DGRAM)
        marker.bind(("0.0.0.0", 0))
        marker_port = marker.getsockname()[1]
        try:
            if summaries:       # -P lines: "... UDP 47 41234 → 40000 Len=5"
                pattern = re.compile(r"\b%d → %d\b" % (marker_port, self.port))
                seen = pattern.search
            else:
                columns = FIELDS.index("udp.srcport"), FIELDS.index("udp.dstport")

                def seen(line):
                    cells = line.split("\t")
                    return [cells[c] for c in columns] == [str(marker_port), str(self.port)]
            runner.wait_line(seen, timeout=60,
                             poke=lambda: marker.sendto(b"end", (Topology.SRV, self.port)))
        finally:
            marker.close()
        time.sleep(1)
        runner.stop()

    def close(self):
        self.sender.close()
        self.sink.close()


@pytest.fixture
def probe(topology):
    probe = Probe(topology)
    yield probe
    probe.close()


def live(runner, interfaces, capture_filter, seconds=CAPTURE_SECONDS):
    more = [arg for name in interfaces[1:] for arg in ("-i", name)]
    return runner.live("-f", capture_filter, *more, *fields_args(FIELDS),
                       interface=interfaces[0], duration=seconds)


def finish(runner, probe, seconds=CAPTURE_SECONDS):
    probe.end(runner)
    stdout, stderr, rc = runner.finish(timeout=seconds + 60)
    assert rc == 0, stderr
    for bad in ("CRITICAL", "Dissector bug", "Segmentation"):
        assert bad not in stderr, stderr
    return parse_fields("\n".join(line for line in stdout.splitlines() if line.strip()), FIELDS)


def flow(rows, port):
    return [row for row in rows
            if str(port) in (row["tcp.srcport"], row["tcp.dstport"])]


def side_of(row, address, port):
    """"src" or "dst": the side of @row with this address and port."""
    if (row["ip.src"], row["tcp.srcport"]) == (address, str(port)):
        return "src"
    assert (row["ip.dst"], row["tcp.dstport"]) == (address, str(port)), row
    return "dst"


def other(side):
    return "dst" if side == "src" else "src"


def assert_attributed(rows, address, port, pid, match, what):
    """Every frame: the end @address:@port is @pid by @match; the other end
    is not this host's."""
    assert rows, "no frames of the %s flow" % what
    for row in rows:
        side = side_of(row, address, port)
        got = {f: row["procmap.%s.%s" % (side, f)] for f in SIDES}
        assert (got["pid"], got["match"]) == (str(pid), match), (what, row)
        assert got["reason"] == "" and got["source"] in ("live", "stream"), (what, row)
        assert got["endpoint"] == "%s:%d" % (address, port), (what, row)
        assert row["procmap.%s.reason" % other(side)] == "not-local", (what, row)


def procmap_lookup(netns, *args, nobody=False):
    argv = [os.environ["PROCMAP_BIN"], "lookup", *args]
    if nobody:
        argv = as_nobody(*argv)
    result = subprocess.run(netns.wrap(argv), capture_output=True, text=True, timeout=60)
    assert result.returncode in (0, 1), result
    return result.stdout


def start_server(nat_peer, topology, port=0):
    server = nat_peer(topology.srv, "tcp-server", "0.0.0.0", port)
    return server, int(server.wait_for("port"))


def client_port(client):
    address, port = client.wait_for("local").split()
    return address, int(port)


# ---- DNAT ------------------------------------------------------------------

def test_dnat_client_found_through_conntrack(topology, host_tshark, nat_peer, probe):
    server, server_port = start_server(nat_peer, topology)
    topology.host.run("ip", "route", "add", "10.96.0.0/16", "via", Topology.SRV)
    topology.host.nft(dnat_rules(["output"], SERVICE, SERVICE_PORT, Topology.SRV, server_port))
    capture = live(host_tshark, ["h-srv"], "tcp port %d or udp port %d"
                   % (server_port, probe.port))
    probe.wait_until_capturing(capture)
    time.sleep(2 * MIN_REFRESH_INTERVAL_S)

    client = nat_peer(topology.host, "tcp-client", SERVICE, SERVICE_PORT, 8, 0.25, 2)
    address, port = client_port(client)
    assert address == Topology.HOST_SRV
    client.wait_for("done")
    # The tool, while the connection lives: the same answer, explained.
    text = procmap_lookup(topology.host, "tcp", "%s:%d" % (address, port),
                          "%s:%d" % (Topology.SRV, server_port))
    assert "  match:      conntrack (" in text, text
    assert "  socket:     %s:%d (peer %s:%d), matched as tuple" % (
        address, port, SERVICE, SERVICE_PORT) in text, text
    answer = json.loads(procmap_lookup(topology.host, "tcp", "%s:%d" % (address, port),
                                       "%s:%d" % (Topology.SRV, server_port), "--json"))
    assert (answer["match"], answer["conntrack"]) == ("conntrack", "translated"), answer
    assert answer["process"]["pid"] == client.pid
    assert answer["socket_remote"] == {"address": SERVICE, "port": SERVICE_PORT}
    client.wait(timeout=30)

    rows = flow(finish(capture, probe), server_port)
    # The wire has the server, never the service address.
    assert {row["ip.dst"] for row in rows} == {Topology.SRV, Topology.HOST_SRV}
    assert any(row["tcp.flags"] == "0x0002" for row in rows), rows     # the SYN
    assert len(rows) >= 10, rows
    assert_attributed(rows, address, port, client.pid, "conntrack", "DNAT")


# ---- SNAT / masquerade -------------------------------------------------------

def test_masqueraded_client_found_through_conntrack(topology, host_tshark, nat_peer, probe):
    server, server_port = start_server(nat_peer, topology)
    # The client's own address, which the host masquerades on its way out.
    topology.host.run("ip", "addr", "add", "10.199.3.1/32", "dev", "lo")
    topology.host.nft("table ip procmap_test {\n chain post {\n"
                      "  type nat hook postrouting priority 100;\n"
                      "  oifname \"h-srv\" ip saddr 10.199.3.1 meta l4proto tcp "
                      "masquerade to :40000-40999\n"
                      " }\n}\n")
    capture = live(host_tshark, ["h-srv"], "tcp port %d or udp port %d"
                   % (server_port, probe.port))
    probe.wait_until_capturing(capture)
    time.sleep(2 * MIN_REFRESH_INTERVAL_S)

    client = nat_peer(topology.host, "tcp-client", Topology.SRV, server_port, 8, 0.25, 2,
                      "10.199.3.1")
    assert client_port(client)[0] == "10.199.3.1"
    client.wait(timeout=30)

    rows = flow(finish(capture, probe), server_port)
    assert len(rows) >= 10, rows
    wire_ports = {int(row["tcp.srcport"]) for row in rows if row["ip.src"] == Topology.HOST_SRV}
    assert len(wire_ports) == 1 and 40000 <= min(wire_ports) <= 40999, rows
    assert {row["ip.src"] for row in rows} == {Topology.HOST_SRV, Topology.SRV}
    assert_attributed(rows, Topology.HOST_SRV, min(wire_ports), client.pid, "conntrack",
                      "masquerade")


# ---- port publishing ---------------------------------------------------------

def test_published_port(topology, host_tshark, nat_peer, probe):
    server, server_port = start_server(nat_peer, topology)
    topology.host.nft(dnat_rules(["prerouting", "output"], Topology.HOST_EXT, PUBLISHED_PORT,
                                 Topology.SRV, server_port))
    # A host process on the published port, like docker-proxy: it never
    # receives what the rule sends to srv.
    proxy = nat_peer(topology.host, "tcp-server", "0.0.0.0", PUBLISHED_PORT)
    proxy.wait_for("port")
    capture = live(host_tshark, ["h-srv", "h-ext"], "tcp port %d or tcp port %d or udp port %d"
                   % (server_port, PUBLISHED_PORT, probe.port))
    probe.wait_until_capturing(capture)
    time.sleep(2 * MIN_REFRESH_INTERVAL_S)

    local_client = nat_peer(topology.host, "tcp-client", Topology.HOST_EXT, PUBLISHED_PORT, 8,
                            0.25, 2)
    local_address, local_port = client_port(local_client)
    local_client.wait(timeout=30)
    time.sleep(2 * MIN_REFRESH_INTERVAL_S)
    outside = nat_peer(topology.ext, "tcp-client", Topology.HOST_EXT, PUBLISHED_PORT, 8, 0.25, 2)
    _, outside_port = client_port(outside)
    outside.wait(timeout=30)

    rows = finish(capture, probe)

    def between(port, a, b):
        return [row for row in flow(rows, port) if {row["ip.src"], row["ip.dst"]} == {a, b}]

    # The host's client, on its way to srv: conntrack names it.
    assert local_address == Topology.HOST_EXT
    mine = between(local_port, Topology.HOST_EXT, Topology.SRV)
    assert len(mine) >= 10, rows
    assert_attributed(mine, local_address, local_port, local_client.pid, "conntrack",
                      "host to published port")
    # The outside client, as it reaches the host: the published port's end
    # goes to srv, not to the process listening on that port here.
    reaching = between(outside_port, Topology.EXT, Topology.HOST_EXT)
    assert len(reaching) >= 10, rows
    for row in reaching:
        side = side_of(row, Topology.HOST_EXT, PUBLISHED_PORT)
        assert row["procmap.%s.pid" % side] == "", row
        assert row["procmap.%s.reason" % side] == "forwarded", row
        assert row["procmap.%s.reason" % other(side)] == "not-local", row
    # ... and beyond the host, on the way to srv: nobody of this host's.
    beyond = between(outside_port, Topology.EXT, Topology.SRV)
    assert len(beyond) >= 10, rows
    for row in beyond:
        assert row["procmap.src.reason"] == row["procmap.dst.reason"] == "not-local", row


# ---- without conntrack: the local-endpoint rule ------------------------------

def capture_file(host_tshark, path, capture_filter, probe, seconds):
    """Root captures to @path (no dissection needed); returns once running."""
    runner = host_tshark.start("-i", "h-srv", "-n", "-l", "-P", "-w", path, "-f",
                               capture_filter, "-a", "duration:%d" % seconds)
    probe.wait_until_writing(runner)
    return runner


def dissect_as_nobody(nobody_tshark, path):
    os.chmod(path, 0o644)
    result = nobody_tshark.run("-r", path, "-o", "procmap.live_lookups:always",
                               "-o", "procmap.capture_host:this-host", *fields_args(FIELDS))
    assert result.returncode == 0, result.stderr
    assert "CRITICAL" not in result.stderr and "Dissector bug" not in result.stderr
    return result


def test_local_endpoint_without_conntrack(topology, host_tshark, nobody_tshark, nat_peer,
                                          probe):
    server, server_port = start_server(nat_peer, topology)
    topology.host.run("ip", "route", "add", "10.96.0.0/16", "via", Topology.SRV)
    topology.host.nft(dnat_rules(["output"], SERVICE, SERVICE_PORT, Topology.SRV, server_port))
    path = os.path.join(nobody_tshark.top, "dnat.pcapng")
    runner = capture_file(host_tshark, path, "tcp port %d or udp port %d"
                          % (server_port, probe.port), probe, 8)
    # The client is nobody's, so nobody may read its open files; it keeps
    # its connection while nobody's tshark dissects.
    client = nat_peer(topology.host, "tcp-client", SERVICE, SERVICE_PORT, 4, 0.25, 60,
                      user="nobody")
    address, port = client_port(client)
    client.wait_for("done")
    probe.end(runner, summaries=True)
    runner.finish(timeout=60)

    result = dissect_as_nobody(nobody_tshark, path)
    rows = flow(parse_fields(result.stdout, FIELDS), server_port)
    assert len(rows) >= 8, rows
    assert_attributed(rows, address, port, client.pid, "local-endpoint", "DNAT, unprivileged")
    # Silent: conntrack's refusal is no message of its own.
    assert "conntrack" not in result.stderr, result.stderr

    # The tool as nobody says why.
    text = procmap_lookup(topology.host, "tcp", "%s:%d" % (address, port),
                          "%s:%d" % (Topology.SRV, server_port), nobody=True)
    assert "  match:      local-endpoint (" in text, text
    assert "  conntrack:  not allowed to ask (CAP_NET_ADMIN is needed)" in text, text
    assert "(pid %d" % client.pid in text, text


def test_local_endpoint_refused_when_shared(topology, host_tshark, nobody_tshark, nat_peer,
                                            probe):
    """A server on the host accepted N connections from srv and closed its
    listener; a new connection attempt to that endpoint (refused by the
    kernel) is attributed by nobody's tshark to the only connection there
    (N = 1, the rule), never to one of two (N = 2)."""
    for accepted, expected in ((2, None), (1, "local-endpoint")):
        server = nat_peer(topology.host, "shared-server", Topology.HOST_SRV, 0, accepted,
                          user="nobody")
        port = int(server.wait_for("port"))
        clients = [nat_peer(topology.srv, "tcp-client", Topology.HOST_SRV, port, 2, 0.1, 60)
                   for _ in range(accepted)]
        for client in clients:
            client.wait_for("done")
        server.wait_for("ready")
        path = os.path.join(nobody_tshark.top, "shared-%d.pcapng" % accepted)
        runner = capture_file(host_tshark, path, "tcp port %d or udp port %d"
                              % (port, probe.port), probe, 4)
        attempt = topology.srv.socket(socket.AF_INET, socket.SOCK_STREAM)
        with pytest.raises(ConnectionRefusedError):
            attempt.connect((Topology.HOST_SRV, port))
        attempt_port = attempt.getsockname()[1]
        attempt.close()
        probe.end(runner, summaries=True)
        runner.finish(timeout=60)

        rows = flow(parse_fields(dissect_as_nobody(nobody_tshark, path).stdout, FIELDS),
                    attempt_port)
        assert [row["tcp.flags"] for row in rows] == ["0x0002", "0x0014"], rows  # SYN, RST
        for row in rows:
            side = side_of(row, Topology.HOST_SRV, port)
            if expected is None:
                assert row["procmap.%s.pid" % side] == "", row
                assert row["procmap.%s.reason" % side] == "no-socket", row
            else:
                assert row["procmap.%s.pid" % side] == str(server.pid), row
                assert row["procmap.%s.match" % side] == expected, row
        server.kill()
        for client in clients:
            client.kill()


# ---- a new address ------------------------------------------------------------

def test_new_address_attributed_on_its_first_frame(topology, host_tshark, nat_peer, probe):
    server, server_port = start_server(nat_peer, topology)
    capture = live(host_tshark, ["h-srv"], "tcp port %d or udp port %d"
                   % (server_port, probe.port))
    probe.wait_until_capturing(capture)
    time.sleep(2 * MIN_REFRESH_INTERVAL_S)

    # While tshark captures: an address it never saw, and a client on it.
    topology.host.run("ip", "addr", "add", "10.199.1.50/32", "dev", "h-srv")
    client = nat_peer(topology.host, "tcp-client", Topology.SRV, server_port, 8, 0.25, 2,
                      "10.199.1.50")
    _, port = client_port(client)
    client.wait(timeout=30)

    rows = flow(finish(capture, probe), server_port)
    assert rows and rows[0]["tcp.flags"] == "0x0002", rows          # the SYN comes first
    side = side_of(rows[0], "10.199.1.50", port)
    assert rows[0]["procmap.%s.pid" % side] == str(client.pid), rows[0]
    assert rows[0]["procmap.%s.source" % side] == "live", rows[0]
    for row in rows:
        assert row["procmap.%s.pid" % side_of(row, "10.199.1.50", port)] == str(client.pid), row
