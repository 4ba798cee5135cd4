/* procfs.c - the Linux /proc backend: all the I/O, none of the parsing.
 *
 * Every file is read with read(2) into a buffer owned by the backend or on
 * the stack; lines are handed to the pure parsers of procfs_parse.c in place,
 * so a refresh allocates only for what it returns.  Not thread-safe: the
 * backend's buffer is shared by its calls (the watcher is single-threaded).
 * The owner scan is in procfs_owners.c; reading under the root, which both
 * need, in procfs_root.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procfs.h"
#include "procfs_owners.h"
#include "procfs_root.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

/* Largest line of any file read with pm_procfs_read_lines(), and the cap on cmdline
 * bytes.  Kernel socket lines are under 200 bytes. */
#define READ_BUFFER_SIZE (64 * 1024)
#define CMDLINE_MAX      (64 * 1024)

#define STAT_MAX    PM_PROCFS_STAT_MAX
#define STATUS_MAX  4096

typedef struct {
    pm_backend        base;
    pm_procfs_root    root;
    char             *buffer;   /* READ_BUFFER_SIZE + 1 bytes */
    pm_procfs_owners *owners;   /* made by the first owner scan */
} procfs_backend;

/* ---- socket tables ------------------------------------------------------ */

typedef struct {
    GArray     *out;
    pm_diag    *diag;
    const char *root;
    const char *name;
    gboolean    v6;
    guint       line_no;
} table_reader;

static gboolean
socket_line(const char *line, gsize len, gboolean overlong, gpointer data)
{
    table_reader *reader = data;
    pm_socket socket;
    pm_parse_result result;

    reader->line_no++;
    result = overlong ? PM_PARSE_MALFORMED
                      : pm_parse_socket_line(line, len, reader->v6, G_BYTE_ORDER, &socket);
    if (result == PM_PARSE_OK)
        g_array_append_val(reader->out, socket);
    else if (result == PM_PARSE_MALFORMED)
        pm_diag_note(reader->diag, PM_DIAG_MALFORMED_SOCKET_LINE, PM_DIAG_LEVEL_WARNING,
                     "%s/%s line %u is malformed%s: skipped", reader->root, reader->name,
                     reader->line_no, overlong ? " (too long)" : "");
    return TRUE;
}

static gboolean
procfs_list_sockets(pm_backend *backend, pm_transport transport, GArray *out,
                    pm_diag *diag, GError **error)
{
    static const char *const tables[PM_TRANSPORT_COUNT][2] = {
        [PM_TRANSPORT_TCP] = { "net/tcp", "net/tcp6" },
        [PM_TRANSPORT_UDP] = { "net/udp", "net/udp6" },
    };
    procfs_backend *self = (procfs_backend *)backend;
    guint old_len = out->len;
    int err;

    if ((unsigned)transport >= PM_TRANSPORT_COUNT) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "unsupported transport %d",
                    (int)transport);
        return FALSE;
    }
    for (int v6 = 0; v6 <= 1; v6++) {
        const char *name = tables[transport][v6];
        table_reader reader = { out, diag, self->root.path, name, v6, 0 };

        err = pm_procfs_read_lines(&self->root, name, self->buffer, READ_BUFFER_SIZE,
                                   socket_line, &reader);
        if (err == 0)
            continue;
        if (v6 && err == ENOENT) {
            pm_diag_note(diag, PM_DIAG_IPV6_TABLE_MISSING, PM_DIAG_LEVEL_INFO,
                         "%s/%s is missing (IPv6 disabled?): IPv6 sockets are not attributed",
                         self->root.path, name);
            continue;
        }
        g_array_set_size(out, old_len);  /* all or nothing */
        if (err == ENOENT && !pm_procfs_root_exists(&self->root)) {
            pm_procfs_report_root_missing(&self->root, err, diag, error);
            return FALSE;
        }
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "cannot read %s/%s: %s",
                    self->root.path, name, g_strerror(err));
        pm_diag_note(diag, PM_DIAG_SOCKET_TABLE_UNREADABLE, PM_DIAG_LEVEL_WARNING,
                     "cannot read %s/%s: %s", self->root.path, name, g_strerror(err));
        return FALSE;
    }
    return TRUE;
}

/* ---- one process -------------------------------------------------------- */

