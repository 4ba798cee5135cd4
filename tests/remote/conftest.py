# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures of the remote capture tests: the plugin tests' (tests/epan:
plugin_path, plugin_dirs) and the two hosts of standin.py; tshark runs on
the laptop, with the laptop user's ~/.ssh, and its peers on either host."""
import importlib.util
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EPAN = os.path.join(HERE, "..", "epan")
sys.path.insert(0, EPAN)
sys.path.insert(0, HERE)

from harness import SYSTEM_PYTHON, Peer, Tshark  # noqa: E402
from standin import Hosts, standin_unavailable, user_home  # noqa: E402

_spec = importlib.util.spec_from_file_location("epan_conftest", os.path.join(EPAN, "conftest.py"))
_epan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_epan)

plugin_path = _epan.plugin_path
plugin_dirs = _epan.plugin_dirs

PEERS = os.path.join(HERE, "remote_peers.py")


@pytest.fixture(scope="session")
def standin_support():
    reason = standin_unavailable()
    if reason:
        pytest.skip("the remote capture tests cannot run here: " + reason)


@pytest.fixture
def hosts(standin_support, tmp_path):
    made = Hosts(tmp_path / "hosts")
    yield made
    made.delete()


class LaptopTshark(Tshark):
    """The harness's tshark (our plugin through a private mount namespace),
    on the laptop: its network namespace, and the laptop user's home (where
    sshdump's libssh reads ~/.ssh) bind-mounted over this user's."""

    def __init__(self, base, hosts):
        super().__init__(base.plugin_dir, base.system_dir, base.config_dir)
        self.hosts = hosts

    def command(self, args):
        return self.hosts.on_laptop(
            "unshare", "-m", "--propagation", "private", "sh", "-c",
            'mount --bind "$1" "$2" && mount --bind "$3" "$4" && shift 4 && exec tshark "$@"',
            "sh", self.plugin_dir, self.system_dir, self.hosts.home, user_home(), *args)


@pytest.fixture
def tshark(plugin_dirs, tmp_path, hosts):
    config_dir = tmp_path / "wireshark-config"
    config_dir.mkdir()
    runner = LaptopTshark(Tshark(plugin_dirs[0], plugin_dirs[1], str(config_dir)), hosts)
    yield runner
    runner.kill_all()


@pytest.fixture
def peers(hosts):
    """peers.laptop(role, *args), peers.remote(role, *args): remote_peers.py
    on either host; each answers wait_for("pid") with the pid its own host
    sees.  All are killed at teardown (the stand-in's with it anyway)."""
    started = []

    class Peers:
        @staticmethod
        def laptop(role, *args):
            return start(hosts.on_laptop(SYSTEM_PYTHON, PEERS, role, *args))

        @staticmethod
        def remote(role, *args):
            return start(hosts.on_remote(SYSTEM_PYTHON, PEERS, role, *args))

        @staticmethod
        def command(argv):
            return start(argv)

    def start(argv):
        peer = Peer([str(a) for a in argv])
        started.append(peer)
        return peer

    yield Peers
    for peer in started:
        peer.kill()
