/* capture.h - the capture: libpcap in, attributed pcapng out.
 *
 * Captures one interface with libpcap, attributes every TCP/UDP packet as
 * it arrives (attribution.h) and writes pcapng to a FIFO (or a file, or
 * standard output), one flushed block per packet so Wireshark's live view
 * shows each packet at once.  Stops cleanly on SIGTERM, SIGINT, SIGHUP, or
 * when the reader goes away.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_CAPTURE_H
#define PROCMAP_EXTCAP_CAPTURE_H

#include <glib.h>

#include "attribution.h"

G_BEGIN_DECLS

#define PM_CAPTURE_DEFAULT_SNAPLEN 262144

/* Which packet comments are written besides the process records (the
 * records always are): none by default. */
typedef enum {
    PM_CAPTURE_COMMENTS_PROCMAP  = 1 << 0,   /* procmap's v1 comments, one per end */
    PM_CAPTURE_COMMENTS_PTCPDUMP = 1 << 1,   /* ptcpdump's groups */
} pm_capture_comments;

/* "none", "procmap", "ptcpdump" or both, comma-separated, into @out. */
gboolean pm_capture_comments_parse(const char *text, guint *out);

typedef struct {
    const char *interface;       /* the libpcap device */
    const char *output;          /* a FIFO or file path; "-" for standard output */
    const char *filter;          /* a capture filter, or NULL */
    guint       snaplen;
    guint       packet_limit;    /* stop after this many packets; 0: never */
    const char *stats_file;      /* where to write counters at the end, or NULL */
    guint       comments;        /* pm_capture_comments flags */
    /* The ring buffer the reader cuts the capture into (dumpcap -b
     * filesize:KB / -b packets:N; 0: none): each of its files gets the
     * process records its packets refer to. */
    guint       ring_filesize_kb;
    guint       ring_packets;
    pm_attribution_config attribution;
} pm_capture_options;

void pm_capture_options_init(pm_capture_options *options);

/* Runs the capture; returns the exit status (0: stopped normally).
 * @options->interface must have passed pm_extcap_network_interface().
 *
 * The order is the privilege boundary: the monitor is forked first (it
 * inherits nothing of the capture); this process keeps only cap_net_raw,
 * cap_net_admin, cap_bpf and cap_perfmon, loads the eBPF programs and
 * opens the capture with them, each raised around its calls, then gives up
 * every capability while it has one thread - before the capture filter is
 * compiled, the output opened or the first packet read. */
int pm_capture_run(const pm_capture_options *options);

/* The link type of network interface @interface (checked by the caller):
 * from an activated capture when this process may open one, else from
 * /sys/class/net/<interface>/type.  -1 if unknown. */
int pm_capture_linktype(const char *interface);
/* The same from /sys/class/net/<interface>/type alone, as libpcap maps it
 * (DLT_LINUX_SLL for "any" and for types it does not map), with no
 * privilege: what a capture filter is checked against.  -1 if unknown. */
int pm_capture_linktype_of_type(const char *interface);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_CAPTURE_H */
