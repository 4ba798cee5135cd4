# SPDX-License-Identifier: GPL-2.0-or-later
"""A remote capture in the real Wireshark (Qt, under Xvfb), as a user makes
one: sshdump to a server with procmap-capture on it, the procmap profile.

The laptop and a stand-in server with a real sshd (tests/remote/standin.py).
The sshdump options are in the profile's preferences, where the interface's
options dialog saves them ("Save parameter(s) on capture start"): the
server by its ~/.ssh/config name, procmap-capture as the remote capture
command.  The same TCP tuple lives on both hosts' loopback at once, so a
live lookup on the laptop would name the laptop's processes.

The live view: the display filter keeps the first and last frames of the
server's connection whose ends the GUI names with the server's processes,
as carried by procmap-capture; the profile colours them; the test counts
the coloured rows one by one in a screenshot (4: SYN, SYN/ACK, one FIN
each way).  The saved file, read back with live lookups off, names the
server's pids (as its own pid namespace sees them) at both ends of every
frame.  The screenshot is kept in Testing/gui/."""
import os
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "remote"))

from gui_harness import Wireshark  # noqa: E402
from harness import SYSTEM_PYTHON, Peer  # noqa: E402
from profile_files import read_colorfilters  # noqa: E402
from scenario_gui import HAS_PROCESS  # noqa: E402
from standin import HOST_ALIAS, Hosts, standin_unavailable, user_home  # noqa: E402
from test_gui import assert_clean_log  # noqa: E402
from test_gui_extcap import stop_then_all_rows  # noqa: E402
from test_remote import Prober, wait_for_a_packet  # noqa: E402

PEERS = os.path.join(HERE, "..", "remote", "remote_peers.py")
SERVER_PORT, CLIENT_PORT, PROBE = 18080, 41000, 19999
MESSAGES, DELAY = 6, 0.3
FIELDS = ["frame.number", "tcp.srcport", "tcp.dstport", "procmap.src.pid", "procmap.dst.pid",
          "procmap.src.source", "procmap.dst.source"]


@pytest.fixture
def hosts(tmp_path):
    reason = standin_unavailable()
    if reason:
        pytest.skip("the remote GUI test cannot run here: " + reason)
    made = Hosts(tmp_path / "hosts")
    yield made
    made.delete()


