/* monitor.c - the privileged half of procmap-capture: its requests.
 *
 * Every request is decoded by pm_mon_request_decode() and answered with
 * fixed records or descriptors; capabilities are raised around the calls
 * that read other processes and lowered at once, so every policy check
 * (can the caller see this process?) runs with the caller's credentials
 * alone.  The namespaces are in monitor_netns.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor_policy.h"
#include "privileges.h"
#include "procfs.h"

#define DOCKER_ROOT "/var/lib/docker"

/* ---- sending ---------------------------------------------------------- */

void
pm_monitor_send(monitor_state *m, const pm_mon_reply *reply, const int *fds, guint n_fds)
{
    struct iovec iov = { (void *)reply, sizeof *reply };
    union {
        char buf[CMSG_SPACE(sizeof(int) * PM_MON_FDS_MAX)];
        struct cmsghdr align;
    } control;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    ssize_t n;

    g_assert(n_fds <= PM_MON_FDS_MAX);
    if (n_fds > 0) {
        struct cmsghdr *cmsg;

        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
        cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
        memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * n_fds);
    }
    do
        n = sendmsg(m->sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof *reply)
        _exit(0);       /* the capture process is gone: so is its monitor */
}

void
pm_monitor_send_error(monitor_state *m, guint32 type, int err)
{
    pm_mon_reply *reply = g_new0(pm_mon_reply, 1);

    reply->type = type;
    reply->err = err;
    pm_monitor_send(m, reply, NULL, 0);
    g_free(reply);
}

/* ---- the policy --------------------------------------------------------- */

/* /proc/<pid> as a directory: the process it names is pinned (files opened
 * through it fail once the process is gone, whoever gets the pid next). */
