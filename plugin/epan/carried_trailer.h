/* carried_trailer.h - process information capture tools put after a frame's
 * IP packet, and PCAPdroid's pcapng uid map.
 *
 * PCAPdroid (pcap files), tcpshark and eCapture append a trailer to each
 * Ethernet frame, after the IP packet, where Wireshark shows it as the
 * Ethernet trailer (and FCS); PCAPdroid's pcapng files instead name the
 * app's uid in a packet comment "u-<uid>" and map uids to packages and app
 * names in custom blocks (PEN 62652).  The layouts, with the sources they
 * were read from, are in docs/capture-comments.md.  Pure GLib, no epan:
 * unit-tested and fuzzed alone.  Every pointer an output holds points into
 * the input.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_CARRIED_TRAILER_H
#define PROCMAP_CARRIED_TRAILER_H

#include <glib.h>

#include "carried.h"

G_BEGIN_DECLS

#define PM_PCAPDROID_MAGIC   0x01072021u
#define PM_TCPSHARK_MAGIC    0xA1BFF3D4u
#define PM_ECAPTURE_MAGIC    0xCC0C4CFCu
#define PM_PCAPDROID_PEN     62652u

/* Where the IP packet of Ethernet frame @frame (@len bytes captured) ends:
 * an IPv4 or IPv6 packet, after at most one VLAN tag, whose length the
 * header gives.  FALSE if the frame is not one, or nothing follows it. */
gboolean pm_ethernet_ip_end(const guint8 *frame, gsize len, gsize *ip_end);

/* Reads the process trailer of Ethernet frame @frame, if any: PCAPdroid's
 * (its app's uid and name), tcpshark's (pid, cmd, args) or eCapture's
 * (pid, comm).  Returns TRUE and fills @out (kind, id, name, args) when one
 * is there; a trailer whose magic is there but which is cut short sets
 * out->malformed and no id.  FALSE (@out zeroed) when there is none: no
 * bytes after the IP packet, or not one of these (a real Ethernet padding
 * and FCS, another tool's trailer). */
gboolean pm_trailer_read(const guint8 *frame, gsize len, pm_carried_tag *out);

/* The uid of a PCAPdroid packet comment, exactly "u-<decimal uid>". */
gboolean pm_pcapdroid_comment_uid(const char *comment, guint32 *uid);

/* One entry of PCAPdroid's uid map. */
typedef struct {
    guint32     uid;
    const char *package;      /* not NUL-terminated; may be any bytes */
    gsize       package_len;
    const char *app;
    gsize       app_len;
} pm_pcapdroid_uid_entry;

/* Reads the data of a PCAPdroid custom block (what follows the PEN), in
 * either byte order (the block's version, 1, tells which).  TRUE for a uid
 * map entry.  FALSE for anything else, with *@malformed describing what is
 * wrong (a static text), or NULL for a block of another type or a later
 * version (not for this reader). */
gboolean pm_pcapdroid_block_read(const guint8 *data, gsize len, pm_pcapdroid_uid_entry *out,
                                 const char **malformed);

G_END_DECLS

#endif /* PROCMAP_CARRIED_TRAILER_H */
