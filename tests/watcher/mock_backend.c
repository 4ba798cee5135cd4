/* mock_backend.c - a scriptable pm_backend and the watcher test harness.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mock_backend.h"

#include <string.h>

#define MOCK_ERROR (g_quark_from_static_string("mock-backend"))

static void
mock_process_free(gpointer data)
{
    mock_process *p = data;

    g_free(p->comm);
    g_free(p->exe);
    g_free(p->cwd);
    g_strfreev(p->argv);
    g_free(p);
}

/* ---- the backend operations ---- */

static gboolean
mock_list_sockets(pm_backend *backend, pm_transport transport, GArray *out,
                  pm_diag *diag, GError **error)
{
    mock_backend *mock = (mock_backend *)backend;

    g_assert_cmpint(transport, <, PM_TRANSPORT_COUNT);
    mock->list_sockets_calls[transport]++;
    if (mock->clock != NULL)
        *mock->clock += mock->list_sockets_cost_us;    /* a slow table read */
    if (mock->fail_list_sockets) {
        pm_diag_note(diag, PM_DIAG_SOCKET_TABLE_UNREADABLE, PM_DIAG_LEVEL_WARNING,
                     "mock: %s table unreadable", pm_transport_name(transport));
        g_set_error(error, MOCK_ERROR, 1, "mock: cannot read the %s table",
                    pm_transport_name(transport));
        return FALSE;
    }
    g_array_append_vals(out, mock->sockets[transport]->data, mock->sockets[transport]->len);
    return TRUE;
}

static gint
mock_owner_pid_order(gconstpointer a, gconstpointer b)
{
    const mock_owner *x = a, *y = b;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

static gboolean
mock_find_owners(pm_backend *backend, GHashTable *wanted, GArray *owners,
                 pm_owner_scan *scan, pm_diag *diag, GError **error)
{
    mock_backend *mock = (mock_backend *)backend;
    guint64 zero = 0;
    GHashTableIter iter;
    gpointer key;

    GArray *order = g_array_new(FALSE, FALSE, sizeof(mock_owner));
    GHashTable *found = g_hash_table_new(g_int64_hash, g_int64_equal);

    mock->find_owners_calls++;
    mock->last_wanted_count = g_hash_table_size(wanted);
    mock->last_wanted_had_zero = g_hash_table_contains(wanted, &zero);
    mock->last_scan_partial = scan->partial;

    /* The scan order of a partial scan: by process, ascending pid. */
    g_array_append_vals(order, mock->owners->data, mock->owners->len);
    if (scan->partial)
        g_array_sort(order, mock_owner_pid_order);
    for (guint i = 0; i < order->len; i++) {
        const mock_owner *o = &g_array_index(order, mock_owner, i);
        mock_process *p = g_hash_table_lookup(mock->processes, GINT_TO_POINTER(o->pid));
        pm_owner row = { .inode = o->inode, .pid = o->pid, .fd = o->fd };

        if (scan->partial && i > 0 && o->pid != (o - 1)->pid
            && g_hash_table_size(found) == g_hash_table_size(wanted)) {
            scan->stopped_early = TRUE;
            break;
        }
        if (!g_hash_table_contains(wanted, &o->inode))
            continue;
        /* A process whose fd dir is unreadable is invisible to the scan. */
        if (p && p->has_uid && g_hash_table_contains(mock->unreadable_uids,
                                                     GUINT_TO_POINTER(p->uid + 1)))
            continue;
        row.start_time_ns = p ? p->start_time_ns : 0;
        g_array_append_val(owners, row);
        g_hash_table_add(found, g_hash_table_lookup(wanted, &o->inode));
    }
    g_hash_table_unref(found);
    g_array_unref(order);

    scan->processes_scanned = g_hash_table_size(mock->processes);
    scan->fds_scanned = mock->owners->len;
    g_hash_table_iter_init(&iter, mock->unreadable_uids);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        if (scan->unreadable_uids == NULL)
            scan->unreadable_uids = g_hash_table_new(g_direct_hash, g_direct_equal);
        g_hash_table_add(scan->unreadable_uids, key);
        scan->fd_dirs_unreadable++;
        pm_diag_note(diag, PM_DIAG_FD_DIR_UNREADABLE, PM_DIAG_LEVEL_INFO,
                     "mock: fd dirs of uid %u unreadable", GPOINTER_TO_UINT(key) - 1);
    }
    return TRUE;
}

