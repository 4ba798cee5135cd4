/* monitor_client.c - how the capture process asks the monitor.
 *
 * The capture process trusts the monitor's answers no more than it must:
 * each one is checked by pm_mon_reply_decode() (size, type, counts, the
 * descriptors it announces), and a monitor that answers out of protocol,
 * or is gone, is not asked again: the capture goes on with what it can
 * learn unprivileged.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor.h"

#include "extcap_error.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define DOCKER_CONFIG_MAX (4 * 1024 * 1024)

struct pm_monitor {
    int           sock;
    pid_t         pid;
    /* One request at a time, in the order they come: a mutex alone would
     * let the fallback poller's thread, which asks all the time, take it
     * again and again while the capture thread waits. */
    GMutex        lock;
    GCond         turn;
    guint64       next_ticket, serving;
    gboolean      dead;
    pm_mon_hello  hello;
    pm_mon_request *request;
    pm_mon_reply  *reply;
};

/* Not asked again; said once. */
static void
mark_dead(pm_monitor *monitor, const char *why)
{
    if (!monitor->dead)
        g_message("procmap-capture: its monitor is gone (%s): other users' processes and "
                  "other namespaces are no longer read", why);
    monitor->dead = TRUE;
}

static void
close_all(int *fds, guint n)
{
    for (guint i = 0; i < n; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
}

/* Sends the request (under the lock); FALSE when the monitor is gone. */
static gboolean
send_request(pm_monitor *monitor)
{
    ssize_t n;

    if (monitor->dead)
        return FALSE;
    do
        n = send(monitor->sock, monitor->request, sizeof *monitor->request, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof *monitor->request) {
        mark_dead(monitor, n < 0 ? g_strerror(errno) : "short send");
        return FALSE;
    }
    return TRUE;
}

/* Receives one reply to a request of @type into monitor->reply, with its
 * descriptors in @fds; 0, the monitor's errno, or ECONNRESET (gone or out
 * of protocol: not asked again). */
static int
receive_reply(pm_monitor *monitor, guint32 type, int fds[PM_MON_FDS_MAX])
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * (PM_MON_FDS_MAX + 1))];
        struct cmsghdr align;
    } control;
    char *message = g_malloc(sizeof *monitor->reply + 1);
    struct iovec iov = { message, sizeof *monitor->reply + 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = control.buf, .msg_controllen = sizeof control.buf };
    guint n_fds = 0;
    ssize_t n;
    int err;

    for (guint i = 0; i < PM_MON_FDS_MAX; i++)
        fds[i] = -1;
    do
        n = recvmsg(monitor->sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    err = n > 0 ? 0 : ECONNRESET;
    for (struct cmsghdr *cmsg = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL; cmsg != NULL;
         cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS) {
            guint count = (guint)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            int *received = (int *)CMSG_DATA(cmsg);

            for (guint i = 0; i < count; i++) {
                if (n_fds < PM_MON_FDS_MAX)
                    fds[n_fds++] = received[i];
                else {
                    close(received[i]);
                    err = EPROTO;
                }
            }
        }
    }
    if (err == 0 && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
        err = EPROTO;
    if (err == 0)
        err = pm_mon_reply_decode(type, message, (gsize)n, n_fds, monitor->reply);
    g_free(message);
    if (err != 0) {
        close_all(fds, n_fds);
        for (guint i = 0; i < PM_MON_FDS_MAX; i++)
            fds[i] = -1;
        mark_dead(monitor, n == 0 ? "it exited" : n < 0 ? g_strerror(ECONNRESET)
                                                       : "an answer out of protocol");
        return ECONNRESET;
    }
    return monitor->reply->err;
}

static void
take_turn(pm_monitor *monitor)
{
    guint64 ticket;

    g_mutex_lock(&monitor->lock);
    ticket = monitor->next_ticket++;
    while (ticket != monitor->serving)
        g_cond_wait(&monitor->turn, &monitor->lock);
    g_mutex_unlock(&monitor->lock);
}

static void
end_turn(pm_monitor *monitor)
{
    g_mutex_lock(&monitor->lock);
    monitor->serving++;
    g_cond_broadcast(&monitor->turn);
    g_mutex_unlock(&monitor->lock);
}

