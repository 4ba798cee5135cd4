/* frame_names.c - the words and sentences of how a side of a frame's answer
 * was obtained (pm_source), as fields and the tree show them: one table.
 * Why a side has no process is the watcher's vocabulary (pm_reason_name()).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "frame_attribution.h"

static const struct {
    const char *name;
    const char *description;
} sources[PM_SOURCE_COUNT] = {
    [PM_SOURCE_NONE] = { "none", "no process" },
    [PM_SOURCE_LIVE] = { "live", "live lookup on this host when the frame was first dissected" },
    [PM_SOURCE_STREAM] = { "stream",
        "from an earlier frame of the same stream (the socket was gone)" },
    [PM_SOURCE_STREAM_LATER] = { "stream-later", "from a later frame of the same stream" },
    [PM_SOURCE_PROCMAP_CAPTURE] = { "procmap-capture", "carried in the capture file by procmap" },
    [PM_SOURCE_DARWIN] = { "darwin", "carried in the capture file: macOS process information" },
    [PM_SOURCE_PTCPDUMP] = { "ptcpdump", "carried in the capture file by ptcpdump" },
    [PM_SOURCE_ETL2PCAPNG] = { "etl2pcapng",
        "carried in the capture file by etl2pcapng (Windows)" },
    [PM_SOURCE_PCAPD] = { "pcapd",
        "carried in the capture file: iOS pcapd's process information (pymobiledevice3)" },
    [PM_SOURCE_PCAPDROID] = { "pcapdroid",
        "carried in the capture file by PCAPdroid (Android): the app, by uid" },
    [PM_SOURCE_TCPSHARK] = { "tcpshark", "carried in the capture file by tcpshark" },
    [PM_SOURCE_ECAPTURE] = { "ecapture", "carried in the capture file by eCapture" },
    [PM_SOURCE_PIB] = { "pib",
        "carried in the capture file: a process information block named by the packet's pid" },
};

const char *
pm_source_name(pm_source source)
{
    return (unsigned)source < PM_SOURCE_COUNT ? sources[source].name : "unknown";
}

const char *
pm_source_description(pm_source source)
{
    return (unsigned)source < PM_SOURCE_COUNT ? sources[source].description : "unknown";
}
