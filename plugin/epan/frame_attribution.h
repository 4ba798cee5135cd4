/* frame_attribution.h - one answer per frame, under Wireshark's dissection
 * model, kept apart from epan so it can be unit-tested.
 *
 * A frame is attributed once, the first time it is dissected, and the answer
 * is stored; every later dissection (GUI clicks, filter changes, tshark -2)
 * gets the stored answer, even after the process has exited.  Within a TCP or
 * UDP stream an end that was resolved once sticks: later frames reuse it when
 * the socket is gone, and on later passes earlier frames that missed get it
 * too, marked as coming from a later frame.
 *
 * A process the capture file itself carries (carried.h: ptcpdump's and
 * procmap's comments, etl2pcapng's, Darwin's process blocks) wins over a
 * live lookup: the frame is not looked up, each side says which tool named
 * it, and a process whose end is not known is kept apart ("either").
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_FRAME_ATTRIBUTION_H
#define PROCMAP_FRAME_ATTRIBUTION_H

#include <glib.h>

#include "carried.h"
#include "watcher.h"

G_BEGIN_DECLS

/* How a side's process was obtained. */
typedef enum {
    PM_SOURCE_NONE = 0,
    PM_SOURCE_LIVE,           /* looked up on this host when the frame was first dissected */
    PM_SOURCE_STREAM,         /* an earlier frame of the same stream was resolved */
    PM_SOURCE_STREAM_LATER,   /* a later frame of the same stream was resolved */
    PM_SOURCE_PROCMAP_CAPTURE,/* carried in the capture: procmap's own comments */
    PM_SOURCE_DARWIN,         /* carried in the capture: Darwin process blocks (macOS) */
    PM_SOURCE_PTCPDUMP,       /* carried in the capture: ptcpdump's comments */
    PM_SOURCE_ETL2PCAPNG,     /* carried in the capture: etl2pcapng's comments (Windows) */
    PM_SOURCE_PCAPD,          /* carried in the capture: iOS pcapd's comments */
    PM_SOURCE_PCAPDROID,      /* carried in the capture: PCAPdroid's trailer or uid (Android) */
    PM_SOURCE_TCPSHARK,       /* carried in the capture: tcpshark's trailer */
    PM_SOURCE_ECAPTURE,       /* carried in the capture: eCapture's trailer */
    PM_SOURCE_PIB,            /* carried in the capture: a process information block
                               * the packet names by its pid (another writer's) */
    PM_SOURCE_COUNT
} pm_source;

typedef enum {
    PM_LIVE_AUTO = 0,   /* only frames captured within the window of now */
    PM_LIVE_ALWAYS,
    PM_LIVE_NEVER
} pm_live_mode;

/* Where a frame was captured, as far as the glue can tell (capture_host.h):
 * live lookups ask this host, so they are made only for frames captured
 * here. */
typedef enum {
    PM_CAPTURED_HERE = 0,       /* a live capture of this host's interfaces */
    PM_CAPTURED_ELSEWHERE,      /* another host (sshdump, udpdump, rpcap, ...) */
    PM_CAPTURED_UNKNOWN         /* a file, a pipe, an unknown source */
} pm_capture_host;

typedef struct {
    pm_live_mode live_mode;
    gint64       live_window_us;
} pm_frame_policy;

typedef struct {
    pm_process *process;      /* borrowed from the engine; NULL if none */
    guint32     uid;
    guint16     owner_count;
    guint8      source;       /* pm_source */
    guint8      reason;       /* pm_reason: why there is no process */
    guint8      match;        /* pm_match */
    guint8      has_uid : 1;
    guint8      v6only_assumed : 1;
} pm_frame_side;