/* readlinkat() into a new string, or NULL. */
static char *
read_link(int dirfd, const char *name, gboolean strip_deleted)
{
    char target[PATH_MAX];
    ssize_t len = readlinkat(dirfd, name, target, sizeof target);

    if (len < 0 || (gsize)len >= sizeof target)
        return NULL;
    if (strip_deleted)
        len = (ssize_t)pm_strip_deleted_suffix(target, (gsize)len);
    return g_strndup(target, (gsize)len);
}

static GPtrArray *
read_cmdline(procfs_backend *self, int pid_fd, gboolean *truncated)
{
    gsize len;

    /* One byte over the cap tells a cut from a cmdline of exactly the cap. */
    if (pm_procfs_read_at(pid_fd, "cmdline", self->buffer, CMDLINE_MAX + 1, &len) != 0)
        return NULL;
    *truncated = len > CMDLINE_MAX;
    return pm_parse_cmdline(self->buffer, MIN(len, CMDLINE_MAX));
}

static pm_read_status
procfs_read_process(pm_backend *backend, gint32 pid, pm_process_raw *out, pm_diag *diag)
{
    procfs_backend *self = (procfs_backend *)backend;
    char name[16];
    char text[MAX(STAT_MAX, STATUS_MAX)];
    pm_proc_stat st;
    gsize len;
    int pid_fd, err;

    memset(out, 0, sizeof *out);
    out->pid = pid;
    out->ppid = -1;

    g_snprintf(name, sizeof name, "%d", pid);
    pid_fd = pid > 0 ? pm_procfs_open(&self->root, name, O_DIRECTORY) : -1;
    if (pid_fd < 0) {
        err = pid > 0 ? errno : EINVAL;
        if (!pm_procfs_root_exists(&self->root)) {
            pm_procfs_report_root_missing(&self->root, err, diag, NULL);
            return PM_READ_FAILED;
        }
        if (pm_procfs_gone_errno(err))
            return pm_procfs_note_vanished(diag, pid);
        pm_diag_note(diag, PM_DIAG_PROCESS_UNREADABLE, PM_DIAG_LEVEL_INFO,
                     "cannot open %s/%d: %s", self->root.path, pid, g_strerror(err));
        return PM_READ_FAILED;
    }

    err = pm_procfs_read_at(pid_fd, "stat", text, STAT_MAX, &len);
    if (pm_procfs_gone_errno(err)) {
        close(pid_fd);
        return pm_procfs_note_vanished(diag, pid);
    }
    if (err != 0) {
        pm_diag_note(diag, PM_DIAG_PROCESS_UNREADABLE, PM_DIAG_LEVEL_INFO,
                     "cannot read %s/%d/stat: %s", self->root.path, pid, g_strerror(err));
    } else if (pm_parse_proc_stat(text, len, &st)) {
        out->comm = g_strndup(st.comm, st.comm_len);
        out->ppid = st.ppid;
        out->start_time_ns = pm_procfs_start_time_ns(&self->root, st.start_ticks, diag);
    } else {
        pm_diag_note(diag, PM_DIAG_MALFORMED_PROCESS_FILE, PM_DIAG_LEVEL_INFO,
                     "%s/%d/stat does not parse", self->root.path, pid);
    }

    if (pm_procfs_read_at(pid_fd, "status", text, STATUS_MAX, &len) == 0) {
        out->has_uid = pm_parse_status_uid(text, len, &out->uid);
        if (!out->has_uid)
            pm_diag_note(diag, PM_DIAG_MALFORMED_PROCESS_FILE, PM_DIAG_LEVEL_INFO,
                         "%s/%d/status has no Uid line", self->root.path, pid);
    }
    out->argv = read_cmdline(self, pid_fd, &out->args_truncated);
    out->exe = read_link(pid_fd, "exe", TRUE);
    out->cwd = read_link(pid_fd, "cwd", FALSE);
    close(pid_fd);
    return PM_READ_OK;
}

/* ---- local addresses ---------------------------------------------------- */

typedef struct {
    GArray            *out;
    guint              first;  /* out's length before this call */
    pm_fib_trie_state  fib;
} address_reader;

/* fib_trie lists each address twice (Main and Local tables).  A host has
 * few addresses: a linear check is cheaper than a set. */
