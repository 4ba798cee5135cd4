/* attribution.h - both ends of a captured packet, at capture time.
 *
 * An end is answered from, in this order:
 *  1. the history of socket events (eBPF, or the fallback poller): the
 *     socket that existed when the packet was captured, even if it closed;
 *  2. a live lookup (the watcher) in this network namespace, when the
 *     address is local here - listeners and sockets older than the capture;
 *  3. a live lookup in each other namespace where the address is local
 *     (containers: traffic captured on the host side of a veth or bridge);
 *  4. with eBPF, a recent packet whose end is local waits a few
 *     milliseconds for its event (an event can trail its packet), once.
 *
 * Not thread-safe: the capture thread's (sources run their own threads).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_ATTRIBUTION_H
#define PROCMAP_EXTCAP_ATTRIBUTION_H

#include <glib.h>

#include "capture_comments.h"
#include "ebpf_source.h"
#include "monitor.h"
#include "netns.h"
#include "packet_parse.h"
#include "watcher.h"

G_BEGIN_DECLS

typedef enum {
    PM_SOURCE_AUTO = 0,    /* eBPF if it loads, else netlink polling */
    PM_SOURCE_EBPF,        /* eBPF or fail */
    PM_SOURCE_NETLINK      /* netlink polling and the watcher, never eBPF */
} pm_source_choice;

gboolean pm_source_choice_parse(const char *text, pm_source_choice *out);

typedef struct {
    pm_source_choice source;
    gboolean    namespaces;        /* look into other network namespaces */
    gboolean    containers;        /* container ids from cgroups */
    guint       poll_interval_ms;  /* the fallback poller's period */
} pm_attribution_config;

void pm_attribution_config_init(pm_attribution_config *config);

typedef enum {
    PM_ANSWER_NONE = 0,
    PM_ANSWER_EVENT,       /* the history, from an eBPF event */
    PM_ANSWER_POLL,        /* the history, from a poll */
    PM_ANSWER_LIVE         /* a live lookup */
} pm_answer_kind;

typedef struct {
    pm_process    *process;   /* a reference, or NULL */
    pm_answer_kind kind;
    pm_match       match;
    guint32        netns;
    guint32        tid;       /* 0 if unknown */
} pm_side_answer;

void pm_side_answer_clear(pm_side_answer *answer);

typedef struct pm_attribution pm_attribution;

/* Everything it reads of processes and other namespaces comes from
 * @monitor (borrowed), under the monitor's policy.  @ebpf: the loaded
 * source (taken over), or NULL and @ebpf_error, why not (may be NULL: not
 * tried).  Creates no thread when @ebpf is there; the fallback poller's
 * otherwise.  The namespaces are scanned at the first tick. */
pm_attribution *pm_attribution_new(const pm_attribution_config *config, pm_monitor *monitor,
                                   pm_ebpf_source *ebpf, const GError *ebpf_error);
void pm_attribution_free(pm_attribution *attribution);

/* "eBPF: inet_sock_set_state, ..." or "netlink polling every 20 ms ...
 * (eBPF: why not)": what answers, for --extcap-config and the log. */
const char *pm_attribution_describe(pm_attribution *attribution);
gboolean pm_attribution_uses_ebpf(pm_attribution *attribution);

/* Descriptors that poll readable when events wait (-1 entries: none). */
void pm_attribution_fds(pm_attribution *attribution, int fds[2]);
/* Takes in every waiting event. */
void pm_attribution_drain(pm_attribution *attribution);

/* Both ends of @tuple captured at @time_us. */
void pm_attribution_resolve(pm_attribution *attribution, const pm_packet_tuple *tuple,
                            gint64 time_us, pm_side_answer *src, pm_side_answer *dst);

/* The comment subject of an answer (pointers valid until the next tick). */
void pm_attribution_subject(pm_attribution *attribution, const pm_side_answer *answer,
                            pm_comment_subject *out);

/* Housekeeping, about once a second (and once when the capture has
 * opened): expiry, new namespaces, the clock. */
void pm_attribution_tick(pm_attribution *attribution);
/* Watchers for the namespaces a tick found but had no budget left for:
 * called at every turn of the capture loop, so that on a loaded host they
 * come within a fraction of a second, not one a tick.  Cheap when none is
 * pending. */
void pm_attribution_catch_up(pm_attribution *attribution);

typedef struct {
    guint64 events;             /* socket events taken in */
    guint64 sightings;          /* poll sightings taken in */
    guint64 answers[4];         /* per pm_answer_kind */
    guint64 event_waits;        /* misses that waited for an event */
    guint64 conntrack_answers;  /* ends found by the socket's own tuple, NAT undone */
    guint64 local_endpoint_answers; /* ends found by Packetbeat's local-endpoint rule */
    guint64 polls;              /* fallback polls done, and their time */
    guint64 poll_busy_us;
    guint   history_entries;
    guint   namespaces;         /* other namespaces watched */
    guint   namespaces_skipped; /* in use, past the limit of watched ones */
} pm_attribution_stats;

void pm_attribution_get_stats(pm_attribution *attribution, pm_attribution_stats *out);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_ATTRIBUTION_H */