static void
prepare(pm_monitor *monitor, guint32 type)
{
    memset(monitor->request, 0, sizeof *monitor->request);
    monitor->request->type = type;
}

/* One request, one reply without descriptors: 0 or an errno. */
static int
ask(pm_monitor *monitor, int fds[PM_MON_FDS_MAX])
{
    if (!send_request(monitor))
        return ECONNRESET;
    return receive_reply(monitor, monitor->request->type, fds);
}

pm_monitor *
pm_monitor_start(const pm_monitor_options *options, GError **error)
{
    pm_monitor *monitor;
    int sv[2], fds[PM_MON_FDS_MAX], err;
    pid_t parent = getpid(), pid;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED,
                    "cannot start its monitor (socketpair: %s)", g_strerror(errno));
        return NULL;
    }
    /* Out of 0, 1 and 2, which the monitor points at /dev/null. */
    for (int i = 0; i < 2; i++) {
        if (sv[i] <= 2) {
            int moved = fcntl(sv[i], F_DUPFD_CLOEXEC, 3);

            close(sv[i]);
            sv[i] = moved;
        }
    }
    pid = sv[0] < 0 || sv[1] < 0 ? -1 : fork();
    if (pid == 0) {
        close(sv[0]);
        pm_monitor_serve(sv[1], parent, options);
    }
    if (pid < 0) {
        err = errno;
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED,
                    "cannot start its monitor: %s", g_strerror(err));
        close_all(sv, 2);
        return NULL;
    }
    close(sv[1]);
    monitor = g_new0(pm_monitor, 1);
    monitor->sock = sv[0];
    monitor->pid = pid;
    g_mutex_init(&monitor->lock);
    g_cond_init(&monitor->turn);
    monitor->request = g_new0(pm_mon_request, 1);
    monitor->reply = g_new0(pm_mon_reply, 1);
    prepare(monitor, PM_MON_HELLO);
    err = ask(monitor, fds);
    if (err != 0) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED,
                    "its monitor did not answer (%s)", g_strerror(err));
        pm_monitor_stop(monitor);
        return NULL;
    }
    monitor->hello = monitor->reply->u.hello;
    return monitor;
}

void
pm_monitor_stop(pm_monitor *monitor)
{
    if (monitor == NULL)
        return;
    close(monitor->sock);
    /* It exits at the end of its socket; it holds nothing to clean up. */
    while (waitpid(monitor->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    g_cond_clear(&monitor->turn);
    g_mutex_clear(&monitor->lock);
    g_free(monitor->request);
    g_free(monitor->reply);
    g_free(monitor);
}

pid_t
pm_monitor_pid(pm_monitor *monitor)
{
    return monitor->pid;
}

const pm_mon_hello *
pm_monitor_hello(pm_monitor *monitor)
{
    return &monitor->hello;
}

/* ---- owners ----------------------------------------------------------------- */

gboolean
pm_monitor_owners(pm_monitor *monitor, GHashTable *wanted, GArray *owners,
                  pm_owner_scan *scan, GError **error)
{
    GHashTableIter iter;
    gpointer key;
    int fds[PM_MON_FDS_MAX], err = 0;
    gboolean more = TRUE;

    if (wanted == NULL || g_hash_table_size(wanted) == 0)
        return TRUE;
    take_turn(monitor);
    prepare(monitor, PM_MON_OWNERS_ADD);
    g_hash_table_iter_init(&iter, wanted);
    while (g_hash_table_iter_next(&iter, &key, NULL) && err == 0) {
        guint64 inode = *(const guint64 *)key;

        if (inode == 0)
            continue;
        monitor->request->inodes[monitor->request->count++] = inode;
        if (monitor->request->count == PM_MON_INODES_MAX) {
            err = send_request(monitor) ? 0 : ECONNRESET;
            prepare(monitor, PM_MON_OWNERS_ADD);
        }
    }
    if (err == 0 && monitor->request->count > 0)
        err = send_request(monitor) ? 0 : ECONNRESET;
    if (err == 0) {
        prepare(monitor, PM_MON_OWNERS_RUN);
        err = send_request(monitor) ? 0 : ECONNRESET;
    }
    while (err == 0 && more) {
        const pm_mon_reply *reply = monitor->reply;

        err = receive_reply(monitor, PM_MON_OWNERS_RUN, fds);
        if (err != 0)
            break;
        for (guint i = 0; i < reply->count; i++) {
            pm_owner owner = { reply->u.owners[i].inode, reply->u.owners[i].pid,
                               reply->u.owners[i].fd, reply->u.owners[i].start_time_ns };

            g_array_append_val(owners, owner);
        }
        more = reply->more;
        if (!more && scan != NULL) {
            scan->processes_scanned += reply->scan.processes_scanned;
            scan->fds_scanned += reply->scan.fds_scanned;
            scan->fd_dirs_unreadable += reply->scan.unreadable;
        }
    }
    end_turn(monitor);
    if (err != 0) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED,
                    "the monitor could not find the sockets' owners: %s", g_strerror(err));
        return FALSE;
    }
    return TRUE;
}