static void
add_address(address_reader *reader, const pm_addr *addr)
{
    for (guint i = reader->first; i < reader->out->len; i++) {
        if (pm_addr_equal(&g_array_index(reader->out, pm_addr, i), addr))
            return;
    }
    g_array_append_val(reader->out, *addr);
}

static gboolean
fib_trie_line(const char *line, gsize len, gboolean overlong, gpointer data)
{
    address_reader *reader = data;
    pm_addr addr;

    if (overlong)
        pm_fib_trie_init(&reader->fib);  /* not a leaf's prefix line */
    else if (pm_fib_trie_feed(&reader->fib, line, len, &addr))
        add_address(reader, &addr);
    return TRUE;
}

static gboolean
if_inet6_line(const char *line, gsize len, gboolean overlong, gpointer data)
{
    pm_addr addr;

    if (!overlong && pm_parse_if_inet6_line(line, len, &addr))
        add_address(data, &addr);
    return TRUE;
}

static gboolean
procfs_list_local_addresses(pm_backend *backend, GArray *out, pm_diag *diag, GError **error)
{
    static const struct {
        const char *name;
        pm_line_fn  fn;
    } files[] = { { "net/fib_trie", fib_trie_line }, { "net/if_inet6", if_inet6_line } };
    procfs_backend *self = (procfs_backend *)backend;
    address_reader reader = { out, out->len, { { 0 }, FALSE } };
    const char *failed = NULL;
    int failed_err = 0;

    if (!pm_procfs_root_exists(&self->root)) {
        pm_procfs_report_root_missing(&self->root, ENOENT, diag, error);
        return FALSE;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
        int err = pm_procfs_read_lines(&self->root, files[i].name, self->buffer,
                                       READ_BUFFER_SIZE, files[i].fn, &reader);
        if (err != 0 && failed == NULL) {
            failed = files[i].name;
            failed_err = err;
        }
    }
    if (failed)  /* once per call, whichever files failed */
        pm_diag_note(diag, PM_DIAG_LOCAL_ADDRESSES_UNREADABLE, PM_DIAG_LEVEL_INFO,
                     "cannot read %s/%s (%s): some local addresses are unknown",
                     self->root.path, failed, g_strerror(failed_err));
    return TRUE;
}

/* ---- users and lifetime ------------------------------------------------- */

static char *
procfs_user_name(pm_backend *backend, guint32 uid)
{
    char buf[16384];  /* ample for one passwd entry; ERANGE gives no name */
    struct passwd pw, *found = NULL;

    if (getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &found) != 0 || found == NULL)
        return NULL;
    return g_strdup(found->pw_name);
}

static gboolean
procfs_find_owners(pm_backend *backend, GHashTable *wanted, GArray *owners,
                   pm_owner_scan *scan, pm_diag *diag, GError **error)
{
    procfs_backend *self = (procfs_backend *)backend;

    if (self->owners == NULL)
        self->owners = pm_procfs_owners_new();
    return pm_procfs_owners_find(self->owners, &self->root, wanted, owners, scan, diag, error);
}

static pm_read_status
procfs_process_start(pm_backend *backend, gint32 pid, guint64 *start_time_ns, pm_diag *diag)
{
    procfs_backend *self = (procfs_backend *)backend;

    if (self->owners == NULL)
        self->owners = pm_procfs_owners_new();
    return pm_procfs_owners_start_time(self->owners, &self->root, pid, start_time_ns, diag);
}

static void
procfs_destroy(pm_backend *backend)
{
    procfs_backend *self = (procfs_backend *)backend;
    pm_procfs_owners_free(self->owners);
    pm_procfs_root_clear(&self->root);
    g_free(self->buffer);
    g_free(self);
}

static const pm_backend_ops procfs_ops = {
    .name = "procfs",
    .list_sockets = procfs_list_sockets,
    .find_owners = procfs_find_owners,
    .read_process = procfs_read_process,
    .list_local_addresses = procfs_list_local_addresses,
    .user_name = procfs_user_name,
    .destroy = procfs_destroy,
    .process_start = procfs_process_start,
};

pm_backend *
pm_procfs_backend_new(const char *proc_root)
{
    procfs_backend *self = g_new0(procfs_backend, 1);

    self->base.ops = &procfs_ops;
    pm_procfs_root_init(&self->root, proc_root);
    self->buffer = g_malloc(READ_BUFFER_SIZE + 1);
    return &self->base;
}
