/* history.h - which process used which socket, and when.
 *
 * The capture-time memory of socket events (eBPF, or the netlink poller):
 * (transport, local end, remote end) -> the processes that used it, each
 * with the time it was first and last seen and, for TCP, when it closed.  A
 * packet resolves against the socket that existed when it was captured,
 * even if the socket closed (and the process exited) microseconds later.
 *
 * Unconnected sockets (UDP, a listener) have an any-address remote end with
 * port 0; they match a packet through its local end alone, and only when the
 * packet's address is local to the socket's network namespace (@is_local).
 *
 * Thread-safe (one mutex): event sources put, the capture thread looks up.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_HISTORY_H
#define PROCMAP_EXTCAP_HISTORY_H

#include <glib.h>

#include "backend.h"
#include "process.h"
#include "watcher.h"

G_BEGIN_DECLS

typedef enum {
    PM_ORIGIN_POLL = 0,     /* a socket-table poll saw it (fallback source) */
    PM_ORIGIN_EBPF_CONNECT,
    PM_ORIGIN_EBPF_SEND,
    PM_ORIGIN_EBPF_RECV
} pm_history_origin;

/* An entry answers a packet this long before it was first seen: an event
 * can follow its packet (sock_send_length fires after the send), a poll
 * comes up to one interval late. */
#define PM_HISTORY_EARLY_US   (2 * G_USEC_PER_SEC)
/* A closed TCP socket still answers its last packets (FIN, the final ACK
 * sent from TIME_WAIT) this long after it closed. */
#define PM_HISTORY_CLOSED_GRACE_US (60 * G_USEC_PER_SEC)
/* Entries not seen again for this long are forgotten (a socket still open
 * is then found by a live lookup). */
#define PM_HISTORY_IDLE_US    (120 * G_USEC_PER_SEC)

typedef struct pm_history pm_history;

typedef gboolean (*pm_history_is_local_fn)(guint32 netns, const pm_addr *addr,
                                           gpointer user_data);

typedef struct {
    pm_process       *process;  /* a reference */
    pm_match          match;    /* PM_MATCH_TUPLE, _EXACT, _ANY or _DUAL_STACK */
    pm_history_origin origin;
    guint32           netns;
    guint32           tid;      /* the thread seen using it; 0 if unknown */
    gint64            first_us;
} pm_history_hit;

pm_history *pm_history_new(void);
void pm_history_free(pm_history *history);

/* Records that @process (referenced, not consumed) used the socket at
 * @time_us.  @remote NULL (or any-address, port 0): unconnected.  The same
 * process on the same open entry only moves last-seen. */
void pm_history_put(pm_history *history, pm_transport transport, const pm_endpoint *local,
                    const pm_endpoint *remote, guint32 netns, pm_process *process,
                    guint32 tid, pm_history_origin origin, gint64 time_us);

/* The TCP tuple closed at @time_us: its open entries stop answering packets
 * later than PM_HISTORY_CLOSED_GRACE_US after it. */
void pm_history_close(pm_history *history, const pm_endpoint *local,
                      const pm_endpoint *remote, gint64 time_us);

/* The process of the local end @local of a packet to or from @remote at
 * @time_us: the full tuple first, then @local unconnected, then the
 * any-address of its family, then (IPv4) a "::" socket.  FALSE when none;
 * @out must be cleared with pm_history_hit_clear() either way. */
gboolean pm_history_lookup(pm_history *history, pm_transport transport,
                           const pm_endpoint *local, const pm_endpoint *remote, gint64 time_us,
                           pm_history_is_local_fn is_local, gpointer is_local_data,
                           pm_history_hit *out);
void pm_history_hit_clear(pm_history_hit *hit);

/* Forgets entries idle or closed for long enough before @now_us. */
void pm_history_expire(pm_history *history, gint64 now_us);

guint pm_history_size(pm_history *history);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_HISTORY_H */
