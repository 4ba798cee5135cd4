/* netlink_private.h - what the files of the netlink backend share
 * (internal: netlink.c dumps, netlink_lookup.c exact lookups).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_NETLINK_PRIVATE_H
#define PROCMAP_NETLINK_PRIVATE_H

#include "netlink.h"

G_BEGIN_DECLS

/* The kernel fills dump datagrams up to the largest buffer the reader has
 * offered, capped near 32 KiB; ss and libnetlink read with 32 KiB too. */
#define RECV_BUFFER_SIZE (32 * 1024)
/* A datagram can never exceed the socket's receive buffer; past this the
 * peer is not a kernel we understand. */
#define RECV_BUFFER_MAX  (16 * 1024 * 1024)
/* A kernel answers a dump at once; a silent peer must not hang the caller. */
#define REPLY_TIMEOUT_S  5
#define REQUEST_MAX      128

typedef struct {
    pm_backend  base;
    pm_backend *procfs;        /* owners, processes, users, fallback tables */
    pm_netlink_open_fn open_fn;
    gpointer    open_data;
    guint8     *buffer;
    gsize       buffer_cap;
    guint32     seq;
    /* Set once netlink was refused: procfs from then on. */
    gboolean    sockets_via_procfs[PM_TRANSPORT_COUNT];
    gboolean    addresses_via_procfs;
    /* Exact lookups (find_socket): one socket kept open between them, and
     * allowed for a transport once a netlink dump of it has worked. */
    int         lookup_fd;
    gboolean    lookups_work[PM_TRANSPORT_COUNT];
    gboolean    lookups_refused[PM_TRANSPORT_COUNT]; /* the kernel said no: for good */
    GArray     *interfaces;    /* of address_interface, from the latest address dump */
    /* Conntrack (netlink_conntrack.c): how to ask, and a final answer once
     * the kernel refused (NO_PERMISSION, UNAVAILABLE; FOUND: none yet). */
    pm_conntrack_fn     conntrack_fn;
    gpointer            conntrack_data;
    GDestroyNotify      conntrack_destroy;
    pm_conntrack_result conntrack_final;
    /* Address notifications (netlink_notify.c): the subscribed socket, or -1. */
    int         address_watch_fd;
} netlink_backend;

/* Which interface holds a local address. */
typedef struct {
    pm_addr addr;
    guint32 ifindex;
} address_interface;

/* What went wrong in a dump. */
typedef struct {
    int         err;       /* an errno, or 0 for a reply that does not parse */
    const char *what;      /* the step or the fault, for the diag message */
    gboolean    refused;   /* before any reply data: the kernel said no */
} dump_failure;

/* A socket from the opener, with a reply timeout; -1 and *@err on failure. */
int pm_netlink_open_socket(netlink_backend *self, int protocol, int *err);
gboolean pm_netlink_send_request(int fd, const guint8 *request, gsize len,
                                 dump_failure *failure);
/* Reads one whole datagram into the buffer. */
gboolean pm_netlink_recv_datagram(netlink_backend *self, int fd, gsize *len,
                                  dump_failure *failure);
const char *pm_netlink_failure_reason(const dump_failure *failure);
/* Errors that may pass (ENOBUFS, EINTR...): retrying later is right. */
gboolean pm_netlink_transient_errno(int err);

/* netlink_lookup.c: the find_socket operation. */
pm_find_result pm_netlink_find_socket(pm_backend *backend, pm_transport transport,
                                      const pm_endpoint *local, const pm_endpoint *remote,
                                      pm_socket *out, pm_diag *diag);

/* netlink_conntrack.c: the find_connection operation. */
pm_conntrack_result pm_netlink_find_connection(pm_backend *backend, pm_transport transport,
                                               const pm_endpoint *a, const pm_endpoint *b,
                                               pm_connection *out, pm_diag *diag);
void pm_netlink_conntrack_clear(netlink_backend *self);

/* netlink_notify.c: subscribes (once, if this process's namespace is the
 * backend's) and forgets what was already pending, before an address dump. */
void pm_netlink_watch_addresses(netlink_backend *self, pm_diag *diag);
pm_changes pm_netlink_local_addresses_changed(pm_backend *backend, pm_diag *diag);
void pm_netlink_watch_clear(netlink_backend *self);

G_END_DECLS

#endif /* PROCMAP_NETLINK_PRIVATE_H */