/* What the glue knows of a frame's transport header. */
typedef struct {
    guint32      frame_number;   /* 1-based */
    pm_transport transport;
    pm_endpoint  src;            /* for an ICMP error: the quoted packet's */
    pm_endpoint  dst;
    gboolean     has_stream;
    guint32      stream;         /* tcp.stream / udp.stream */
    gboolean     icmp_quoted;    /* the header is quoted inside an ICMP error */
    gint64       frame_time_us;  /* capture time, wall clock */
    pm_capture_host capture_host;/* where the frame was captured */
    /* What the capture file carries (see carried.h); all optional. */
    const char *const *comments; /* the packet's comments */
    guint        n_comments;
    const pm_carried_darwin *darwin;
    const pm_carried_tag *tag;   /* a trailer, PCAPdroid's uid (carried_trailer.h) */
    pm_direction direction;      /* the pcapng direction flag */
    /* No TCP/UDP header: src and dst hold the addresses only (or none), and
     * only a carried process is shown (an ICMP echo from ptcpdump). */
    gboolean     no_transport;
} pm_frame_input;

typedef struct {
    pm_frame_side src;           /* the frame's source and destination */
    pm_frame_side dst;
    pm_frame_side either;        /* a carried process whose end is not known */
    /* What the packet says of its moment (thread, Darwin's effective
     * process), per slot (PM_CARRIED_SRC, _DST, _EITHER); NULL if nothing. */
    const pm_carried_context *context[PM_CARRIED_SLOTS];
    gboolean      carried;       /* the answer came from the capture file */
    /* What is wrong with what the capture carries for the frame, answer or
     * not: the first malformed value described ("a malformed or
     * out-of-range PID"; NULL if none), and a reference to a process block
     * the file does not have.  Valid until the next reset. */
    const char   *carried_malformed;
    gboolean      carried_unresolved;
    gboolean      answered;      /* FALSE: no transport header and nothing carried */
    gboolean      icmp_quoted;
    gboolean      first_pass;    /* computed by this call */
} pm_frame_view;

typedef struct pm_frame_engine pm_frame_engine;

pm_frame_engine *pm_frame_engine_new(void);
void pm_frame_engine_free(pm_frame_engine *engine);
/* Forgets every frame (a new capture file). */
void pm_frame_engine_reset(pm_frame_engine *engine);
/* How many distinct stored answers the frames share (a frame keeps a 4-byte
 * reference to one): for tests and the memory figures. */
guint pm_frame_engine_distinct_records(pm_frame_engine *engine);

/* Whether @frame_number has a stored answer: later dissections need not
 * gather what only the first one uses (stream, carried data, the time).
 * FALSE again for a frame whose carried set the bounded cache forgot. */
gboolean pm_frame_engine_known(pm_frame_engine *engine, guint32 frame_number);

/* The carried cache's budget (default PM_CARRIED_CACHE_ENTRIES and _BYTES),
 * before the first frame; and how many sets it holds now. */
void pm_frame_engine_set_carried_budget(pm_frame_engine *engine, guint max_entries,
                                        gsize max_bytes);
guint pm_frame_engine_carried_entries(pm_frame_engine *engine);

/* Attributes a frame the first time, and returns the stored answer after.
 * @watcher may be NULL (no live lookups possible).  Pointers in @out stay
 * valid until the next call (a carried set may be forgotten then, see
 * carried_cache.h).  After the first time only @input's frame_number, src,
 * dst and no_transport are read - and what it carries when
 * pm_frame_engine_known() said FALSE: the stream is the one the first time
 * saw. */
void pm_frame_engine_attribute(pm_frame_engine *engine, pm_watcher *watcher,
                               const pm_frame_policy *policy, const pm_frame_input *input,
                               gint64 now_us, pm_frame_view *out);

/* The user name of a uid seen in an answer, or NULL. */
const char *pm_frame_engine_user_name(pm_frame_engine *engine, guint32 uid);

const char *pm_source_name(pm_source source);
const char *pm_source_description(pm_source source);

G_END_DECLS

#endif /* PROCMAP_FRAME_ATTRIBUTION_H */
