/* netlink_lookup.c - exact lookups of the netlink backend: the one socket
 * a packet would reach, asked of the kernel without NLM_F_DUMP (see
 * pm_nl_build_inet_diag_lookup), for a miss that would otherwise read the
 * whole table.
 *
 * One netlink socket is kept open between lookups (a lookup costs two
 * syscalls then, ~3 us, against ~9 us with a socket of its own); a reply
 * is one message, and one left behind by an abandoned lookup is skipped by
 * its sequence number.  Any failure closes the socket and answers UNKNOWN.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "netlink_private.h"
#include "netlink_parse.h"

#include <errno.h>
#include <netinet/in.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

/* At most this many interfaces are tried for one address. */
#define LOOKUP_INTERFACES_MAX 8

/* The interfaces holding @addr in the latest address dump; for a loopback
 * address outside it (127.0.0.2), those holding a loopback address of its
 * family.  0 (unbound sockets only) when none is known. */
static guint
interfaces_of(netlink_backend *self, const pm_addr *addr, guint32 *out)
{
    guint n = 0;

    for (int pass = 0; pass < 2 && n == 0; pass++) {
        for (guint i = 0; i < self->interfaces->len && n < LOOKUP_INTERFACES_MAX; i++) {
            const address_interface *where =
                &g_array_index(self->interfaces, address_interface, i);
            gboolean match = pass == 0 ? pm_addr_equal(&where->addr, addr)
                                       : pm_addr_is_loopback(addr)
                                         && where->addr.family == addr->family
                                         && pm_addr_is_loopback(&where->addr);
            gboolean seen = FALSE;

            for (guint j = 0; j < n && !seen; j++)
                seen = out[j] == where->ifindex;
            if (match && !seen)
                out[n++] = where->ifindex;
        }
    }
    if (n == 0)
        out[n++] = 0;
    return n;
}

static void
lookup_failed(netlink_backend *self, pm_transport transport, const dump_failure *failure,
              pm_diag *diag)
{
    pm_diag_note(diag, PM_DIAG_NETLINK_ERROR, PM_DIAG_LEVEL_INFO,
                 "netlink lookup of one %s socket failed (%s: %s): the table is read "
                 "whole instead", pm_transport_name(transport), failure->what,
                 pm_netlink_failure_reason(failure));
    /* A socket in an unknown state is not reused. */
    if (self->lookup_fd >= 0)
        close(self->lookup_fd);
    self->lookup_fd = -1;
}

/* One lookup on one interface. */
static pm_find_result
lookup_once(netlink_backend *self, pm_transport transport, const pm_endpoint *local,
            const pm_endpoint *remote, guint32 ifindex, pm_socket *out, pm_diag *diag)
{
    guint8 request[REQUEST_MAX];
    guint32 seq = ++self->seq;
    dump_failure failure = { 0, NULL, FALSE };
    gsize len = pm_nl_build_inet_diag_lookup(request, sizeof request,
                                             transport == PM_TRANSPORT_TCP ? IPPROTO_TCP
                                                                           : IPPROTO_UDP,
                                             local, remote, ifindex, seq);

    if (len == 0)
        return PM_FIND_UNKNOWN;
    if (self->lookup_fd < 0)
        self->lookup_fd = pm_netlink_open_socket(self, NETLINK_SOCK_DIAG, &failure.err);
    if (self->lookup_fd < 0) {
        failure.what = "opening a socket";
        lookup_failed(self, transport, &failure, diag);
        return PM_FIND_UNKNOWN;
    }
    if (!pm_netlink_send_request(self->lookup_fd, request, len, &failure)) {
        lookup_failed(self, transport, &failure, diag);
        return PM_FIND_UNKNOWN;
    }
    /* The kernel answers a lookup with one message: the socket, or an
     * error (ENOENT: none).  Messages of an earlier, abandoned lookup are
     * skipped by their sequence number. */
    for (;;) {
        gsize got, offset = 0;
        pm_nl_message msg;
        pm_nl_next_result next;
        int err;

        if (!pm_netlink_recv_datagram(self, self->lookup_fd, &got, &failure)) {
            lookup_failed(self, transport, &failure, diag);
            return PM_FIND_UNKNOWN;
        }
        while ((next = pm_nl_next_message(self->buffer, got, &offset, &msg)) == PM_NL_NEXT_OK) {
            if (msg.seq != seq)
                continue;
            switch (pm_nl_classify(&msg, &err)) {
            case PM_NL_KIND_ACK:
            case PM_NL_KIND_NOOP:
                continue;
            case PM_NL_KIND_ERROR:
                if (err == ENOENT)
                    return PM_FIND_ABSENT;
                failure.err = err;
                failure.what = "the kernel's reply";
                /* A kernel that refuses lookups (an LSM, an old kernel) is
                 * not asked again. */
                self->lookups_refused[transport] = !pm_netlink_transient_errno(err);
                lookup_failed(self, transport, &failure, diag);
                return PM_FIND_UNKNOWN;
            case PM_NL_KIND_DATA:
                if (msg.type != SOCK_DIAG_BY_FAMILY)
                    break;
                switch (pm_nl_parse_inet_diag(msg.payload, msg.payload_len, out)) {
                case PM_NL_ROW_OK:
                    return PM_FIND_FOUND;
                case PM_NL_ROW_SKIP:
                    /* Inode 0: a TIME_WAIT or request socket stands there,
                     * which the tables never index. */
                    return PM_FIND_UNKNOWN;
                case PM_NL_ROW_MALFORMED:
                    break;
                }
                break;
            case PM_NL_KIND_DONE:
            case PM_NL_KIND_MALFORMED:
                break;
            }
            failure.err = 0;
            failure.what = "a reply message";
            lookup_failed(self, transport, &failure, diag);
            return PM_FIND_UNKNOWN;
        }
        if (next == PM_NL_NEXT_MALFORMED) {
            failure.err = 0;
            failure.what = "a reply datagram (bad message length)";
            lookup_failed(self, transport, &failure, diag);
            return PM_FIND_UNKNOWN;
        }
    }
}

pm_find_result
pm_netlink_find_socket(pm_backend *backend, pm_transport transport, const pm_endpoint *local,
                    const pm_endpoint *remote, pm_socket *out, pm_diag *diag)
{
    netlink_backend *self = (netlink_backend *)backend;
    guint32 ifindexes[LOOKUP_INTERFACES_MAX];
    guint n;

    if ((unsigned)transport >= PM_TRANSPORT_COUNT || !self->lookups_work[transport]
        || self->lookups_refused[transport])
        return PM_FIND_UNKNOWN;
    /* An unbound socket answers on any interface, a bound one only on its
     * own: ask on the interfaces of the local address. */
    n = interfaces_of(self, &local->addr, ifindexes);
    for (guint i = 0; i < n; i++) {
        pm_find_result result = lookup_once(self, transport, local, remote, ifindexes[i],
                                            out, diag);
        if (result != PM_FIND_ABSENT)
            return result;
    }
    return PM_FIND_ABSENT;
}
