# SPDX-License-Identifier: GPL-2.0-or-later
"""A child process that reports on stdout in "KEYWORD VALUE" lines, in its
own process group so that killing it also kills its forks.  Shared by the
CLI and the plugin tests."""
import os
import select
import signal
import subprocess
import time


class LineChild:
    def __init__(self, command, env=None):
        self.command = command
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True, env=env)
        self.pid = self.proc.pid
        self._buffer = b""
        self.lines = []

    def wait_for(self, keyword, timeout=30):
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
                                     % (self.command, keyword, timeout, self._stderr()))
            ready, _, _ = select.select([self.proc.stdout], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                self.proc.wait(timeout=10)
                raise AssertionError("%s exited early (stderr: %s)"
                                     % (self.command, self._stderr()))
            self._buffer += chunk
            *complete, self._buffer = self._buffer.split(b"\n")
            self.lines.extend(line.decode() for line in complete)

    def wait(self, timeout=30):
        """Waits for a successful exit; returns the rest of stdout."""
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("%s did not exit within %ss" % (self.command, timeout)) \
                from None
        assert self.proc.returncode == 0, "%s failed: %s" % (self.command, err.decode())
        return (self._buffer + out).decode()

    def _stderr(self):
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stderr.read().decode(errors="replace").strip()

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)    # the forks too
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        finally:
            self.proc.stdout.close()
            self.proc.stderr.close()