class LaptopWireshark(Wireshark):
    """Wireshark on the laptop: its network namespace, the laptop user's
    home (sshdump's libssh reads ~/.ssh there) over this user's."""

    def __init__(self, hosts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hosts = hosts
        self.mounts += [hosts.home, user_home()]

    def _command(self, *args):
        return self.hosts.on_laptop(*super()._command(*args))


def procmap_capture():
    path = os.path.join(os.environ.get("PROCMAP_BUILD_DIR", ""), "plugin", "extcap",
                        "procmap-capture")
    if not os.access(path, os.X_OK):
        pytest.skip("procmap-capture is not built (%s)" % path)
    return path


def assert_a_window(shot, size):
    """A real window with widgets and text on it, not a blank frame.  Four
    rows leave most of the packet list (and, on 4.4 and 4.6, of the details
    pane) white: more white than test_gui's helper allows, less than a
    blank frame."""
    assert shot.size == size
    assert len(shot.colors) >= 200, "only %d colours" % len(shot.colors)
    color, pixels = shot.colors.most_common(1)[0]
    assert pixels < 0.9 * shot.pixels, "%s covers %d of %d pixels" % (tuple(color), pixels,
                                                                     shot.pixels)


def save_sshdump_options(config_dir, command):
    """The options of the sshdump interface, as its dialog saves them."""
    with open(os.path.join(str(config_dir), "profiles", "procmap", "preferences"), "a") as prefs:
        prefs.write("\nextcap.sshdump.remotehost: %s\n"
                    "extcap.sshdump.remotecapturecommandselect: other\n"
                    "extcap.sshdump.remotecapturecommand: %s\n" % (HOST_ALIAS, command))


def wait_for_both_fins(tshark, capture, hosts, timeout=60):
    """Until the file holds the FIN of each end: packets reach it through
    ssh a moment after they are sent, and a stop before that loses them."""
    shown = "tcp.port == %d && tcp.flags.fin == 1" % SERVER_PORT
    deadline = time.monotonic() + timeout
    prober = Prober(hosts)
    try:
        while True:
            # The file grows meanwhile: a cut-short last block is expected.
            found = tshark.run("-r", capture, "-Y", shown, "-T", "fields", "-e", "frame.number",
                               "-o", "procmap.live_lookups:never", check=False).stdout.split()
            if len(found) >= 2:
                return
            assert time.monotonic() < deadline, "%d FIN(s) in %s, want 2" % (len(found), capture)
            prober.poke()
            time.sleep(0.5)
    finally:
        prober.close()


def test_gui_remote_capture_names_the_servers_processes(plugin_dirs, config_dir, xvfb,
                                                        artifact_dir, profile_source, tshark,
                                                        hosts, tmp_path):
    background = {name: bg for name, _, bg, _ in
                  read_colorfilters(os.path.join(profile_source, "colorfilters"))}[HAS_PROCESS]
    save_sshdump_options(config_dir, "%s --capture --extcap-interface procmap-lo --fifo - "
                         "--extcap-capture-filter 'tcp port %d or udp port %d'"
                         % (procmap_capture(), SERVER_PORT, PROBE))
    log = os.path.join(artifact_dir, "test_gui_remote.log")
    gui = LaptopWireshark(hosts, plugin_dirs, config_dir, xvfb, log)
    peers = []

    def peer(argv):
        started = Peer([str(a) for a in argv])
        peers.append(started)
        return started

    try:
        # The same tuple on the laptop, open throughout.
        server = peer(hosts.on_laptop(SYSTEM_PYTHON, PEERS, "server", "127.0.0.1", SERVER_PORT))
        server.wait_for("port")
        laptop = peer(hosts.on_laptop(SYSTEM_PYTHON, PEERS, "client", "127.0.0.1", SERVER_PORT,
                                      "127.0.0.1", CLIENT_PORT, 1000, 0.1))
        laptop.wait_for("local")
        remote_server = peer(hosts.on_remote(SYSTEM_PYTHON, PEERS, "server", "127.0.0.1",
                                             SERVER_PORT))
        remote_server.wait_for("port")
        server_pid = int(remote_server.wait_for("pid"))

        capture = str(tmp_path / "procmap-gui-remote.pcapng")
        shown = ("tcp.port == %d && (tcp.flags.syn == 1 || tcp.flags.fin == 1)"
                 " && procmap.src.source == \"procmap-capture\""
                 " && procmap.dst.source == \"procmap-capture\""
                 " && procmap.src.name == \"python3\" && procmap.dst.name == \"python3\""
                 % SERVER_PORT)
        gui.start("-C", "procmap", "-k", "-i", "sshdump", "-Y", shown, "-w", capture)
        window = gui.main_window("Capturing from")
        gui.wait_log("Capture started")
        # Until the server's procmap-capture writes: a probe reaches the file.
        prober = Prober(hosts)
        try:
            wait_for_a_packet(capture, prober, timeout=120)
        finally:
            prober.close()
        client = peer(hosts.on_remote(SYSTEM_PYTHON, PEERS, "client", "127.0.0.1", SERVER_PORT,
                                      "127.0.0.1", CLIENT_PORT, MESSAGES, DELAY))
        client.wait_for("done", timeout=60)
        client_pid = int(client.wait_for("pid"))
        wait_for_both_fins(tshark, capture, hosts)

        path = os.path.join(artifact_dir, "procmap-gui-remote.png")
        # The rows of the last FIN may wait for the capture's end (records
        # are read against dumpcap's packet count: test_gui_extcap).
        shot = stop_then_all_rows(gui, xvfb, window, background, 4, path, capture, timeout=120)
        assert_a_window(shot, xvfb.size)
        gui.quit(window)
        assert_clean_log(gui.log())
        laptop_pids = {int(laptop.wait_for("pid")), int(server.wait_for("pid"))}
    finally:
        gui.kill()
        for started in peers:
            started.kill()

    # Saved: the server's processes at both ends of every frame, carried.
    frames = [frame for frame in tshark.fields(capture, FIELDS, "-o",
                                               "procmap.live_lookups:never")
              if SERVER_PORT in (int(frame["tcp.srcport"] or 0), int(frame["tcp.dstport"] or 0))]
    assert len(frames) >= 2 * MESSAGES, frames
    for frame in frames:
        ends = {frame["tcp.srcport"]: frame["procmap.src.pid"],
                frame["tcp.dstport"]: frame["procmap.dst.pid"]}
        assert ends == {str(SERVER_PORT): str(server_pid), str(CLIENT_PORT): str(client_pid)}, \
            frame
        assert frame["procmap.src.source"] == frame["procmap.dst.source"] == "procmap-capture"
        assert not {int(ends[port]) for port in ends} & laptop_pids, frame
