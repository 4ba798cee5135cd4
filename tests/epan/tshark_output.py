# SPDX-License-Identifier: GPL-2.0-or-later
"""How the tshark under test prints what the tests compare, where that
changed between the Wireshark versions procmap is built for (4.0, 4.4, 4.6).
The tests state what the plugin must show; these helpers only spell it the
way this tshark does.

  -T fields, FT_BOOLEAN:          "1" (4.0)                    "True" (4.4, 4.6)
  -T fields, FT_ABSOLUTE_TIME:    "Nov 14, 2023 22:34:56.9 UTC" (4.0, 4.4)
                                  "2023-11-14T22:34:56.9+0000"  (4.6: ISO 8601)
  -G protocols:                   3 columns (4.0)              6 (4.4, 4.6: + enabled,
                                                               enabled by default, can toggle)

4.2 is not in the matrix; the boolean boundary there is unchecked."""
import datetime
import functools
import re
import subprocess

VERSION_PATTERN = re.compile(r"^TShark \(Wireshark\) (\d+)\.(\d+)\.(\d+)", re.M)


@functools.lru_cache(maxsize=None)
def tshark_version():
    """(major, minor, micro) of the tshark on PATH, the one the tests run."""
    output = subprocess.run(["tshark", "--version"], capture_output=True, text=True,
                            timeout=60).stdout
    match = VERSION_PATTERN.search(output)
    if match is None:
        raise RuntimeError("cannot read the version from `tshark --version`: %r"
                           % output[:200])
    return tuple(int(part) for part in match.groups())


def boolean_text(value):
    """-T fields of an FT_BOOLEAN field that is present."""
    if tshark_version() >= (4, 2):
        return "True" if value else "False"
    return "1" if value else "0"


def absolute_time_text(ns):
    """-T fields of an FT_ABSOLUTE_TIME (ABSOLUTE_TIME_LOCAL) field, with
    TZ=UTC as the harness sets it."""
    moment = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
    if tshark_version() >= (4, 5):
        return "%s.%09d+0000" % (moment.strftime("%Y-%m-%dT%H:%M:%S"), ns % 10**9)
    return "%s %2d, %d %s.%09d UTC" % (moment.strftime("%b"), moment.day, moment.year,
                                       moment.strftime("%H:%M:%S"), ns % 10**9)


def protocol_rows(stdout):
    """-G protocols -> one column list per protocol.  Every version starts
    with (name, short name, filter name); 4.4+ add three T/F flags: enabled,
    enabled by default, can be toggled."""
    rows = [line.split("\t") for line in stdout.splitlines()]
    widths = {len(columns) for columns in rows}
    assert len(widths) == 1 and widths <= {3, 6}, "unexpected -G protocols columns %s" % widths
    return rows


EXPERT_SECTION = re.compile(r"^(Errors|Warns|Notes|Chats|Comments) \(\d+\)$")
EXPERT_ROW = re.compile(r"^\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$")


def expert_rows(stdout, protocol="Process"):
    """tshark -q -z expert -> [(severity section, frequency, group, summary)]
    of @protocol's entries (its short name), in the order printed.  A
    summary that spans lines (a packet comment) is cut at its first line."""
    rows, section = [], None
    for line in stdout.splitlines():
        header = EXPERT_SECTION.match(line)
        if header:
            section = header.group(1)
            continue
        row = EXPERT_ROW.match(line)
        if section and row and row.group(3) == protocol:
            rows.append((section, int(row.group(1)), row.group(2), row.group(4)))
    return rows
