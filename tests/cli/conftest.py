# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures for the `procmap` CLI tests: the binary, and real socket-holding
processes that are always killed (with their forks) at the end of a test."""
import os
import select
import signal
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
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


class Child:
    """A socket_helper.py process, in its own process group."""

    def __init__(self, args):
        self.args = args
        self.proc = subprocess.Popen(
            [SYSTEM_PYTHON, SOCKET_HELPER, *args], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            env=dict(os.environ, PROCMAP_TEST_PARENT=str(os.getpid())))
        self.pid = self.proc.pid
        self._buffer = b""
        self.lines = []

    def wait_for(self, keyword, timeout=15):
        """The value after the first unread line "KEYWORD VALUE"."""
        deadline = time.monotonic() + timeout
        while True:
            for i, line in enumerate(self.lines):
                word, _, value = line.partition(" ")
                if word == keyword:
                    del self.lines[i]
                    return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("%s: no %r line within %ss (stderr: %s)"
                                     % (self.args, keyword, timeout, self._stderr()))
            ready, _, _ = select.select([self.proc.stdout], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                raise AssertionError("%s exited early (stderr: %s)"
                                     % (self.args, self._stderr()))
            self._buffer += chunk
            *complete, self._buffer = self._buffer.split(b"\n")
            self.lines.extend(line.decode() for line in complete)

    def _stderr(self):
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stderr.read().decode(errors="replace").strip()

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the forks too
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        finally:
            self.proc.stdout.close()
            self.proc.stderr.close()


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
