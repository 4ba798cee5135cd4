# SPDX-License-Identifier: GPL-2.0-or-later
"""`cmake --install` puts the procmap profile where this Wireshark looks for
global profiles (tshark -G folders: "Global configuration" + /profiles),
and Wireshark finds it there: `tshark -C procmap` with an empty personal
configuration uses its columns (and copies it to the personal profiles, as
Wireshark does with a global profile the first time it is chosen)."""
import filecmp
import os
import shutil
import subprocess

from harness import Tshark
from profile_files import offline_options, psml
from scenario_gui import GuiCapture


def global_config_dir():
    folders = subprocess.run(["tshark", "-G", "folders"], capture_output=True, text=True,
                             timeout=60, check=True).stdout
    for line in folders.splitlines():
        if line.startswith("Global configuration:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("no global configuration folder in tshark -G folders: %s" % folders)


def test_installed_as_a_global_profile(plugin_dirs, profile_source, tmp_path):
    build = os.environ["PROCMAP_BUILD_DIR"]
    staging = tmp_path / "staging"
    result = subprocess.run([shutil.which("cmake") or "cmake", "--install", build],
                            env=dict(os.environ, DESTDIR=str(staging)), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    global_profiles = global_config_dir() + "/profiles"
    installed = str(staging) + global_profiles + "/procmap"
    assert os.path.isdir(installed), "the profile is not in %s" % global_profiles
    shipped = sorted(os.listdir(profile_source))
    assert sorted(os.listdir(installed)) == shipped
    _, mismatch, errors = filecmp.cmpfiles(profile_source, installed, shipped, shallow=False)
    assert (mismatch, errors) == ([], [])

    # Wireshark with nothing personal, the staged dir as its global profiles.
    capture = GuiCapture()
    root, pcap = capture.write(tmp_path)
    personal = tmp_path / "personal"
    personal.mkdir()
    tshark = GlobalProfilesTshark(plugin_dirs[0], plugin_dirs[1], str(personal),
                                  os.path.dirname(installed), global_profiles)
    titles, packets = psml(tshark, pcap, *offline_options(root))
    src, dst = titles.index("Src process"), titles.index("Dst process")
    assert [(packet[src], packet[dst]) for packet in packets] == \
        [(src_name, dst_name) for src_name, dst_name, _ in capture.frames]
    assert sorted(os.listdir(personal / "profiles" / "procmap")) == shipped


class GlobalProfilesTshark(Tshark):
    """tshark with our plugin and @profiles mounted over the global profiles
    dir @global_profiles (in the same private mount namespace)."""

    def __init__(self, plugin_dir, system_dir, config_dir, profiles, global_profiles):
        super().__init__(plugin_dir, system_dir, config_dir)
        self.profiles, self.global_profiles = profiles, global_profiles

    def command(self, args):
        return ["unshare", "-m", "--propagation", "private", "sh", "-c",
                'mount --bind "$1" "$2" && mount --bind "$3" "$4" && shift 4 && '
                'exec tshark "$@"', "sh", self.plugin_dir, self.system_dir, self.profiles,
                self.global_profiles, *map(str, args)]
