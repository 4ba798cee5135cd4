# SPDX-License-Identifier: GPL-2.0-or-later
"""procmap-capture, the extcap, in the real Wireshark (Qt, under Xvfb), as
a user meets it: the "procmap-<interface>" entries in Wireshark's interface
list, then a live capture on procmap-lo with the procmap profile while
one-shot curls fetch from a local web server, saved with -w.

Wireshark finds the build-tree extcap in the system extcap dir, over which
a copy of the stock extcaps plus ours is bind-mounted in a private mount
namespace (root ignores the personal extcap dir), like the plugin dir.

The live view: the display filter keeps the first and last frames of each
connection (SYN, SYN/ACK, the two FINs) that the GUI attributed to curl on
curl's end and to the server (python3) on the other; the profile colours
them; the test counts the coloured rows one by one in a screenshot, and
they must be all of them: 4 per curl.  The saved file, read back by tshark
with live lookups off (every curl and the server long gone), must name the
right pid on both ends of every frame, and the same display filter must
keep the same 4 frames per curl.

Without eBPF the extcap falls back to netlink polling, which cannot see a
socket that lives a few milliseconds (tests/extcap/RESULTS.md: 0 % of
one-shot curls): the test then checks the interface list, the capture and
the server's end of every frame in the GUI and in the file, and reports
the curls' end as skipped.  The screenshot is kept in Testing/gui/."""
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "extcap"))

from extcap_env import HttpServer, one_shot_curl  # noqa: E402
from extcap_env import Wireshark as ExtcapSetup  # noqa: E402
from gui_harness import Screenshot, Wireshark  # noqa: E402
from profile_files import read_colorfilters  # noqa: E402
from scenario_gui import HAS_PROCESS  # noqa: E402
from test_gui import assert_clean_log, assert_real_window, wait_for_rows  # noqa: E402

CURLS = 10
# The connection's ends a row stands for: SYN, SYN/ACK, one FIN each way.
ROWS_PER_CURL = 4
# Qt's default (Fusion) highlight: the row Wireshark selects by itself
# (the first one) wears it instead of its colouring rule.
QT_SELECTION = (48, 140, 198)
# The packet list gets most of the window, so that every row fits on it.
RECENT = "gui.geometry_main_upper_pane: 740\n"
FIELDS = ["frame.number", "tcp.srcport", "tcp.dstport", "procmap.src.pid", "procmap.dst.pid",
          "procmap.src.name", "procmap.dst.name", "procmap.src.source", "procmap.dst.source"]
INTERFACE_LINE = re.compile(r"^\d+\. (procmap-\S+)")


def ebpf_loads(extcap):
    """Whether eBPF works for the extcap here, as tests/extcap/conftest.py
    asks: its config names the source it would use now."""
    out = subprocess.run([extcap, "--extcap-interface", "procmap-lo", "--extcap-config"],
                         capture_output=True, text=True, timeout=60).stdout
    return "(now: eBPF)" in out


@pytest.fixture(scope="module")
def extcap_path():
    path = os.environ.get("PROCMAP_EXTCAP")
    if not path or not os.path.isfile(path):
        pytest.fail("PROCMAP_EXTCAP=%r is not a built extcap: run through ctest" % path)
    return path


@pytest.fixture(scope="module")
def setup(extcap_path, tmp_path_factory):
    """The stock extcaps plus ours in one dir (and tshark seeing them)."""
    return ExtcapSetup(os.environ.get("PROCMAP_PLUGIN"), extcap_path,
                       str(tmp_path_factory.mktemp("extcap-setup")))


def gui_with_extcaps(plugin_dirs, config_dir, xvfb, log, extcap_dir, system_extcap):
    return Wireshark(plugin_dirs, config_dir, xvfb, log, extcap_dirs=(extcap_dir, system_extcap))


