# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures for the plugin tests (see harness.py): the plugin, tshark
loading it, and live peers; everything started is killed at teardown."""
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import HERE, SYSTEM_PYTHON, Peer, Tshark, system_epan_plugin_dir  # noqa: E402


@pytest.fixture(scope="session")
def plugin_path():
    path = os.environ.get("PROCMAP_PLUGIN")
    if not path:
        pytest.fail("PROCMAP_PLUGIN is not set: run these tests through ctest")
    if not os.path.isfile(path):
        pytest.fail("PROCMAP_PLUGIN=%s does not exist: build the process target" % path)
    return path


@pytest.fixture(scope="session")
def plugin_dirs(plugin_path, tmp_path_factory):
    """(our plugin dir: stock plugins + procmap.so, the system epan dir)."""
    if os.geteuid() != 0:
        pytest.fail("the plugin tests run tshark in a private mount namespace: run as root")
    system_dir = system_epan_plugin_dir()
    ours = tmp_path_factory.mktemp("epan-plugins")
    for name in os.listdir(system_dir):
        if name.endswith(".so") and name != "procmap.so":
            shutil.copy2(os.path.join(system_dir, name), ours / name)
    shutil.copy2(plugin_path, ours / "procmap.so")
    os.chmod(ours, 0o755)
    return str(ours), system_dir


@pytest.fixture
def tshark(plugin_dirs, tmp_path):
    config_dir = tmp_path / "wireshark-config"
    config_dir.mkdir()
    runner = Tshark(plugin_dirs[0], plugin_dirs[1], str(config_dir))
    yield runner
    runner.kill_all()


@pytest.fixture
def peers():
    """peers(role, *args) starts live_peers.py; peers.command(*argv) any
    program.  All are killed at teardown."""
    started = []

    def start(role, *args):
        peer = Peer([SYSTEM_PYTHON, os.path.join(HERE, "live_peers.py"), role, *map(str, args)])
        started.append(peer)
        return peer

    def command(*argv):
        peer = Peer([str(a) for a in argv])
        started.append(peer)
        return peer

    start.command = command
    yield start
    for peer in started:
        peer.kill()
