/* netlink_conntrack.c - the netlink backend's find_connection: conntrack
 * asked through the function the backend was given (conntrack.h), a final
 * refusal remembered and told once.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "netlink_private.h"
#include "conntrack.h"

void
pm_netlink_backend_set_conntrack(pm_backend *backend, pm_conntrack_fn fn, gpointer user_data,
                                 GDestroyNotify destroy)
{
    netlink_backend *self = (netlink_backend *)backend;

    pm_netlink_conntrack_clear(self);
    self->conntrack_fn = fn;
    self->conntrack_data = user_data;
    self->conntrack_destroy = destroy;
    self->conntrack_final = PM_CONNTRACK_FOUND;
}

void
pm_netlink_conntrack_clear(netlink_backend *self)
{
    if (self->conntrack_destroy && self->conntrack_data)
        self->conntrack_destroy(self->conntrack_data);
    self->conntrack_fn = NULL;
    self->conntrack_data = NULL;
    self->conntrack_destroy = NULL;
}

pm_conntrack_result
pm_netlink_find_connection(pm_backend *backend, pm_transport transport, const pm_endpoint *a,
                           const pm_endpoint *b, pm_connection *out, pm_diag *diag)
{
    netlink_backend *self = (netlink_backend *)backend;
    pm_conntrack_result result;
    int err = 0;

    if (self->conntrack_fn == NULL)
        return PM_CONNTRACK_UNAVAILABLE;
    if (self->conntrack_final != PM_CONNTRACK_FOUND)
        return self->conntrack_final;
    result = self->conntrack_fn(transport, a, b, out, &err, self->conntrack_data);
    switch (result) {
    case PM_CONNTRACK_FOUND:
    case PM_CONNTRACK_ABSENT:
        break;
    case PM_CONNTRACK_NO_PERMISSION:
        self->conntrack_final = result;
        pm_diag_note(diag, PM_DIAG_CONNTRACK, PM_DIAG_LEVEL_INFO,
                     "conntrack cannot be asked (%s: it needs CAP_NET_ADMIN): NAT'ed "
                     "connections are found by their local endpoint only",
                     g_strerror(err));
        break;
    case PM_CONNTRACK_UNAVAILABLE:
        self->conntrack_final = result;
        pm_diag_note(diag, PM_DIAG_CONNTRACK, PM_DIAG_LEVEL_INFO,
                     "no conntrack to ask (%s): NAT'ed connections are found by their "
                     "local endpoint only", g_strerror(err));
        break;
    case PM_CONNTRACK_FAILED:
        /* Counted, not told: the one message is for a final refusal. */
        pm_diag_note(diag, PM_DIAG_CONNTRACK, PM_DIAG_LEVEL_DEBUG,
                     "a conntrack lookup failed (%s): that packet is looked up as it is",
                     err ? g_strerror(err) : "malformed reply");
        break;
    }
    return result;
}
