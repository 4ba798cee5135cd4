/* watcher.h - which local process owns each end of a packet's tuple.
 *
 * The watcher keeps, per transport, a table of local sockets and their owner
 * processes, built from a backend (see backend.h) and refreshed on a miss under
 * Packetbeat's procs rules, minus its known failures:
 *
 *  - an end is looked up only when its address is local; local addresses are
 *    re-read at every refresh, and when a packet newer than what the watcher
 *    knows has an address not known as local: at once if the backend says
 *    they changed (netlink notifications), at most every
 *    `min_refresh_interval` if it cannot tell;
 *  - lookup order: (1) the connection itself (full tuple, connected
 *    sockets); (2) conntrack: the connection of the packet, before and after
 *    NAT - when it translates this end, the socket is looked up by its own
 *    ends (the translated tuple) in the order of (1) and (3), match
 *    CONNTRACK, and an end translated to an address that is not local is
 *    FORWARDED (its process is elsewhere), never a local listener's;
 *    (3) exact local address, any-address of the family, for IPv4 a
 *    dual-stack "::" socket; (4) only when conntrack could not be asked
 *    (no permission, no conntrack, its budget spent): Packetbeat's
 *    local-endpoint rule - the connected socket whose local end is this
 *    end, if it is the only connected socket there (match LOCAL_ENDPOINT;
 *    never where the end is shared, as by a listener's accepted sockets).
 *    An answer of conntrack, translated or not, is final: a packet it does
 *    not translate is never matched by its local endpoint alone;
 *  - conntrack answers are cached per packet tuple for `mapping_ttl`,
 *    judged at the packet's time like mappings, and asked at most
 *    `exact_lookups_per_interval` times per min_refresh_interval (a budget
 *    of their own);
 *  - an endpoint mapping lives `mapping_ttl` (10 s) after the refresh that
 *    last saw it, judged at the packet's time (never later than now); a
 *    refresh that finds the same socket again renews it;
 *  - process records are cached `process_ttl` (30 s), keyed by (pid, start
 *    time) so a recycled pid never inherits an old identity;
 *  - a refresh scans processes' fds only for the sockets whose owners it
 *    does not know (new ones, and those whose owners exited), stopping once
 *    each has one, when the backend can tell cheaply that an owner still
 *    lives (process_start); a whole scan runs at least every `mapping_ttl`,
 *    so an owner kept from an earlier scan is never older than a mapping;
 *  - a miss refreshes only when the table is older than the packet and the
 *    last refresh ended at least `min_refresh_interval` (250 ms) ago;
 *  - when the backend can look up one socket (find_socket: netlink), such a
 *    miss asks for the missed tuple first, up to `exact_lookups_per_interval`
 *    (250) times per min_refresh_interval: no socket answers NO_SOCKET with
 *    no refresh (unless the local-endpoint rule may apply and the table
 *    knows no connected socket on that end: then the refresh rule decides);
 *    a connected socket whose owners the latest refresh found (less than
 *    `process_ttl` ago) answers from them; anything else falls to the
 *    refresh rule.  A miss past that budget is REFRESH_SUPPRESSED, so a
 *    storm of misses to closed ports costs a few lookups, not refreshes.
 *    Sockets bound to a device answer only on the interfaces holding the
 *    local address (see netlink_lookup.c).
 *
 * Not thread-safe: one watcher per thread (Wireshark dissects on one thread).
 * Times are wall-clock microseconds (g_get_real_time() by default), because
 * packet times are wall-clock too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_WATCHER_H
#define PROCMAP_WATCHER_H

#include <glib.h>

#include "backend.h"
#include "process.h"

G_BEGIN_DECLS

typedef struct pm_watcher pm_watcher;

typedef gint64 (*pm_clock_fn)(gpointer user_data);

typedef struct {
    gint64 mapping_ttl_us;          /* default 10 s */
    gint64 process_ttl_us;          /* default 30 s */
    gint64 min_refresh_interval_us; /* default 250 ms; 0 refreshes on every miss */
    /* Refresh on a miss even when the table is newer than the packet
     * (Packetbeat's behaviour; only for benchmarks).  No exact lookups then. */
    gboolean refresh_on_every_miss;
    /* Exact lookups (backend find_socket) allowed per min_refresh_interval
     * before misses are suppressed; default 250; 0 turns them off (every
     * such miss goes to the refresh rule, as before they existed). */
    guint    exact_lookups_per_interval;
} pm_watcher_config;

void pm_watcher_config_init(pm_watcher_config *config);

