# SPDX-License-Identifier: GPL-2.0-or-later
"""`procmap dump` and `procmap lookup` on real sockets, checked against
`ss -tuanp` (the kernel's own answer through sock_diag) and against what the
test knows it started.

World: TCP listeners on 127.0.0.1, 0.0.0.0 (shared by a forked child), ::1
and a dual-stack ::, a dual-stack UDP socket on ::, a client connected to
the 127.0.0.1 listener and one connected over IPv4 to the dual-stack
listener (whose accepted socket has IPv4-mapped addresses in tcp6), every
connection held open at both ends.  Every port is picked by the kernel.
"""
import ipaddress
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import types

import pytest

from conftest import COMMAND_TIMEOUT

SS = shutil.which("ss") or "/usr/bin/ss"
# Rows that are stable for the length of the test; TIME-WAIT and friends
# may come and go between the ss run and the procmap run.
STABLE_STATES = {"LISTEN", "ESTAB", "UNCONN"}


@pytest.fixture(params=["netlink", "procfs"])
def backend(request):
    """Every live test runs on both backends: they must give the same table."""
    return request.param


@pytest.fixture
def procmap(procmap, backend):
    """procmap(COMMAND, *args) with --backend BACKEND."""

    def run(command, *args, **kwargs):
        return procmap(command, "--backend", backend, *args, **kwargs)

    return run


def canonical_address(text):
    address = ipaddress.ip_address(text)
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def parse_ss_endpoint(text):
    """ss's "addr:port" -> (canonical address, port); "*" port is 0, "*"
    address is a dual-stack "::", "%iface" scopes are dropped."""
    host, _, port = text.rpartition(":")
    host = host.split("%", 1)[0]
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host == "*":
        host = "::"
    return canonical_address(host), 0 if port == "*" else int(port)


def ss_port(text):
    port = text.rpartition(":")[2]
    return 0 if port == "*" else int(port)


def run_ss():
    """The rows of `ss -tuanpH`: transport, state, local_text, peer_text (as
    ss prints them), pids (a set) and names (pid -> process name)."""
    result = subprocess.run([SS, "-tuanpH"], capture_output=True, text=True,
                            timeout=COMMAND_TIMEOUT, check=True)
    rows = []
    for line in result.stdout.splitlines():
        fields = line.split(None, 6)
        if len(fields) < 6:
            continue
        netid, state, _recvq, _sendq, local, peer = fields[:6]
        process = fields[6] if len(fields) > 6 else ""
        owners = re.findall(r'\("((?:[^"\\]|\\.)*)",pid=(\d+)', process)
        rows.append({
            "transport": netid, "state": state, "local_text": local, "peer_text": peer,
            "pids": {int(pid) for _, pid in owners},
            "names": {int(pid): name for name, pid in owners},
        })
    return rows