static pm_read_status
mock_read_process(pm_backend *backend, gint32 pid, pm_process_raw *out, pm_diag *diag)
{
    mock_backend *mock = (mock_backend *)backend;
    mock_process *p = g_hash_table_lookup(mock->processes, GINT_TO_POINTER(pid));
    gpointer reads = g_hash_table_lookup(mock->reads_per_pid, GINT_TO_POINTER(pid));

    mock->read_process_calls++;
    g_hash_table_insert(mock->reads_per_pid, GINT_TO_POINTER(pid),
                        GUINT_TO_POINTER(GPOINTER_TO_UINT(reads) + 1));

    memset(out, 0, sizeof *out);
    out->ppid = -1;
    if (p == NULL || p->vanished) {
        pm_diag_note(diag, PM_DIAG_PROCESS_VANISHED, PM_DIAG_LEVEL_DEBUG,
                     "mock: pid %d vanished", pid);
        return PM_READ_VANISHED;
    }
    out->pid = pid;
    out->ppid = p->ppid;
    out->comm = g_strdup(p->comm);
    out->exe = g_strdup(p->exe);
    out->cwd = g_strdup(p->cwd);
    if (p->argv) {
        out->argv = g_ptr_array_new_with_free_func(g_free);
        for (char **a = p->argv; *a; a++)
            g_ptr_array_add(out->argv, g_strdup(*a));
    }
    out->args_truncated = p->args_truncated;
    out->start_time_ns = p->start_time_ns;
    out->has_uid = p->has_uid;
    out->uid = p->uid;
    return PM_READ_OK;
}

static gboolean
mock_list_local_addresses(pm_backend *backend, GArray *out, pm_diag *diag, GError **error)
{
    mock_backend *mock = (mock_backend *)backend;

    mock->list_local_addresses_calls++;
    mock->addresses_changed = FALSE;
    if (mock->fail_local_addresses) {
        g_set_error(error, MOCK_ERROR, 2, "mock: cannot list local addresses");
        return FALSE;
    }
    g_array_append_vals(out, mock->local_addresses->data, mock->local_addresses->len);
    return TRUE;
}

static char *
mock_user_name(pm_backend *backend, guint32 uid)
{
    mock_backend *mock = (mock_backend *)backend;

    mock->user_name_calls++;
    return g_strdup(g_hash_table_lookup(mock->users, GUINT_TO_POINTER(uid)));
}

static gboolean
tuple_is(const pm_endpoint *src, const pm_endpoint *dst, const pm_endpoint *a,
         const pm_endpoint *b)
{
    return pm_endpoint_equal(src, a) && pm_endpoint_equal(dst, b);
}

/* As the kernel: the entry with an original or reply tuple a->b, else b->a. */
static pm_conntrack_result
mock_find_connection(pm_backend *backend, pm_transport transport, const pm_endpoint *a,
                     const pm_endpoint *b, pm_connection *out, pm_diag *diag)
{
    mock_backend *mock = (mock_backend *)backend;
    GArray *entries = mock->connections[transport];

    mock->find_connection_calls++;
    if (mock->conntrack_refusal != PM_CONNTRACK_FOUND) {
        pm_diag_note(diag, PM_DIAG_CONNTRACK, PM_DIAG_LEVEL_INFO, "mock: conntrack refused");
        return mock->conntrack_refusal;
    }
    for (int pass = 0; pass < 2; pass++) {
        const pm_endpoint *src = pass ? b : a, *dst = pass ? a : b;
        for (guint i = 0; i < entries->len; i++) {
            const pm_connection *c = &g_array_index(entries, pm_connection, i);
            if (tuple_is(&c->original_src, &c->original_dst, src, dst)
                || tuple_is(&c->reply_src, &c->reply_dst, src, dst)) {
                *out = *c;
                return PM_CONNTRACK_FOUND;
            }
        }
    }
    return PM_CONNTRACK_ABSENT;
}