/* ---- one process -------------------------------------------------------------- */

int
pm_monitor_read_proc(pm_monitor *monitor, gint32 pid, guint want, pm_monitor_proc *out)
{
    static const guint32 fd_bits[] = {
        PM_MON_WANT_STAT, PM_MON_WANT_STATUS, PM_MON_WANT_CGROUP, PM_MON_WANT_CMDLINE,
    };
    int *slots[] = { &out->stat_fd, &out->status_fd, &out->cgroup_fd, &out->cmdline_fd };
    int fds[PM_MON_FDS_MAX], err;
    guint next = 0;

    memset(out, 0, sizeof *out);
    for (guint i = 0; i < G_N_ELEMENTS(slots); i++)
        *slots[i] = -1;
    if (pid <= 0 || (want & PM_MON_WANT_ALL) == 0)
        return EINVAL;
    take_turn(monitor);
    prepare(monitor, PM_MON_PROC);
    monitor->request->pid = pid;
    monitor->request->want = want & PM_MON_WANT_ALL;
    err = ask(monitor, fds);
    if (err == 0) {
        const pm_mon_proc *proc = &monitor->reply->u.proc;

        out->granted = proc->granted;
        out->level = (pm_policy_level)proc->level;
        out->own = proc->own != 0;
        for (guint i = 0; i < G_N_ELEMENTS(fd_bits); i++) {
            if (proc->granted & fd_bits[i])
                *slots[i] = fds[next++];
        }
        out->exe = proc->exe_len >= 0 ? g_strndup(proc->exe, (gsize)proc->exe_len) : NULL;
        out->cwd = proc->cwd_len >= 0 ? g_strndup(proc->cwd, (gsize)proc->cwd_len) : NULL;
    }
    end_turn(monitor);
    return err;
}

void
pm_monitor_proc_clear(pm_monitor *monitor, pm_monitor_proc *proc)
{
    int fds[] = { proc->stat_fd, proc->status_fd, proc->cgroup_fd, proc->cmdline_fd };

    close_all(fds, G_N_ELEMENTS(fds));
    g_free(proc->exe);
    g_free(proc->cwd);
    memset(proc, 0, sizeof *proc);
    proc->stat_fd = proc->status_fd = proc->cgroup_fd = proc->cmdline_fd = -1;
}

/* ---- namespaces ---------------------------------------------------------------- */

GArray *
pm_monitor_netns_list(pm_monitor *monitor, GError **error)
{
    GArray *list = g_array_new(FALSE, FALSE, sizeof(pm_mon_netns));
    int fds[PM_MON_FDS_MAX], err;
    gboolean more = TRUE;

    take_turn(monitor);
    prepare(monitor, PM_MON_NETNS_LIST);
    err = send_request(monitor) ? 0 : ECONNRESET;
    while (err == 0 && more) {
        err = receive_reply(monitor, PM_MON_NETNS_LIST, fds);
        if (err != 0)
            break;
        if (list->len + monitor->reply->count <= PM_MON_NETNS_MAX)
            g_array_append_vals(list, monitor->reply->u.netns, monitor->reply->count);
        more = monitor->reply->more;
    }
    end_turn(monitor);
    if (err != 0) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED,
                    "the monitor could not list the network namespaces: %s", g_strerror(err));
        g_array_unref(list);
        return NULL;
    }
    return list;
}

