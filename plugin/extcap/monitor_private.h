/* monitor_private.h - what the files of the monitor's side share
 * (internal: monitor.c serves requests, monitor_netns.c the namespaces).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_EXTCAP_MONITOR_PRIVATE_H
#define PROCMAP_EXTCAP_MONITOR_PRIVATE_H

#include <sys/types.h>

#include "backend.h"
#include "monitor.h"

G_BEGIN_DECLS

typedef struct {
    int          sock;
    uid_t        caller;
    pm_mon_hello hello;
    int          proc_fd;          /* /proc */
    pm_backend  *procfs;           /* the owner scan */
    pm_diag      diag;             /* counted, never told: the monitor has no log */
    GArray      *wanted;           /* guint64 inodes added since the last run */
    guint        wanted_dropped;
    char        *docker_root;
    /* monitor_netns.c */
    int          own_netns_fd;
    guint64      own_userns;
    GHashTable  *ns_handles;       /* inode -> ns_handle*, from the latest list */
    GHashTable  *ns_flags;         /* inode -> PM_MON_NETNS_* + 1, kept between lists */
    /* monitor_conntrack.c */
    int          conntrack_fd;     /* ctnetlink in our own namespace; -1: not open */
    guint32      conntrack_seq;
} monitor_state;

/* Sends @reply with @n_fds descriptors; the monitor exits when the capture
 * process is gone. */
void pm_monitor_send(monitor_state *m, const pm_mon_reply *reply, const int *fds, guint n_fds);
/* A reply of @type carrying only @err. */
void pm_monitor_send_error(monitor_state *m, guint32 type, int err);

/* monitor_netns.c */
void pm_monitor_netns_init(monitor_state *m);
void pm_monitor_netns_clear(monitor_state *m);
void pm_monitor_serve_netns_list(monitor_state *m);
void pm_monitor_serve_netns_sockets(monitor_state *m, const pm_mon_request *request);
/* Runs @fn(@data) inside namespace @inode (one of the latest list), then
 * returns to ours: 0 or an errno (ENOENT: not in the list). */
int pm_monitor_in_namespace(monitor_state *m, guint64 inode, void (*fn)(gpointer), gpointer data);

/* monitor_conntrack.c */
void pm_monitor_serve_conntrack(monitor_state *m, const pm_mon_request *request);

G_END_DECLS

#endif /* PROCMAP_EXTCAP_MONITOR_PRIVATE_H */
