# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures for the `procmap` CLI tests: the binary, and real socket-holding
processes that are always killed (with their forks) at the end of a test."""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "pylib"))

from line_child import LineChild  # noqa: E402

SOCKET_HELPER = os.path.join(HERE, "socket_helper.py")
# Debian's interpreter: always there, whatever python3 is first on PATH.
SYSTEM_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
COMMAND_TIMEOUT = 60


@pytest.fixture(scope="session")
def procmap_bin():
    path = os.environ.get("PROCMAP_BIN")
    if not path:
        pytest.fail("PROCMAP_BIN is not set: run these tests through ctest")
    if not os.access(path, os.X_OK):
        pytest.fail("PROCMAP_BIN=%s is not an executable" % path)
    return path


@pytest.fixture
def procmap(procmap_bin):
    """procmap(*args) -> CompletedProcess (text, never hangs)."""

    def run(*args, timeout=COMMAND_TIMEOUT):
        # Strict UTF-8: procmap promises valid UTF-8 whatever /proc holds.
        result = subprocess.run([procmap_bin, *map(str, args)], stdin=subprocess.DEVNULL,
                                capture_output=True, encoding="utf-8", errors="strict",
                                timeout=timeout)
        # Messages are procmap's own, never GLib's "** (procmap:123): WARNING".
        assert "**" not in result.stderr and "GLib" not in result.stderr, result.stderr
        return result

    return run


class Child(LineChild):
    """A socket_helper.py process, in its own process group."""

    def __init__(self, args):
        self.args = args
        super().__init__([SYSTEM_PYTHON, SOCKET_HELPER, *args],
                         env=dict(os.environ, PROCMAP_TEST_PARENT=str(os.getpid())))


@pytest.fixture(scope="module")
def spawn(request):
    """spawn(role, *args) -> Child; every child (and its forks) is killed
    when the module's tests are done."""
    children = []

    def start(*args):
        child = Child([str(a) for a in args])
        children.append(child)
        return child

    def kill_all():
        for child in children:
            child.kill()

    request.addfinalizer(kill_all)
    return start
