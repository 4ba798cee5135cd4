/* netlink.c - the netlink backend: socket and address dumps over netlink,
 * everything else delegated to a procfs backend on the same proc root.
 *
 * One netlink socket per call (like ss): a dump abandoned midway leaves no
 * state behind to confuse the next call.  Replies are read whole - the size
 * of each datagram is peeked first (MSG_PEEK | MSG_TRUNC) and the buffer
 * grows to fit - so a message is never parsed from a cut datagram.  Not
 * thread-safe: the receive buffer is shared by calls, like procfs's.
 * Exact lookups (find_socket) are in netlink_lookup.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "netlink_private.h"
#include "conntrack.h"
#include "netlink_parse.h"
#include "procfs.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

/* Errors that may pass: retrying next time is right, giving up netlink for
 * good is not.  Any other error opening or starting a dump means netlink is
 * not available here (no diag module, a seccomp filter, an LSM...). */
gboolean
pm_netlink_transient_errno(int err)
{
    switch (err) {
    case EMFILE: case ENFILE: case ENOBUFS: case ENOMEM: case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EBUSY: case EINTR:
        return TRUE;
    default:
        return FALSE;
    }
}

const char *
pm_netlink_failure_reason(const dump_failure *failure)
{
    return failure->err ? g_strerror(failure->err) : "malformed reply";
}

/* ---- I/O ---------------------------------------------------------------- */

int
pm_netlink_open_kernel(int protocol, gpointer user_data)
{
    struct sockaddr_nl kernel;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);

    if (fd < 0)
        return -1;
    memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;  /* nl_pid 0: the kernel */
    if (connect(fd, (struct sockaddr *)&kernel, sizeof kernel) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    return fd;
}

int
pm_netlink_open_socket(netlink_backend *self, int protocol, int *err)
{
    struct timeval timeout = { REPLY_TIMEOUT_S, 0 };
    int fd;

    errno = 0;
    fd = self->open_fn(protocol, self->open_data);
    if (fd < 0) {
        *err = errno ? errno : EIO;
        return -1;
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return fd;
}

gboolean
pm_netlink_send_request(int fd, const guint8 *request, gsize len, dump_failure *failure)
{
    ssize_t n;

    do
        n = send(fd, request, len, 0);
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)len)
        return TRUE;
    failure->err = n < 0 ? errno : EMSGSIZE;
    failure->what = "sending the request";
    failure->refused = TRUE;
    return FALSE;
}

gboolean
pm_netlink_recv_datagram(netlink_backend *self, int fd, gsize *len, dump_failure *failure)
{
    struct iovec iov = { NULL, 0 };
    struct msghdr msg;
    ssize_t n;

    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    do
        n = recvmsg(fd, &msg, MSG_PEEK | MSG_TRUNC);
    while (n < 0 && errno == EINTR);
    if (n > 0 && (gsize)n > self->buffer_cap) {
        if ((gsize)n > RECV_BUFFER_MAX) {
            failure->err = EMSGSIZE;
            failure->what = "receiving";
            return FALSE;
        }
        self->buffer_cap = ((gsize)n + 4095) & ~(gsize)4095;
        self->buffer = g_realloc(self->buffer, self->buffer_cap);
    }
    if (n > 0) {
        iov.iov_base = self->buffer;
        iov.iov_len = self->buffer_cap;
        do
            n = recvmsg(fd, &msg, 0);
        while (n < 0 && errno == EINTR);
    }
    if (n > 0 && !(msg.msg_flags & MSG_TRUNC)) {
        *len = (gsize)n;
        return TRUE;
    }
    /* 0: the peer closed (never a kernel); a cut datagram cannot be trusted. */
    failure->err = n < 0 ? errno : n == 0 ? ECONNRESET : EMSGSIZE;
    failure->what = "receiving";
    return FALSE;
}

/* Handles one data message of a dump: OK, SKIP or MALFORMED. */
typedef pm_nl_row (*row_fn)(const pm_nl_message *msg, gpointer data);

/* Sends @request (sequence @seq) and feeds each reply message to @fn until
 * NLMSG_DONE. */
