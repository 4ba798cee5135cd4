# SPDX-License-Identifier: GPL-2.0-or-later
"""The shipped Wireshark profile "procmap" in tshark and in the real
Wireshark GUI (Qt, under Xvfb), with the build-tree plugin.

tshark with the profile prints its columns (-T psml): the process columns
must hold the expected names, frame by frame, and each frame must get the
expected coloring rule.  The GUI opens the same capture with the same
profile and -o preferences; without OCR, the test reads what it can from
pixels and files: the rows wear the profile's procmap colours (which exist
only if the GUI's own dissection attributed the frames), the stock TCP/UDP
colours are gone, the screenshot is a real window of the asked size, and
the recent file Wireshark writes when it quits lists the profile's columns.
Screenshots are kept in <build>/Testing/gui/."""
import os
import shutil
import time

from gui_harness import Screenshot
from harness import SYSTEM_PYTHON, Peer
from profile_files import (offline_options, profile_columns, psml, read_colorfilters,
                           read_filter_buttons, read_recent_columns)
from scenario_gui import DNS, HAS_PROCESS, NO_SOCKET, SSH, GuiCapture

STANDARD_COLUMNS = ["No.", "Time", "Source", "Destination", "Protocol", "Length", "Info"]
PROCESS_COLUMNS = ["Src process", "Dst process"]
# Pixels a packet-list row of one colour covers at least (a row is about
# 1200 x 17 pixels, less its text; the scroll bar's map adds a little).
ROW_PIXELS = 8000
EPAN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "epan")


def assert_profile_in_tshark(tshark, capture, root, pcap):
    """The profile's visible columns, their values, and its coloring rules."""
    titles, packets = psml(tshark, pcap, *offline_options(root))
    assert titles == STANDARD_COLUMNS[:6] + PROCESS_COLUMNS + ["Info"]
    assert len(packets) == len(capture.frames)
    src, dst = titles.index("Src process"), titles.index("Dst process")
    for number, (packet, (src_name, dst_name, _)) in enumerate(zip(packets, capture.frames), 1):
        assert (packet[src], packet[dst]) == (src_name, dst_name), "frame %d" % number

    result = tshark.run("-C", "procmap", "-r", pcap, *offline_options(root), "--color",
                        "-T", "fields", "-e", "frame.coloring_rule.name")
    assert "Could not compile" not in result.stderr, result.stderr
    assert result.stdout.splitlines() == [rule for _, _, rule in capture.frames]


def test_profile_columns_and_colors_in_tshark(tshark, tmp_path):
    capture = GuiCapture()
    root, pcap = capture.write(tmp_path)
    assert_profile_in_tshark(tshark, capture, root, pcap)


def test_filter_buttons_select_their_frames(tshark, profile_source, tmp_path):
    """Each button of dfilter_buttons is a filter that compiles and picks
    the frames its label promises."""
    capture = GuiCapture()
    root, pcap = capture.write(tmp_path)
    promised = {
        "Has process": [n for n, (src, dst, _) in enumerate(capture.frames, 1) if src or dst],
        "Unattributed": capture.no_socket,
    }
    buttons = read_filter_buttons(os.path.join(profile_source, "dfilter_buttons"))
    assert [label for _, label, _, _ in buttons] == list(promised)
    for enabled, label, expression, comment in buttons:
        assert enabled and comment, label
        result = tshark.run("-C", "procmap", "-r", pcap, *offline_options(root),
                            "-Y", expression, "-T", "fields", "-e", "frame.number")
        assert [int(n) for n in result.stdout.split()] == promised[label], label


