/* test_procfs_owner_cache.c - what the owner scan keeps between scans (the
 * start times of owning processes) never changes its answer: every scan of
 * one backend equals a scan by a new backend, after an fd is closed and
 * reused for another socket, a process gains a socket, a process exits and
 * its pid is reused - on fake trees and on the real /proc.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE  /* clone3 */
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

#include "procfs.h"
#include "procfs_test_util.h"

#define BTIME 1700000000u

static guint64
start_ns(guint64 ticks)
{
    guint64 hz = (guint64)sysconf(_SC_CLK_TCK);
    return (BTIME + ticks / hz) * G_GUINT64_CONSTANT(1000000000)
           + (ticks % hz) * G_GUINT64_CONSTANT(1000000000) / hz;
}

static GHashTable *
wanted_set(const guint64 *inodes, gsize n)
{
    GHashTable *set = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);

    for (gsize i = 0; i < n; i++)
        g_hash_table_add(set, g_memdup2(&inodes[i], sizeof inodes[i]));
    return set;
}

/* The host may hold processes we cannot read: told, not fatal. */
static void
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
static GArray *
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

/* Scans with @backend (which remembers) and with a new backend (which does
 * not): the same owners.  Returns the former; *@reused: start times kept. */
static GArray *
scan_checked(pm_backend *backend, const char *root, GHashTable *wanted, guint *reused)
{
    pm_backend *fresh = pm_procfs_backend_new(root);
    pm_owner_scan scan, fresh_scan;
    GArray *owners = scan_with(backend, wanted, &scan);
    GArray *expected = scan_with(fresh, wanted, &fresh_scan);

    g_assert_cmpuint(fresh_scan.start_times_reused, ==, 0);
    g_assert_cmpuint(owners->len, ==, expected->len);
    for (guint i = 0; i < owners->len; i++) {
        const pm_owner *o = &g_array_index(owners, pm_owner, i);
        const pm_owner *e = &g_array_index(expected, pm_owner, i);
        g_assert_cmpint(o->pid, ==, e->pid);
        g_assert_cmpint(o->fd, ==, e->fd);
        g_assert_cmpuint(o->inode, ==, e->inode);
        g_assert_cmpuint(o->start_time_ns, ==, e->start_time_ns);
    }
    g_array_unref(expected);
    pm_backend_free(fresh);
    *reused = scan.start_times_reused;
    return owners;
}

static void
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
static void
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
static char *
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

static void
test_start_times_kept(void)
{
    static const guint64 inodes[] = { 1001, 1002, 1003 };
    char *root = small_host();
    pm_backend *backend = pm_procfs_backend_new(root);
    GHashTable *wanted = wanted_set(inodes, G_N_ELEMENTS(inodes));
    GArray *owners;
    guint reused;

    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(reused, ==, 0);
    g_assert_cmpuint(owners->len, ==, 3);
    assert_owner(owners, 0, 100, 3, 1001, start_ns(500));
    assert_owner(owners, 1, 100, 4, 1002, start_ns(500));
    assert_owner(owners, 2, 200, 7, 1001, start_ns(600));
    g_array_unref(owners);

    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(reused, ==, 2);
    g_assert_cmpuint(owners->len, ==, 3);
    g_array_unref(owners);

    /* An fd closed and reused for another socket: the new one is found, the
     * old one no longer held there; same processes, start times kept. */
    set_fd(root, 100, 3, "socket:[1003]");
    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(reused, ==, 2);
    g_assert_cmpuint(owners->len, ==, 3);
    assert_owner(owners, 0, 100, 3, 1003, start_ns(500));
    assert_owner(owners, 1, 100, 4, 1002, start_ns(500));
    assert_owner(owners, 2, 200, 7, 1001, start_ns(600));
    g_array_unref(owners);

    /* A new socket in an old process: found, its start time read. */
    set_fd(root, 300, 9, "socket:[1002]");
    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(reused, ==, 2);
    g_assert_cmpuint(owners->len, ==, 4);
    assert_owner(owners, 3, 300, 9, 1002, start_ns(700));
    g_array_unref(owners);

    g_hash_table_unref(wanted);
    pm_backend_free(backend);
    pt_tree_free(root);
}