static pm_changes
mock_local_addresses_changed(pm_backend *backend, pm_diag *diag)
{
    mock_backend *mock = (mock_backend *)backend;
    gboolean changed = mock->addresses_changed;

    (void)diag;
    mock->addresses_changed_calls++;
    if (!mock->follows_addresses)
        return PM_CHANGES_UNKNOWN;
    mock->addresses_changed = FALSE;    /* told: the notifications are read */
    return changed ? PM_CHANGES_SOME : PM_CHANGES_NONE;
}

static void
mock_destroy(pm_backend *backend)
{
    mock_backend *mock = (mock_backend *)backend;

    g_array_unref(mock->local_addresses);
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        g_array_unref(mock->sockets[t]);
        g_array_unref(mock->connections[t]);
    }
    g_array_unref(mock->owners);
    g_hash_table_unref(mock->processes);
    g_hash_table_unref(mock->users);
    g_hash_table_unref(mock->unreadable_uids);
    g_hash_table_unref(mock->reads_per_pid);
    g_free(mock);
}

static pm_read_status
mock_process_start(pm_backend *backend, gint32 pid, guint64 *start_time_ns, pm_diag *diag)
{
    mock_backend *mock = (mock_backend *)backend;
    mock_process *p = g_hash_table_lookup(mock->processes, GINT_TO_POINTER(pid));

    (void)diag;
    mock->process_start_calls++;
    if (p == NULL || p->vanished)
        return PM_READ_VANISHED;
    *start_time_ns = p->start_time_ns;
    return PM_READ_OK;
}

static const pm_backend_ops mock_ops = {
    .name = "mock",
    .list_sockets = mock_list_sockets,
    .find_owners = mock_find_owners,
    .read_process = mock_read_process,
    .list_local_addresses = mock_list_local_addresses,
    .user_name = mock_user_name,
    .destroy = mock_destroy,
    .find_connection = mock_find_connection,
    .local_addresses_changed = mock_local_addresses_changed,
};

/* The same, able to tell whether a process lives. */
static pm_backend_ops mock_ops_following_processes;

void
mock_follow_processes(mock_backend *mock)
{
    mock_ops_following_processes = mock_ops;
    mock_ops_following_processes.process_start = mock_process_start;
    mock->base.ops = &mock_ops_following_processes;
}

mock_backend *
mock_backend_new(void)
{
    mock_backend *mock = g_new0(mock_backend, 1);

    mock->base.ops = &mock_ops;
    mock->local_addresses = g_array_new(FALSE, TRUE, sizeof(pm_addr));
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        mock->sockets[t] = g_array_new(FALSE, TRUE, sizeof(pm_socket));
        mock->connections[t] = g_array_new(FALSE, TRUE, sizeof(pm_connection));
    }
    /* A host that can ask conntrack, where nothing is NAT'ed. */
    mock->conntrack_refusal = PM_CONNTRACK_FOUND;
    mock->owners = g_array_new(FALSE, TRUE, sizeof(mock_owner));
    mock->processes = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                            mock_process_free);
    mock->users = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    mock->unreadable_uids = g_hash_table_new(g_direct_hash, g_direct_equal);
    mock->reads_per_pid = g_hash_table_new(g_direct_hash, g_direct_equal);
    mock->next_inode = 10000;
    mock->next_fd = 3;
    mock_set_user(mock, 0, "root");
    return mock;
}

/* ---- state ---- */

static pm_addr
parse_addr(const char *text)
{
    pm_addr addr;

    if (!pm_addr_parse(text, &addr))
        g_error("mock: bad address \"%s\"", text);
    return addr;
}

pm_endpoint
parse_endpoint(const char *text)
{
    pm_endpoint ep;

    if (!pm_endpoint_parse(text, &ep))
        g_error("mock: bad endpoint \"%s\"", text);
    return ep;
}

void
mock_add_local_address(mock_backend *mock, const char *text)
{
    pm_addr addr = parse_addr(text);

    g_array_append_val(mock->local_addresses, addr);
    mock->addresses_changed = TRUE;
}