static gboolean
run_dump(netlink_backend *self, int fd, const guint8 *request, gsize request_len,
         guint32 seq, row_fn fn, gpointer data, pm_diag *diag, dump_failure *failure)
{
    gboolean seen_data = FALSE;

    failure->refused = FALSE;
    if (!pm_netlink_send_request(fd, request, request_len, failure))
        return FALSE;
    for (;;) {
        gsize len, offset = 0;
        pm_nl_message msg;
        pm_nl_next_result next;

        if (!pm_netlink_recv_datagram(self, fd, &len, failure))
            return FALSE;
        while ((next = pm_nl_next_message(self->buffer, len, &offset, &msg)) == PM_NL_NEXT_OK) {
            int err;

            if (msg.seq != seq) {
                /* Not an answer to this request: never from a fresh socket,
                 * counted but harmless. */
                pm_diag_note(diag, PM_DIAG_NETLINK_ERROR, PM_DIAG_LEVEL_DEBUG,
                             "netlink message of sequence %u while waiting for %u: skipped",
                             msg.seq, seq);
                continue;
            }
            switch (pm_nl_classify(&msg, &err)) {
            case PM_NL_KIND_DONE:
                return TRUE;
            case PM_NL_KIND_ERROR:
                failure->err = err;
                failure->what = "the kernel's reply";
                failure->refused = !seen_data;
                return FALSE;
            case PM_NL_KIND_ACK:
            case PM_NL_KIND_NOOP:
                continue;
            case PM_NL_KIND_MALFORMED:
                failure->err = 0;
                failure->what = "a short error message";
                return FALSE;
            case PM_NL_KIND_DATA:
                break;
            }
            seen_data = TRUE;
            if (fn(&msg, data) == PM_NL_ROW_MALFORMED) {
                failure->err = 0;
                failure->what = "a reply message";
                return FALSE;
            }
        }
        if (next == PM_NL_NEXT_MALFORMED) {
            failure->err = 0;
            failure->what = "a reply datagram (bad message length)";
            return FALSE;
        }
    }
}

/* ---- sockets ------------------------------------------------------------ */

static pm_nl_row
socket_row(const pm_nl_message *msg, gpointer data)
{
    GArray *out = data;
    pm_socket socket;
    pm_nl_row row;

    if (msg->type != SOCK_DIAG_BY_FAMILY)
        return PM_NL_ROW_MALFORMED;
    row = pm_nl_parse_inet_diag(msg->payload, msg->payload_len, &socket);
    if (row == PM_NL_ROW_OK)
        g_array_append_val(out, socket);
    return row;
}

/* Netlink was refused for @transport: procfs from now on, said once. */
static gboolean
sockets_fall_back(netlink_backend *self, pm_transport transport, gboolean all,
                  const char *step, int err, GArray *out, pm_diag *diag, GError **error)
{
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        if (all || t == (int)transport) {
            self->sockets_via_procfs[t] = TRUE;
            self->lookups_work[t] = FALSE;
        }
    }
    pm_diag_note(diag, PM_DIAG_NETLINK_ERROR, PM_DIAG_LEVEL_INFO,
                 "netlink sock_diag is not available for %s (%s: %s): reading the "
                 "/proc/net tables instead", all ? "tcp and udp" : pm_transport_name(transport),
                 step, g_strerror(err));
    return self->procfs->ops->list_sockets(self->procfs, transport, out, diag, error);
}

