# SPDX-License-Identifier: GPL-2.0-or-later
"""tshark as an ordinary user (nobody) with the plugin, on a recent capture
of real loopback flows dissected against the real /proc: the user's own
processes are fully attributed; root's sockets carry their uid and user and
the reason no-permission; exactly one log line says how to get full
answers, however many frames and refreshes meet root's sockets.

A non-root tshark honours WIRESHARK_PLUGIN_DIR (it loads
$WIRESHARK_PLUGIN_DIR/<major.minor>/epan/*.so), so it loads a world-readable
copy of the build-tree plugin; no mount namespace."""
import os
import pwd
import shutil
import subprocess
import tempfile

import pytest

from harness import COMMAND_TIMEOUT, HERE as EPAN, SYSTEM_PYTHON, fields_args, parse_fields
from pcapgen import Pcap, recent, tcp_packet
from tshark_output import expert_rows

NOBODY = pwd.getpwnam("nobody")
LOOP4 = "127.0.0.1"
SIDE = ("pid", "name", "exe", "args", "cwd", "uid", "user", "reason")
FIELDS = ["frame.number"] + ["procmap.%s.%s" % (s, f) for s in ("src", "dst") for f in SIDE]
ROUNDS = 50     # every round: each flow once more, a refresh for each miss
HINT = "cap_sys_ptrace,cap_dac_read_search"
NO_PERMISSION = ("No permission to see the socket's owner: capture through the procmap "
                 "interfaces, or give the reading program cap_sys_ptrace,cap_dac_read_search")


@pytest.fixture
def sandbox(plugin_path):
    """A directory nobody can use: plugins/epan/procmap.so, config, home."""
    if os.geteuid() != 0:
        pytest.fail("needs root to start processes as nobody and as root")
    top = tempfile.mkdtemp(prefix="procmap-unprivileged-")
    os.chmod(top, 0o755)
    for name in ("config", "home"):
        os.mkdir(os.path.join(top, name))
        os.chown(os.path.join(top, name), NOBODY.pw_uid, NOBODY.pw_gid)
    # WIRESHARK_PLUGIN_DIR/<major.minor>/epan: ask tshark where exactly.
    folders = nobody_tshark(top, "-G", "folders").stdout
    base = next(line.split(":", 1)[1].strip() for line in folders.splitlines()
                if line.startswith("Global Plugins:"))
    assert base.startswith(top), folders
    os.makedirs(os.path.join(base, "epan"))
    shutil.copy(plugin_path, os.path.join(base, "epan", "procmap.so"))
    for root, dirs, files in os.walk(top):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    yield top
    shutil.rmtree(top)


def as_nobody(*argv):
    return ["setpriv", "--reuid=%d" % NOBODY.pw_uid, "--regid=%d" % NOBODY.pw_gid,
            "--clear-groups", *map(str, argv)]


def nobody_tshark(sandbox, *args):
    env = dict(os.environ, WIRESHARK_PLUGIN_DIR=os.path.join(sandbox, "plugins"),
               WIRESHARK_CONFIG_DIR=os.path.join(sandbox, "config"),
               HOME=os.path.join(sandbox, "home"), TZ="UTC", LC_ALL="C.UTF-8")
    return subprocess.run(as_nobody("tshark", *args), env=env, cwd=sandbox,
                          stdin=subprocess.DEVNULL, capture_output=True, encoding="utf-8",
                          errors="replace", timeout=COMMAND_TIMEOUT)


@pytest.fixture
def flows(peers):
    """Echo servers and clients, as nobody and as root, still running:
    (nobody's flow, root's flow, nobody's client to root's server); each a
    (client port, server port, client pid, server pid)."""
    script = os.path.join(EPAN, "live_peers.py")

    def start(user_is_nobody, role, *args):
        argv = [SYSTEM_PYTHON, script, role, *args]
        return peers.command(*(as_nobody(*argv) if user_is_nobody else argv))

    own_server = start(True, "tcp-echo", LOOP4)
    root_server = start(False, "tcp-echo", LOOP4)
    own_port, root_port = int(own_server.wait_for("port")), int(root_server.wait_for("port"))
    result = []
    for client_is_nobody, server, port in ((True, own_server, own_port),
                                           (False, root_server, root_port),
                                           (True, root_server, root_port)):
        client = start(client_is_nobody, "tcp-client", LOOP4, port, 1000, 0.2)
        result.append((int(client.wait_for("local")), port, client.pid, server.pid))
    return result