static int
open_pid_dir(monitor_state *m, gint32 pid)
{
    char name[16];
    int fd, err;

    g_snprintf(name, sizeof name, "%d", pid);
    (void)pm_privileges_raise(PM_PRIV_READ_PROCS);
    fd = openat(m->proc_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    err = errno;
    pm_privileges_lower();
    errno = err;
    return fd;
}

/* What the caller may learn of the process of @pid_dir; -1: nothing (it
 * cannot see it).  Runs with the effective set empty: the caller's own
 * credentials decide, as in a shell of theirs. */
static int
level_for(monitor_state *m, int pid_dir, gboolean *own)
{
    struct stat st;
    int probe;

    *own = FALSE;
    if (m->caller == 0) {
        *own = TRUE;
        return PM_POLICY_FULL;
    }
    /* The owner of the files in /proc/<pid> is the process's uid - root's
     * for a process that changed uids or holds capabilities (not dumpable);
     * the directory itself always shows the uid. */
    *own = fstatat(pid_dir, "status", &st, 0) == 0 && st.st_uid == m->caller;
    probe = openat(pid_dir, "stat", O_RDONLY | O_CLOEXEC);
    if (probe < 0)
        return -1;      /* hidepid: not the caller's to see */
    close(probe);
    if (*own)
        return PM_POLICY_FULL;
    return m->hello.level == PM_POLICY_NONE ? -1 : (int)m->hello.level;
}

static guint
granted_by(int level, gboolean own)
{
    if (level < 0)
        return 0;
    if (own || level == PM_POLICY_FULL)
        return PM_MON_WANT_ALL;
    return PM_MON_WANT_IDENTITY;
}

/* ---- OWNERS ------------------------------------------------------------- */

static void
serve_owners_add(monitor_state *m, const pm_mon_request *request)
{
    guint room = PM_MON_WANTED_MAX - m->wanted->len;
    guint take = MIN(room, request->count);

    g_array_append_vals(m->wanted, request->inodes, take);
    m->wanted_dropped += request->count - take;
}

static gboolean
visible_owner(monitor_state *m, gint32 pid, GHashTable *judged)
{
    gpointer known;
    gboolean own, visible;
    int dir;

    if (m->caller == 0)
        return TRUE;
    if (g_hash_table_lookup_extended(judged, GINT_TO_POINTER(pid), NULL, &known))
        return GPOINTER_TO_INT(known);
    dir = open_pid_dir(m, pid);
    visible = dir >= 0 && level_for(m, dir, &own) >= 0;
    if (dir >= 0)
        close(dir);
    g_hash_table_insert(judged, GINT_TO_POINTER(pid), GINT_TO_POINTER(visible));
    return visible;
}

static void
serve_owners_run(monitor_state *m)
{
    GHashTable *wanted = g_hash_table_new(g_int64_hash, g_int64_equal);
    GHashTable *judged = g_hash_table_new(g_direct_hash, g_direct_equal);
    GArray *owners = g_array_new(FALSE, FALSE, sizeof(pm_owner));
    pm_owner_scan scan = { 0 };
    pm_mon_reply *reply = g_new0(pm_mon_reply, 1);
    guint withheld = 0;

    for (guint i = 0; i < m->wanted->len; i++)
        g_hash_table_add(wanted, &g_array_index(m->wanted, guint64, i));
    (void)pm_privileges_raise(PM_PRIV_READ_PROCS);
    (void)m->procfs->ops->find_owners(m->procfs, wanted, owners, &scan, &m->diag, NULL);
    pm_privileges_lower();

    reply->type = PM_MON_OWNERS_RUN;
    for (guint i = 0; i < owners->len; i++) {
        const pm_owner *owner = &g_array_index(owners, pm_owner, i);
        pm_mon_owner *record;

        if (!visible_owner(m, owner->pid, judged)) {
            withheld++;
            continue;
        }
        if (reply->count == PM_MON_RECORDS_MAX) {
            reply->more = 1;
            pm_monitor_send(m, reply, NULL, 0);
            memset(reply, 0, sizeof *reply);
            reply->type = PM_MON_OWNERS_RUN;
        }
        record = &reply->u.owners[reply->count++];
        record->inode = owner->inode;
        record->pid = owner->pid;
        record->fd = owner->fd;
        record->start_time_ns = owner->start_time_ns;
    }
    reply->more = 0;
    reply->scan.processes_scanned = scan.processes_scanned;
    reply->scan.fds_scanned = scan.fds_scanned;
    reply->scan.unreadable = scan.fd_dirs_unreadable;
    reply->scan.withheld = withheld;
    reply->scan.wanted_dropped = m->wanted_dropped;
    pm_monitor_send(m, reply, NULL, 0);

    g_array_set_size(m->wanted, 0);
    m->wanted_dropped = 0;
    if (scan.unreadable_uids)
        g_hash_table_unref(scan.unreadable_uids);
    g_free(reply);
    g_array_unref(owners);
    g_hash_table_unref(judged);
    g_hash_table_unref(wanted);
}

/* ---- PROC --------------------------------------------------------------- */

static gint32
read_link_into(int dir, const char *name, char *out)
{
    ssize_t len = readlinkat(dir, name, out, PM_MON_PATH_MAX);

    if (len < 0 || len >= PM_MON_PATH_MAX) {
        out[0] = '\0';
        return -1;
    }
    out[len] = '\0';
    return (gint32)len;
}

static void
serve_proc(monitor_state *m, const pm_mon_request *request)
{
    static const struct {
        guint32     bit;
        const char *file;
    } files[] = {   /* in the order of the descriptors */
        { PM_MON_WANT_STAT, "stat" },
        { PM_MON_WANT_STATUS, "status" },
        { PM_MON_WANT_CGROUP, "cgroup" },
        { PM_MON_WANT_CMDLINE, "cmdline" },
    };
    pm_mon_reply *reply;
    int fds[PM_MON_FDS_MAX], dir, level, err;
    guint n_fds = 0;
    gboolean own;

    dir = open_pid_dir(m, request->pid);
    if (dir < 0) {
        err = errno;
        pm_monitor_send_error(m, PM_MON_PROC, err == ENOENT ? ESRCH : err);
        return;
    }
    level = level_for(m, dir, &own);
    if (level < 0) {
        close(dir);
        pm_monitor_send_error(m, PM_MON_PROC, EACCES);
        return;
    }
    reply = g_new0(pm_mon_reply, 1);
    reply->type = PM_MON_PROC;
    reply->u.proc.level = (guint32)level;
    reply->u.proc.own = own;
    reply->u.proc.granted = request->want & granted_by(level, own);
    (void)pm_privileges_raise(PM_PRIV_READ_PROCS);
    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        int fd;

        if (!(reply->u.proc.granted & files[i].bit))
            continue;
        fd = openat(dir, files[i].file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            reply->u.proc.granted &= ~files[i].bit;
        else
            fds[n_fds++] = fd;
    }
    reply->u.proc.exe_len = reply->u.proc.cwd_len = -1;
    if (reply->u.proc.granted & PM_MON_WANT_EXE)
        reply->u.proc.exe_len = read_link_into(dir, "exe", reply->u.proc.exe);
    if (reply->u.proc.granted & PM_MON_WANT_CWD)
        reply->u.proc.cwd_len = read_link_into(dir, "cwd", reply->u.proc.cwd);
    pm_privileges_lower();
    close(dir);
    pm_monitor_send(m, reply, fds, n_fds);
    for (guint i = 0; i < n_fds; i++)
        close(fds[i]);
    g_free(reply);
}

/* ---- DOCKER_CONFIG ------------------------------------------------------ */

static void
serve_docker_config(monitor_state *m, const pm_mon_request *request)
{
    pm_mon_reply *reply;
    char *path;
    struct stat st;
    int fd, err;

    /* The file holds the container's environment: its secrets. */
    if (m->hello.level != PM_POLICY_FULL) {
        pm_monitor_send_error(m, PM_MON_DOCKER_CONFIG, EACCES);
        return;
    }
    path = g_strdup_printf("%s/containers/%.64s/config.v2.json", m->docker_root,
                           request->container_id);
    (void)pm_privileges_raise(PM_PRIV_READ_PROCS);
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    err = errno;
    pm_privileges_lower();
    g_free(path);
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
        err = EINVAL;
    }
    if (fd < 0) {
        pm_monitor_send_error(m, PM_MON_DOCKER_CONFIG, err);
        return;
    }
    reply = g_new0(pm_mon_reply, 1);
    reply->type = PM_MON_DOCKER_CONFIG;
    reply->count = 1;
    pm_monitor_send(m, reply, &fd, 1);
    close(fd);
    g_free(reply);
}