def dump_json(procmap, *extra):
    result = procmap("dump", "--json", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def key_of_procmap_row(row):
    return (row["transport"],
            (canonical_address(row["local"]["address"]), row["local"]["port"]),
            (canonical_address(row["remote"]["address"]), row["remote"]["port"]))


@pytest.fixture(scope="module")
def world(spawn):
    w = types.SimpleNamespace()
    w.tcp4 = spawn("tcp-listen", "127.0.0.1")
    w.tcp_any = spawn("tcp-listen", "0.0.0.0", "--fork-sharer")
    w.tcp6 = spawn("tcp-listen", "::1")
    w.udp6 = spawn("udp-bind", "::")
    w.dual = spawn("tcp-listen", "::", "--dual-stack")
    w.tcp4_port = int(w.tcp4.wait_for("port"))
    w.tcp_any_port = int(w.tcp_any.wait_for("port"))
    w.tcp_any_sharer = int(w.tcp_any.wait_for("sharer"))
    w.tcp6_port = int(w.tcp6.wait_for("port"))
    w.udp6_port = int(w.udp6.wait_for("port"))
    w.dual_port = int(w.dual.wait_for("port"))
    w.client = spawn("tcp-connect", "127.0.0.1", w.tcp4_port)
    w.client_port = int(w.client.wait_for("connected"))
    assert int(w.tcp4.wait_for("accepted")) == w.client_port
    w.mapped_client = spawn("tcp-connect", "127.0.0.1", w.dual_port)
    w.mapped_client_port = int(w.mapped_client.wait_for("connected"))
    assert int(w.dual.wait_for("accepted")) == w.mapped_client_port

    any4 = ("0.0.0.0", 0)
    any6 = ("::", 0)
    # What the test itself knows: key -> (state, pids, chosen owner).
    w.expected = {
        ("tcp", ("127.0.0.1", w.tcp4_port), any4): ("LISTEN", {w.tcp4.pid}, w.tcp4.pid),
        ("tcp", ("0.0.0.0", w.tcp_any_port), any4):
            ("LISTEN", {w.tcp_any.pid, w.tcp_any_sharer}, w.tcp_any.pid),
        ("tcp", ("::1", w.tcp6_port), any6): ("LISTEN", {w.tcp6.pid}, w.tcp6.pid),
        ("udp", ("::", w.udp6_port), any6): ("UNCONN", {w.udp6.pid}, w.udp6.pid),
        ("tcp", ("127.0.0.1", w.tcp4_port), ("127.0.0.1", w.client_port)):
            ("ESTAB", {w.tcp4.pid}, w.tcp4.pid),
        ("tcp", ("127.0.0.1", w.client_port), ("127.0.0.1", w.tcp4_port)):
            ("ESTAB", {w.client.pid}, w.client.pid),
        ("tcp", ("::", w.dual_port), any6): ("LISTEN", {w.dual.pid}, w.dual.pid),
        # ss shows these as [::ffff:127.0.0.1]; procmap as plain IPv4.
        ("tcp", ("127.0.0.1", w.dual_port), ("127.0.0.1", w.mapped_client_port)):
            ("ESTAB", {w.dual.pid}, w.dual.pid),
        ("tcp", ("127.0.0.1", w.mapped_client_port), ("127.0.0.1", w.dual_port)):
            ("ESTAB", {w.mapped_client.pid}, w.mapped_client.pid),
    }
    w.local_ports = {("tcp", w.tcp4_port), ("tcp", w.tcp_any_port), ("tcp", w.tcp6_port),
                     ("tcp", w.client_port), ("udp", w.udp6_port), ("tcp", w.dual_port),
                     ("tcp", w.mapped_client_port)}
    return w


def test_dump_matches_ss_on_our_ports(procmap, world):
    ss_rows = [r for r in run_ss()
               if (r["transport"], ss_port(r["local_text"])) in world.local_ports
               and r["state"] in STABLE_STATES]
    rows = [r for r in dump_json(procmap)
            if (r["transport"], r["local"]["port"]) in world.local_ports
            and r["state"] in STABLE_STATES]

    ss_table = {}
    for r in ss_rows:
        key = (r["transport"], parse_ss_endpoint(r["local_text"]),
               parse_ss_endpoint(r["peer_text"]))
        ss_table[key] = (r["state"], r["pids"])
    procmap_table = {}
    for r in rows:
        procmap_table[key_of_procmap_row(r)] = (r["state"], {o["pid"] for o in r["owners"]})

    expected_table = {key: (state, pids) for key, (state, pids, _) in world.expected.items()}
    # The oracle agrees with what the test started (else the test is wrong),
    # and procmap agrees with both, row for row.
    assert ss_table == expected_table
    assert procmap_table == ss_table


def test_dump_owner_details(procmap, world):
    rows = {key_of_procmap_row(r): r for r in dump_json(procmap)}
    ss_names = {}
    for r in run_ss():
        for pid, name in r["names"].items():
            ss_names[pid] = name
    python = os.path.realpath("/proc/%d/exe" % world.tcp4.pid)
    now = time.time()

    for key, (_, pids, chosen) in world.expected.items():
        row = rows[key]
        assert row["owner_count"] == len(pids)
        assert row["owners"][0]["pid"] == chosen, "the earliest started owner comes first"
        assert row["uid"] == os.getuid()
        assert row["inode"] > 0
        for owner in row["owners"]:
            assert owner["name"] == ss_names[owner["pid"]]
            assert owner["exe"] == python
            assert "socket_helper.py" in owner["args"]
            assert owner["uid"] == os.getuid()
            assert owner["cwd"] == os.getcwd()
            # Each child was started by this test a moment ago.
            started = owner["start_time_ns"] / 1e9
            assert now - 600 < started <= now + 1
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", owner["start_time"])
    listener = rows[("tcp", ("127.0.0.1", world.tcp4_port), ("0.0.0.0", 0))]
    assert listener["ipv6_table"] is False
    mapped = rows[("tcp", ("127.0.0.1", world.dual_port), ("127.0.0.1", world.mapped_client_port))]
    assert mapped["ipv6_table"] is True, "an IPv4-mapped socket of tcp6, shown as IPv4"
    assert listener["owners"][0]["ppid"] == os.getpid()
    assert "tcp-listen 127.0.0.1" in listener["owners"][0]["args"]


def test_dump_filters_by_transport(procmap, world):
    tcp_rows = dump_json(procmap, "--tcp")
    udp_rows = dump_json(procmap, "--udp")
    assert tcp_rows and {r["transport"] for r in tcp_rows} == {"tcp"}
    assert udp_rows and {r["transport"] for r in udp_rows} == {"udp"}
    assert any(r["local"]["port"] == world.udp6_port for r in udp_rows)
    assert any(r["local"]["port"] == world.tcp4_port for r in tcp_rows)


def test_dump_table_like_ss(procmap, world, backend):
    result = procmap("dump")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Netid", "State", "Local", "Address:Port", "Peer",
                                "Address:Port", "UID", "Process"]

    def line_of(netid, state, local, peer):
        found = [line for line in lines if line.split()[:4] == [netid, state, local, peer]]
        assert len(found) == 1, (netid, state, local, peer, result.stdout)
        return found[0]

    listener = line_of("tcp", "LISTEN", "127.0.0.1:%d" % world.tcp4_port, "0.0.0.0:*")
    assert listener.split()[4] == "%d(%s)" % (os.getuid(), pwd.getpwuid(os.getuid()).pw_name)
    assert listener.endswith('users:(("python3",pid=%d)) exe=%s' % (
        world.tcp4.pid, os.path.realpath("/proc/%d/exe" % world.tcp4.pid)))
    shared = line_of("tcp", "LISTEN", "0.0.0.0:%d" % world.tcp_any_port, "0.0.0.0:*")
    assert 'users:(("python3",pid=%d),("python3",pid=%d))' % (
        world.tcp_any.pid, world.tcp_any_sharer) in shared
    # A dual-stack "::" is "*" as in ss; procfs cannot tell, so it says [::].
    if backend == "netlink":
        line_of("udp", "UNCONN", "*:%d" % world.udp6_port, "*:*")
    else:
        line_of("udp", "UNCONN", "[::]:%d" % world.udp6_port, "[::]:*")
    line_of("tcp", "LISTEN", "[::1]:%d" % world.tcp6_port, "[::]:*")
    line_of("tcp", "ESTAB", "127.0.0.1:%d" % world.client_port, "127.0.0.1:%d" % world.tcp4_port)
    line_of("tcp", "ESTAB", "127.0.0.1:%d" % world.tcp4_port, "127.0.0.1:%d" % world.client_port)
    # ss alignment: the colon before every local port is in one column,
    # under the one of the header's "Local Address:Port".
    header_colon = lines[0].index("Address:Port") + len("Address")
    local_colons = set()
    for line in lines[1:]:
        rest = line.split(None, 2)[2]
        local_colons.add(len(line) - len(rest) + rest.split()[0].rindex(":"))
    assert local_colons == {header_colon}


