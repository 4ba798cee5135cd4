/* frame_names.c - the names and descriptions of how a side of a frame's
 * answer was obtained (pm_source), as fields and the tree show them.  Why a
 * side has no process is the watcher's vocabulary (pm_reason_name()).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "frame_attribution.h"

static const char *const source_names[PM_SOURCE_COUNT] = {
    [PM_SOURCE_NONE] = "none",
    [PM_SOURCE_LIVE] = "live",
    [PM_SOURCE_STREAM] = "stream",
    [PM_SOURCE_STREAM_LATER] = "stream-later",
    [PM_SOURCE_PROCMAP_CAPTURE] = "procmap-capture",
    [PM_SOURCE_DARWIN] = "darwin",
    [PM_SOURCE_PTCPDUMP] = "ptcpdump",
    [PM_SOURCE_ETL2PCAPNG] = "etl2pcapng",
};

static const char *const source_descriptions[PM_SOURCE_COUNT] = {
    [PM_SOURCE_NONE] = "no process",
    [PM_SOURCE_LIVE] = "live lookup on this host when the frame was first dissected",
    [PM_SOURCE_STREAM] = "from an earlier frame of the same stream (the socket was gone)",
    [PM_SOURCE_STREAM_LATER] = "from a later frame of the same stream",
    [PM_SOURCE_PROCMAP_CAPTURE] = "carried in the capture file by procmap",
    [PM_SOURCE_DARWIN] = "carried in the capture file: macOS process information",
    [PM_SOURCE_PTCPDUMP] = "carried in the capture file by ptcpdump",
    [PM_SOURCE_ETL2PCAPNG] = "carried in the capture file by etl2pcapng (Windows)",
};

const char *
pm_source_name(pm_source source)
{
    return (unsigned)source < PM_SOURCE_COUNT ? source_names[source] : "unknown";
}

const char *
pm_source_description(pm_source source)
{
    return (unsigned)source < PM_SOURCE_COUNT ? source_descriptions[source] : "unknown";
}