/* ---- start ---------------------------------------------------------------- */

static void
quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
}

static void
quiet_diag(pm_diag_level level, pm_diag_cause cause, const char *message, gpointer data)
{
}

/* Every descriptor but the socket closed; 0, 1 and 2 on /dev/null (the
 * extcap's standard output and error belong to Wireshark). */
static void
close_descriptors(int keep)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    DIR *dir;
    struct dirent *entry;
    GArray *open_fds;

    for (int fd = 0; fd <= 2; fd++) {
        if (null >= 0 && fd != keep)
            (void)dup2(null, fd);
    }
    if (null > 2)
        close(null);
    if ((keep == 3 || close_range(3, (unsigned)keep - 1, 0) == 0) &&
        close_range((unsigned)keep + 1, ~0U, 0) == 0)
        return;
    /* Without close_range(2): each one /proc lists. */
    open_fds = g_array_new(FALSE, FALSE, sizeof(int));
    dir = opendir("/proc/self/fd");
    while (dir != NULL && (entry = readdir(dir)) != NULL) {
        int fd = atoi(entry->d_name);

        if (g_ascii_isdigit(entry->d_name[0]) && fd > 2 && fd != keep && fd != dirfd(dir))
            g_array_append_val(open_fds, fd);
    }
    if (dir)
        closedir(dir);
    for (guint i = 0; i < open_fds->len; i++)
        close(g_array_index(open_fds, int, i));
    g_array_unref(open_fds);
}

static gboolean
in_group(gint64 gid)
{
    gid_t groups[256];
    int n;

    if (gid < 0)
        return FALSE;
    if (getegid() == (gid_t)gid || getgid() == (gid_t)gid)
        return TRUE;
    n = getgroups(G_N_ELEMENTS(groups), groups);
    for (int i = 0; i < n; i++) {
        if (groups[i] == (gid_t)gid)
            return TRUE;
    }
    return FALSE;
}

static guint32
inode_of(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (guint32)st.st_ino : 0;
}

/* The initial pid namespace's inode (PROC_PID_INIT_INO). */
#define INITIAL_PIDNS_INUM 0xEFFFFFFCu