void
mock_remove_local_address(mock_backend *mock, const char *text)
{
    pm_addr addr = parse_addr(text);

    for (guint i = mock->local_addresses->len; i-- > 0;) {
        if (pm_addr_equal(&g_array_index(mock->local_addresses, pm_addr, i), &addr))
            g_array_remove_index(mock->local_addresses, i);
    }
    mock->addresses_changed = TRUE;
}

void
mock_add_connection(mock_backend *mock, pm_transport transport, const char *original_src,
                    const char *original_dst, const char *reply_src, const char *reply_dst)
{
    pm_connection c;

    c.original_src = parse_endpoint(original_src);
    c.original_dst = parse_endpoint(original_dst);
    c.reply_src = parse_endpoint(reply_src);
    c.reply_dst = parse_endpoint(reply_dst);
    g_array_append_val(mock->connections[transport], c);
}

mock_process *
mock_add_process(mock_backend *mock, gint32 pid, const char *comm, const char *exe,
                 const char *cmdline, guint64 start_time_ns)
{
    mock_process *p = g_new0(mock_process, 1);

    p->pid = pid;
    p->ppid = 1;
    p->comm = g_strdup(comm);
    p->exe = g_strdup(exe);
    p->cwd = g_strdup("/");
    p->argv = cmdline ? g_strsplit(cmdline, " ", -1) : NULL;
    p->start_time_ns = start_time_ns;
    p->has_uid = TRUE;
    p->uid = 0;
    g_hash_table_replace(mock->processes, GINT_TO_POINTER(pid), p);
    return p;
}

mock_process *
mock_get_process(mock_backend *mock, gint32 pid)
{
    mock_process *p = g_hash_table_lookup(mock->processes, GINT_TO_POINTER(pid));

    g_assert_nonnull(p);
    return p;
}

void
mock_remove_process(mock_backend *mock, gint32 pid)
{
    for (guint i = mock->owners->len; i-- > 0;) {
        if (g_array_index(mock->owners, mock_owner, i).pid == pid)
            g_array_remove_index(mock->owners, i);
    }
    g_hash_table_remove(mock->processes, GINT_TO_POINTER(pid));
}

void
mock_add_socket_row(mock_backend *mock, pm_transport transport, const pm_socket *row)
{
    g_array_append_val(mock->sockets[transport], *row);
}

guint64
mock_add_socket(mock_backend *mock, pm_transport transport, const char *local,
                const char *remote, guint32 uid)
{
    pm_socket row = { 0 };

    row.local = parse_endpoint(local);
    if (remote) {
        row.remote = parse_endpoint(remote);
        row.state = transport == PM_TRANSPORT_TCP ? PM_TCP_STATE_ESTABLISHED : 1;
    } else {
        pm_addr_any(&row.remote.addr, row.local.addr.family);
        row.state = transport == PM_TRANSPORT_TCP ? PM_TCP_STATE_LISTEN
                                                  : PM_UDP_STATE_UNCONNECTED;
    }
    row.from_v6_table = row.local.addr.family == PM_AF_INET6;
    row.v6only = PM_V6ONLY_UNKNOWN;
    row.uid = uid;
    row.inode = mock->next_inode++;
    mock_add_socket_row(mock, transport, &row);
    return row.inode;
}

void
mock_add_owner(mock_backend *mock, guint64 inode, gint32 pid)
{
    mock_owner owner = { .inode = inode, .pid = pid, .fd = mock->next_fd++ };

    g_array_append_val(mock->owners, owner);
}

static guint32
uid_of(mock_backend *mock, gint32 pid)
{
    mock_process *p = g_hash_table_lookup(mock->processes, GINT_TO_POINTER(pid));

    return p && p->has_uid ? p->uid : 0;
}

guint64
mock_bind(mock_backend *mock, pm_transport transport, gint32 pid, const char *local)
{
    guint64 inode = mock_add_socket(mock, transport, local, NULL, uid_of(mock, pid));

    mock_add_owner(mock, inode, pid);
    return inode;
}

