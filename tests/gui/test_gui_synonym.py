# SPDX-License-Identifier: GPL-2.0-or-later
"""process.* in the Wireshark GUI (issue 18): the display filter
process.name == "curl", typed in the filter bar as a user would, turns the
bar green (valid; not yellow, deprecated, nor red, unknown) and, applied,
keeps curl's frames only.  The bar's three colours are set to ones nothing
else on screen has, so counting pixels tells them apart."""
import os
import time

import pytest

from gui_harness import Screenshot
from profile_files import offline_options, read_colorfilters
from scenario_gui import DNS, HAS_PROCESS, NO_SOCKET, SSH, GuiCapture
from test_gui import assert_clean_log, assert_real_window, wait_for_rows
from tshark_output import protocol_rows

BAR = {"valid": (0x12, 0xfe, 0x34), "invalid": (0xfe, 0x12, 0x34),
       "deprecated": (0xfe, 0xfe, 0x12)}
# Pixels of the filter bar's background at least (the bar is about
# 1200 x 25 pixels, less its text and buttons).
BAR_PIXELS = 5000
FILTER = 'process.name == "curl"'


def bar_options():
    args = []
    for state, rgb in BAR.items():
        args += ["-o", "gui.color_filter_bg.%s:%02x%02x%02x" % ((state,) + rgb)]
    return args


def wait_for_bar(xvfb, window, path, timeout=60, settled=4):
    """The colour the filter bar settles on: the same state in @settled
    screenshots in a row, half a second apart; -> (state, shot).  A slow
    Wireshark (the ASan build on a loaded machine) is still working through
    the typed keys when xdotool returns, and a half-typed filter such as
    process.name == "cu is rightly red: only the settled colour counts."""
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        shot = Screenshot(xvfb, window, path)
        states = [state for state, rgb in BAR.items() if shot.count(rgb) >= BAR_PIXELS]
        assert len(states) <= 1, {s: shot.count(rgb) for s, rgb in BAR.items()}
        seen.append(states[0] if states else None)
        if seen[-1] is not None and seen[-settled:] == [seen[-1]] * settled:
            return seen[-1], shot
        if time.monotonic() > deadline:
            raise AssertionError("the filter bar has not settled on one of its colours after"
                                 " %ss (see %s): %s; states seen %s"
                                 % (timeout, path, {s: shot.count(rgb) for s, rgb in BAR.items()},
                                    seen))
        time.sleep(0.5)


def test_filter_bar_green_for_process_name(tshark, wireshark, xvfb, profile_source,
                                           artifact_dir, tmp_path):
    owner = [row[0] for row in protocol_rows(tshark.run("-G", "protocols").stdout)
             if row[2] == "process"]
    if owner != ["Process Attribution (process.* names)"]:
        pytest.skip("the filter name process belongs to %s here (Wireshark 4.6's Falco "
                    "Events): procmap.* only" % owner)
    capture = GuiCapture()
    root, pcap = capture.write(tmp_path)
    curl_frames = [n for n, (src, dst, _) in enumerate(capture.frames, 1) if "curl" in (src, dst)]
    # tshark agrees, with the same profile and preferences, and says nothing.
    result = tshark.run("-C", "procmap", "-r", pcap, *offline_options(root), "-Y", FILTER,
                        "-T", "fields", "-e", "frame.number")
    assert [int(n) for n in result.stdout.split()] == curl_frames
    assert "deprecated" not in result.stderr, result.stderr

    rules = {name: (background, foreground) for name, _, background, foreground
             in read_colorfilters(os.path.join(profile_source, "colorfilters"))}
    wireshark.start("-C", "procmap", "-r", pcap, *offline_options(root), *bar_options())
    window = wireshark.main_window(os.path.basename(pcap))
    # The file is open and dissected: its rows wear the profile's colours.
    wait_for_rows(wireshark, xvfb, window, rules, {DNS: 2},
                  os.path.join(artifact_dir, "procmap-gui-synonym-open.png"))

    # Ctrl+/ goes to the display filter bar; type the filter key by key.
    wireshark.press(window, "ctrl+slash")
    xvfb.xdotool("type", "--delay", 40, FILTER)
    state, shot = wait_for_bar(xvfb, window,
                               os.path.join(artifact_dir, "procmap-gui-synonym-bar.png"))
    assert state == "valid", "the filter bar is %s for %s (see %s)" % (state, FILTER, shot.path)
    assert_real_window(shot, xvfb.size)

    # Applied, only curl's frames are left: no row of another rule.
    wireshark.press(window, "Return")
    deadline = time.monotonic() + 60
    path = os.path.join(artifact_dir, "procmap-gui-synonym-applied.png")
    while True:
        shot = Screenshot(xvfb, window, path)
        others = {rule: shot.count(rules[rule][0]) for rule in (DNS, SSH, NO_SOCKET)}
        if not any(others.values()) and shot.rows(rules[HAS_PROCESS][0]) >= len(curl_frames) - 1:
            break
        if time.monotonic() > deadline:
            raise AssertionError("after applying %s: other rows %s, %d curl rows (see %s)"
                                 % (FILTER, others, shot.rows(rules[HAS_PROCESS][0]), path))
        time.sleep(1)
    # The bar stays green once the filter is applied.
    assert shot.count(BAR["valid"]) >= BAR_PIXELS
    assert shot.count(BAR["deprecated"]) == 0 and shot.count(BAR["invalid"]) == 0
    wireshark.kill()
    assert_clean_log(wireshark.log())
