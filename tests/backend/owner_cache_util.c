/* owner_cache_util.c - see owner_cache_util.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE  /* clone3 */
#include "owner_cache_util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procfs_test_util.h"

guint64
start_ns(guint64 ticks)
{
    guint64 hz = (guint64)sysconf(_SC_CLK_TCK);
    return (BTIME + ticks / hz) * G_GUINT64_CONSTANT(1000000000)
           + (ticks % hz) * G_GUINT64_CONSTANT(1000000000) / hz;
}

GHashTable *
wanted_set(const guint64 *inodes, gsize n)
{
    GHashTable *set = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);

    for (gsize i = 0; i < n; i++)
        g_hash_table_add(set, g_memdup2(&inodes[i], sizeof inodes[i]));
    return set;
}

/* The host may hold processes we cannot read: told, not fatal. */
void
quiet_sink(pm_diag_level level, pm_diag_cause cause, const char *message, gpointer data)
{
    g_test_message("diag %s: %s", pm_diag_cause_name(cause), message);
}

static gint
owner_order(gconstpointer a, gconstpointer b)
{
    const pm_owner *x = a, *y = b;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return x->fd < y->fd ? -1 : x->fd > y->fd;
}

/* The owners of @wanted found by @backend, sorted. */
GArray *
scan_with(pm_backend *backend, GHashTable *wanted, pm_owner_scan *scan)
{
    GArray *owners = g_array_new(FALSE, FALSE, sizeof(pm_owner));
    GError *error = NULL;
    pm_diag diag;

    pm_diag_init(&diag, quiet_sink, NULL);
    memset(scan, 0, sizeof *scan);
    g_assert_true(backend->ops->find_owners(backend, wanted, owners, scan, &diag, &error));
    g_assert_no_error(error);
    if (scan->unreadable_uids)
        g_hash_table_unref(scan->unreadable_uids);
    scan->unreadable_uids = NULL;
    g_array_sort(owners, owner_order);
    return owners;
}

void
assert_owner(GArray *owners, guint i, gint32 pid, gint32 fd, guint64 inode, guint64 start)
{
    const pm_owner *o;

    g_assert_cmpuint(i, <, owners->len);
    o = &g_array_index(owners, pm_owner, i);
    g_assert_cmpint(o->pid, ==, pid);
    g_assert_cmpint(o->fd, ==, fd);
    g_assert_cmpuint(o->inode, ==, inode);
    g_assert_cmpuint(o->start_time_ns, ==, start);
}

static char *
fd_path(gint32 pid, gint32 fd)
{
    return g_strdup_printf("%d/fd/%d", pid, fd);
}

/* Replaces (or makes) <root>/<pid>/fd/<fd> -> @target. */
void
set_fd(const char *root, gint32 pid, gint32 fd, const char *target)
{
    char *relative = fd_path(pid, fd);
    char *path = g_build_filename(root, relative, NULL);

    (void)unlink(path);
    pt_symlink(root, relative, target);
    g_free(path);
    g_free(relative);
}

/* 100 holds 1001 and 1002, 200 shares 1001, 300 holds an unwanted socket. */
char *
small_host(void)
{
    char *root = pt_tree_new();
    char *text = g_strdup_printf("cpu  1 2 3 4\nbtime %u\n", BTIME);

    pt_write(root, "stat", text, -1);
    g_free(text);
    pt_write_stat(root, 100, "server", 1, 500);
    set_fd(root, 100, 3, "socket:[1001]");
    set_fd(root, 100, 4, "socket:[1002]");
    set_fd(root, 100, 5, "/dev/null");
    pt_write_stat(root, 200, "worker", 100, 600);
    set_fd(root, 200, 7, "socket:[1001]");
    set_fd(root, 200, 8, "pipe:[9]");
    pt_write_stat(root, 300, "other", 1, 700);
    set_fd(root, 300, 1, "socket:[5555]");
    return root;
}


/* The child's loop: async-signal-safe calls only (it may come from clone3).
 * 'd': dup2(@spare, HELD_FD).  'n': a new socket at HELD_FD + 1. */
static void G_GNUC_NORETURN
child_main(int commands, int replies, int spare)
{
    char command;

    while (read(commands, &command, 1) == 1) {
        if (command == 'd' && dup2(spare, HELD_FD) != HELD_FD)
            _exit(2);
        if (command == 'n') {
            int fd = socket(AF_INET, SOCK_DGRAM, 0);
            if (fd < 0 || dup2(fd, HELD_FD + 1) != HELD_FD + 1)
                _exit(3);
            close(fd);
        }
        if (write(replies, &command, 1) != 1)
            _exit(4);
    }
    _exit(0);
}

/* A child holding, at HELD_FD, what the parent holds there; @set_tid > 0
 * asks clone3 for that pid (FALSE when refused). */
gboolean
child_start(child *c, int spare, pid_t set_tid)
{
    int to_child[2], from_child[2];

    g_assert_cmpint(pipe2(to_child, O_CLOEXEC), ==, 0);
    g_assert_cmpint(pipe2(from_child, O_CLOEXEC), ==, 0);
    if (set_tid > 0) {
        struct clone_args args;

        memset(&args, 0, sizeof args);
        args.exit_signal = SIGCHLD;
        args.set_tid = (guint64)(guintptr)&set_tid;
        args.set_tid_size = 1;
        c->pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    } else {
        c->pid = fork();
    }
    if (c->pid == 0) {
        close(to_child[1]);
        close(from_child[0]);
        child_main(to_child[0], from_child[1], spare);
    }
    close(to_child[0]);
    close(from_child[1]);
    c->commands = to_child[1];
    c->replies = from_child[0];
    if (c->pid < 0) {
        close(c->commands);
        close(c->replies);
        return FALSE;
    }
    return TRUE;
}

void
child_command(child *c, char command)
{
    char done;

    g_assert_cmpint(write(c->commands, &command, 1), ==, 1);
    g_assert_cmpint(read(c->replies, &done, 1), ==, 1);
}

void
child_stop(child *c)
{
    int status;

    close(c->commands);
    g_assert_cmpint(waitpid(c->pid, &status, 0), ==, c->pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    close(c->replies);
}

guint64
inode_at(pid_t pid, int fd)
{
    char *path = g_strdup_printf("/proc/%d/fd/%d", (int)pid, fd);
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    g_free(path);
    return st.st_ino;
}