def lookup_json(procmap, *args):
    result = procmap("lookup", *args, "--json")
    return result.returncode, json.loads(result.stdout), result


@pytest.mark.parametrize("case", [
    # (transport, local, remote, which child, match)
    ("tcp", "127.0.0.1:{tcp4_port}", None, "tcp4", "exact"),
    ("tcp", "127.0.0.1:{tcp_any_port}", None, "tcp_any", "any-address"),
    ("tcp", "[::1]:{tcp6_port}", None, "tcp6", "exact"),
    ("udp", "[::1]:{udp6_port}", None, "udp6", "any-address"),
    ("udp", "127.0.0.1:{udp6_port}", None, "udp6", "dual-stack"),
    ("tcp", "127.0.0.1:{client_port}", "127.0.0.1:{tcp4_port}", "client", "tuple"),
    ("tcp", "127.0.0.1:{tcp4_port}", "127.0.0.1:{client_port}", "tcp4", "tuple"),
    ("tcp", "[::1]:{dual_port}", None, "dual", "any-address"),
    ("tcp", "127.0.0.1:{dual_port}", "127.0.0.1:{mapped_client_port}", "dual", "tuple"),
    ("tcp", "127.0.0.1:{mapped_client_port}", "127.0.0.1:{dual_port}", "mapped_client",
     "tuple"),
])
def test_lookup_finds_the_owner(procmap, world, case, backend):
    transport, local, remote, child, match = case
    args = [transport, local.format(**vars(world))]
    if remote:
        args.append(remote.format(**vars(world)))
    code, answer, result = lookup_json(procmap, *args)
    assert code == 0, result
    pid = getattr(world, child).pid
    assert answer["found"] is True
    assert answer["reason"] == "found"
    assert answer["process"]["pid"] == pid
    assert answer["match"] == match
    # netlink reads each socket's IPV6_V6ONLY; procfs has to assume it off.
    assumed = match == "dual-stack" and backend == "procfs"
    assert answer["v6only_assumed"] is assumed
    assert answer["owner_count"] == (2 if child == "tcp_any" else 1)

    text = procmap("lookup", *args)
    assert text.returncode == 0, text
    assert "(pid %d, ppid %d)" % (pid, os.getpid()) in text.stdout
    assert "match:" in text.stdout and match in text.stdout
    assert "exe:" in text.stdout and "socket_helper.py" in text.stdout
    assert ("(assumed: v6only unknown)" in text.stdout) is assumed


