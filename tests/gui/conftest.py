# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures for the GUI test: the shipped procmap profile in a private
config dir, the build-tree plugin, an Xvfb, and tshark and wireshark
loading the plugin with that profile."""
import os
import shutil
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "epan"))

from gui_harness import Xvfb, Wireshark, missing_tools  # noqa: E402
from harness import Tshark, system_epan_plugin_dir  # noqa: E402

SCREEN = (1280, 960)


def source_dir():
    return os.environ.get("PROCMAP_SOURCE_DIR") or os.path.join(HERE, "..", "..")


@pytest.fixture(scope="session")
def profile_source():
    """packaging/profiles/procmap: the profile as shipped."""
    path = os.path.join(source_dir(), "packaging", "profiles", "procmap")
    assert os.path.isdir(path), "no profile at %s" % path
    return path


@pytest.fixture(scope="session")
def artifact_dir():
    """<build>/Testing/gui: screenshots and logs kept after the run."""
    build = os.environ.get("PROCMAP_BUILD_DIR")
    if not build:
        pytest.fail("PROCMAP_BUILD_DIR is not set: run these tests through ctest")
    path = os.path.join(build, "Testing", "gui")
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def plugin_dirs(tmp_path_factory):
    """(a dir of the stock epan plugins plus the build-tree procmap.so, the
    system epan dir it is mounted over)."""
    plugin = os.environ.get("PROCMAP_PLUGIN")
    if not plugin or not os.path.isfile(plugin):
        pytest.fail("PROCMAP_PLUGIN=%r is not a built plugin: run through ctest" % plugin)
    if os.geteuid() != 0:
        pytest.fail("wireshark runs in a private mount namespace: run as root")
    system_dir = system_epan_plugin_dir()
    ours = tmp_path_factory.mktemp("epan-plugins")
    for name in os.listdir(system_dir):
        if name.endswith(".so") and name != "procmap.so":
            shutil.copy2(os.path.join(system_dir, name), ours / name)
    shutil.copy2(plugin, ours / "procmap.so")
    os.chmod(ours, 0o755)
    return str(ours), system_dir


@pytest.fixture
def config_dir(tmp_path, profile_source):
    """An empty WIRESHARK_CONFIG_DIR holding only profiles/procmap."""
    path = tmp_path / "wireshark-config"
    shutil.copytree(profile_source, path / "profiles" / "procmap")
    return path


@pytest.fixture
def tshark(plugin_dirs, config_dir):
    runner = Tshark(plugin_dirs[0], plugin_dirs[1], str(config_dir))
    yield runner
    runner.kill_all()


@pytest.fixture(scope="session")
def xvfb():
    missing = missing_tools()
    if missing:
        pytest.skip("the GUI test needs %s: ./run deps installs them" % ", ".join(missing))
    server = Xvfb(*SCREEN)
    yield server
    server.stop()


@pytest.fixture
def wireshark(plugin_dirs, config_dir, xvfb, artifact_dir, request):
    """wireshark.start(*args) on the Xvfb; killed at teardown if still running."""
    log = os.path.join(artifact_dir, "%s.log" % request.node.name)
    gui = Wireshark(plugin_dirs, config_dir, xvfb, log)
    yield gui
    gui.kill()
