# SPDX-License-Identifier: GPL-2.0-or-later
"""Reading the procmap profile's files (and the recent file Wireshark
writes into it) the way Wireshark 4.x writes them, and asking tshark for
the profile's columns."""
import re
import xml.etree.ElementTree as ElementTree

from harness import prefs


def offline_options(root):
    """Preferences that make a generated capture dissect the same on every
    run: the fake /proc at @root, live lookups whatever the frame's age, the
    file taken as captured on this host (the fake one)."""
    return prefs(proc_root=root, live_lookups="always", capture_host="this-host")


def psml(tshark, pcap, *options):
    """tshark -C procmap -T psml: (column titles, one list of column texts
    per frame); the profile's visible columns, as the packet list shows."""
    result = tshark.run("-C", "procmap", "-r", pcap, *options, "-T", "psml")
    document = ElementTree.fromstring(result.stdout)
    titles = [section.text for section in document.find("structure")]
    packets = [[section.text or "" for section in packet]
               for packet in document.findall("packet")]
    return titles, packets


def profile_columns(preferences_path):
    """gui.column.format of a preferences file -> [(title, format)]."""
    with open(preferences_path, encoding="utf-8") as text:
        match = re.search(r"^gui\.column\.format:((?:.*\n)(?:[ \t].*\n)*)", text.read(), re.M)
    assert match, "no gui.column.format in %s" % preferences_path
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))
    return list(zip(strings[0::2], strings[1::2]))


def read_filter_buttons(path):
    """dfilter_buttons (a UAT: "TRUE","label","filter","comment" per line,
    '"' and '\\' written as \\x22, \\x5c) -> [(enabled, label, filter, comment)]."""
    buttons = []
    with open(path, encoding="utf-8") as text:
        for line in text:
            if line.startswith("#") or not line.strip():
                continue
            fields = [re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), f)
                      for f in re.findall(r'"((?:[^"\\]|\\.)*)"', line)]
            assert len(fields) == 4, "bad dfilter_buttons line %r" % line
            buttons.append((fields[0] == "TRUE", *fields[1:]))
    return buttons


def read_colorfilters(path):
    """A colorfilters file -> [(name, filter, background, foreground)], the
    colours as 8-bit RGB as Qt paints them (Wireshark keeps 16-bit values).
    Lines are @name@filter@[bg r,g,b][fg r,g,b]; disabled ones ("!@...")
    are left out."""
    rules = []
    with open(path, encoding="utf-8") as text:
        for line in text:
            line = line.rstrip("\n")
            if not line.startswith("@"):
                continue
            _, name, expression, colors = line.split("@", 3)
            background, foreground = colors.strip("[]").split("][")
            rules.append((name, expression,
                          tuple(int(v) >> 8 for v in background.split(",")),
                          tuple(int(v) >> 8 for v in foreground.split(","))))
    return rules


def read_recent_columns(path):
    """The column formats a profile's recent file lists under column.width
    (Wireshark writes one line per column of the packet list)."""
    columns, inside = [], False
    with open(path, encoding="utf-8") as text:
        for line in text:
            if line.startswith("column.width:"):
                inside = True
                continue
            if inside:
                if not line.startswith((" ", "\t")):
                    break
                columns.append(line.strip().rsplit(",", 2)[0].strip().strip('"'))
    return columns
