# SPDX-License-Identifier: GPL-2.0-or-later
"""tshark loads procmap.so and registers the protocol, its fields, its
preferences and its statistics."""
import os
import re

from harness import all_process_fields
from tshark_output import protocol_rows


def project_version():
    source_dir = os.environ.get("PROCMAP_SOURCE_DIR",
                                os.path.join(os.path.dirname(__file__), "..", ".."))
    with open(os.path.join(source_dir, "CMakeLists.txt")) as cmake:
        return re.search(r"project\(procmap\s+VERSION\s+([0-9.]+)", cmake.read()).group(1)


def test_plugin_listed_as_dissector(tshark, plugin_dirs):
    lines = [line.split("\t") for line in tshark.run("-G", "plugins").stdout.splitlines()]
    ours = [[c.strip() for c in cols] for cols in lines if cols[0].strip() == "procmap.so"]
    assert len(ours) == 1, lines
    name, version, kind, path = ours[0]
    assert version == project_version()
    assert kind == "dissector"
    assert path == os.path.join(plugin_dirs[1], "procmap.so")


def test_protocol_registered(tshark):
    ours = [row for row in protocol_rows(tshark.run("-G", "protocols").stdout)
            if row[2] == "procmap"]
    assert len(ours) == 1, ours
    assert ours[0][:3] == ["Process Attribution", "Process", "procmap"]
    if len(ours[0]) > 3:    # 4.4+: enabled, enabled by default, can be toggled
        assert ours[0][3:] == ["T", "T", "T"], ours


def test_every_field_registered(tshark):
    fields = {}
    for line in tshark.run("-G", "fields").stdout.splitlines():
        cols = line.split("\t")
        if cols[0] == "F" and cols[2].startswith("procmap."):
            fields[cols[2]] = cols
    expected = set(all_process_fields())
    # Each Expert Info entry is a filter field too (FT_NONE).
    experts = {"procmap.no_permission", "procmap.too_old", "procmap.backend_failed",
               "procmap.carried.malformed", "procmap.carried.unresolved",
               "procmap.other_host", "procmap.host_unknown"}
    # The rows of the capture's process records (process_records_epan.c).
    records = {"procmap.record." + f for f in ("ref", "run", "pid", "name", "path", "args", "user",
                                               "uid", "ppid", "start_time", "extra")}
    assert set(fields) == expected | experts | records
    assert fields["procmap.record.start_time"][3] == "FT_ABSOLUTE_TIME"
    for name in experts:
        assert fields[name][3] == "FT_NONE", fields[name]
    for name, cols in fields.items():
        assert cols[4] == "procmap", cols
    numbers = [f for f in expected if f.rsplit(".", 1)[1] in ("pid", "ppid", "uid", "owners")]
    for name in numbers:
        assert fields[name][3] == "FT_UINT32", fields[name]
    for side in ("src", "dst"):
        assert fields["procmap.%s.start_time" % side][3] == "FT_ABSOLUTE_TIME"
    assert fields["procmap.icmp_quoted"][3] == "FT_BOOLEAN"


def test_preferences_registered(tshark):
    prefs = tshark.run("-G", "defaultprefs").stdout
    # An enum preference is written with its description.
    assert re.search(r"^#procmap\.live_lookups: Auto\b", prefs, re.M)
    assert re.search(r"^#procmap\.capture_host: Auto\b", prefs, re.M)
    for line in ("#procmap.live_window: 30", "#procmap.mapping_ttl: 10",
                 "#procmap.cache_ttl: 30", "#procmap.min_refresh_interval: 250",
                 "#procmap.proc_root: /proc"):
        assert line in prefs.splitlines(), line


    # Analyze > Enabled Protocols is the one switch.
    assert "procmap.enabled" not in prefs


def test_obsolete_enabled_preference(tshark):
    """procmap.enabled is obsolete (Analyze > Enabled Protocols is the one
    switch): a profile that still sets it loads, its other settings apply,
    and Wireshark calls it obsolete, not unknown, as on the command line."""
    profile = os.path.join(tshark.config_dir, "profiles", "old")
    os.makedirs(profile)
    with open(os.path.join(profile, "preferences"), "w") as out:
        out.write("procmap.enabled: FALSE\nprocmap.live_window: 45\n")
    result = tshark.run("-G", "currentprefs", "-C", "old")
    assert re.search(r"^procmap\.live_window: 45$", result.stdout, re.M), result.stdout
    assert 'Obsolete preference "procmap.enabled"' in result.stderr, result.stderr
    assert "No such preference" not in result.stderr, result.stderr
    result = tshark.run("-o", "procmap.enabled:FALSE", "-G", "plugins", check=False)
    assert "obsolete preference" in result.stderr, result.stderr


def test_unknown_preference_rejected(tshark):
    result = tshark.run("-o", "procmap.no_such_pref:1", "-G", "plugins", check=False)
    assert result.returncode != 0
    assert "procmap.no_such_pref" in result.stderr


def test_stats_tree_registered(tshark):
    # tshark lists the -z statistics it knows when given an unknown one.
    result = tshark.run("-z", "no-such-statistic", "-r", "/dev/null", check=False)
    assert re.search(r"^\s*procmap,tree\s*$", result.stderr, re.M), result.stderr
