# SPDX-License-Identifier: GPL-2.0-or-later
"""Wireshark (Qt) under Xvfb with the build-tree plugin, and screenshots of
it as RGB pixels counted by colour.

Like tshark in tests/epan/harness.py, wireshark runs as root in a private
mount namespace where a copy of the stock plugins plus ours is bind-mounted
over the system epan plugin dir (root ignores the personal plugin dirs)."""
import collections
import os
import select
import shutil
import signal
import subprocess
import time

# Programs the GUI test drives; ./run deps installs their packages.
TOOLS = {"wireshark": "wireshark-qt", "Xvfb": "xvfb", "import": "imagemagick",
         "stream": "imagemagick", "xdotool": "xdotool"}


def missing_tools():
    """"program (package)" for each tool that is not installed."""
    return ["%s (%s)" % (tool, package) for tool, package in TOOLS.items()
            if shutil.which(tool) is None]


def run(command, env=None, timeout=60):
    """Runs a helper to completion; its stdout (text), rc 0 asserted."""
    result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, "%s failed: %s" % (command, result.stderr)
    return result.stdout


class Xvfb:
    """A virtual X server on a free display, WIDTHxHEIGHTx24."""

    def __init__(self, width, height):
        self.size = (width, height)
        read_end, write_end = os.pipe()
        # -displayfd: the server picks a free display and writes its number.
        # -noreset: by default the server resets when its last client leaves,
        # and a Wireshark that connects during the reset fails ("could not
        # connect to display"): each test's Wireshark is often the only client.
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "%dx%dx24" % self.size,
             "-nolisten", "tcp", "-noreset"],
            pass_fds=(write_end,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True)
        os.close(write_end)
        number = b""
        deadline = time.monotonic() + 30
        while not number.endswith(b"\n"):
            ready, _, _ = select.select([read_end], [], [], max(0, deadline - time.monotonic()))
            chunk = os.read(read_end, 16) if ready else b""
            if not chunk:
                os.close(read_end)
                self.stop()
                raise AssertionError("Xvfb did not start: %s" % self.proc.stderr.read())
            number += chunk
        os.close(read_end)
        self.display = ":%d" % int(number)

    def env(self):
        return {"DISPLAY": self.display}

    def xdotool(self, *args):
        return run(["xdotool", *map(str, args)], env=dict(os.environ, **self.env()))

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc.stderr.close()