/* Which socket answered for an end. */
typedef enum {
    PM_MATCH_NONE = 0,
    PM_MATCH_TUPLE,        /* a connected socket with this exact local and remote end */
    PM_MATCH_EXACT,        /* a socket bound to this local address and port */
    PM_MATCH_ANY,          /* a socket bound to 0.0.0.0 or :: on this port */
    PM_MATCH_DUAL_STACK,   /* an IPv4 packet reaching a :: socket that accepts IPv4 */
    PM_MATCH_CONNTRACK,    /* NAT: the socket of the tuple conntrack translates to */
    PM_MATCH_LOCAL_ENDPOINT, /* the only connected socket with this local end
                              * (Packetbeat's rule; conntrack could not be asked) */
    PM_MATCH_COUNT
} pm_match;

/* Why an end has no process: one vocabulary for the procmap tool, the
 * plugin's procmap.*.reason fields and the docs.  A lookup gives the first
 * ones; the frame engine (plugin/epan/frame_attribution.h) adds those only a
 * frame can have. */
typedef enum {
    PM_REASON_FOUND = 0,          /* it has one */
    PM_REASON_NOT_LOCAL,          /* the address is not one of this host's */
    PM_REASON_NO_SOCKET,          /* a table newer than the packet has no such socket */
    PM_REASON_NO_PERMISSION,      /* the socket exists; its owner's fds are not ours to read */
    PM_REASON_OWNER_GONE,         /* the socket exists; no process holds it any more */
    PM_REASON_REFRESH_SUPPRESSED, /* a miss, but the last refresh was too recent */
    PM_REASON_BACKEND_FAILED,     /* the socket table could not be read at all */
    PM_REASON_FORWARDED,          /* NAT sends this end to an address not of this host */
    /* Only for frames: */
    PM_REASON_TOO_OLD,            /* captured too long ago for a live lookup to be true */
    PM_REASON_LIVE_OFF,           /* live lookups are set to "never" */
    PM_REASON_ICMP_ERROR,         /* the source of an ICMP error is a network stack */
    PM_REASON_SIDE_UNKNOWN,       /* the capture names a process but not at which end */
    PM_REASON_NOT_CARRIED,        /* the capture names a process at the other end only */
    PM_REASON_OTHER_HOST,         /* captured on another host: this one's sockets say nothing */
    PM_REASON_HOST_UNKNOWN,       /* where it was captured is not known (a file, a pipe) */
    PM_REASON_COUNT
} pm_reason;

/* What conntrack said of an end's packet. */
typedef enum {
    PM_NAT_NOT_ASKED = 0,   /* the connection itself answered, or no remote end */
    PM_NAT_NONE,            /* not translated for this end (or not tracked: never NAT'ed) */
    PM_NAT_TRANSLATED,      /* translated: the socket's ends are socket_local/socket_remote */
    PM_NAT_NO_PERMISSION,   /* conntrack refuses: CAP_NET_ADMIN is needed */
    PM_NAT_UNAVAILABLE,     /* no conntrack here, or the backend cannot ask it */
    PM_NAT_FAILED,          /* the lookup failed this time */
    PM_NAT_BUSY             /* the conntrack lookups of the interval were spent */
} pm_nat_state;

/* The words ("tuple", "no-socket") are what the tool prints and the
 * plugin's fields hold; "unknown" for a value out of range. */
const char *pm_match_name(pm_match match);
const char *pm_nat_state_name(pm_nat_state state);
/* A sentence for a user: "not asked (the connection itself answered)", ... */
const char *pm_nat_state_description(pm_nat_state state);
const char *pm_reason_name(pm_reason reason);
/* Words for a user: "a socket bound to this address and port", "not a
 * local address", ... */
const char *pm_match_description(pm_match match);
const char *pm_reason_description(pm_reason reason);

typedef struct {
    pm_reason   reason;
    pm_match    match;
    pm_process *process;      /* a reference, or NULL; the chosen owner */
    guint       owner_count;  /* processes sharing the socket (fork, SO_REUSEPORT) */
    gboolean    has_uid;      /* the socket's uid, known even without an owner */
    guint32     uid;
    const char *user;         /* user name of uid, or NULL; borrowed, valid until
                               * the answer is cleared or the watcher flushed */
    guint64     inode;
    gboolean    v6only_assumed; /* a dual-stack match the backend could not confirm */
    gint64      socket_seen_us; /* the last refresh that saw the socket */
    /* In the same epoch (pm_watcher_epoch), the same lookup for a packet
     * before this time gives this answer: a table hit whose conntrack
     * answer (if asked) is settled, or an address known not to be local.
     * 0: no such promise (asked anew each time). */
    gint64      stable_until_us;
    pm_nat_state nat;         /* what conntrack said */
    /* NAT_TRANSLATED: the socket's own ends, and which rule found its
     * socket (TUPLE, EXACT, ANY, DUAL_STACK; NONE when none did, with a
     * reason); match is CONNTRACK then. */
    pm_endpoint socket_local;
    pm_endpoint socket_remote;
    pm_match    socket_match;
} pm_endpoint_answer;

