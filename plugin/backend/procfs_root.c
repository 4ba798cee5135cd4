/* procfs_root.c - reading files under a proc root (procfs_root.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procfs_root.h"
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
pm_procfs_root_init(pm_procfs_root *root, const char *path)
{
    gsize len;

    memset(root, 0, sizeof *root);
    root->path = g_strdup(path && *path ? path : PM_PROCFS_DEFAULT_ROOT);
    /* "/proc/" and "/proc" name the same root; keep "/" as it is. */
    len = strlen(root->path);
    while (len > 1 && root->path[len - 1] == '/')
        root->path[--len] = '\0';
    root->clk_tck = sysconf(_SC_CLK_TCK);
}

void
pm_procfs_root_clear(pm_procfs_root *root)
{
    g_clear_pointer(&root->path, g_free);
}

gboolean
pm_procfs_gone_errno(int err)
{
    return err == ENOENT || err == ESRCH;
}

gboolean
pm_procfs_denied_errno(int err)
{
    return err == EACCES || err == EPERM;
}

int
pm_procfs_open(const pm_procfs_root *root, const char *relative, int flags)
{
    char path[PATH_MAX];

    if ((gsize)g_snprintf(path, sizeof path, "%s/%s", root->path, relative) >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return open(path, flags | O_RDONLY | O_CLOEXEC);
}

gboolean
pm_procfs_root_exists(const pm_procfs_root *root)
{
    struct stat st;
    return stat(root->path, &st) == 0 && S_ISDIR(st.st_mode);
}

void
pm_procfs_report_root_missing(const pm_procfs_root *root, int err, pm_diag *diag,
                              GError **error)
{
    pm_diag_note(diag, PM_DIAG_PROC_ROOT_MISSING, PM_DIAG_LEVEL_WARNING,
                 "proc root %s cannot be opened (%s): no process attribution",
                 root->path, g_strerror(err));
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
                "cannot open proc root %s: %s", root->path, g_strerror(err));
}

pm_read_status
pm_procfs_note_vanished(pm_diag *diag, gint32 pid)
{
    pm_diag_note(diag, PM_DIAG_PROCESS_VANISHED, PM_DIAG_LEVEL_DEBUG,
                 "process %d exited before it could be read", pid);
    return PM_READ_VANISHED;
}

int
pm_procfs_read_at(int dirfd, const char *relative, char *buf, gsize cap, gsize *len)
{
    int fd = openat(dirfd, relative, O_RDONLY | O_CLOEXEC);
    gsize got = 0;
    int err = 0;

    *len = 0;
    if (fd < 0)
        return errno;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n > 0) {
            got += (gsize)n;
        } else if (n == 0 || errno != EINTR) {
            err = n < 0 ? errno : 0;
            break;
        }
    }
    close(fd);
    *len = got;
    return err;
}

int
pm_procfs_read_lines(const pm_procfs_root *root, const char *relative, char *buf, gsize cap,
                     pm_line_fn fn, gpointer data)
{
    pm_line_splitter splitter;
    int fd = pm_procfs_open(root, relative, 0);
    int err = 0;

    if (fd < 0)
        return errno;
    pm_line_splitter_init(&splitter, buf, cap);
    for (;;) {
        gsize room;
        char *space = pm_line_splitter_space(&splitter, &room);
        ssize_t n = read(fd, space, room);

        if (n == 0)
            pm_line_splitter_finish(&splitter, fn, data);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n < 0 ? errno : 0;
            break;
        }
        if (!pm_line_splitter_push(&splitter, (gsize)n, fn, data))
            break;  /* @fn has what it wanted */
    }
    close(fd);
    return err;
}

static gboolean
btime_line(const char *line, gsize len, gboolean overlong, gpointer data)
{
    /* Stop at the first btime line; over-long lines ("intr") are skipped. */
    return overlong || !pm_parse_btime_line(line, len, data);
}

guint64
pm_procfs_start_time_ns(pm_procfs_root *root, guint64 start_ticks, pm_diag *diag)
{
    char buf[4096];
    guint64 value = 0;

    if (!root->has_btime) {
        int err = pm_procfs_read_lines(root, "stat", buf, sizeof buf, btime_line, &value);
        if (err != 0 || value == 0) {
            pm_diag_note(diag, PM_DIAG_PROCESS_UNREADABLE, PM_DIAG_LEVEL_INFO,
                         "no boot time in %s/stat (%s): process start times unknown",
                         root->path, err ? g_strerror(err) : "no btime line");
            return 0;
        }
        root->btime = value;
        root->has_btime = TRUE;
    }
    return pm_start_time_ns(root->btime, start_ticks, root->clk_tck);
}
