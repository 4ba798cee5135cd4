# SPDX-License-Identifier: GPL-2.0-or-later
"""Network namespaces: two namespaces on a host bridge (as containers are),
a web server in one, clients in the other, captured on the client's
host-side veth - where neither end is in the capture's namespace.  Both
ends must carry the right pids: from eBPF events (they name the socket's
namespace), and with the fallback from each namespace's own socket table."""
import os
import time

import pytest

from extcap_env import Extcap, HttpServer, Netns, held_client, one_shot_curl

FIELDS = ["tcp.srcport", "tcp.dstport", "procmap.src.pid", "procmap.dst.pid",
          "procmap.src.source", "frame.packet_flags_direction"]


@pytest.fixture
def net():
    namespaces = Netns("t%d" % (os.getpid() % 1000))
    yield namespaces
    namespaces.remove()


def both_ends(frames, clients, server_pid, wrong=None):
    """Frames of @clients ((pid, port)) whose client and server ends are
    right, and how many frames the clients have; the others, numbered, are
    appended to @wrong if given."""
    by_port = {port: pid for pid, port in clients}
    right = total = 0
    for number, frame in enumerate(frames, 1):
        src, dst = int(frame["tcp.srcport"]), int(frame["tcp.dstport"])
        if src in by_port:
            ends = (frame["procmap.src.pid"], frame["procmap.dst.pid"])
            expected = (str(by_port[src]), str(server_pid))
        elif dst in by_port:
            ends = (frame["procmap.dst.pid"], frame["procmap.src.pid"])
            expected = (str(by_port[dst]), str(server_pid))
        else:
            continue
        total += 1
        right += ends == expected
        if ends != expected and wrong is not None:
            wrong.append((number, frame))
    return right, total


def capture(extcap_binary, net, server, out, *options):
    cap = Extcap(extcap_binary, net.host_veth, out, "--extcap-capture-filter",
                 "tcp port %d" % server.port, *options)
    cap.wait_ready()
    time.sleep(0.5)
    return cap


def test_one_shot_clients_in_another_namespace(extcap_binary, wireshark, net, need_ebpf,
                                                tmp_path, started):
    server = HttpServer(host=net.server_ip, ns=net.server)
    started.append(server)
    out = str(tmp_path / "netns.pcapng")
    cap = capture(extcap_binary, net, server, out)
    started.append(cap)
    clients = [one_shot_curl("http://%s:%d/" % (net.server_ip, server.port), ns=net.client)
               for _ in range(5)]
    time.sleep(1)
    status, _, stats = cap.stop()
    assert status == 0 and stats["ebpf"] == "1"
    frames = wireshark.fields(out, FIELDS)
    right, total = both_ends(frames, clients, server.pid)
    assert total >= 30 and right == total, "%d/%d frames with both pids right" % (right, total)
    # On a bridge port, frames pass between two other stations: no direction.
    assert all(f["frame.packet_flags_direction"] == "" for f in frames)


def test_fallback_reads_each_namespace(extcap_binary, wireshark, net, tmp_path, started):
    server = HttpServer(host=net.server_ip, ns=net.server)
    started.append(server)
    out = str(tmp_path / "netns-netlink.pcapng")
    cap = capture(extcap_binary, net, server, out, "--source", "netlink")
    started.append(cap)
    # Clients that live longer than a poll: the fallback's reach.  A poll
    # of every namespace takes ~0.3 s on a loaded 2-core machine (seconds
    # when the CPU is starved), and the capture may lag as long.
    clients = [held_client(net.server_ip, server.port, 2.0, ns=net.client) for _ in range(2)]
    time.sleep(1)
    status, stderr, stats = cap.stop()
    assert status == 0 and stats["ebpf"] == "0"
    assert int(stats["namespaces"]) >= 2, stats        # both namespaces watched
    frames = wireshark.fields(out, FIELDS)
    wrong = []
    right, total = both_ends(frames, clients, server.pid, wrong)
    assert total >= 10 and right == total, "%d/%d frames with both pids right (clients %s, server %d):\n%s\n%s\n%s" % (
        right, total, clients, server.pid, "\n".join(map(str, wrong)), stats, stderr)


def test_namespaces_can_be_left_out(extcap_binary, wireshark, net, tmp_path, started):
    server = HttpServer(host=net.server_ip, ns=net.server)
    started.append(server)
    out = str(tmp_path / "netns-off.pcapng")
    cap = capture(extcap_binary, net, server, out, "--source", "netlink", "--no-namespaces")
    started.append(cap)
    clients = [held_client(net.server_ip, server.port, 1.0, ns=net.client)]
    time.sleep(1)
    status, _, stats = cap.stop()
    assert status == 0 and stats["namespaces"] == "0"
    assert "not watched (off)" in stats["source"]
    right, total = both_ends(wireshark.fields(out, FIELDS), clients, server.pid)
    assert total >= 5 and right == 0
