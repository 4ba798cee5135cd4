/* monitor_backend.c - a watcher backend for the unprivileged capture process.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor_backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conntrack_parse.h"
#include "procfs_parse.h"

#define CMDLINE_MAX (64 * 1024)
#define STAT_MAX    2048
#define STATUS_MAX  4096

typedef struct {
    pm_backend  base;
    pm_backend *inner;       /* netlink: sockets, addresses, lookups, user names */
    pm_monitor *monitor;
    guint32     netns;       /* the watched namespace; 0: the capture's */
    long        clk_tck;
    guint64     btime;       /* seconds since the epoch; 0: not read yet */
    char       *buffer;      /* CMDLINE_MAX + 1 bytes */
} monitor_backend;

/* Reads up to @cap bytes of @fd from its start; 0 or an errno. */
static int
read_fd(int fd, char *buf, gsize cap, gsize *len)
{
    gsize got = 0;

    *len = 0;
    if (fd < 0)
        return EBADF;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            break;
        got += (gsize)n;
    }
    *len = got;
    return 0;
}

static gboolean
btime_line(const char *line, gsize len, gboolean overlong, gpointer data)
{
    return overlong || !pm_parse_btime_line(line, len, data);
}

/* The boot time, from /proc/stat (world-readable), once. */
static guint64
boot_time(monitor_backend *self)
{
    pm_line_splitter splitter;
    char buf[4096];
    FILE *file;

    if (self->btime != 0)
        return self->btime;
    file = fopen("/proc/stat", "re");
    if (file == NULL)
        return 0;
    pm_line_splitter_init(&splitter, buf, sizeof buf);
    for (;;) {
        gsize room;
        char *space = pm_line_splitter_space(&splitter, &room);
        size_t n = fread(space, 1, room, file);

        if (n == 0) {
            pm_line_splitter_finish(&splitter, btime_line, &self->btime);
            break;
        }
        if (!pm_line_splitter_push(&splitter, n, btime_line, &self->btime))
            break;
    }
    fclose(file);
    return self->btime;
}

static pm_read_status
monitor_read_process(pm_backend *backend, gint32 pid, pm_process_raw *out, pm_diag *diag)
{
    monitor_backend *self = (monitor_backend *)backend;
    pm_monitor_proc proc;
    char text[MAX(STAT_MAX, STATUS_MAX)];
    pm_proc_stat st;
    gsize len;
    int err;

    memset(out, 0, sizeof *out);
    out->pid = pid;
    out->ppid = -1;
    err = pm_monitor_read_proc(self->monitor, pid,
                               PM_MON_WANT_STAT | PM_MON_WANT_STATUS | PM_MON_WANT_CMDLINE |
                               PM_MON_WANT_EXE | PM_MON_WANT_CWD, &proc);
    if (err == ESRCH || err == ENOENT) {
        pm_diag_note(diag, PM_DIAG_PROCESS_VANISHED, PM_DIAG_LEVEL_DEBUG,
                     "process %d exited before it could be read", pid);
        return PM_READ_VANISHED;
    }
    if (err != 0) {
        /* EACCES: the policy hides it from this caller; told once. */
        pm_diag_note(diag, PM_DIAG_PROCESS_UNREADABLE, PM_DIAG_LEVEL_INFO,
                     "process %d is not this user's to see (%s)", pid, g_strerror(err));
        return PM_READ_FAILED;
    }
    err = read_fd(proc.stat_fd, text, STAT_MAX, &len);
    if (err == ESRCH || err == ENOENT) {
        pm_monitor_proc_clear(self->monitor, &proc);
        return PM_READ_VANISHED;
    }
    if (err == 0 && pm_parse_proc_stat(text, len, &st)) {
        out->comm = g_strndup(st.comm, st.comm_len);
        out->ppid = st.ppid;
        out->start_time_ns = boot_time(self) ? pm_start_time_ns(self->btime, st.start_ticks,
                                                                self->clk_tck) : 0;
    }
    if (read_fd(proc.status_fd, text, STATUS_MAX, &len) == 0)
        out->has_uid = pm_parse_status_uid(text, len, &out->uid);
    /* One byte over the cap tells a cut from a cmdline of exactly the cap. */
    if (proc.cmdline_fd >= 0 && read_fd(proc.cmdline_fd, self->buffer, CMDLINE_MAX + 1, &len) == 0) {
        out->args_truncated = len > CMDLINE_MAX;
        out->argv = pm_parse_cmdline(self->buffer, MIN(len, CMDLINE_MAX));
    }
    if (proc.exe != NULL)
        out->exe = g_strndup(proc.exe, pm_strip_deleted_suffix(proc.exe, strlen(proc.exe)));
    out->cwd = g_steal_pointer(&proc.cwd);
    pm_monitor_proc_clear(self->monitor, &proc);
    return PM_READ_OK;
}

static gboolean
monitor_find_owners(pm_backend *backend, GHashTable *wanted, GArray *owners,
                    pm_owner_scan *scan, pm_diag *diag, GError **error)
{
    monitor_backend *self = (monitor_backend *)backend;

    return pm_monitor_owners(self->monitor, wanted, owners, scan, error);
}

static gboolean
monitor_list_sockets(pm_backend *backend, pm_transport transport, GArray *out, pm_diag *diag,
                     GError **error)
{
    pm_backend *inner = ((monitor_backend *)backend)->inner;

    return inner->ops->list_sockets(inner, transport, out, diag, error);
}