/* A process exits and its pid comes back as another process: the start
 * time is the new one's, whether an exit was seen in between or not. */
static void
test_pid_reuse(void)
{
    static const guint64 inodes[] = { 1001, 1002 };
    char *root = small_host();
    char *dir = g_build_filename(root, "100", NULL);
    pm_backend *backend = pm_procfs_backend_new(root);
    GHashTable *wanted = wanted_set(inodes, G_N_ELEMENTS(inodes));
    GArray *owners;
    guint reused;

    g_array_unref(scan_checked(backend, root, wanted, &reused));

    /* Replaced between two scans: same pid, same fds, a new stat file. */
    pt_write_stat(root, 100, "server", 1, 900);
    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(reused, ==, 1);  /* 200 only */
    assert_owner(owners, 0, 100, 3, 1001, start_ns(900));
    g_array_unref(owners);

    /* Exits (its sockets go with it), then the pid is used again. */
    pt_tree_free(g_strdup(dir));
    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(owners->len, ==, 1);
    assert_owner(owners, 0, 200, 7, 1001, start_ns(600));
    g_array_unref(owners);
    pt_write_stat(root, 100, "newcomer", 1, 950);
    set_fd(root, 100, 3, "socket:[1002]");
    owners = scan_checked(backend, root, wanted, &reused);
    g_assert_cmpuint(reused, ==, 1);
    assert_owner(owners, 0, 100, 3, 1002, start_ns(950));
    assert_owner(owners, 1, 200, 7, 1001, start_ns(600));
    g_array_unref(owners);

    g_hash_table_unref(wanted);
    pm_backend_free(backend);
    g_free(dir);
    pt_tree_free(root);
}

/* ---- the real /proc ----------------------------------------------------- */

typedef struct {
    pid_t pid;
    int   commands;   /* write end: a byte per command, EOF to exit */
    int   replies;    /* read end: a byte per command done */
} child;

enum { HELD_FD = 100 };

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
static gboolean
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

static void
child_command(child *c, char command)
{
    char done;

    g_assert_cmpint(write(c->commands, &command, 1), ==, 1);
    g_assert_cmpint(read(c->replies, &done, 1), ==, 1);
}

static void
child_stop(child *c)
{
    int status;

    close(c->commands);
    g_assert_cmpint(waitpid(c->pid, &status, 0), ==, c->pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    close(c->replies);
}

static guint64
inode_at(pid_t pid, int fd)
{
    char *path = g_strdup_printf("/proc/%d/fd/%d", (int)pid, fd);
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    g_free(path);
    return st.st_ino;
}

/* The owners of @owners that are @pid. */
static GArray *
of_pid(GArray *owners, pid_t pid)
{
    GArray *mine = g_array_new(FALSE, FALSE, sizeof(pm_owner));

    for (guint i = 0; i < owners->len; i++) {
        if (g_array_index(owners, pm_owner, i).pid == pid)
            g_array_append_val(mine, g_array_index(owners, pm_owner, i));
    }
    return mine;
}

static void
test_live(void)
{
    int pair[2], spare[2];
    pm_backend *backend = pm_procfs_backend_new(NULL);
    guint64 inodes[3];
    GHashTable *wanted;
    GArray *owners, *mine;
    guint reused;
    child c;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, spare), ==, 0);
    g_assert_cmpint(dup2(pair[0], HELD_FD), ==, HELD_FD);
    close(pair[0]);  /* held at HELD_FD only */
    g_assert_true(child_start(&c, spare[0], 0));
    inodes[0] = inode_at(getpid(), HELD_FD);
    inodes[1] = inode_at(getpid(), spare[0]);

    wanted = wanted_set(inodes, 2);
    owners = scan_checked(backend, "/proc", wanted, &reused);
    mine = of_pid(owners, c.pid);
    g_assert_cmpuint(mine->len, ==, 2);  /* inherited: HELD_FD and spare[0] */
    g_array_unref(mine);
    g_array_unref(owners);
    owners = scan_checked(backend, "/proc", wanted, &reused);
    g_assert_cmpuint(reused, >=, 2);     /* this process and the child */
    g_array_unref(owners);

    /* The child's HELD_FD now holds the other socket. */
    child_command(&c, 'd');
    owners = scan_checked(backend, "/proc", wanted, &reused);
    mine = of_pid(owners, c.pid);
    g_assert_cmpuint(mine->len, ==, 2);
    for (guint i = 0; i < mine->len; i++)
        g_assert_cmpuint(g_array_index(mine, pm_owner, i).inode, ==, inodes[1]);
    g_array_unref(mine);
    g_array_unref(owners);

    /* A socket the child makes now. */
    child_command(&c, 'n');
    inodes[2] = inode_at(c.pid, HELD_FD + 1);
    g_hash_table_unref(wanted);
    wanted = wanted_set(inodes, 3);
    owners = scan_checked(backend, "/proc", wanted, &reused);
    mine = of_pid(owners, c.pid);
    g_assert_cmpuint(mine->len, ==, 3);
    g_assert_cmpint(g_array_index(mine, pm_owner, 2).fd, ==, HELD_FD + 1);
    g_assert_cmpuint(g_array_index(mine, pm_owner, 2).inode, ==, inodes[2]);
    g_array_unref(mine);
    g_array_unref(owners);
    child_stop(&c);

    g_hash_table_unref(wanted);
    pm_backend_free(backend);
    close(HELD_FD);
    close(pair[1]);
    close(spare[0]);
    close(spare[1]);
}

