# SPDX-License-Identifier: GPL-2.0-or-later
"""NAT seen from the router: procmap-capture captures in the namespace that
translates (as on a Kubernetes node or a docker host, in front of its
pods), the client and the server are in namespaces of their own, and the
wire never shows the client socket's own tuple.  Both ends of every frame
must carry the right pids: the client through the router's conntrack entry
(asked by the monitor, which alone holds cap_net_admin), the server by its
own tuple.

    client ns (10.233.1.2) --- [10.233.1.1] router [10.233.2.1] --- (10.233.2.2) server ns
                                  nftables NAT, procmap-capture on r-srv

DNAT: the client connects to a service address (10.96.0.10:443) that the
router sends to the server.  Masquerade: the server sees the router's
address, not the client's.  Both: a published port behind a masquerading
router."""
import os
import subprocess
import time

import pytest

from extcap_env import Extcap, HttpServer, held_client, one_shot_curl

FIELDS = ["tcp.srcport", "tcp.dstport", "ip.src", "procmap.src.pid", "procmap.dst.pid"]
SERVICE_IP, SERVICE_PORT = "10.96.0.10", 443


def sh(*argv, stdin=None):
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise AssertionError("%s: %s" % (" ".join(argv), result.stderr.strip()))


class Routed:
    """Three named namespaces: client, router, server (see above)."""

    CLIENT, ROUTER_CLIENT_SIDE = "10.233.1.2", "10.233.1.1"
    SERVER, ROUTER_SERVER_SIDE = "10.233.2.2", "10.233.2.1"

    def __init__(self, tag):
        self.client, self.router, self.server = ("pmn%s%s" % (role, tag) for role in "crs")
        self.made = []
        try:
            for ns in (self.client, self.router, self.server):
                sh("ip", "netns", "add", ns)
                self.made.append(ns)
                sh("ip", "-n", ns, "link", "set", "lo", "up")
            self._link("r-cli", self.ROUTER_CLIENT_SIDE, self.client, "c-rtr", self.CLIENT)
            self._link("r-srv", self.ROUTER_SERVER_SIDE, self.server, "s-rtr", self.SERVER)
            sh("ip", "netns", "exec", self.router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
            sh("ip", "-n", self.client, "route", "add", "default", "via", self.ROUTER_CLIENT_SIDE)
            sh("ip", "-n", self.server, "route", "add", "default", "via", self.ROUTER_SERVER_SIDE)
        except Exception:
            self.remove()
            raise

    def _link(self, router_dev, router_ip, peer, peer_dev, peer_ip):
        sh("ip", "-n", self.router, "link", "add", router_dev, "type", "veth", "peer", "name",
           peer_dev, "netns", peer)
        sh("ip", "-n", self.router, "addr", "add", router_ip + "/24", "dev", router_dev)
        sh("ip", "-n", peer, "addr", "add", peer_ip + "/24", "dev", peer_dev)
        sh("ip", "-n", self.router, "link", "set", router_dev, "up")
        sh("ip", "-n", peer, "link", "set", peer_dev, "up")

    def nat(self, ruleset):
        sh("ip", "netns", "exec", self.router, "nft", "-f", "-", stdin=ruleset)

    def remove(self):
        for ns in reversed(self.made):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
        self.made = []


@pytest.fixture
def routed():
    try:
        subprocess.run(["nft", "--version"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.CalledProcessError):
        pytest.fail("nft is missing: ./run deps installs nftables")
    topology = Routed(str(os.getpid() % 1000))
    yield topology
    topology.remove()


def dnat(server_port):
    return ("table ip procmap_test {\n chain pre {\n  type nat hook prerouting priority -100;\n"
            "  ip daddr %s tcp dport %d dnat to %s:%d\n }\n}\n"
            % (SERVICE_IP, SERVICE_PORT, Routed.SERVER, server_port))


MASQUERADE = ("table ip procmap_masq {\n chain post {\n"
              "  type nat hook postrouting priority 100;\n  oifname \"r-srv\" masquerade\n }\n}\n")


def both_ends(frames, clients, server_port, server_pid):
    """(frames whose client and server ends are right, frames of the
    clients, the wrong ones); a client end is told by the server's port."""
    pids = {pid for pid, _ in clients}
    right, wrong = 0, []
    for frame in frames:
        src, dst = int(frame["tcp.srcport"]), int(frame["tcp.dstport"])
        if dst == server_port:
            client_pid, server_end = frame["procmap.src.pid"], frame["procmap.dst.pid"]
        elif src == server_port:
            client_pid, server_end = frame["procmap.dst.pid"], frame["procmap.src.pid"]
        else:
            continue
        if client_pid.isdigit() and int(client_pid) in pids and server_end == str(server_pid):
            right += 1
        else:
            wrong.append(frame)
    return right, right + len(wrong), wrong


def capture_through_nat(extcap_binary, wireshark, routed, tmp_path, started, name, rules,
                        clients_of, *options):
    server = HttpServer(host=Routed.SERVER, ns=routed.server)
    started.append(server)
    for ruleset in rules(server.port):
        routed.nat(ruleset)
    out = str(tmp_path / (name + ".pcapng"))
    cap = Extcap(extcap_binary, "r-srv", out, "--extcap-capture-filter",
                 "tcp port %d" % server.port, *options, ns=routed.router)
    started.append(cap)
    cap.wait_ready()
    time.sleep(1.0)       # the namespaces' watchers (the first tick)
    clients = clients_of(server.port)
    time.sleep(1.0)
    status, stderr, stats = cap.stop()
    assert status == 0, stderr
    assert int(stats["namespaces"]) >= 2, stats
    frames = wireshark.fields(out, FIELDS)
    right, total, wrong = both_ends(frames, clients, server.port, server.pid)
    assert total >= 10 and right == total, (
        "%d/%d frames with both ends right (clients %s, server %d):\n%s\n%s\n%s"
        % (right, total, clients, server.pid, "\n".join(map(str, wrong[:8])), stats, stderr))
    # Every client end by the socket's own tuple (conntrack), none by a
    # guess from its local endpoint.
    assert int(stats["answers_conntrack"]) >= total, stats
    assert stats["answers_local_endpoint"] == "0", stats
    return frames


def test_dnat_seen_from_the_router(extcap_binary, wireshark, routed, tmp_path, started):
    """A service address DNAT'ed by the router; live lookups (netlink
    polling): the client's socket points at the service address."""
    frames = capture_through_nat(
        extcap_binary, wireshark, routed, tmp_path, started, "dnat", lambda port: [dnat(port)],
        lambda port: [held_client(SERVICE_IP, SERVICE_PORT, 1.5, ns=routed.client)
                      for _ in range(2)],
        "--source", "netlink")
    # What the router's server-side link carries: the server's address, not
    # the service's, and the client's own.
    assert {f["ip.src"] for f in frames} == {Routed.CLIENT, Routed.SERVER}


def test_masquerade_seen_from_the_router(extcap_binary, wireshark, routed, tmp_path, started):
    """The router masquerades: the wire shows the router's address and port
    for the client, an address of the capture's own namespace."""
    frames = capture_through_nat(
        extcap_binary, wireshark, routed, tmp_path, started, "masquerade",
        lambda port: [MASQUERADE],
        lambda port: [held_client(Routed.SERVER, port, 1.5, ns=routed.client) for _ in range(2)],
        "--source", "netlink")
    assert {f["ip.src"] for f in frames} == {Routed.ROUTER_SERVER_SIDE, Routed.SERVER}


def test_dnat_and_masquerade_one_shot_clients(extcap_binary, wireshark, routed, tmp_path,
                                              started, need_ebpf):
    """Both rules, one-shot curls: gone before any lookup, so their eBPF
    events are found by the socket's own tuple, which only the router's
    conntrack entry gives."""
    frames = capture_through_nat(
        extcap_binary, wireshark, routed, tmp_path, started, "dnat-masquerade",
        lambda port: [dnat(port), MASQUERADE],
        lambda port: [one_shot_curl("http://%s:%d/" % (SERVICE_IP, SERVICE_PORT),
                                    ns=routed.client) for _ in range(4)])
    assert {f["ip.src"] for f in frames} == {Routed.ROUTER_SERVER_SIDE, Routed.SERVER}