static gboolean
monitor_list_local_addresses(pm_backend *backend, GArray *out, pm_diag *diag, GError **error)
{
    pm_backend *inner = ((monitor_backend *)backend)->inner;

    return inner->ops->list_local_addresses(inner, out, diag, error);
}

static char *
monitor_user_name(pm_backend *backend, guint32 uid)
{
    pm_backend *inner = ((monitor_backend *)backend)->inner;

    return inner->ops->user_name(inner, uid);
}

static pm_find_result
monitor_find_socket(pm_backend *backend, pm_transport transport, const pm_endpoint *local,
                    const pm_endpoint *remote, pm_socket *out, pm_diag *diag)
{
    pm_backend *inner = ((monitor_backend *)backend)->inner;

    return inner->ops->find_socket ? inner->ops->find_socket(inner, transport, local, remote,
                                                             out, diag)
                                   : PM_FIND_UNKNOWN;
}

static pm_conntrack_result
monitor_find_connection(pm_backend *backend, pm_transport transport, const pm_endpoint *a,
                        const pm_endpoint *b, pm_connection *out, pm_diag *diag)
{
    pm_backend *inner = ((monitor_backend *)backend)->inner;

    return inner->ops->find_connection(inner, transport, a, b, out, diag);
}

static pm_changes
monitor_local_addresses_changed(pm_backend *backend, pm_diag *diag)
{
    pm_backend *inner = ((monitor_backend *)backend)->inner;

    return inner->ops->local_addresses_changed ? inner->ops->local_addresses_changed(inner, diag)
                                               : PM_CHANGES_UNKNOWN;
}

/* Whether @connection, found by the packet a -> b, gives its socket other
 * ends than the packet's: NAT translated it. */
static gboolean
translates(const pm_connection *connection, const pm_endpoint *a, const pm_endpoint *b)
{
    pm_endpoint socket_a, socket_b;

    return pm_ct_socket_ends(connection, a, b, &socket_a, &socket_b) &&
           !(pm_endpoint_equal(&socket_a, a) && pm_endpoint_equal(&socket_b, b));
}

static gboolean
conclusive(pm_conntrack_result result)
{
    return result == PM_CONNTRACK_FOUND || result == PM_CONNTRACK_ABSENT;
}

/* The inner backend's pm_conntrack_fn: the watched namespace's conntrack,
 * then the capture's (see monitor_backend.h). */
static pm_conntrack_result
ask_monitor(pm_transport transport, const pm_endpoint *a, const pm_endpoint *b,
            pm_connection *out, int *err, gpointer user_data)
{
    monitor_backend *self = user_data;
    pm_connection here, captured;
    int here_err = 0;
    pm_conntrack_result in_watched, in_capture;

    in_watched = pm_monitor_conntrack(self->monitor, self->netns, transport, a, b, &here,
                                      &here_err);
    if (self->netns == 0 || (in_watched == PM_CONNTRACK_FOUND && translates(&here, a, b))) {
        *err = here_err;
        if (in_watched == PM_CONNTRACK_FOUND)
            *out = here;
        return in_watched;
    }
    in_capture = pm_monitor_conntrack(self->monitor, 0, transport, a, b, &captured, err);
    if (in_capture == PM_CONNTRACK_FOUND && translates(&captured, a, b)) {
        *out = captured;
        return in_capture;
    }
    if (conclusive(in_watched) && conclusive(in_capture)) {
        /* Nothing translated the packet: tracked here or there, or not at all. */
        *err = 0;
        *out = in_watched == PM_CONNTRACK_FOUND ? here : captured;
        return in_watched == PM_CONNTRACK_FOUND ? in_watched : in_capture;
    }
    /* One could not be asked: not known to be untranslated. */
    if (!conclusive(in_watched)) {
        *err = here_err;
        return in_watched;
    }
    return in_capture;
}

static void
monitor_destroy(pm_backend *backend)
{
    monitor_backend *self = (monitor_backend *)backend;

    pm_backend_free(self->inner);
    g_free(self->buffer);
    g_free(self);
}

static const pm_backend_ops monitor_ops = {
    .name = "monitor",
    .list_sockets = monitor_list_sockets,
    .find_owners = monitor_find_owners,
    .read_process = monitor_read_process,
    .list_local_addresses = monitor_list_local_addresses,
    .user_name = monitor_user_name,
    .destroy = monitor_destroy,
    .find_socket = monitor_find_socket,
    .find_connection = monitor_find_connection,
    .local_addresses_changed = monitor_local_addresses_changed,
};

pm_backend *
pm_monitor_backend_new(pm_monitor *monitor, pm_netlink_open_fn open_fn, gpointer open_data,
                       guint32 netns)
{
    monitor_backend *self = g_new0(monitor_backend, 1);

    self->base.ops = &monitor_ops;
    self->inner = pm_netlink_backend_new_with_opener(NULL, open_fn, open_data);
    self->monitor = monitor;
    self->netns = netns;
    pm_netlink_backend_set_conntrack(self->inner, ask_monitor, self, NULL);
    self->clk_tck = sysconf(_SC_CLK_TCK);
    self->buffer = g_malloc(CMDLINE_MAX + 1);
    return &self->base;
}
