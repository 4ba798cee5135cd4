/* monitor_netns.c - the monitor's network namespaces: which are in use, and
 * netlink sockets made inside one.
 *
 * A namespace is found through /proc/<pid>/ns/net (cap_sys_ptrace for other
 * users' processes) and the named ones in /run/netns (`ip netns add`) and
 * /run/docker/netns.  The monitor keeps no descriptor of any: it remembers
 * where it saw each one and opens it again, checking its inode, when a
 * socket is asked for.  A socket stays bound to the namespace it was made
 * in, so only setns(2) needs cap_sys_admin; the sockets themselves are made
 * with the effective set empty, so the kernel never lets the capture
 * process change anything through them (netlink checks the opener's
 * credentials as well as the sender's).
 *
 * Namespaces made by an administrator - owned by the monitor's own user
 * namespace: containers, `ip netns` - come first in a list: any user can
 * make thousands of others (`unshare -rn`), which must not push them out of
 * the capture's bounded set of watched namespaces.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor_private.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netlink.h"
#include "privileges.h"

/* Where it was seen: a process's link, or a named file. */
typedef struct {
    guint64 inode;
    guint32 flags;
    gint32  pid;       /* 0: named only */
    char   *path;      /* a named file, or NULL */
} ns_handle;

static const char *const named_dirs[] = { "/run/netns", "/run/docker/netns" };

static void
ns_handle_free(gpointer data)
{
    ns_handle *handle = data;

    g_free(handle->path);
    g_free(handle);
}

void
pm_monitor_netns_init(monitor_state *m)
{
    struct stat st;

    m->ns_handles = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, ns_handle_free);
    m->ns_flags = g_hash_table_new(g_direct_hash, g_direct_equal);
    m->own_userns = stat("/proc/self/ns/user", &st) == 0 ? st.st_ino : 0;
    m->own_netns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    /* Entering our own namespace is refused exactly when entering any is. */
    if (m->own_netns_fd < 0) {
        m->hello.netns_errno = errno;
    } else if (!pm_privileges_raise(PM_PRIV_NETNS)) {
        m->hello.netns_errno = EPERM;
    } else {
        m->hello.can_enter_netns = setns(m->own_netns_fd, CLONE_NEWNET) == 0;
        m->hello.netns_errno = m->hello.can_enter_netns ? 0 : errno;
        pm_privileges_lower();
    }
}

void
pm_monitor_netns_clear(monitor_state *m)
{
    if (m->ns_handles)
        g_hash_table_unref(m->ns_handles);
    if (m->ns_flags)
        g_hash_table_unref(m->ns_flags);
    if (m->own_netns_fd >= 0)
        close(m->own_netns_fd);
}

/* Whether the namespace of @path was made in our user namespace. */
static gboolean
owned_here(monitor_state *m, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), owner;
    struct stat st;
    gboolean here = FALSE;

    if (fd < 0)
        return FALSE;
    owner = ioctl(fd, NS_GET_USERNS);
    if (owner >= 0) {
        here = fstat(owner, &st) == 0 && st.st_ino == m->own_userns;
        close(owner);
    }
    close(fd);
    return here;
}

/* Notes the namespace at @path (seen through @pid, or named). */
static void
note(monitor_state *m, GHashTable *seen, const char *path, gint32 pid)
{
    struct stat st;
    ns_handle *handle;
    guint64 inode;
    gpointer flags;

    if (stat(path, &st) != 0 || st.st_ino == m->hello.own_netns)
        return;     /* gone, a kernel thread, or ours */
    inode = st.st_ino;
    handle = g_hash_table_lookup(seen, &inode);
    if (handle == NULL) {
        if (g_hash_table_size(seen) >= 4 * PM_MON_NETNS_MAX)
            return;
        handle = g_new0(ns_handle, 1);
        handle->inode = inode;
        flags = g_hash_table_lookup(m->ns_flags, GSIZE_TO_POINTER(inode));
        /* Cached: a namespace's owner never changes. */
        handle->flags = flags ? GPOINTER_TO_UINT(flags) - 1
                              : (owned_here(m, path) ? PM_MON_NETNS_OWNED_HERE : 0);
        g_hash_table_insert(seen, &handle->inode, handle);
    }
    if (pid > 0 && handle->pid == 0)
        handle->pid = pid;
    if (pid == 0 && handle->path == NULL) {
        handle->flags |= PM_MON_NETNS_NAMED;
        handle->path = g_strdup(path);
    }
}

static gint
handle_order(gconstpointer a, gconstpointer b)
{
    const ns_handle *x = *(ns_handle *const *)a, *y = *(ns_handle *const *)b;
    int x_rank = (x->flags & PM_MON_NETNS_OWNED_HERE ? 0 : 2) + (x->flags & PM_MON_NETNS_NAMED ? 0 : 1);
    int y_rank = (y->flags & PM_MON_NETNS_OWNED_HERE ? 0 : 2) + (y->flags & PM_MON_NETNS_NAMED ? 0 : 1);

    if (x_rank != y_rank)
        return x_rank - y_rank;
    return (x->inode > y->inode) - (x->inode < y->inode);
}

