/* carried.h - process information a capture file carries with its packets.
 *
 * Some capture tools record the process of each packet in the file itself:
 * ptcpdump and procmap's own capture tool in pcapng packet comments,
 * Microsoft's etl2pcapng in a "PID=<n> TID=<n>" comment, Apple's tcpdump in
 * Darwin process blocks (which Wireshark 4.6 resolves), PCAPdroid, tcpshark
 * and eCapture in a trailer after the IP packet (carried_trailer.h reads
 * them), PCAPdroid also in "u-<uid>" comments with uid map blocks.  This
 * module turns
 * what one packet carries into processes, and puts them at the packet's
 * source or destination.  Pure GLib, no epan: unit-tested and fuzzed alone.
 * The formats are documented in docs/capture-comments.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_CARRIED_H
#define PROCMAP_CARRIED_H

#include <glib.h>

#include "direction.h"
#include "process.h"

G_BEGIN_DECLS

/* Which tool wrote it.  Also the order of preference when a packet carries
 * more than one: procmap names both ends, Darwin's comes from the kernel. */
typedef enum {
    PM_CARRIED_NONE = 0,
    PM_CARRIED_PROCMAP,       /* "procmap-src" / "procmap-dst" comments */
    PM_CARRIED_DARWIN,        /* Darwin process information blocks */
    PM_CARRIED_PTCPDUMP,      /* "PID: ..." comments */
    PM_CARRIED_ETL2PCAPNG,    /* "PID=<n> TID=<n>" comments */
    PM_CARRIED_PCAPD,         /* iOS pcapd's "PID: <n>, ProcName: <name>, ..." comments */
    PM_CARRIED_PCAPDROID,     /* PCAPdroid: a frame trailer, or "u-<uid>" and uid map blocks */
    PM_CARRIED_TCPSHARK,      /* tcpshark's Ethernet trailer */
    PM_CARRIED_ECAPTURE,      /* eCapture's Ethernet trailer */
    PM_CARRIED_PIB,           /* a process information block named by the packet's
                               * epb_processid_threadid (another writer's) */
    PM_CARRIED_KIND_COUNT
} pm_carried_kind;

/* Where a carried process belongs in the frame. */
typedef enum {
    PM_CARRIED_SRC = 0,
    PM_CARRIED_DST = 1,
    PM_CARRIED_EITHER = 2,    /* named, but at which end is not known */
    PM_CARRIED_SLOTS = 3
} pm_carried_slot;

/* The first line of the comment the plugin makes of a process information
 * block that a packet names by its pid alone (process_records_epan.c): the
 * procmap keys of a version 1 comment, at no known end.  Never read from a
 * file: the glue drops a file's comments that start with it. */
#define PM_CARRIED_PIB_MARKER "procmap-pib"

/* A value longer than this is cut (at a character boundary) and ends in
 * "...".  A pcapng option holds at most 65535 bytes anyway. */
#define PM_CARRIED_VALUE_MAX (64 * 1024)
/* Comments of one packet that are read; the rest are ignored. */
#define PM_CARRIED_COMMENTS_MAX 64

/* What a packet says of the moment it was sent, not of the process: the
 * thread, and (Darwin) the process it was sent on behalf of. */
typedef struct {
    gboolean has_tid;
    guint32  tid;
    char    *thread_name;
    gboolean has_epid;
    guint32  epid;            /* Darwin's, iOS pcapd's "effective" process */
    char    *ename;
} pm_carried_context;

/* One process as a capture tool recorded it: what a backend would read
 * (raw.pid >= 0, 0 only from Darwin and iOS pcapd: kernel_task; -1 from
 * PCAPdroid, which names an app (raw.has_uid) and no process; raw.ppid -1 if
 * unknown;
 * raw.name is what to show, see pm_carried_parse(); raw.argv stays NULL),
 * plus what only a capture file gives.  Every string is valid UTF-8 without
 * control characters, or NULL when absent or empty. */
typedef struct {
    gboolean present;
    pm_process_raw raw;
    char    *args;            /* argv joined by spaces; "..." at the end if cut
                               * (then raw.args_truncated) */
    char    *user;
    pm_carried_context context;
} pm_carried_process;

/* The process information of one packet.  With explicit sides (procmap)
 * process[SRC] and process[DST]; otherwise one process in process[EITHER],
 * placed per frame by pm_carried_place(). */
typedef struct {
    pm_carried_kind    kind;
    pm_carried_process process[PM_CARRIED_SLOTS];
    /* What was wrong with it, whether or not a process was found: the
     * malformed values skipped (the first one described: "a malformed or
     * out-of-range PID"), and a reference to a Darwin process block the file
     * does not have. */
    guint              n_malformed;
    char              *malformed;
    gboolean           unresolved;
} pm_carried;

/* What Wireshark (4.6+) resolved of a packet's Darwin process blocks. */
typedef struct {
    gboolean    present;
    gint32      pid;          /* -1 if the block is missing */
    const char *name;
    gboolean    has_effective;   /* a different effective process */
    gint32      epid;
    const char *ename;
    gboolean    unresolved;   /* the packet names a process block the file lacks */
} pm_carried_darwin;

/* What a frame's trailer or the file's PCAPdroid uid map says of it, as the
 * glue read it (carried_trailer.h): raw bytes, made fit to show here. */
typedef struct {
    pm_carried_kind kind;     /* PCAPDROID, TCPSHARK, ECAPTURE; NONE: nothing */
    gboolean    has_id;
    guint32     id;           /* PCAPdroid: the app's uid; tcpshark, eCapture: the pid */
    const char *name;         /* PCAPdroid: the app's name; tcpshark: cmd; eCapture: comm */
    gsize       name_len;
    const char *package;      /* PCAPdroid's uid map: the package name */
    gsize       package_len;
    const char *args;         /* tcpshark: the command line */
    gsize       args_len;
    const char *malformed;    /* what was wrong with it (a static text), or NULL */
} pm_carried_tag;

/* Whether @tag (may be NULL) says anything. */
static inline gboolean
pm_carried_tag_present(const pm_carried_tag *tag)
{
    return tag != NULL && (tag->kind != PM_CARRIED_NONE || tag->malformed != NULL);
}

/* Reads one packet: its comments (@n_comments, NULL entries skipped; at
 * most PM_CARRIED_COMMENTS_MAX are read), its Darwin process and its tag
 * (a trailer, PCAPdroid's uid), if any.
 * Returns TRUE when a process was found; @out is filled either way and must
 * be cleared.  Malformed values are skipped and counted in @out.  Time is
 * linear in the input size. */
gboolean pm_carried_parse(const char *const *comments, guint n_comments,
                          const pm_carried_darwin *darwin, const pm_carried_tag *tag,
                          pm_carried *out);
void pm_carried_clear(pm_carried *carried);

/* Places @carried in a frame: explicit sides stay; a single process goes to
 * the source of an outbound packet and the destination of an inbound one,
 * unless both ends are loopback addresses (then both ends are local and the
 * tool's one process may be either: ptcpdump labels a loopback server's
 * replies with the client) or the direction is unknown: then EITHER.
 * @out[slot] is NULL where there is none. */
void pm_carried_place(const pm_carried *carried, pm_direction direction,
                      gboolean both_ends_loopback,
                      const pm_carried_process *out[PM_CARRIED_SLOTS]);

/* A process record of @process (whose strings are copied). */
pm_process *pm_carried_process_to_process(const pm_carried_process *process);

G_END_DECLS

#endif /* PROCMAP_CARRIED_H */
