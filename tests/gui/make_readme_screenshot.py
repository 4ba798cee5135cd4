# SPDX-License-Identifier: GPL-2.0-or-later
"""Makes the README's screenshot (docs/wireshark-procmap.png): Wireshark
with the procmap profile on the GUI test's capture, one frame's Process
tree expanded, scaled to 1000 pixels wide, 256 colours.  As root, from the repo:

    PROCMAP_PLUGIN=build/plugin/epan/procmap.so \\
        /usr/bin/python3 tests/gui/make_readme_screenshot.py docs/wireshark-procmap.png

Needs what the GUI test needs (./run deps).  Clicks at fixed places of the
packet details pane: check the picture after a Wireshark upgrade."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "epan"))

from gui_harness import Screenshot, Wireshark, Xvfb, missing_tools  # noqa: E402
from harness import system_epan_plugin_dir  # noqa: E402
from profile_files import offline_options  # noqa: E402
from scenario_gui import GuiCapture  # noqa: E402

SCREEN = (1280, 900)
DETAILS_FIRST_LINE_Y = 497     # with SCREEN: below the packet list
WIDTH = 1000
FRAME = 4           # curl's GET to python3's web server: both ends local


def plugin_dirs(work, plugin):
    system_dir = system_epan_plugin_dir()
    ours = os.path.join(work, "plugins")
    os.makedirs(ours)
    for name in os.listdir(system_dir):
        if name.endswith(".so") and name != "procmap.so":
            shutil.copy2(os.path.join(system_dir, name), ours)
    shutil.copy2(plugin, os.path.join(ours, "procmap.so"))
    os.chmod(ours, 0o755)
    return ours, system_dir


def main(output):
    plugin = os.environ.get("PROCMAP_PLUGIN")
    if not plugin or not os.path.isfile(plugin):
        sys.exit("set PROCMAP_PLUGIN to the built procmap.so")
    if missing_tools():
        sys.exit("missing: %s (./run deps installs them)" % ", ".join(missing_tools()))
    source = os.path.join(HERE, "..", "..", "packaging", "profiles", "procmap")
    with tempfile.TemporaryDirectory() as work:
        config = os.path.join(work, "config")
        shutil.copytree(source, os.path.join(config, "profiles", "procmap"))
        root, pcap = GuiCapture().write(work)
        xvfb = Xvfb(*SCREEN)
        gui = Wireshark(plugin_dirs(work, plugin), config, xvfb, os.path.join(work, "log"))
        try:
            # No bytes pane: the details get the whole width.
            gui.start("-C", "procmap", "-r", pcap, *offline_options(root), "-g", FRAME,
                      "-o", "gui.byte_view_show:FALSE")
            window = gui.main_window(os.path.basename(pcap))
            time.sleep(3)
            # Click the details pane's first line, go to its last (the
            # Process tree), expand it, then its Source subtree.
            xvfb.xdotool("mousemove", 300, DETAILS_FIRST_LINE_Y, "click", 1)
            for key in ("End", "Right", "Down", "Right"):
                gui.press(window, key)
                time.sleep(0.3)
            time.sleep(1)
            shot = Screenshot(xvfb, window, os.path.join(work, "full.png"))
            # 256 colours: a third of the size, no visible loss on a GUI.
            subprocess.run(["convert", shot.path, "-resize", "%dx" % WIDTH, "-strip",
                            "-colors", "256", "PNG8:" + output],
                           check=True)
        finally:
            gui.kill()
            xvfb.stop()
    print(output)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "wireshark-procmap.png")