def capture(path, flows):
    pcap = Pcap()
    start = recent(-2)
    for r in range(ROUNDS):
        for i, (client_port, server_port, _, _) in enumerate(flows):
            pcap.add(tcp_packet(LOOP4, client_port, LOOP4, server_port, "PA", 1 + r, 1,
                                b"message"), start + r * 0.01 + i * 0.001)
    return pcap.write(path)


def side(row, name):
    return {f: row["procmap.%s.%s" % (name, f)] for f in SIDE}


def assert_own(values, pid):
    assert values["pid"] == str(pid) and values["reason"] == "", values
    assert values["name"] == "python3" and values["exe"].startswith("/usr/bin/python3"), values
    assert "live_peers.py" in values["args"] and values["cwd"], values
    assert (values["uid"], values["user"]) == (str(NOBODY.pw_uid), NOBODY.pw_name), values


def assert_roots(values):
    assert values == dict(pid="", name="", exe="", args="", cwd="", uid="0", user="root",
                          reason="no-permission"), values


def test_plugin_loads_from_the_user_plugin_dir(sandbox):
    result = nobody_tshark(sandbox, "-G", "plugins")
    assert result.returncode == 0, result.stderr
    loaded = [line.split("\t")[-1] for line in result.stdout.splitlines()
              if line.startswith("procmap.so")]
    assert len(loaded) == 1 and loaded[0].startswith(sandbox + "/plugins/"), result.stdout


def test_own_processes_attributed_others_no_permission(sandbox, flows):
    pcap = capture(os.path.join(sandbox, "flows.pcap"), flows)
    os.chmod(pcap, 0o644)
    result = nobody_tshark(sandbox, "-r", pcap, "-o", "procmap.live_lookups:always",
                           "-o", "procmap.capture_host:this-host",
                           "-o", "procmap.min_refresh_interval:0", *fields_args(FIELDS))
    assert result.returncode == 0, result.stderr
    rows = parse_fields(result.stdout, FIELDS)
    assert len(rows) == ROUNDS * len(flows)
    (own_client, _, own_client_pid, own_server_pid), _, (_, _, cross_client_pid, _) = flows
    for number, row in enumerate(rows):
        flow = number % len(flows)
        if flow == 0:           # nobody -> nobody
            assert_own(side(row, "src"), own_client_pid)
            assert_own(side(row, "dst"), own_server_pid)
        elif flow == 1:         # root -> root
            assert_roots(side(row, "src"))
            assert_roots(side(row, "dst"))
        else:                   # nobody -> root
            assert_own(side(row, "src"), cross_client_pid)
            assert_roots(side(row, "dst"))

    # One line, however many frames and refreshes: how to get full answers.
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert HINT in lines[0] and "procmap" in lines[0], lines


def test_no_permission_in_expert_info(sandbox, flows):
    """Each end without permission is an Expert Info note (one per side of
    a frame), under the side's reason in the tree; the user's own ends add
    none."""
    pcap = capture(os.path.join(sandbox, "flows.pcap"), flows)
    os.chmod(pcap, 0o644)
    options = ["-o", "procmap.live_lookups:always", "-o", "procmap.capture_host:this-host",
               "-o", "procmap.min_refresh_interval:0"]
    result = nobody_tshark(sandbox, "-r", pcap, "-q", "-z", "expert", *options)
    assert result.returncode == 0, result.stderr
    # root -> root: both sides; nobody -> root: the destination.
    assert expert_rows(result.stdout) == [("Notes", ROUNDS * 3, "Undecoded", NO_PERMISSION)]
    result = nobody_tshark(sandbox, "-r", pcap, "-Y", "procmap.no_permission", "-T", "fields",
                           "-e", "frame.number", *options)
    assert [int(n) for n in result.stdout.split()] == [
        number + 1 for number in range(ROUNDS * len(flows)) if number % len(flows) != 0]
    details = nobody_tshark(sandbox, "-r", pcap, "-V", "-O", "procmap", "-c", "2",
                            *options).stdout
    assert ("[Destination unattributed reason: no-permission (no permission to see the "
            "socket's owner)]\n            [Expert Info (Note/Undecoded): " + NO_PERMISSION
            in details), details
