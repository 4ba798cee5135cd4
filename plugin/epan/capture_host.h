/* capture_host.h - whether a frame was captured on this host.
 *
 * A live lookup asks this host which process owns a socket; it is true only
 * for a frame captured here.  epan says neither "live" nor "where": what the
 * dissecting program does tells it.  tshark and Wireshark capture through a
 * dumpcap child, fed by an extcap child through a FIFO for an extcap
 * interface; a file or a pipe read directly has no such child.  So the
 * sources of the live capture (if any) are read from the command lines of
 * the dissecting process's children, once per capture file (when it is
 * opened, dumpcap is running), and each frame's interface is matched to the
 * source that can have given it:
 *
 *   - this host: an interface of this host's network namespace (or "any"),
 *     or a procmap-* interface of procmap-capture;
 *   - elsewhere: sshdump, ciscodump, udpdump, wifidump, androiddump,
 *     randpktdump, rpcap:// and TCP@ sources;
 *   - unknown: no live capture (a file, tshark -r -), a pipe or a FIFO
 *     (-i -, -i /path), an extcap not known here, or an interface name that
 *     two kinds of source could have given.
 *
 * Pure GLib and POSIX: the unit tests give it the children's command lines.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_CAPTURE_HOST_H
#define PROCMAP_CAPTURE_HOST_H

#include <glib.h>

#include "frame_attribution.h"

G_BEGIN_DECLS

/* One source of a live capture: an interface dumpcap captures on. */
typedef struct {
    char           *interface;      /* dumpcap's -i: a name, a FIFO or pipe path, "-" */
    char           *idb_name;       /* the interface name dumpcap writes for a pcap stream */
    char           *extcap;         /* the extcap interface feeding it, or NULL */
    pm_capture_host host;
    gboolean        any_name;       /* may pass a pcapng stream's own interface names on */
} pm_capture_source;

/* A child of the dissecting process: its arguments, and whether it is in
 * another network namespace (its interface names are not ours). */
typedef struct {
    char   **argv;
    gboolean other_netns;
} pm_child_process;

/* Whether @name is an interface of this host's network namespace. */
typedef gboolean (*pm_is_local_interface)(const char *name, gpointer data);

typedef struct pm_capture_sources pm_capture_sources;

/* The live capture among @children (pm_child_process *), or NULL if none
 * of them is capturing (dumpcap listing interfaces or their statistics is
 * not). */
pm_capture_sources *pm_capture_sources_from_children(GPtrArray *children,
                                                     pm_is_local_interface is_local,
                                                     gpointer data);
/* The same, from @proc_dir (/proc) for the process @pid and its threads.
 * Interfaces are checked with if_nametoindex() (this network namespace). */
pm_capture_sources *pm_capture_sources_read(const char *proc_dir, int pid);
void pm_capture_sources_free(pm_capture_sources *sources);

guint pm_capture_sources_count(const pm_capture_sources *sources);
const pm_capture_source *pm_capture_sources_get(const pm_capture_sources *sources, guint i);

/* Where a frame of the interface named @idb_name (NULL: not known) was
 * captured, when @sources (NULL: no live capture) is what the dissecting
 * process was capturing from. */
pm_capture_host pm_capture_sources_decide(const pm_capture_sources *sources,
                                          const char *idb_name);

const char *pm_capture_host_name(pm_capture_host host);

G_END_DECLS

#endif /* PROCMAP_CAPTURE_HOST_H */