typedef struct {
    pm_endpoint_answer src;
    pm_endpoint_answer dst;
} pm_tuple_answer;

void pm_endpoint_answer_clear(pm_endpoint_answer *answer);
void pm_tuple_answer_clear(pm_tuple_answer *answer);

/* Takes ownership of @backend.  @clock may be NULL (g_get_real_time). */
pm_watcher *pm_watcher_new(pm_backend *backend, const pm_watcher_config *config,
                           pm_clock_fn clock, gpointer clock_data);
void pm_watcher_free(pm_watcher *watcher);

void pm_watcher_set_config(pm_watcher *watcher, const pm_watcher_config *config);
/* Replaces the alias rules (copied).  Records already made keep their names;
 * call pm_watcher_flush() to re-read them. */
void pm_watcher_set_aliases(pm_watcher *watcher, const pm_alias_rule *rules, guint n_rules);
void pm_watcher_set_diag_sink(pm_watcher *watcher, pm_diag_sink sink, gpointer user_data);
pm_diag *pm_watcher_diag(pm_watcher *watcher);
/* Forgets every mapping and process record. */
void pm_watcher_flush(pm_watcher *watcher);

/* Attribute both ends of a packet seen at @packet_time_us.  Each end is
 * looked up independently. */
void pm_watcher_lookup_tuple(pm_watcher *watcher, pm_transport transport,
                             const pm_endpoint *src, const pm_endpoint *dst,
                             gint64 packet_time_us, pm_tuple_answer *out);

/* Attribute one local end; @remote may be NULL (no full-tuple match). */
void pm_watcher_lookup_endpoint(pm_watcher *watcher, pm_transport transport,
                                const pm_endpoint *local, const pm_endpoint *remote,
                                gint64 packet_time_us, pm_endpoint_answer *out);

gboolean pm_watcher_is_local(pm_watcher *watcher, const pm_addr *addr);

/* A number that changes whenever anything a lookup reads may have changed:
 * a refresh, a socket an exact lookup put in the table, the local
 * addresses read again, a conntrack answer, configuration, aliases, a
 * flush.  Expired entries need no change: an answer's stable_until_us is
 * the same expiry rule.  No two watchers of a process share an epoch. */
guint64 pm_watcher_epoch(pm_watcher *watcher);

/* Counts @n answers a caller reused within an epoch instead of looking up
 * again (stats.answers_reused): the lookups counter stays what was asked. */
void pm_watcher_note_reused(pm_watcher *watcher, guint n);

/* The user name of @uid as answers give it (user_names.h), or NULL; valid
 * until the watcher is flushed. */
const char *pm_watcher_user_name(pm_watcher *watcher, guint32 uid);

/* Rebuild the tables now, whatever the refresh rule says. */
gboolean pm_watcher_refresh(pm_watcher *watcher, GError **error);

typedef struct {
    guint64 lookups;
    guint64 refreshes;
    guint64 refreshes_suppressed;
    guint64 process_reads;
    guint64 process_cache_hits;
    guint   endpoint_entries[PM_TRANSPORT_COUNT];
    guint   tuple_entries[PM_TRANSPORT_COUNT];
    guint   process_records;
    gint64  table_built_us;
    guint64 exact_lookups;          /* find_socket calls for misses */
    guint64 exact_lookup_answers;   /* misses they settled without a refresh */
    gint64  refresh_time_total_us;  /* time spent refreshing, by the watcher's clock */
    gint64  refresh_time_max_us;
    guint64 conntrack_lookups;      /* find_connection calls */
    guint64 conntrack_cache_hits;   /* misses answered by a cached conntrack answer */
    guint64 conntrack_translations; /* ends found through a translated tuple */
    guint64 local_endpoint_answers; /* ends found by the local-endpoint rule */
    guint64 address_checks;         /* "did the addresses change?" for an unknown one */
    guint64 address_reads;          /* address lists read for an unknown address */
    guint64 answers_reused;         /* answers callers reused within an epoch */
    guint64 owner_scans_partial;    /* refreshes that scanned for new sockets only */
    guint64 owner_scans_skipped;    /* refreshes with no socket of unknown owner */
    guint64 owners_reused;          /* owner rows kept from the previous refresh */
} pm_watcher_stats;

void pm_watcher_get_stats(pm_watcher *watcher, pm_watcher_stats *out);

/* One row per socket seen by the latest refresh, for `procmap dump`. */
typedef struct {
    pm_transport transport;
    pm_socket    socket;
    GPtrArray   *owners;    /* of pm_process* (references), chosen owner first */
} pm_table_row;

/* Returns a GPtrArray of pm_table_row*, sorted by transport, local endpoint,
 * remote endpoint; free with g_ptr_array_unref(). */
GPtrArray *pm_watcher_snapshot(pm_watcher *watcher);

G_END_DECLS

#endif /* PROCMAP_WATCHER_H */