def closed_port(kind):
    probe = socket.socket(socket.AF_INET, kind)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.mark.parametrize("transport,kind", [("tcp", socket.SOCK_STREAM),
                                            ("udp", socket.SOCK_DGRAM)])
def test_lookup_closed_port(procmap, world, transport, kind):
    endpoint = "127.0.0.1:%d" % closed_port(kind)
    result = procmap("lookup", transport, endpoint)
    assert result.returncode == 1, result
    assert "no socket" in result.stdout
    code, answer, _ = lookup_json(procmap, transport, endpoint)
    assert code == 1
    assert answer["reason"] == "no-socket" and answer["process"] is None


def test_lookup_not_local(procmap, world):
    # TEST-NET-2: a documentation address, not one of this host's.
    code, answer, result = lookup_json(procmap, "tcp", "198.51.100.77:%d" % world.tcp_any_port)
    assert code == 1, result
    assert answer["reason"] == "not-local"
    assert "not a local address" in procmap("lookup", "tcp", "198.51.100.77:1").stdout


def test_lookup_as_unprivileged_user(procmap_bin, world):
    """Another user's socket: the answer says the owner is not readable,
    with one warning telling how to get full answers."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run procmap as another user")
    nobody = pwd.getpwnam("nobody")
    # A copy that "nobody" can reach whatever the build tree's permissions.
    directory = tempfile.mkdtemp(prefix="procmap-cli-")
    try:
        os.chmod(directory, 0o755)
        binary = os.path.join(directory, "procmap")
        shutil.copy(procmap_bin, binary)
        os.chmod(binary, 0o755)

        def drop_privileges():
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)

        result = subprocess.run(
            [binary, "lookup", "tcp", "127.0.0.1:%d" % world.tcp4_port, "--json"],
            preexec_fn=drop_privileges, stdin=subprocess.DEVNULL, capture_output=True,
            encoding="utf-8", timeout=COMMAND_TIMEOUT, cwd="/")
    finally:
        shutil.rmtree(directory)
    assert result.returncode == 1, result
    answer = json.loads(result.stdout)
    assert answer["reason"] == "no-permission"
    assert answer["uid"] == os.getuid() and answer["process"] is None
    warnings = result.stderr.splitlines()
    assert len(warnings) == 1 and warnings[0].startswith("procmap: warning: "), result.stderr
    assert "permission denied" in warnings[0]
