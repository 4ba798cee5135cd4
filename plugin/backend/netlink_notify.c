/* netlink_notify.c - the netlink backend follows address changes: a socket
 * subscribed to rtnetlink's RTMGRP_IPV4_IFADDR and RTMGRP_IPV6_IFADDR
 * (open to any user) receives RTM_NEWADDR and RTM_DELADDR as they happen,
 * so asking whether the addresses changed costs one non-blocking recv, not
 * a dump.
 *
 * Only for a backend of this process's network namespace (the kernel
 * opener): a socket of another namespace comes from an opener that may hand
 * out one socket for everything, which must not receive notifications.
 * Without a subscription the answer is UNKNOWN.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "netlink_private.h"
#include "netlink_parse.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* Notifications are small; one that is cut still says "changed". */
#define NOTIFY_BUFFER 8192

static void
watch_failed(netlink_backend *self, const char *step, int err, pm_diag *diag)
{
    pm_diag_note(diag, PM_DIAG_NETLINK_ERROR, PM_DIAG_LEVEL_INFO,
                 "cannot follow address changes (%s: %s): the address list is read "
                 "again on a miss instead", step, g_strerror(err));
    if (self->address_watch_fd >= 0)
        close(self->address_watch_fd);
    self->address_watch_fd = -1;
}

/* Reads every pending notification: whether one was an address change;
 * FALSE and *@err on a socket error. */
static gboolean
drain(netlink_backend *self, gboolean *changed, int *err)
{
    guint8 buffer[NOTIFY_BUFFER];

    *changed = FALSE;
    for (;;) {
        ssize_t n = recv(self->address_watch_fd, buffer, sizeof buffer,
                         MSG_DONTWAIT | MSG_TRUNC);
        gsize offset = 0;
        pm_nl_message msg;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return TRUE;
        if (n < 0 && errno == ENOBUFS) {
            *changed = TRUE;        /* notifications were lost */
            continue;
        }
        if (n <= 0) {
            *err = n < 0 ? errno : ECONNRESET;
            return FALSE;
        }
        if ((gsize)n > sizeof buffer) {
            *changed = TRUE;
            continue;
        }
        while (pm_nl_next_message(buffer, (gsize)n, &offset, &msg) == PM_NL_NEXT_OK) {
            if (msg.type == RTM_NEWADDR || msg.type == RTM_DELADDR)
                *changed = TRUE;
        }
    }
}

void
pm_netlink_watch_addresses(netlink_backend *self, pm_diag *diag)
{
    struct sockaddr_nl groups;
    gboolean changed;
    int err = 0;

    if (self->open_fn != pm_netlink_open_kernel)
        return;
    if (self->address_watch_fd < 0) {
        self->address_watch_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (self->address_watch_fd < 0) {
            watch_failed(self, "socket", errno, diag);
            return;
        }
        memset(&groups, 0, sizeof groups);
        groups.nl_family = AF_NETLINK;
        groups.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
        if (bind(self->address_watch_fd, (struct sockaddr *)&groups, sizeof groups) != 0) {
            watch_failed(self, "subscribing", errno, diag);
            return;
        }
    }
    /* What is pending now is in the dump that follows. */
    if (!drain(self, &changed, &err))
        watch_failed(self, "receiving", err, diag);
}

pm_changes
pm_netlink_local_addresses_changed(pm_backend *backend, pm_diag *diag)
{
    netlink_backend *self = (netlink_backend *)backend;
    gboolean changed;
    int err = 0;

    if (self->address_watch_fd < 0)
        return PM_CHANGES_UNKNOWN;
    if (!drain(self, &changed, &err)) {
        watch_failed(self, "receiving", err, diag);
        return PM_CHANGES_UNKNOWN;
    }
    return changed ? PM_CHANGES_SOME : PM_CHANGES_NONE;
}

void
pm_netlink_watch_clear(netlink_backend *self)
{
    if (self->address_watch_fd >= 0)
        close(self->address_watch_fd);
    self->address_watch_fd = -1;
}