int
pm_monitor_netns_sockets(pm_monitor *monitor, guint32 netns, int out[2])
{
    int fds[PM_MON_FDS_MAX], err;

    out[0] = out[1] = -1;
    if (netns == 0)
        return EINVAL;
    take_turn(monitor);
    prepare(monitor, PM_MON_NETNS_SOCKETS);
    monitor->request->netns = netns;
    err = ask(monitor, fds);
    if (err == 0) {
        out[0] = fds[0];
        out[1] = fds[1];
    }
    end_turn(monitor);
    return err;
}

pm_conntrack_result
pm_monitor_conntrack(pm_monitor *monitor, guint32 netns, pm_transport transport,
                     const pm_endpoint *a, const pm_endpoint *b, pm_connection *out, int *err)
{
    int fds[PM_MON_FDS_MAX];
    pm_conntrack_result result;

    take_turn(monitor);
    prepare(monitor, PM_MON_CONNTRACK);
    monitor->request->netns = netns;
    monitor->request->transport = (guint32)transport;
    monitor->request->ends[0] = *a;
    monitor->request->ends[1] = *b;
    *err = ask(monitor, fds);
    if (*err != 0) {
        /* Not in the list (ENOENT), not allowed in, or no monitor. */
        result = *err == ENOENT || *err == ECONNRESET ? PM_CONNTRACK_FAILED
                                                      : PM_CONNTRACK_NO_PERMISSION;
    } else {
        result = (pm_conntrack_result)monitor->reply->u.conntrack.result;
        *err = monitor->reply->u.conntrack.err;
        if (result == PM_CONNTRACK_FOUND)
            *out = monitor->reply->u.conntrack.connection;
    }
    end_turn(monitor);
    return result;
}

/* ---- containers ------------------------------------------------------------------ */

/* Up to @max bytes of @fd (consumed) as text; NULL when unreadable. */
static char *
read_all(int fd, gsize max)
{
    GString *text = g_string_new(NULL);
    char buf[4096];
    ssize_t n = 0;

    while (text->len <= max && (n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        g_string_append_len(text, buf, n);
    }
    close(fd);
    if (n < 0 || text->len > max) {
        g_string_free(text, TRUE);
        return NULL;
    }
    return g_string_free(text, FALSE);
}

static char *
docker_name(pm_monitor *monitor, const char *id)
{
    int fds[PM_MON_FDS_MAX], err;
    char *json;
    char *name = NULL;

    take_turn(monitor);
    prepare(monitor, PM_MON_DOCKER_CONFIG);
    g_strlcpy(monitor->request->container_id, id, sizeof monitor->request->container_id);
    err = ask(monitor, fds);
    end_turn(monitor);
    if (err != 0)
        return NULL;
    json = read_all(fds[0], DOCKER_CONFIG_MAX);
    if (json != NULL)
        name = pm_container_docker_name(json);
    g_free(json);
    return name;
}

gboolean
pm_monitor_container_of_pid(pm_monitor *monitor, gint32 pid, pm_container *out)
{
    pm_monitor_proc proc;
    char *text = NULL;
    gboolean found;

    memset(out, 0, sizeof *out);
    if (pm_monitor_read_proc(monitor, pid, PM_MON_WANT_CGROUP, &proc) != 0)
        return FALSE;
    if (proc.cgroup_fd >= 0) {
        text = read_all(proc.cgroup_fd, 64 * 1024);
        proc.cgroup_fd = -1;
    }
    pm_monitor_proc_clear(monitor, &proc);
    found = pm_container_from_cgroup(text, out);
    g_free(text);
    if (found && out->id != NULL && out->name == NULL &&
        g_strcmp0(out->runtime, "docker") == 0 && monitor->hello.level == PM_POLICY_FULL &&
        pm_mon_container_id_valid(out->id, strlen(out->id)))
        out->name = docker_name(monitor, out->id);
    return found;
}