static gboolean
netlink_list_sockets(pm_backend *backend, pm_transport transport, GArray *out,
                     pm_diag *diag, GError **error)
{
    static const guint8 families[] = { AF_INET, AF_INET6 };
    netlink_backend *self = (netlink_backend *)backend;
    guint8 protocol = transport == PM_TRANSPORT_TCP ? IPPROTO_TCP : IPPROTO_UDP;
    guint32 states = transport == PM_TRANSPORT_TCP ? PM_NL_TCP_STATES : PM_NL_UDP_STATES;
    guint old_len = out->len;
    dump_failure failure = { 0, NULL, FALSE };
    int fd, err;

    if ((unsigned)transport >= PM_TRANSPORT_COUNT) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "unsupported transport %d",
                    (int)transport);
        return FALSE;
    }
    if (self->sockets_via_procfs[transport])
        return self->procfs->ops->list_sockets(self->procfs, transport, out, diag, error);

    fd = pm_netlink_open_socket(self, NETLINK_SOCK_DIAG, &err);
    if (fd < 0 && !pm_netlink_transient_errno(err))
        return sockets_fall_back(self, transport, TRUE, "socket", err, out, diag, error);
    if (fd < 0) {
        failure.err = err;
        failure.what = "opening a socket";
    }
    for (gsize i = 0; fd >= 0 && i < G_N_ELEMENTS(families); i++) {
        guint8 request[REQUEST_MAX];
        guint32 seq = ++self->seq;
        gsize len = pm_nl_build_inet_diag_request(request, sizeof request, families[i],
                                                  protocol, states, seq);

        if (run_dump(self, fd, request, len, seq, socket_row, out, diag, &failure))
            continue;
        if (failure.refused && families[i] == AF_INET6
            && (failure.err == ENOENT || failure.err == EAFNOSUPPORT)) {
            /* IPv4 answered: this kernel has no IPv6. */
            pm_diag_note(diag, PM_DIAG_IPV6_TABLE_MISSING, PM_DIAG_LEVEL_INFO,
                         "netlink has no IPv6 %s sockets (%s): IPv6 disabled?",
                         pm_transport_name(transport), g_strerror(failure.err));
            failure.what = NULL;
            break;
        }
        g_array_set_size(out, old_len);  /* all or nothing */
        if (failure.refused && failure.err != 0 && !pm_netlink_transient_errno(failure.err)) {
            close(fd);
            return sockets_fall_back(self, transport, FALSE, "dump", failure.err, out,
                                     diag, error);
        }
        break;
    }
    if (fd >= 0)
        close(fd);
    if (failure.what == NULL) {
        self->lookups_work[transport] = TRUE;
        return TRUE;
    }
    pm_diag_note(diag, PM_DIAG_NETLINK_ERROR, PM_DIAG_LEVEL_WARNING,
                 "netlink dump of %s sockets failed (%s: %s): no socket table this time",
                 pm_transport_name(transport), failure.what,
                 pm_netlink_failure_reason(&failure));
    g_set_error(error, G_FILE_ERROR, failure.err ? g_file_error_from_errno(failure.err)
                                                 : G_FILE_ERROR_FAILED,
                "netlink dump of %s sockets failed (%s: %s)", pm_transport_name(transport),
                failure.what, pm_netlink_failure_reason(&failure));
    return FALSE;
}

/* ---- local addresses ---------------------------------------------------- */

typedef struct {
    GArray *out;
    guint   first;       /* out's length before this call */
    GArray *interfaces;  /* of address_interface, every (address, interface) */
} address_list;

static pm_nl_row
address_row(const pm_nl_message *msg, gpointer data)
{
    address_list *list = data;
    address_interface where;
    pm_addr addr;
    pm_nl_row row;

    if (msg->type != RTM_NEWADDR)
        return PM_NL_ROW_MALFORMED;
    row = pm_nl_parse_ifaddr_on(msg->payload, msg->payload_len, &addr, &where.ifindex);
    if (row != PM_NL_ROW_OK)
        return row;
    where.addr = addr;
    g_array_append_val(list->interfaces, where);
    /* The same address on two interfaces; a host has few addresses. */
    for (guint i = list->first; i < list->out->len; i++) {
        if (pm_addr_equal(&g_array_index(list->out, pm_addr, i), &addr))
            return PM_NL_ROW_OK;
    }
    g_array_append_val(list->out, addr);
    return PM_NL_ROW_OK;
}

static gboolean
netlink_list_local_addresses(pm_backend *backend, GArray *out, pm_diag *diag,
                             GError **error)
{
    netlink_backend *self = (netlink_backend *)backend;
    address_list list = { out, out->len, self->interfaces };
    dump_failure failure = { 0, "opening a socket", TRUE };
    guint8 request[REQUEST_MAX];
    gboolean ok = FALSE;
    int fd;

    /* Without a dump, exact lookups ask for unbound sockets only. */
    g_array_set_size(self->interfaces, 0);
    /* Subscribed before the dump: a change during it is not lost. */
    pm_netlink_watch_addresses(self, diag);
    if (self->addresses_via_procfs)
        return self->procfs->ops->list_local_addresses(self->procfs, out, diag, error);

    fd = pm_netlink_open_socket(self, NETLINK_ROUTE, &failure.err);
    if (fd >= 0) {
        guint32 seq = ++self->seq;
        gsize len = pm_nl_build_getaddr_request(request, sizeof request, seq);

        ok = run_dump(self, fd, request, len, seq, address_row, &list, diag, &failure);
        close(fd);
    }
    if (ok)
        return TRUE;

    /* Whatever failed, this call still gets the addresses procfs knows. */
    g_array_set_size(out, list.first);
    g_array_set_size(self->interfaces, 0);
    if (failure.refused && failure.err != 0 && !pm_netlink_transient_errno(failure.err))
        self->addresses_via_procfs = TRUE;
    pm_diag_note(diag, PM_DIAG_NETLINK_ERROR, PM_DIAG_LEVEL_INFO,
                 "netlink address dump failed (%s: %s): reading /proc/net/fib_trie and "
                 "if_inet6 %s", failure.what, pm_netlink_failure_reason(&failure),
                 self->addresses_via_procfs ? "from now on" : "this time");
    return self->procfs->ops->list_local_addresses(self->procfs, out, diag, error);
}

