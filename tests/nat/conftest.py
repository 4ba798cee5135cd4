# SPDX-License-Identifier: GPL-2.0-or-later
"""The NAT tests use the plugin tests' fixtures (tests/epan/conftest.py:
plugin_path, plugin_dirs, tshark, peers) and helpers, and add a topology of
network namespaces with nftables rules (nat_env.py); tshark and peers run
in its "host" namespace."""
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EPAN = os.path.join(HERE, "..", "epan")
sys.path.insert(0, EPAN)
sys.path.insert(0, HERE)

from harness import COMMAND_TIMEOUT, SYSTEM_PYTHON, Tshark  # noqa: E402
from nat_env import NOBODY, Topology, as_nobody, nat_unavailable  # noqa: E402

_spec = importlib.util.spec_from_file_location("epan_conftest", os.path.join(EPAN, "conftest.py"))
_epan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_epan)

plugin_path = _epan.plugin_path
plugin_dirs = _epan.plugin_dirs
tshark = _epan.tshark
peers = _epan.peers

@pytest.fixture(scope="session")
def nat_support():
    reason = nat_unavailable()
    if reason:
        pytest.skip("NAT tests cannot run here: " + reason)


@pytest.fixture
def topology(nat_support):
    topology = Topology()
    yield topology
    topology.delete()


class NetnsTshark(Tshark):
    """The harness's tshark (our plugin, a private mount namespace), in a
    network namespace."""

    def __init__(self, base, netns):
        super().__init__(base.plugin_dir, base.system_dir, base.config_dir)
        self.netns = netns

    def command(self, args):
        return self.netns.wrap(super().command(args))


@pytest.fixture
def host_tshark(tshark, topology):
    runner = NetnsTshark(tshark, topology.host)
    yield runner
    runner.kill_all()


@pytest.fixture
def nat_peer(peers):
    """nat_peer(netns, role, *args, user=None): nat_peers.py in @netns,
    as nobody if @user is "nobody"."""
    script = os.path.join(HERE, "nat_peers.py")

    def start(netns, role, *args, user=None):
        argv = [SYSTEM_PYTHON, script, role, *map(str, args)]
        if user == "nobody":
            argv = as_nobody(*argv)
        return peers.command(*netns.wrap(argv))

    return start


class NobodyTshark:
    """tshark as nobody (no capability: conntrack refuses it), loading a
    world-readable copy of the build-tree plugin from WIRESHARK_PLUGIN_DIR,
    as a non-root tshark does; in a network namespace."""

    def __init__(self, plugin_path, netns):
        self.netns = netns
        self.top = tempfile.mkdtemp(prefix="procmap-nat-nobody-")
        os.chmod(self.top, 0o755)
        for name in ("config", "home"):
            os.mkdir(os.path.join(self.top, name))
            os.chown(os.path.join(self.top, name), NOBODY.pw_uid, NOBODY.pw_gid)
        folders = self.run("-G", "folders").stdout
        base = next(line.split(":", 1)[1].strip() for line in folders.splitlines()
                    if line.startswith("Global Plugins:"))
        assert base.startswith(self.top), folders
        os.makedirs(os.path.join(base, "epan"))
        shutil.copy(plugin_path, os.path.join(base, "epan", "procmap.so"))
        for root, dirs, files in os.walk(self.top):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
            for name in files:
                os.chmod(os.path.join(root, name), 0o644)

    def run(self, *args):
        env = dict(os.environ, WIRESHARK_PLUGIN_DIR=os.path.join(self.top, "plugins"),
                   WIRESHARK_CONFIG_DIR=os.path.join(self.top, "config"),
                   HOME=os.path.join(self.top, "home"), TZ="UTC", LC_ALL="C.UTF-8")
        return subprocess.run(self.netns.wrap(as_nobody("tshark", *args)), env=env,
                              cwd=self.top, stdin=subprocess.DEVNULL, capture_output=True,
                              encoding="utf-8", errors="replace", timeout=COMMAND_TIMEOUT)

    def remove(self):
        shutil.rmtree(self.top)


@pytest.fixture
def nobody_tshark(plugin_path, topology):
    runner = NobodyTshark(plugin_path, topology.host)
    yield runner
    runner.remove()