class Wireshark:
    """One wireshark process on @xvfb with its own config dir; stdout and
    stderr go to @log_path."""

    def __init__(self, plugin_dirs, config_dir, xvfb, log_path, extcap_dirs=None):
        """@extcap_dirs, if given: (a dir of extcaps, the system extcap dir
        it is mounted over), like @plugin_dirs (root ignores the personal
        extcap dir too)."""
        self.plugin_dir, self.system_dir = plugin_dirs
        self.config_dir, self.xvfb, self.log_path = str(config_dir), xvfb, str(log_path)
        self.mounts = [self.plugin_dir, self.system_dir] + list(extcap_dirs or ())
        self.proc = None

    def _env(self):
        # Qt wants a private runtime dir; without one it warns and uses /tmp.
        runtime = os.path.join(os.path.dirname(self.config_dir), "xdg-runtime")
        os.makedirs(runtime, mode=0o700, exist_ok=True)
        env = dict(os.environ, WIRESHARK_CONFIG_DIR=self.config_dir, TZ="UTC",
                   LC_ALL="C.UTF-8", XDG_RUNTIME_DIR=runtime, **self.xvfb.env())
        env.pop("WIRESHARK_PLUGIN_DIR", None)
        env.pop("WIRESHARK_EXTCAP_DIR", None)
        return env

    def _command(self, *args):
        """wireshark @args in a private mount namespace with our dirs."""
        binds = " && ".join('mount --bind "$%d" "$%d"' % (i + 1, i + 2)
                            for i in range(0, len(self.mounts), 2))
        return ["unshare", "-m", "--propagation", "private", "sh", "-c",
                '%s && shift %d && exec wireshark "$@"' % (binds, len(self.mounts)), "sh",
                *self.mounts, *map(str, args)]

    def list_interfaces(self, timeout=120):
        """wireshark -D: the capture interfaces it offers, one line each."""
        result = subprocess.run(self._command("-D"), env=self._env(), stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, errors="replace",
                                timeout=timeout)
        assert result.returncode == 0, "wireshark -D failed: %s" % result.stderr
        return result.stdout.splitlines()

    def start(self, *args):
        width, height = self.xvfb.size
        env = self._env()
        command = self._command(*args,
                                # Qt's -geometry (the main window fills the
                                # screen) must come last: Wireshark's first
                                # getopt pass would move its value behind
                                # the other arguments.
                                "-geometry", "%dx%d+0+0" % (width, height))
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()

    def _check_running(self):
        if self.proc.poll() is not None:
            raise AssertionError("wireshark exited (%s): %s" % (self.proc.returncode, self.log()))

    def wait_log(self, text, timeout=60):
        """Waits until the log has a line containing @text."""
        deadline = time.monotonic() + timeout
        while text not in self.log():
            self._check_running()
            if time.monotonic() > deadline:
                raise AssertionError("no %r from wireshark within %ss: %s"
                                     % (text, timeout, self.log()))
            time.sleep(0.2)

    def main_window(self, title, timeout=60):
        """The id of the visible window whose title contains @title."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_running()
            found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title],
                                   env=dict(os.environ, **self.xvfb.env()), text=True,
                                   capture_output=True, timeout=30).stdout.split()
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError("no wireshark window %r within %ss: %s"
                                     % (title, timeout, self.log()))
            time.sleep(0.3)

    def window_geometry(self, window):
        """(x, y, width, height) of @window."""
        text = self.xvfb.xdotool("getwindowgeometry", "--shell", window)
        values = dict(line.split("=", 1) for line in text.split())
        return tuple(int(values[key]) for key in ("X", "Y", "WIDTH", "HEIGHT"))

    def press(self, window, keys, hold_ms=12):
        """Presses @keys ("ctrl+q") in @window as a keyboard would: focus it,
        then type through XTEST, each key held @hold_ms.  Never "xdotool key
        --window": that sends each key press and release to the window by id
        (XSendEvent), and Wireshark 4.6 quits on Ctrl+Q's press and destroys
        the window before the releases are sent (BadWindow).  XTEST events
        name no window, so nothing can vanish under them."""
        self.xvfb.xdotool("windowfocus", "--sync", window)
        self.xvfb.xdotool("key", "--delay", hold_ms, keys)

    def quit(self, window, timeout=30, hold_ms=12):
        """Ctrl+Q, as a user would: Wireshark writes its recent files."""
        self.press(window, "ctrl+q", hold_ms)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("wireshark did not quit on Ctrl+Q: %s" % self.log()) from None

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)    # dumpcap too
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)


# ---- pictures --------------------------------------------------------------

class Screenshot:
    """A PNG of one window and its pixels, counted by colour."""

    def __init__(self, xvfb, window, path):
        env = dict(os.environ, **xvfb.env())
        self.xvfb, self.window, self.path = xvfb, window, str(path)
        # The pointer would highlight the row under it: park it in a corner.
        xvfb.xdotool("mousemove", xvfb.size[0] - 1, xvfb.size[1] - 1)
        run(["import", "-window", window, self.path], env=env)
        width, height = run(["identify", "-format", "%w %h", self.path]).split()
        self.size = (int(width), int(height))
        raw = subprocess.run(["stream", "-map", "rgb", "-storage-type", "char", self.path, "-"],
                             capture_output=True, timeout=60, check=True).stdout
        assert len(raw) == self.size[0] * self.size[1] * 3, "stream gave %d bytes" % len(raw)
        self.raw = raw
        self.colors = collections.Counter(raw[i:i + 3] for i in range(0, len(raw), 3))

    @property
    def pixels(self):
        return self.size[0] * self.size[1]

    def count(self, rgb):
        """Pixels of exactly the 8-bit colour @rgb."""
        return self.colors[bytes(rgb)]

    def bounds(self, rgb):
        """The box (left, top, right, bottom) around every pixel of the
        8-bit colour @rgb, or None when there is none."""
        color, width = bytes(rgb), self.size[0]
        xs, ys = [], []
        start = self.raw.find(color)
        while start >= 0:
            if start % 3 == 0:
                xs.append(start // 3 % width)
                ys.append(start // 3 // width)
                start = self.raw.find(color, start + 3)
            else:
                start = self.raw.find(color, start + 1)
        return (min(xs), min(ys), max(xs), max(ys)) if xs else None

    def rows(self, rgb):
        """Rows of the packet list (or any full-width list) whose background
        is the 8-bit colour @rgb, counted one by one: a row is a band of
        pixel lines mostly of @rgb, with a stripe of text lines in its
        middle and lines of bare background above and below it; so each
        maximal run of text lines on @rgb is one row, even where rows of
        the same colour touch."""
        color, width = bytes(rgb), self.size[0]
        line_bytes = width * 3
        rows, in_text = 0, False
        for y in range(self.size[1]):
            line = self.raw[y * line_bytes:(y + 1) * line_bytes]
            share = 0.0
            if color in line:
                share = sum(1 for x in range(0, line_bytes, 3)
                            if line[x:x + 3] == color) / width
            # On a row's text lines the text hides 15-35 % of the
            # background; a bare line lacks only the scroll bar and the
            # tree lines (< 5 %).
            text_line = 0.5 <= share < 0.95
            rows += text_line and not in_text
            in_text = text_line
        return rows