static void
say_hello(monitor_state *m, const pm_monitor_options *options)
{
    pm_mon_hello *hello = &m->hello;
    pm_policy_level level = PM_POLICY_DEFAULT;
    char *mountinfo = NULL;
    pm_hidepid hidepid = PM_HIDEPID_OFF;
    gint64 gid = -1;
    guint32 pidns;

    hello->caller_uid = (guint32)m->caller;
    /* A fixed path, root's: read even when the administrator made it 0600. */
    (void)pm_privileges_raise(PM_PRIV_READ_PROCS);
    hello->config_status = pm_policy_load_config(options && options->config_file
                                                 ? options->config_file
                                                 : PM_CAPTURE_CONFIG_FILE, &level);
    pm_privileges_lower();
    hello->level = m->caller == 0 ? PM_POLICY_FULL
                   : hello->config_status == PM_CONFIG_USED ? level : PM_POLICY_DEFAULT;
    if (g_file_get_contents("/proc/self/mountinfo", &mountinfo, NULL, NULL))
        (void)pm_policy_parse_mountinfo(mountinfo, "/proc", &hidepid, &gid);
    g_free(mountinfo);
    hello->hidepid = hidepid;
    hello->hidepid_exempt = in_group(gid);
    hello->can_read_procs = (pm_privileges_permitted() & PM_PRIV_READ_PROCS) != 0;
    /* The pid namespace /proc was mounted for: that of its pid 1 (which
     * only a capability may inspect), else ours. */
    (void)pm_privileges_raise(PM_PRIV_READ_PROCS);
    pidns = inode_of("/proc/1/ns/pid");
    pm_privileges_lower();
    if (pidns == 0)
        pidns = inode_of("/proc/self/ns/pid");
    hello->proc_pidns = pidns == INITIAL_PIDNS_INUM ? 0 : pidns;
    hello->own_netns = inode_of("/proc/self/ns/net");
    pm_monitor_netns_init(m);     /* can_enter_netns, netns_errno */
}

static void
serve_hello(monitor_state *m)
{
    pm_mon_reply *reply = g_new0(pm_mon_reply, 1);

    reply->type = PM_MON_HELLO;
    reply->u.hello = m->hello;
    pm_monitor_send(m, reply, NULL, 0);
    g_free(reply);
}

void
pm_monitor_serve(int sock, pid_t parent, const pm_monitor_options *options)
{
    monitor_state m = { .sock = sock, .own_netns_fd = -1, .conntrack_fd = -1 };
    pm_mon_request *request = g_new0(pm_mon_request, 1);
    char *message = g_malloc(sizeof *request + 1);

    /* Die with the capture process, even if it is killed. */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent)
        _exit(0);
    close_descriptors(sock);
    (void)prctl(PR_SET_NAME, "procmap-monitor", 0, 0, 0);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    (void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (!pm_privileges_limit(PM_PRIV_READ_PROCS | PM_PRIV_NETNS | PM_PRIV_CONNTRACK, NULL))
        _exit(1);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    g_log_set_default_handler(quiet_log, NULL);
    g_log_set_handler("procmap", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                      quiet_log, NULL);

    m.caller = getuid();
    m.proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    m.procfs = pm_procfs_backend_new("/proc");
    pm_diag_init(&m.diag, quiet_diag, NULL);
    m.wanted = g_array_new(FALSE, FALSE, sizeof(guint64));
    m.docker_root = g_strdup(options && options->docker_root ? options->docker_root : DOCKER_ROOT);
    say_hello(&m, options);

    for (;;) {
        struct iovec iov = { message, sizeof *request + 1 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;
        int err;

        /* No control buffer: a descriptor sent to the monitor is closed by
         * the kernel (MSG_CTRUNC), and ends the conversation. */
        do
            n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
            _exit(0);       /* the capture process closed its end */
        err = (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
              ? EPROTO : pm_mon_request_decode(message, (gsize)n, request);
        if (err != 0)
            _exit(2);       /* not our client's request: no more answers */
        switch (request->type) {
        case PM_MON_HELLO:
            serve_hello(&m);
            break;
        case PM_MON_OWNERS_ADD:
            serve_owners_add(&m, request);
            break;
        case PM_MON_OWNERS_RUN:
            serve_owners_run(&m);
            break;
        case PM_MON_PROC:
            serve_proc(&m, request);
            break;
        case PM_MON_NETNS_LIST:
            pm_monitor_serve_netns_list(&m);
            break;
        case PM_MON_NETNS_SOCKETS:
            pm_monitor_serve_netns_sockets(&m, request);
            break;
        case PM_MON_DOCKER_CONFIG:
            serve_docker_config(&m, request);
            break;
        case PM_MON_CONNTRACK:
            pm_monitor_serve_conntrack(&m, request);
            break;
        default:
            _exit(2);
        }
    }
}
