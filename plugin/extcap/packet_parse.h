/* packet_parse.h - the TCP/UDP tuple of a captured frame.
 *
 * Link layers libpcap gives on Linux: Ethernet (with 802.1Q/802.1ad tags),
 * Linux cooked v1 and v2 (the "any" device), raw IP, BSD null/loop.  IPv4
 * (non-first fragments have no ports: not a tuple) and IPv6 with its
 * extension headers.  Anything else, or a frame cut short, is not a tuple.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_PACKET_PARSE_H
#define PROCMAP_EXTCAP_PACKET_PARSE_H

#include <glib.h>
#include <pcap/dlt.h>

#include "backend.h"
#include "direction.h"
G_BEGIN_DECLS

typedef struct {
    pm_transport transport;
    pm_endpoint  src;
    pm_endpoint  dst;
    /* What the link layer says of the frame's direction: Linux cooked
     * headers carry it; Ethernet tells it by the interface's own MAC as
     * the source (outbound) or destination (inbound). */
    pm_direction direction;
} pm_packet_tuple;

/* OpenBSD's number for raw IP, which libpcap maps to DLT_RAW elsewhere
 * (<pcap/dlt.h> names it only on OpenBSD). */
#define PM_DLT_RAW_OPENBSD 14

/* @own_mac: the capturing interface's MAC (6 bytes), or NULL when it has
 * none (loopback) or it is unknown: the direction then stays unknown. */
gboolean pm_packet_parse(int linktype, const guint8 *data, gsize len, const guint8 *own_mac,
                         pm_packet_tuple *out);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_PACKET_PARSE_H */