@pytest.fixture
def gui(plugin_dirs, config_dir, xvfb, artifact_dir, setup, request):
    """wireshark seeing the build-tree plugin and extcap; killed at teardown."""
    log = os.path.join(artifact_dir, "%s.log" % request.node.name)
    wireshark = gui_with_extcaps(plugin_dirs, config_dir, xvfb, log, setup.extcap,
                                 setup.system_extcap)
    yield wireshark
    wireshark.kill()


def extcap_interfaces(extcap):
    """The interfaces procmap-capture offers, asked directly."""
    out = subprocess.run([extcap, "--extcap-interfaces"], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    return re.findall(r"^interface \{value=([^}]*)\}", out, re.M)


def test_gui_lists_procmap_interfaces(gui, setup, extcap_path, plugin_dirs, config_dir, xvfb,
                                      tmp_path):
    # Interfaces may come and go while Wireshark lists them (another
    # program's veth or bridge): what the extcap offered both before and
    # after must be listed, and nothing it offered at neither time.
    before = set(extcap_interfaces(extcap_path))
    listed = [m.group(1) for m in map(INTERFACE_LINE.match, gui.list_interfaces()) if m]
    after = set(extcap_interfaces(extcap_path))
    assert {"procmap-lo", "procmap-any"} <= before & after, (before, after)
    assert before & after <= set(listed), (listed, before, after)
    assert set(listed) <= before | after, (listed, before, after)
    assert len(listed) == len(set(listed)), listed

    # The control: the same Wireshark with the stock extcaps alone lists
    # none, so the entries above come from the build-tree extcap.
    stock = tmp_path / "stock-extcap"
    stock.mkdir(mode=0o755)
    for name in os.listdir(setup.extcap):
        if name != "procmap-capture":
            shutil.copy2(os.path.join(setup.extcap, name), stock / name)
    bare = gui_with_extcaps(plugin_dirs, config_dir, xvfb, str(tmp_path / "unused.log"),
                            str(stock), setup.system_extcap)
    lines = bare.list_interfaces()
    assert any(line.endswith(". lo (Loopback)") for line in lines), lines
    assert not [line for line in lines if "procmap" in line], lines


def display_filter(port, curls_seen):
    """The first and last frames of each connection to @port whose ends the
    GUI names: curl <-> python3 (the server) when @curls_seen, else only
    the server's end."""
    ends = ('(procmap.src.name == "curl" && procmap.dst.name == "python3")'
            ' || (procmap.src.name == "python3" && procmap.dst.name == "curl")'
            if curls_seen else 'procmap.name == "python3"')
    return "tcp.port == %d && (tcp.flags.syn == 1 || tcp.flags.fin == 1) && (%s)" % (port, ends)


def wait_for_all_rows(wireshark, xvfb, window, background, expected, path, timeout=90):
    """Screenshots @window until the packet list has exactly @expected rows
    coloured @background (or selected); the last screenshot is kept."""
    deadline = time.monotonic() + timeout
    while True:
        shot = Screenshot(xvfb, window, path)
        coloured, selected = shot.rows(background), shot.rows(QT_SELECTION)
        if coloured + selected == expected and selected <= 1:
            return shot
        if time.monotonic() > deadline:
            raise AssertionError("%d coloured and %d selected rows, want %d in all (see %s): %s"
                                 % (coloured, selected, expected, path, wireshark.log()))
        time.sleep(1)


def stop_then_all_rows(wireshark, xvfb, window, background, expected, path, capture,
                       timeout=90):
    """Capture > Stop (Ctrl+E), then wait_for_all_rows(): a live view of
    procmap-capture runs one record behind per process record until the
    capture stops (test_gui_captures_one_shot_curls says why)."""
    wireshark.press(window, "ctrl+e")
    wireshark.wait_log("Capture stopped", timeout=60)
    assert os.path.getsize(capture) > 0
    return wait_for_all_rows(wireshark, xvfb, window, background, expected, path,
                             timeout=timeout)


def stop_and_quit(wireshark, xvfb, window, capture, timeout=60):
    """Capture > Stop (Ctrl+E) as a user would, then Ctrl+Q once the file is
    complete: Wireshark says "Capture stopped" when dumpcap has exited."""
    wireshark.press(window, "ctrl+e")
    wireshark.wait_log("Capture stopped", timeout=timeout)
    assert os.path.getsize(capture) > 0
    wireshark.quit(window)


def test_gui_captures_one_shot_curls(gui, xvfb, setup, extcap_path, config_dir, profile_source,
                                     artifact_dir, tmp_path):
    curls_seen = ebpf_loads(extcap_path)
    background = {name: bg for name, _, bg, _ in
                  read_colorfilters(os.path.join(profile_source, "colorfilters"))}[HAS_PROCESS]
    with open(os.path.join(str(config_dir), "profiles", "procmap", "recent"), "w") as recent:
        recent.write(RECENT)
    server = HttpServer()
    try:
        capture = str(tmp_path / "procmap-gui-extcap.pcapng")
        shown = display_filter(server.port, curls_seen)
        gui.start("-C", "procmap", "-k", "-i", "procmap-lo", "-f", "tcp port %d" % server.port,
                  "-Y", shown, "-w", capture)
        window = gui.main_window("Capturing from")
        gui.wait_log("Capture started")
        time.sleep(1)       # a margin: the extcap's event source is up
        curls = [one_shot_curl("http://127.0.0.1:%d/c%d" % (server.port, i))
                 for i in range(CURLS)]
        for pid, _ in curls:
            assert not os.path.exists("/proc/%d" % pid), "curl %d still runs" % pid

        # Live: the rows arrive (the pixel count of test_gui).  Wireshark
        # 4.x reads as many records as dumpcap counted packets, and dumpcap
        # does not count the process records (custom blocks): the live view
        # runs one record behind per process recorded, here the last
        # curl's packets, until more traffic comes or the capture stops
        # (docs/capture-comments.md).  Stopped, every row is there,
        # counted one by one.
        path = os.path.join(artifact_dir, "procmap-gui-extcap.png")
        expected = CURLS * ROWS_PER_CURL
        wait_for_rows(gui, xvfb, window, {HAS_PROCESS: (background,)},
                      {HAS_PROCESS: expected // 2}, path)
        shot = stop_then_all_rows(gui, xvfb, window, background, expected, path, capture)
        assert_real_window(shot, xvfb.size)
        gui.quit(window)
        assert_clean_log(gui.log())
        server_pid = server.pid
    finally:
        server.stop()

    # Saved: read back with no live lookup, every process gone.
    frames = setup.fields(capture, FIELDS)
    by_port = {port: pid for pid, port in curls}
    assert len(frames) >= 9 * CURLS, "%d frames" % len(frames)   # handshake, HTTP, close
    curl_right = 0
    for frame in frames:
        src, dst = int(frame["tcp.srcport"]), int(frame["tcp.dstport"])
        assert (src in by_port) != (dst in by_port), frame     # curl on one end only
        curl_end, server_end = ("src", "dst") if src in by_port else ("dst", "src")
        assert frame["procmap.%s.pid" % server_end] == str(server_pid), frame
        assert frame["procmap.%s.name" % server_end] == "python3", frame
        assert frame["procmap.%s.source" % server_end] == "procmap-capture", frame
        curl_right += frame["procmap.%s.pid" % curl_end] == str(by_port[src if src in by_port
                                                                           else dst])
    # The processes are records, not comments: the status bar counts none.
    assert setup.fields(capture, ["frame.number"], "-Y", "frame.comment") == []
    kept = setup.fields(capture, ["frame.number"], "-Y", shown)
    assert len(kept) == expected, "the file's frames the live view showed: %d" % len(kept)
    if not curls_seen:
        pytest.skip("eBPF does not load here: the netlink fallback cannot see one-shot curls"
                    " (%d/%d curl ends named); checked the server's end only"
                    % (curl_right, len(frames)))
    assert curl_right == len(frames), "%d/%d frames name curl's pid" % (curl_right, len(frames))


# Wireshark's colours for a filter field (prefs gui.text_valid and
# gui.text_invalid, the defaults of 4.0 to 4.6).
FILTER_VALID = (0xAF, 0xFF, 0xAF)
FILTER_INVALID = (0xFF, 0xAF, 0xAF)


# The green bookmark button at the left end of the welcome page's capture
# filter field ("...using this filter:"); the display filter bar's is blue.
# The field sits 16 pixels higher on 4.4 than on 4.0, and further left on
# 4.6: it is found, not assumed.
CAPTURE_FILTER_BOOKMARK = (0x8A, 0xE2, 0x34)


def capture_filter_field(xvfb, window, path):
    """A point inside the welcome page's capture filter field, 300 pixels
    right of its bookmark button."""
    box = Screenshot(xvfb, window, path).bounds(CAPTURE_FILTER_BOOKMARK)
    assert box is not None, "no capture filter field on the welcome page (see %s)" % path
    left, top, right, bottom = box
    assert right - left < 20 and bottom - top < 20, "bookmark button %s (see %s)" % (box, path)
    return right + 300, (top + bottom) // 2


def filter_field_colour(gui, xvfb, window, path, timeout=60, settled=4):
    """The colour the welcome page's capture filter field settles on (the
    same in @settled screenshots in a row, a second apart: a half-typed
    filter is judged too), from screenshots: green, red, or None."""
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        shot = Screenshot(xvfb, window, path)
        valid, invalid = shot.count(FILTER_VALID), shot.count(FILTER_INVALID)
        # The field is a few thousand pixels; one colour, not both.
        verdict = ("green" if valid > 1000 and invalid < 50 else
                   "red" if invalid > 1000 and valid < 50 else None)
        seen.append(verdict)
        if verdict is not None and seen[-settled:] == [verdict] * settled:
            return verdict
        if time.monotonic() > deadline:
            return None
        time.sleep(1)


# The selected row of the welcome page's interface list (Qt's highlight).
SELECTED_ROW = (0x30, 0x8C, 0xC6)


def wait_for_selected_interface(xvfb, window, path, timeout=120):
    """Until the welcome page shows one selected interface row (-i's)."""
    deadline = time.monotonic() + timeout
    while Screenshot(xvfb, window, path).rows(SELECTED_ROW) < 1:
        assert time.monotonic() < deadline, "no interface selected (see %s)" % path
        time.sleep(0.5)
    time.sleep(1)       # the page settles after the list is filled


@pytest.mark.parametrize("capture_filter, colour", [("tcp port 80", "green"),
                                                    ("tcp port eighty", "red")])
def test_gui_checks_a_capture_filter_on_procmap_lo(gui, xvfb, artifact_dir, capture_filter,
                                                   colour):
    """The capture filter field of the welcome page, with procmap-lo
    selected: Wireshark asks the extcap (--extcap-capture-filter) and paints
    the field green or red by its answer.  Before issue 16 the extcap
    exited 2 and the field stayed without a verdict."""
    # -i selects procmap-lo in the welcome page's interface list.
    gui.start("-i", "procmap-lo")
    window = gui.main_window("Wireshark")
    assert xvfb.size == (1280, 960), xvfb.size
    # Typed before the interface list is filled and procmap-lo selected,
    # the keys are lost (seen with the ASan build on a loaded machine: the
    # field stayed empty); so first the selected row, then the click.
    welcome = os.path.join(artifact_dir, "procmap-gui-welcome.png")
    wait_for_selected_interface(xvfb, window, welcome)
    # A user's click into the field, then typing.
    field = capture_filter_field(xvfb, window, welcome)
    xvfb.xdotool("mousemove", "--window", window, *field, "click", "1")
    xvfb.xdotool("type", "--delay", "30", capture_filter)
    path = os.path.join(artifact_dir, "procmap-gui-capture-filter-%s.png" % colour)
    found = filter_field_colour(gui, xvfb, window, path)
    log = gui.log()
    gui.kill()
    assert found == colour, "the field is %s, want %s (see %s): %s" % (found, colour, path, log)
    assert_clean_log(log)