guint64
mock_connect(mock_backend *mock, pm_transport transport, gint32 pid,
             const char *local, const char *remote)
{
    guint64 inode = mock_add_socket(mock, transport, local, remote, uid_of(mock, pid));

    mock_add_owner(mock, inode, pid);
    return inode;
}

pm_socket *
mock_socket(mock_backend *mock, guint64 inode)
{
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        GArray *rows = mock->sockets[t];
        for (guint i = 0; i < rows->len; i++) {
            if (g_array_index(rows, pm_socket, i).inode == inode)
                return &g_array_index(rows, pm_socket, i);
        }
    }
    g_error("mock: no socket with inode %" G_GUINT64_FORMAT, inode);
    return NULL;
}

void
mock_close_socket(mock_backend *mock, guint64 inode)
{
    gboolean found = FALSE;

    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        GArray *rows = mock->sockets[t];
        for (guint i = rows->len; i-- > 0;) {
            if (g_array_index(rows, pm_socket, i).inode == inode) {
                g_array_remove_index(rows, i);
                found = TRUE;
            }
        }
    }
    g_assert_true(found);
    for (guint i = mock->owners->len; i-- > 0;) {
        if (g_array_index(mock->owners, mock_owner, i).inode == inode)
            g_array_remove_index(mock->owners, i);
    }
}

void
mock_set_user(mock_backend *mock, guint32 uid, const char *name)
{
    g_hash_table_replace(mock->users, GUINT_TO_POINTER(uid), g_strdup(name));
}

void
mock_set_fd_dirs_unreadable(mock_backend *mock, guint32 uid)
{
    g_hash_table_add(mock->unreadable_uids, GUINT_TO_POINTER(uid + 1));
}

guint
mock_reads_of(mock_backend *mock, gint32 pid)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(mock->reads_per_pid, GINT_TO_POINTER(pid)));
}

guint
mock_refresh_count(mock_backend *mock)
{
    return mock->list_sockets_calls[PM_TRANSPORT_TCP];
}

/* ---- harness ---- */

gint64
fake_clock(gpointer clock_data)
{
    return *(const gint64 *)clock_data;
}

static void
counting_sink(pm_diag_level level, pm_diag_cause cause, const char *message,
              gpointer user_data)
{
    harness *h = user_data;

    h->diag_messages++;
    g_test_message("diag %s: %s", pm_diag_cause_name(cause), message);
}

void
harness_init(harness *h, const pm_watcher_config *config)
{
    pm_watcher_config defaults;

    memset(h, 0, sizeof *h);
    if (config == NULL) {
        pm_watcher_config_init(&defaults);
        config = &defaults;
    }
    h->now_us = HARNESS_T0_US;
    h->mock = mock_backend_new();
    h->mock->clock = &h->now_us;
    h->watcher = pm_watcher_new(&h->mock->base, config, fake_clock, &h->now_us);
    g_assert_nonnull(h->watcher);
    pm_watcher_set_diag_sink(h->watcher, counting_sink, h);
}

void
harness_clear(harness *h)
{
    pm_watcher_free(h->watcher);   /* destroys the mock too */
    h->watcher = NULL;
    h->mock = NULL;
}

pm_watcher_stats
harness_stats(harness *h)
{
    pm_watcher_stats stats;

    memset(&stats, 0, sizeof stats);
    pm_watcher_get_stats(h->watcher, &stats);
    return stats;
}

void
harness_lookup_at(harness *h, pm_transport transport, const char *local,
                  const char *remote, gint64 packet_time_us, pm_endpoint_answer *out)
{
    pm_endpoint local_ep = parse_endpoint(local);
    pm_endpoint remote_ep;

    if (remote)
        remote_ep = parse_endpoint(remote);
    memset(out, 0, sizeof *out);
    pm_watcher_lookup_endpoint(h->watcher, transport, &local_ep, remote ? &remote_ep : NULL,
                               packet_time_us, out);
}

void
harness_lookup(harness *h, pm_transport transport, const char *local, const char *remote,
               pm_endpoint_answer *out)
{
    harness_lookup_at(h, transport, local, remote, h->now_us, out);
}