def test_gui_shows_the_profile(tshark, wireshark, xvfb, config_dir, profile_source,
                               artifact_dir, tmp_path):
    capture = GuiCapture()
    root, pcap = capture.write(tmp_path)
    # What the GUI's Process columns must show, told by tshark with the
    # same profile and preferences.
    assert_profile_in_tshark(tshark, capture, root, pcap)

    rules = {name: (background, foreground) for name, _, background, foreground
             in read_colorfilters(os.path.join(profile_source, "colorfilters"))}
    expected_rows = {rule: sum(1 for *_, r in capture.frames if r == rule)
                     for rule in (HAS_PROCESS, SSH, DNS, NO_SOCKET)}
    expected_rows[HAS_PROCESS] -= 1     # frame 1 is selected: the selection colour

    wireshark.start("-C", "procmap", "-r", pcap, *offline_options(root))
    window = wireshark.main_window(os.path.basename(pcap))
    shot = wait_for_rows(wireshark, xvfb, window, rules, expected_rows,
                         os.path.join(artifact_dir, "procmap-gui.png"))

    assert wireshark.window_geometry(window) == (0, 0) + xvfb.size
    assert_real_window(shot, xvfb.size)
    # Without the plugin every one of these frames would wear a stock colour.
    for stock in ("TCP", "UDP", "HTTP"):
        assert shot.count(rules[stock][0]) == 0, "a row is coloured %s" % stock

    # Ctrl+Q held for a second: Wireshark quits on the press and is gone
    # before the keys are released, every run (the race that made this
    # test fail on 4.6 when keys were sent to the window by id).
    wireshark.quit(window, hold_ms=1000)
    recent = os.path.join(str(config_dir), "profiles", "procmap", "recent")
    expected_columns = [fmt.split(":0:")[0] for _, fmt in
                        profile_columns(os.path.join(profile_source, "preferences"))]
    assert read_recent_columns(recent) == expected_columns
    assert_clean_log(wireshark.log())


def wait_for_rows(wireshark, xvfb, window, rules, expected_rows, path, timeout=90):
    """Screenshots @window until, for each rule, at least that many rows wear
    its background (the window shows the packets, dissected); the last
    screenshot is kept at @path."""
    deadline = time.monotonic() + timeout
    while True:
        shot = Screenshot(xvfb, window, path)
        short = {rule: shot.count(rules[rule][0]) for rule, rows in expected_rows.items()
                 if shot.count(rules[rule][0]) < rows * ROW_PIXELS}
        if not short:
            return shot
        if time.monotonic() > deadline:
            raise AssertionError("rows missing after %ss (pixels per rule %s, want %d per row;"
                                 " see %s): %s" % (timeout, short, ROW_PIXELS, path,
                                                   wireshark.log()))
        time.sleep(1)


def assert_real_window(shot, size):
    """A full window of the asked size with widgets and text on it, not a
    blank or single-colour frame."""
    assert shot.size == size
    assert len(shot.colors) >= 200, "only %d colours" % len(shot.colors)
    color, pixels = shot.colors.most_common(1)[0]
    assert pixels < 0.7 * shot.pixels, "%s covers %d of %d pixels" % (tuple(color), pixels,
                                                                     shot.pixels)


def assert_clean_log(log):
    for bad in ("CRITICAL", "Dissector bug", "Segmentation"):
        assert bad not in log, log


def test_gui_live_capture(wireshark, xvfb, profile_source, artifact_dir):
    """wireshark -k -i lo while curl fetches from a slow local server: the
    GUI names curl live.  The display filter keeps only frames the GUI
    attributed to curl, and the profile colours them; so coloured rows are
    frames whose process column says curl."""
    curl = shutil.which("curl")
    assert curl, "curl is not installed (./run deps installs it)"
    rules = {name: background for name, _, background, _
             in read_colorfilters(os.path.join(profile_source, "colorfilters"))}
    server = Peer([SYSTEM_PYTHON, os.path.join(EPAN_DIR, "live_peers.py"), "http-server",
                   "127.0.0.1", "8", "0.3"])
    try:
        port = int(server.wait_for("port"))
        wireshark.start("-C", "procmap", "-k", "-i", "lo", "-f", "tcp port %d" % port,
                        "-Y", 'procmap.name == "curl"')
        window = wireshark.main_window("Capturing from")
        wireshark.wait_log("Capture started")
        time.sleep(1)       # a margin, so that the handshake is captured too
        client = Peer([curl, "-s", "-o", "/dev/null", "--max-time", "30",
                       "http://127.0.0.1:%d/" % port])
        client.wait(timeout=40)
        # Handshake, request, 8 chunks and their acks, close: over 20
        # frames, 16 of them (the chunks and acks) while curl is alive;
        # asking for 12 rows leaves room for the handshake's and the
        # close's, which may be dissected before or after curl's socket.
        shot = wait_for_rows(wireshark, xvfb, window, {HAS_PROCESS: (rules[HAS_PROCESS],)},
                             {HAS_PROCESS: 12}, os.path.join(artifact_dir,
                                                             "procmap-gui-live.png"))
        assert_real_window(shot, xvfb.size)
        assert_clean_log(wireshark.log())
    finally:
        server.kill()
