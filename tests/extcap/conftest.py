# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures for the extcap tests (see extcap_env.py): the build-tree
procmap-capture and plugin, tshark seeing both, a local web server; all
started processes are killed at teardown."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from extcap_env import HttpServer, Wireshark  # noqa: E402


@pytest.fixture(scope="session")
def extcap_binary():
    path = os.environ.get("PROCMAP_EXTCAP")
    if not path or not os.path.isfile(path):
        pytest.fail("PROCMAP_EXTCAP is not set or missing: run these tests through ctest")
    if os.geteuid() != 0:
        pytest.fail("the extcap tests capture, load eBPF and make namespaces: run as root")
    return path


@pytest.fixture(scope="session")
def plugin_path():
    path = os.environ.get("PROCMAP_PLUGIN")
    if not path or not os.path.isfile(path):
        pytest.fail("PROCMAP_PLUGIN is not set or missing: build the plugin (ctest sets it)")
    return path


@pytest.fixture(scope="session")
def wireshark(extcap_binary, plugin_path, tmp_path_factory):
    return Wireshark(plugin_path, extcap_binary, str(tmp_path_factory.mktemp("wireshark")))


@pytest.fixture(scope="session")
def ebpf_loads(extcap_binary):
    """Whether eBPF works for this process here (the config says so)."""
    out = subprocess.run([extcap_binary, "--extcap-interface", "procmap-lo", "--extcap-config"],
                         capture_output=True, text=True, timeout=60).stdout
    return "(now: eBPF)" in out


@pytest.fixture
def need_ebpf(ebpf_loads):
    if not ebpf_loads:
        pytest.skip("eBPF does not load on this machine (see --extcap-config)")


@pytest.fixture
def server():
    web = HttpServer()
    yield web
    web.stop()


@pytest.fixture
def started():
    """Things with a kill() or stop(), cleaned up at teardown."""
    things = []
    yield things
    for thing in reversed(things):
        try:
            thing.kill() if hasattr(thing, "kill") else thing.stop()
        except Exception:       # teardown must reach every other one
            pass