/* A real pid reuse: the child exits, a new child gets its pid (clone3
 * set_tid: root only, not under valgrind) and holds the same socket at the
 * same fd; its start time must be its own. */
static void
test_live_pid_reuse(void)
{
    int pair[2];
    pm_backend *backend = pm_procfs_backend_new(NULL);
    guint64 inode;
    GHashTable *wanted;
    GArray *owners, *mine;
    guint64 first_start;
    guint reused;
    pid_t pid;
    child c;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
    g_assert_cmpint(dup2(pair[0], HELD_FD), ==, HELD_FD);
    close(pair[0]);
    inode = inode_at(getpid(), HELD_FD);
    wanted = wanted_set(&inode, 1);

    g_assert_true(child_start(&c, pair[1], 0));
    pid = c.pid;
    owners = scan_checked(backend, "/proc", wanted, &reused);
    mine = of_pid(owners, pid);
    g_assert_cmpuint(mine->len, ==, 1);
    first_start = g_array_index(mine, pm_owner, 0).start_time_ns;
    g_assert_cmpuint(first_start, !=, 0);
    g_array_unref(mine);
    g_array_unref(owners);
    child_stop(&c);

    g_usleep(30 * 1000);  /* a start time of its own: more than a clock tick later */
    if (!child_start(&c, pair[1], pid)) {
        g_test_skip("clone3 with set_tid refused (needs root, not under valgrind)");
    } else {
        g_assert_cmpint(c.pid, ==, pid);
        owners = scan_checked(backend, "/proc", wanted, &reused);
        mine = of_pid(owners, pid);
        g_assert_cmpuint(mine->len, ==, 1);
        g_assert_cmpint(g_array_index(mine, pm_owner, 0).fd, ==, HELD_FD);
        g_assert_cmpuint(g_array_index(mine, pm_owner, 0).start_time_ns, >, first_start);
        g_array_unref(mine);
        g_array_unref(owners);
        child_stop(&c);
    }
    g_hash_table_unref(wanted);
    pm_backend_free(backend);
    close(HELD_FD);
    close(pair[1]);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/procfs/owner-cache/start-times-kept", test_start_times_kept);
    g_test_add_func("/procfs/owner-cache/pid-reuse", test_pid_reuse);
    g_test_add_func("/procfs/owner-cache/live", test_live);
    g_test_add_func("/procfs/owner-cache/live-pid-reuse", test_live_pid_reuse);
    return g_test_run();
}
