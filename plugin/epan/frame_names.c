/* frame_names.c - the names and descriptions of how a side of a frame's
 * answer was obtained (pm_source) and why it has no process (pm_why), as
 * fields and the tree show them.
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

static const char *const why_names[PM_WHY_COUNT] = {
    [PM_WHY_NONE] = "none",
    [PM_WHY_NOT_LOCAL] = "not-local",
    [PM_WHY_NO_SOCKET] = "no-socket",
    [PM_WHY_NO_PERMISSION] = "no-permission",
    [PM_WHY_OWNER_GONE] = "owner-gone",
    [PM_WHY_REFRESH_SUPPRESSED] = "refresh-suppressed",
    [PM_WHY_BACKEND_FAILED] = "backend-failed",
    [PM_WHY_TOO_OLD] = "too-old",
    [PM_WHY_LIVE_OFF] = "live-lookups-off",
    [PM_WHY_DISABLED] = "disabled",
    [PM_WHY_ICMP_ERROR] = "icmp-error",
    [PM_WHY_SIDE_UNKNOWN] = "side-unknown",
    [PM_WHY_NOT_CARRIED] = "not-carried",
    [PM_WHY_FORWARDED] = "forwarded",
};

static const char *const why_descriptions[PM_WHY_COUNT] = {
    [PM_WHY_NONE] = "attributed",
    [PM_WHY_NOT_LOCAL] = "not a local address",
    [PM_WHY_NO_SOCKET] = "no socket has this address and port",
    [PM_WHY_NO_PERMISSION] = "no permission to see the socket's owner",
    [PM_WHY_OWNER_GONE] = "the socket exists but no process holds it",
    [PM_WHY_REFRESH_SUPPRESSED] = "not in the socket table; refreshed too recently to look again",
    [PM_WHY_BACKEND_FAILED] = "the socket table could not be read",
    [PM_WHY_TOO_OLD] = "frame too old for a live lookup",
    [PM_WHY_LIVE_OFF] = "live lookups are off",
    [PM_WHY_DISABLED] = "process attribution is disabled",
    [PM_WHY_ICMP_ERROR] = "sent by a network stack (ICMP error)",
    [PM_WHY_SIDE_UNKNOWN] = "the capture names a process but not its end",
    [PM_WHY_NOT_CARRIED] = "the capture names no process for this end",
    [PM_WHY_FORWARDED] = "NAT sends this end to another host or namespace (conntrack)",
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

const char *
pm_why_name(pm_why why)
{
    return (unsigned)why < PM_WHY_COUNT ? why_names[why] : "unknown";
}

const char *
pm_why_description(pm_why why)
{
    return (unsigned)why < PM_WHY_COUNT ? why_descriptions[why] : "unknown";
}