void
pm_monitor_serve_netns_list(monitor_state *m)
{
    GHashTable *seen = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, ns_handle_free);
    GPtrArray *order = g_ptr_array_new();
    GDir *proc = g_dir_open("/proc", 0, NULL);
    pm_mon_reply *reply = g_new0(pm_mon_reply, 1);
    const char *name;
    GHashTableIter iter;
    gpointer value;
    guint told = 0;

    (void)pm_privileges_raise(PM_PRIV_READ_PROCS);
    while (proc != NULL && (name = g_dir_read_name(proc)) != NULL) {
        char path[64];
        gint64 pid;

        if (!g_ascii_isdigit(*name) || (pid = g_ascii_strtoll(name, NULL, 10)) <= 0 ||
            pid > G_MAXINT32)
            continue;
        g_snprintf(path, sizeof path, "/proc/%s/ns/net", name);
        note(m, seen, path, (gint32)pid);
    }
    if (proc)
        g_dir_close(proc);
    for (guint i = 0; i < G_N_ELEMENTS(named_dirs); i++) {
        GDir *dir = g_dir_open(named_dirs[i], 0, NULL);

        while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
            char *path = g_build_filename(named_dirs[i], name, NULL);

            note(m, seen, path, 0);
            g_free(path);
        }
        if (dir)
            g_dir_close(dir);
    }
    pm_privileges_lower();

    g_hash_table_remove_all(m->ns_flags);
    g_hash_table_iter_init(&iter, seen);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        ns_handle *handle = value;

        g_ptr_array_add(order, handle);
        g_hash_table_insert(m->ns_flags, GSIZE_TO_POINTER(handle->inode),
                            GUINT_TO_POINTER((handle->flags & PM_MON_NETNS_OWNED_HERE) + 1));
    }
    g_ptr_array_sort(order, handle_order);

    reply->type = PM_MON_NETNS_LIST;
    for (guint i = 0; i < order->len && told < PM_MON_NETNS_MAX; i++, told++) {
        const ns_handle *handle = g_ptr_array_index(order, i);

        if (reply->count == PM_MON_RECORDS_MAX) {
            reply->more = 1;
            pm_monitor_send(m, reply, NULL, 0);
            memset(reply, 0, sizeof *reply);
            reply->type = PM_MON_NETNS_LIST;
        }
        reply->u.netns[reply->count].inode = handle->inode;
        reply->u.netns[reply->count].flags = handle->flags;
        reply->count++;
    }
    reply->more = 0;
    pm_monitor_send(m, reply, NULL, 0);

    /* Where each one was seen, for NETNS_SOCKETS. */
    g_ptr_array_unref(order);
    g_hash_table_unref(m->ns_handles);
    m->ns_handles = seen;
    g_free(reply);
}

/* A descriptor of namespace @inode, opened where it was seen last. */
static int
open_namespace(monitor_state *m, guint64 inode)
{
    const ns_handle *handle = g_hash_table_lookup(m->ns_handles, &inode);
    char path[64];
    const char *where[2] = { NULL, NULL };
    int fd = -1;

    if (handle == NULL) {
        errno = ENOENT;
        return -1;
    }
    if (handle->pid > 0) {
        g_snprintf(path, sizeof path, "/proc/%d/ns/net", handle->pid);
        where[0] = path;
    }
    where[handle->pid > 0 ? 1 : 0] = handle->path;
    (void)pm_privileges_raise(PM_PRIV_READ_PROCS);
    for (guint i = 0; i < G_N_ELEMENTS(where) && fd < 0; i++) {
        struct stat st;

        if (where[i] == NULL)
            continue;
        fd = open(where[i], O_RDONLY | O_CLOEXEC);
        /* The pid may be another process's by now: the inode must match. */
        if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_ino != inode)) {
            close(fd);
            fd = -1;
        }
    }
    pm_privileges_lower();
    if (fd < 0)
        errno = ENOENT;
    return fd;
}

int
pm_monitor_in_namespace(monitor_state *m, guint64 inode, void (*fn)(gpointer), gpointer data)
{
    int ns_fd, err = 0;

    if (!m->hello.can_enter_netns)
        return m->hello.netns_errno ? m->hello.netns_errno : EPERM;
    ns_fd = open_namespace(m, inode);
    if (ns_fd < 0)
        return errno;
    (void)pm_privileges_raise(PM_PRIV_NETNS);
    if (setns(ns_fd, CLONE_NEWNET) != 0)
        err = errno;
    pm_privileges_lower();
    close(ns_fd);
    if (err != 0)
        return err;
    fn(data);
    (void)pm_privileges_raise(PM_PRIV_NETNS);
    if (setns(m->own_netns_fd, CLONE_NEWNET) != 0)
        _exit(1);   /* every later socket would be another namespace's */
    pm_privileges_lower();
    return 0;
}

typedef struct {
    int fds[2];
    int err;
} diag_sockets;

/* Made with no capability effective (see above). */
static void
open_diag_sockets(gpointer data)
{
    diag_sockets *made = data;

    made->fds[0] = pm_netlink_open_kernel(NETLINK_SOCK_DIAG, NULL);
    if (made->fds[0] < 0)
        made->err = errno;
    made->fds[1] = made->err ? -1 : pm_netlink_open_kernel(NETLINK_ROUTE, NULL);
    if (made->fds[1] < 0 && made->err == 0)
        made->err = errno;
}

void
pm_monitor_serve_netns_sockets(monitor_state *m, const pm_mon_request *request)
{
    pm_mon_reply *reply;
    diag_sockets made = { { -1, -1 }, 0 };
    int err = pm_monitor_in_namespace(m, request->netns, open_diag_sockets, &made);

    if (err == 0)
        err = made.err;
    if (err != 0) {
        for (int i = 0; i < 2; i++) {
            if (made.fds[i] >= 0)
                close(made.fds[i]);
        }
        pm_monitor_send_error(m, PM_MON_NETNS_SOCKETS, err);
        return;
    }
    reply = g_new0(pm_mon_reply, 1);
    reply->type = PM_MON_NETNS_SOCKETS;
    reply->count = 2;
    pm_monitor_send(m, reply, made.fds, 2);
    close(made.fds[0]);
    close(made.fds[1]);
    g_free(reply);
}
