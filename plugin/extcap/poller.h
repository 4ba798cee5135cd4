/* poller.h - the fallback event source: polling the socket tables.
 *
 * When eBPF cannot load, a thread polls every namespace's socket table
 * (netlink sock_diag, the watcher's owner scan) every interval and reports
 * each socket it has not reported before - and every socket again each
 * PM_POLLER_RENEW_S seconds - as a batch of pm_poll_sighting.  A socket
 * that lives for less than one interval can be missed: that is the limit
 * eBPF removes.
 *
 * Records never cross threads: a sighting carries the process as raw data
 * (pm_process_raw), and the capture thread makes the records (their
 * reference counts are not atomic).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_POLLER_H
#define PROCMAP_EXTCAP_POLLER_H

#include <glib.h>

#include "backend.h"
#include "monitor.h"
#include "netns.h"

G_BEGIN_DECLS

#define PM_POLLER_RENEW_S 30

typedef struct {
    pm_transport   transport;
    pm_endpoint    local;
    pm_endpoint    remote;      /* port 0: unconnected */
    guint32        netns;
    gint64         time_us;     /* when the poll saw it */
    pm_process_raw process;     /* the oldest owner */
    char          *user;
} pm_poll_sighting;

void pm_poll_sighting_free(pm_poll_sighting *sighting);

typedef struct pm_poller pm_poller;

/* @registry may be NULL (this namespace only).  Owners and processes come
 * from @monitor (borrowed); the polling thread holds no capability. */
pm_poller *pm_poller_new(pm_monitor *monitor, pm_netns_registry *registry, guint interval_ms);
void pm_poller_free(pm_poller *poller);

/* How many polls ran, and how long they took together. */
void pm_poller_get_stats(pm_poller *poller, guint64 *polls, guint64 *busy_us);

/* Polls readable when batches wait. */
int pm_poller_fd(pm_poller *poller);
/* The next batch (GPtrArray of pm_poll_sighting*, owned by the caller), or
 * NULL when none waits. */
GPtrArray *pm_poller_take(pm_poller *poller);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_POLLER_H */