/* ---- delegated to procfs ------------------------------------------------ */

static gboolean
netlink_find_owners(pm_backend *backend, GHashTable *wanted, GArray *owners,
                    pm_owner_scan *scan, pm_diag *diag, GError **error)
{
    pm_backend *procfs = ((netlink_backend *)backend)->procfs;
    return procfs->ops->find_owners(procfs, wanted, owners, scan, diag, error);
}

static pm_read_status
netlink_read_process(pm_backend *backend, gint32 pid, pm_process_raw *out, pm_diag *diag)
{
    pm_backend *procfs = ((netlink_backend *)backend)->procfs;
    return procfs->ops->read_process(procfs, pid, out, diag);
}

static pm_read_status
netlink_process_start(pm_backend *backend, gint32 pid, guint64 *start_time_ns, pm_diag *diag)
{
    pm_backend *procfs = ((netlink_backend *)backend)->procfs;
    return procfs->ops->process_start(procfs, pid, start_time_ns, diag);
}

static char *
netlink_user_name(pm_backend *backend, guint32 uid)
{
    pm_backend *procfs = ((netlink_backend *)backend)->procfs;
    return procfs->ops->user_name(procfs, uid);
}

static void
netlink_destroy(pm_backend *backend)
{
    netlink_backend *self = (netlink_backend *)backend;
    if (self->lookup_fd >= 0)
        close(self->lookup_fd);
    pm_netlink_conntrack_clear(self);
    pm_netlink_watch_clear(self);
    g_array_unref(self->interfaces);
    pm_backend_free(self->procfs);
    g_free(self->buffer);
    g_free(self);
}

static const pm_backend_ops netlink_ops = {
    .name = "netlink",
    .list_sockets = netlink_list_sockets,
    .find_owners = netlink_find_owners,
    .read_process = netlink_read_process,
    .process_start = netlink_process_start,
    .list_local_addresses = netlink_list_local_addresses,
    .user_name = netlink_user_name,
    .destroy = netlink_destroy,
    .find_socket = pm_netlink_find_socket,
    .find_connection = pm_netlink_find_connection,
    .local_addresses_changed = pm_netlink_local_addresses_changed,
};

pm_backend *
pm_netlink_backend_new_with_opener(const char *proc_root, pm_netlink_open_fn open_fn,
                                   gpointer user_data)
{
    netlink_backend *self = g_new0(netlink_backend, 1);

    self->base.ops = &netlink_ops;
    self->procfs = pm_procfs_backend_new(proc_root);
    self->open_fn = open_fn ? open_fn : pm_netlink_open_kernel;
    self->open_data = user_data;
    self->buffer_cap = RECV_BUFFER_SIZE;
    self->buffer = g_malloc(self->buffer_cap);
    self->lookup_fd = -1;
    self->interfaces = g_array_new(FALSE, FALSE, sizeof(address_interface));
    self->conntrack_final = PM_CONNTRACK_FOUND;
    self->address_watch_fd = -1;
    return &self->base;
}

pm_backend *
pm_netlink_backend_new(const char *proc_root)
{
    pm_backend *backend = pm_netlink_backend_new_with_opener(proc_root, NULL, NULL);

    /* This process's namespace: conntrack is asked from here. */
    pm_netlink_backend_set_conntrack(backend, pm_conntrack_client_find,
                                     pm_conntrack_client_new(NULL, NULL),
                                     (GDestroyNotify)pm_conntrack_client_free);
    return backend;
}
