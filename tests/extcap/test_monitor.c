/* test_monitor.c - the monitor: its protocol, its policy, and a live one.
 *
 * The live tests fork a real monitor (they run as root, as every extcap
 * test does); the policy tests run it as nobody holding the monitor's
 * three capabilities, as the file capabilities give them to a member of
 * the group wireshark.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "monitor.h"
#include "monitor_policy.h"
#include "monitor_protocol.h"
#include "privileges.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ID "4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b"
#define NOBODY 65534

/* ---- the protocol ------------------------------------------------------- */

static pm_mon_request *
request_of(guint32 type)
{
    pm_mon_request *request = g_new0(pm_mon_request, 1);

    request->type = type;
    return request;
}

static void
test_request_decode(void)
{
    pm_mon_request *request = request_of(PM_MON_HELLO), out;

    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, 0);
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request - 1, &out), ==, EPROTO);
    g_assert_cmpint(pm_mon_request_decode(NULL, sizeof *request, &out), ==, EPROTO);
    request->type = 0;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);
    request->type = PM_MON_TYPE_END;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);

    request->type = PM_MON_OWNERS_ADD;
    request->count = 2;
    request->inodes[0] = 7;
    request->inodes[1] = 8;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, 0);
    request->inodes[1] = 0;               /* no socket has inode 0 */
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);
    request->count = 0;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);
    request->count = PM_MON_INODES_MAX + 1;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);

    memset(request, 0, sizeof *request);
    request->type = PM_MON_PROC;
    request->pid = 1;
    request->want = PM_MON_WANT_STAT;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, 0);
    request->want = 1u << 6;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);
    request->want = PM_MON_WANT_STAT;
    request->pid = -1;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);

    memset(request, 0, sizeof *request);
    request->type = PM_MON_NETNS_SOCKETS;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);
    request->netns = G_GUINT64_CONSTANT(1) << 32;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);
    request->netns = 4026531840u;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, 0);

    memset(request, 0, sizeof *request);
    request->type = PM_MON_DOCKER_CONFIG;
    memcpy(request->container_id, ID, 64);
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, 0);
    memcpy(request->container_id, "../../../../etc/shadow", 23);   /* a path is not an id */
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);
    memcpy(request->container_id, ID, 64);
    request->container_id[3] = 'A';                                 /* upper case */
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);
    memcpy(request->container_id, ID, 64);
    request->container_id[64] = 'a';                                /* not terminated */
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);

    /* CONNTRACK: a tuple of one family, in canonical form; any namespace
     * number (the monitor checks it against its list). */
    memset(request, 0, sizeof *request);
    request->type = PM_MON_CONNTRACK;
    g_assert_true(pm_endpoint_parse("10.0.0.1:40000", &request->ends[0]));
    g_assert_true(pm_endpoint_parse("10.96.0.10:443", &request->ends[1]));
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, 0);
    request->netns = 4026531840u;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, 0);
    request->netns = G_GUINT64_CONSTANT(1) << 32;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);
    request->netns = 0;
    request->transport = PM_TRANSPORT_COUNT;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);
    request->transport = PM_TRANSPORT_UDP;
    request->ends[1].addr.bytes[9] = 1;                             /* IPv4 with a tail */
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);
    g_assert_true(pm_endpoint_parse("[fd00::1]:443", &request->ends[1]));  /* two families */
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);
    request->ends[1].addr.family = 5;
    g_assert_cmpint(pm_mon_request_decode(request, sizeof *request, &out), ==, EINVAL);
    g_free(request);
}

static void
test_conntrack_reply_decode(void)
{
    pm_mon_reply *reply = g_new0(pm_mon_reply, 1), out;
    pm_connection *entry = &reply->u.conntrack.connection;

    reply->type = PM_MON_CONNTRACK;
    reply->u.conntrack.result = PM_CONNTRACK_ABSENT;
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_CONNTRACK, reply, sizeof *reply, 0, &out), ==, 0);
    reply->u.conntrack.result = PM_CONNTRACK_FOUND;     /* an entry of nothing */
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_CONNTRACK, reply, sizeof *reply, 0, &out), ==,
                    EPROTO);
    g_assert_true(pm_endpoint_parse("10.0.0.1:40000", &entry->original_src));
    g_assert_true(pm_endpoint_parse("10.96.0.10:443", &entry->original_dst));
    g_assert_true(pm_endpoint_parse("10.244.1.5:8443", &entry->reply_src));
    g_assert_true(pm_endpoint_parse("10.0.0.1:40000", &entry->reply_dst));
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_CONNTRACK, reply, sizeof *reply, 0, &out), ==, 0);
    g_assert_cmpint(out.u.conntrack.connection.reply_src.port, ==, 8443);
    /* A descriptor, a result past the last, a negative errno: out of protocol. */
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_CONNTRACK, reply, sizeof *reply, 1, &out), ==,
                    EPROTO);
    reply->u.conntrack.result = PM_CONNTRACK_FAILED + 1;
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_CONNTRACK, reply, sizeof *reply, 0, &out), ==,
                    EPROTO);
    reply->u.conntrack.result = PM_CONNTRACK_FAILED;
    reply->u.conntrack.err = -1;
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_CONNTRACK, reply, sizeof *reply, 0, &out), ==,
                    EPROTO);
    g_free(reply);
}

static void
test_reply_decode(void)
{
    pm_mon_reply *reply = g_new0(pm_mon_reply, 1), out;

    reply->type = PM_MON_PROC;
    reply->u.proc.granted = PM_MON_WANT_STAT | PM_MON_WANT_STATUS | PM_MON_WANT_EXE;
    reply->u.proc.exe_len = 8;
    strcpy(reply->u.proc.exe, "/bin/sh2");
    reply->u.proc.cwd_len = -1;
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_PROC, reply, sizeof *reply, 2, &out), ==, 0);
    /* The descriptors must be those announced. */
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_PROC, reply, sizeof *reply, 1, &out), ==, EPROTO);
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_PROC, reply, sizeof *reply, 3, &out), ==, EPROTO);
    /* Another request's reply, or the wrong size. */
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_HELLO, reply, sizeof *reply, 2, &out), ==, EPROTO);
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_PROC, reply, sizeof *reply - 8, 2, &out), ==,
                    EPROTO);
    /* A string that does not end where it says. */
    reply->u.proc.exe_len = 4;
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_PROC, reply, sizeof *reply, 2, &out), ==, EPROTO);
    reply->u.proc.exe_len = 8;
    reply->u.proc.cwd_len = 3;        /* cwd not granted: must say -1 */
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_PROC, reply, sizeof *reply, 2, &out), ==, EPROTO);

    memset(reply, 0, sizeof *reply);
    reply->type = PM_MON_OWNERS_RUN;
    reply->count = 1;
    reply->u.owners[0].inode = 5;
    reply->u.owners[0].pid = 0;       /* no such owner */
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_OWNERS_RUN, reply, sizeof *reply, 0, &out), ==,
                    EPROTO);
    reply->u.owners[0].pid = 10;
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_OWNERS_RUN, reply, sizeof *reply, 0, &out), ==, 0);
    reply->count = PM_MON_RECORDS_MAX + 1;
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_OWNERS_RUN, reply, sizeof *reply, 0, &out), ==,
                    EPROTO);

    memset(reply, 0, sizeof *reply);
    reply->type = PM_MON_NETNS_SOCKETS;
    reply->err = EPERM;               /* a refusal carries nothing */
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_NETNS_SOCKETS, reply, sizeof *reply, 0, &out), ==,
                    0);
    g_assert_cmpint(out.err, ==, EPERM);
    g_assert_cmpint(pm_mon_reply_decode(PM_MON_NETNS_SOCKETS, reply, sizeof *reply, 2, &out), ==,
                    EPROTO);
    g_free(reply);
}

/* ---- the policy: configuration and mounts ------------------------------ */

static void
test_parse_config(void)
{
    static const char full[] = "# comment\n[capture]\nother-users=full\n";
    static const char none[] = "[capture]\nother-users = none \n";
    static const char other_group[] = "[elsewhere]\nother-users=full\n";
    pm_policy_level level = PM_POLICY_NONE;

    g_assert_true(pm_policy_parse_config(full, sizeof full - 1, &level));
    g_assert_cmpint(level, ==, PM_POLICY_FULL);
    g_assert_true(pm_policy_parse_config(none, sizeof none - 1, &level));
    g_assert_cmpint(level, ==, PM_POLICY_NONE);
    g_assert_true(pm_policy_parse_config(other_group, sizeof other_group - 1, &level));
    g_assert_cmpint(level, ==, PM_POLICY_IDENTITY);
    g_assert_true(pm_policy_parse_config("", 0, &level));
    g_assert_cmpint(level, ==, PM_POLICY_IDENTITY);
    g_assert_false(pm_policy_parse_config("[capture]\nother-users=everything\n", 34, &level));
    g_assert_false(pm_policy_parse_config("not a key file\n", 15, &level));
}

static void
test_parse_mountinfo(void)
{
    static const char text[] =
        "22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
        "25 28 0:23 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
        "99 22 0:50 / /proc rw,relatime - proc proc rw,hidepid=invisible,gid=4242\n"
        "100 28 0:51 / /my\\040proc rw - proc proc rw,hidepid=1\n";
    pm_hidepid hidepid;
    gint64 gid;

    /* The topmost mount on /proc wins. */
    g_assert_true(pm_policy_parse_mountinfo(text, "/proc", &hidepid, &gid));
    g_assert_cmpint(hidepid, ==, PM_HIDEPID_INVISIBLE);
    g_assert_cmpint(gid, ==, 4242);
    g_assert_true(pm_policy_parse_mountinfo(text, "/my proc", &hidepid, &gid));
    g_assert_cmpint(hidepid, ==, PM_HIDEPID_NOACCESS);
    g_assert_cmpint(gid, ==, -1);
    g_assert_false(pm_policy_parse_mountinfo(text, "/sys", &hidepid, &gid));
    g_assert_true(pm_policy_parse_mountinfo(
        "1 0 0:1 / /proc rw - proc proc rw,hidepid=ptraceable\n", "/proc", &hidepid, &gid));
    g_assert_cmpint(hidepid, ==, PM_HIDEPID_PTRACEABLE);
    g_assert_true(pm_policy_parse_mountinfo(
        "1 0 0:1 / /proc rw - proc proc rw,hidepid=2\n", "/proc", &hidepid, &gid));
    g_assert_cmpint(hidepid, ==, PM_HIDEPID_INVISIBLE);
    g_assert_true(pm_policy_parse_mountinfo(
        "1 0 0:1 / /proc rw - proc proc rw,hidepid=somethingnew\n", "/proc", &hidepid, &gid));
    g_assert_cmpint(hidepid, ==, PM_HIDEPID_INVISIBLE);     /* unknown: hides */
    g_assert_false(pm_policy_parse_mountinfo("garbage\n - \n", "/proc", &hidepid, &gid));
}

static char *
write_config(const char *dir, const char *text, guint mode, uid_t owner)
{
    char *path = g_build_filename(dir, "capture.conf", NULL);

    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    g_assert_cmpint(chmod(path, mode), ==, 0);
    g_assert_cmpint(chown(path, owner, 0), ==, 0);
    return path;
}

static void
test_load_config(void)
{
    char *dir = g_dir_make_tmp("procmap-policy-XXXXXX", NULL);
    char *path, *link;
    pm_policy_level level = PM_POLICY_NONE;

    g_assert_cmpint(chmod(dir, 0755), ==, 0);
    path = g_build_filename(dir, "capture.conf", NULL);
    g_assert_cmpint(pm_policy_load_config(path, &level), ==, PM_CONFIG_ABSENT);
    g_free(path);

    path = write_config(dir, "[capture]\nother-users=full\n", 0644, 0);
    g_assert_cmpint(pm_policy_load_config(path, &level), ==, PM_CONFIG_USED);
    g_assert_cmpint(level, ==, PM_POLICY_FULL);
    g_free(path);
    /* Writable by others, or another user's: ignored. */
    level = PM_POLICY_NONE;
    path = write_config(dir, "[capture]\nother-users=full\n", 0666, 0);
    g_assert_cmpint(pm_policy_load_config(path, &level), ==, PM_CONFIG_WRITABLE);
    g_assert_cmpint(level, ==, PM_POLICY_NONE);
    g_free(path);
    path = write_config(dir, "[capture]\nother-users=full\n", 0644, NOBODY);
    g_assert_cmpint(pm_policy_load_config(path, &level), ==, PM_CONFIG_NOT_ROOT_OWNED);
    g_free(path);
    /* The directory too. */
    path = write_config(dir, "[capture]\nother-users=full\n", 0644, 0);
    g_assert_cmpint(chmod(dir, 0777), ==, 0);
    g_assert_cmpint(pm_policy_load_config(path, &level), ==, PM_CONFIG_WRITABLE);
    g_assert_cmpint(chmod(dir, 0755), ==, 0);
    g_assert_cmpint(chown(dir, NOBODY, 0), ==, 0);
    g_assert_cmpint(pm_policy_load_config(path, &level), ==, PM_CONFIG_NOT_ROOT_OWNED);
    g_assert_cmpint(chown(dir, 0, 0), ==, 0);
    /* A symbolic link is not followed. */
    link = g_build_filename(dir, "link.conf", NULL);
    g_assert_cmpint(symlink(path, link), ==, 0);
    g_assert_cmpint(pm_policy_load_config(link, &level), ==, PM_CONFIG_UNREADABLE);
    g_free(path);
    path = write_config(dir, "[capture]\nother-users=all\n", 0644, 0);
    g_assert_cmpint(pm_policy_load_config(path, &level), ==, PM_CONFIG_INVALID);

    g_unlink(link);
    g_unlink(path);
    g_rmdir(dir);
    g_free(link);
    g_free(path);
    g_free(dir);
}

/* ---- a live monitor, as root ------------------------------------------- */

static guint64
socket_inode(int fd)
{
    struct stat st;

    g_assert_cmpint(fstat(fd, &st), ==, 0);
    return st.st_ino;
}

static gboolean
owners_have(pm_monitor *monitor, guint64 inode, gint32 pid)
{
    GHashTable *wanted = g_hash_table_new(g_int64_hash, g_int64_equal);
    GArray *owners = g_array_new(FALSE, FALSE, sizeof(pm_owner));
    pm_owner_scan scan = { 0 };
    gboolean found = FALSE;

    g_hash_table_add(wanted, &inode);
    g_assert_true(pm_monitor_owners(monitor, wanted, owners, &scan, NULL));
    for (guint i = 0; i < owners->len; i++) {
        const pm_owner *owner = &g_array_index(owners, pm_owner, i);

        g_assert_cmpuint(owner->inode, ==, inode);
        found |= owner->pid == pid;
    }
    g_assert_cmpuint(scan.processes_scanned, >, 0);
    g_array_unref(owners);
    g_hash_table_unref(wanted);
    return found;
}

static void
test_live_root(void)
{
    pm_monitor *monitor;
    const pm_mon_hello *hello;
    pm_monitor_proc proc;
    char exe[4096], stat_text[64];
    ssize_t len;
    int sock, status;
    pid_t pid;
    GArray *namespaces;

    if (getuid() != 0) {
        g_test_skip("needs root");
        return;
    }
    monitor = pm_monitor_start(NULL, NULL);
    g_assert_nonnull(monitor);
    pid = pm_monitor_pid(monitor);
    hello = pm_monitor_hello(monitor);
    g_assert_cmpuint(hello->caller_uid, ==, 0);
    g_assert_cmpuint(hello->level, ==, PM_POLICY_FULL);
    g_assert_true(hello->can_read_procs);

    /* This process, in full: descriptors that read, and its exe. */
    g_assert_cmpint(pm_monitor_read_proc(monitor, getpid(), PM_MON_WANT_ALL, &proc), ==, 0);
    g_assert_cmphex(proc.granted, ==, PM_MON_WANT_ALL);
    g_assert_cmpint(read(proc.stat_fd, stat_text, sizeof stat_text - 1), >, 0);
    len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    g_assert_cmpint(len, >, 0);
    exe[len] = '\0';
    g_assert_cmpstr(proc.exe, ==, exe);
    g_assert_nonnull(proc.cwd);
    pm_monitor_proc_clear(monitor, &proc);
    /* A pid that is nobody's. */
    g_assert_cmpint(pm_monitor_read_proc(monitor, G_MAXINT32, PM_MON_WANT_STAT, &proc), ==,
                    ESRCH);

    /* The owner of a socket of ours. */
    sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint(sock, >=, 0);
    g_assert_true(owners_have(monitor, socket_inode(sock), getpid()));
    close(sock);

    namespaces = pm_monitor_netns_list(monitor, NULL);
    g_assert_nonnull(namespaces);
    for (guint i = 0; i < namespaces->len; i++)
        g_assert_cmpuint(g_array_index(namespaces, pm_mon_netns, i).inode, !=, hello->own_netns);
    g_array_unref(namespaces);

    /* Conntrack, asked by the monitor for root: a tuple nothing tracks has
     * no entry (or the kernel has no conntrack); never a refusal.  A
     * namespace that is not in the list is not entered. */
    {
        pm_endpoint a, b;
        pm_connection entry;
        pm_conntrack_result result;
        int err = 0;

        g_assert_true(pm_endpoint_parse("192.0.2.1:9", &a));
        g_assert_true(pm_endpoint_parse("192.0.2.2:9", &b));
        result = pm_monitor_conntrack(monitor, 0, PM_TRANSPORT_UDP, &a, &b, &entry, &err);
        g_assert_true(result == PM_CONNTRACK_ABSENT || result == PM_CONNTRACK_UNAVAILABLE);
        result = pm_monitor_conntrack(monitor, 12345, PM_TRANSPORT_UDP, &a, &b, &entry, &err);
        g_assert_cmpint(result, ==, PM_CONNTRACK_FAILED);
        g_assert_cmpint(err, ==, ENOENT);
    }

    /* The monitor holds its four capabilities, none effective, and dies
     * with its socket. */
    {
        char *path = g_strdup_printf("/proc/%d/status", pid), *text = NULL;

        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        g_assert_nonnull(strstr(text, "CapPrm:\t0000000000281004"));
        g_assert_nonnull(strstr(text, "CapEff:\t0000000000000000"));
        g_assert_nonnull(strstr(text, "NoNewPrivs:\t1"));
        g_free(text);
        g_free(path);
    }
    pm_monitor_stop(monitor);
    g_assert_cmpint(waitpid(pid, &status, WNOHANG), <, 0);     /* reaped */
}

/* A raw monitor on a socketpair, for messages the client never sends. */
static pid_t
raw_monitor(int *sock)
{
    int sv[2];
    pid_t parent = getpid(), pid;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), ==, 0);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        close(sv[0]);
        pm_monitor_serve(sv[1], parent, NULL);
    }
    close(sv[1]);
    *sock = sv[0];
    return pid;
}

static int
exit_status_of(pid_t pid)
{
    int status = 0;

    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void
test_out_of_protocol(void)
{
    pm_mon_request *request = request_of(PM_MON_HELLO);
    pm_mon_reply *reply = g_new0(pm_mon_reply, 1);
    int sock, null;
    pid_t pid;
    char byte;

    if (getuid() != 0) {
        g_test_skip("needs root");
        return;
    }
    /* A short message: the monitor stops answering. */
    pid = raw_monitor(&sock);
    g_assert_cmpint(send(sock, request, sizeof *request - 1, 0), ==, sizeof *request - 1);
    g_assert_cmpint(recv(sock, &byte, 1, 0), ==, 0);
    g_assert_cmpint(exit_status_of(pid), ==, 2);
    close(sock);
    /* A request out of bounds: the same. */
    pid = raw_monitor(&sock);
    request->type = PM_MON_PROC;
    request->pid = -5;
    request->want = PM_MON_WANT_STAT;
    g_assert_cmpint(send(sock, request, sizeof *request, 0), ==, sizeof *request);
    g_assert_cmpint(recv(sock, &byte, 1, 0), ==, 0);
    g_assert_cmpint(exit_status_of(pid), ==, 2);
    close(sock);
    /* A descriptor sent to the monitor is closed unread, and ends it too. */
    pid = raw_monitor(&sock);
    memset(request, 0, sizeof *request);
    request->type = PM_MON_HELLO;
    null = open("/dev/null", O_RDONLY);
    {
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } control;
        struct iovec iov = { request, sizeof *request };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                              .msg_controllen = sizeof control.buf };
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &null, sizeof null);
        g_assert_cmpint(sendmsg(sock, &msg, 0), ==, sizeof *request);
    }
    g_assert_cmpint(recv(sock, reply, sizeof *reply, 0), ==, 0);
    g_assert_cmpint(exit_status_of(pid), ==, 2);
    close(null);
    close(sock);
    /* A well-formed request is answered; the end of its socket ends it. */
    pid = raw_monitor(&sock);
    g_assert_cmpint(send(sock, request, sizeof *request, 0), ==, sizeof *request);
    g_assert_cmpint(recv(sock, reply, sizeof *reply, 0), ==, sizeof *reply);
    g_assert_cmpuint(reply->type, ==, PM_MON_HELLO);
    g_assert_cmpint(reply->err, ==, 0);
    close(sock);
    g_assert_cmpint(exit_status_of(pid), ==, 0);
    g_free(reply);
    g_free(request);
}

/* ---- the policy, as a member of the group wireshark would run it ---------- */

/* This process becomes nobody with cap_sys_ptrace, cap_dac_read_search and
 * cap_sys_admin permitted: what the package's file capabilities give. */
static void
become_capable_nobody(void)
{
    cap_t caps;
    cap_value_t kept[] = { CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH, CAP_SYS_ADMIN };

    g_assert_cmpint(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), ==, 0);
    g_assert_cmpint(setgroups(0, NULL), ==, 0);
    g_assert_cmpint(setresgid(NOBODY, NOBODY, NOBODY), ==, 0);
    g_assert_cmpint(setresuid(NOBODY, NOBODY, NOBODY), ==, 0);
    caps = cap_init();
    g_assert_cmpint(cap_set_flag(caps, CAP_PERMITTED, G_N_ELEMENTS(kept), kept, CAP_SET), ==, 0);
    g_assert_cmpint(cap_set_proc(caps), ==, 0);
    cap_free(caps);
    /* Changing uids made it non-dumpable, which no longer counts as the
     * caller's own (as for ptrace): an ordinary process of nobody's is. */
    g_assert_cmpint(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), ==, 0);
}

static char *policy_dir;

static void
policy_child(const char *level)
{
    pm_monitor_options options = { 0 };
    pm_monitor *monitor;
    pm_monitor_proc proc;
    int err;

    if (level != NULL) {
        options.config_file = g_build_filename(policy_dir, level, NULL);
    } else {
        options.config_file = "/nonexistent/capture.conf";
    }
    become_capable_nobody();
    monitor = pm_monitor_start(&options, NULL);
    g_assert_nonnull(monitor);
    g_assert_cmpuint(pm_monitor_hello(monitor)->caller_uid, ==, NOBODY);

    /* Its own process: everything. */
    g_assert_cmpint(pm_monitor_read_proc(monitor, getpid(), PM_MON_WANT_ALL, &proc), ==, 0);
    g_assert_true(proc.own);
    g_assert_cmphex(proc.granted & (PM_MON_WANT_CMDLINE | PM_MON_WANT_EXE), ==,
                    PM_MON_WANT_CMDLINE | PM_MON_WANT_EXE);
    pm_monitor_proc_clear(monitor, &proc);

    /* Root's pid 1: as the policy says. */
    err = pm_monitor_read_proc(monitor, 1, PM_MON_WANT_ALL, &proc);
    if (g_strcmp0(level, "none.conf") == 0) {
        g_assert_cmpint(err, ==, EACCES);
    } else if (g_strcmp0(level, "full.conf") == 0) {
        g_assert_cmpint(err, ==, 0);
        g_assert_cmphex(proc.granted & PM_MON_WANT_CMDLINE, ==, PM_MON_WANT_CMDLINE);
        g_assert_cmpint(proc.cmdline_fd, >=, 0);
    } else {
        /* The default, identity: what ps shows, no arguments, exe or cwd. */
        g_assert_cmpint(err, ==, 0);
        g_assert_false(proc.own);
        g_assert_cmphex(proc.granted, ==, PM_MON_WANT_IDENTITY);
        g_assert_cmpint(proc.stat_fd, >=, 0);
        g_assert_cmpint(proc.cmdline_fd, ==, -1);
        g_assert_null(proc.exe);
        g_assert_null(proc.cwd);
    }
    pm_monitor_proc_clear(monitor, &proc);
    pm_monitor_stop(monitor);
    if (level != NULL)
        g_free((char *)options.config_file);
}

static void
test_policy_as_nobody(void)
{
    static const char *const levels[] = { NULL, "identity.conf", "none.conf", "full.conf" };

    if (getuid() != 0) {
        g_test_skip("needs root");
        return;
    }
    for (guint i = 0; i < G_N_ELEMENTS(levels); i++) {
        char *path = g_strdup_printf("/extcap/monitor/policy-as-nobody/subprocess/%u", i);

        g_test_trap_subprocess(path, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
        g_test_trap_assert_passed();
        g_free(path);
    }
}

static void
policy_subprocess(gconstpointer data)
{
    static const char *const levels[] = { NULL, "identity.conf", "none.conf", "full.conf" };

    if (!g_test_subprocess())
        return;
    policy_child(levels[GPOINTER_TO_UINT(data)]);
}

static void
make_policy_dir(void)
{
    static const char *const levels[] = { "identity", "none", "full" };

    policy_dir = g_dir_make_tmp("procmap-monitor-XXXXXX", NULL);
    g_assert_cmpint(chmod(policy_dir, 0755), ==, 0);
    for (guint i = 0; i < G_N_ELEMENTS(levels); i++) {
        char *name = g_strdup_printf("%s.conf", levels[i]);
        char *text = g_strdup_printf("[capture]\nother-users=%s\n", levels[i]);
        char *path = g_build_filename(policy_dir, name, NULL);

        g_assert_true(g_file_set_contents(path, text, -1, NULL));
        g_assert_cmpint(chmod(path, 0644), ==, 0);
        g_free(path);
        g_free(text);
        g_free(name);
    }
}

static void
remove_policy_dir(void)
{
    char *command = g_strdup_printf("rm -rf '%s'", policy_dir);

    g_assert_cmpint(system(command), ==, 0);
    g_free(command);
}

int
main(int argc, char **argv)
{
    gboolean made = FALSE;
    int status;

    g_test_init(&argc, &argv, NULL);
    /* The subprocesses of the policy test use their parent's files. */
    policy_dir = g_strdup(g_getenv("PROCMAP_TEST_POLICY_DIR"));
    if (policy_dir == NULL && getuid() == 0) {
        make_policy_dir();
        g_setenv("PROCMAP_TEST_POLICY_DIR", policy_dir, TRUE);
        made = TRUE;
    }
    g_test_add_func("/extcap/monitor/request-decode", test_request_decode);
    g_test_add_func("/extcap/monitor/reply-decode", test_reply_decode);
    g_test_add_func("/extcap/monitor/conntrack-reply-decode", test_conntrack_reply_decode);
    g_test_add_func("/extcap/monitor/parse-config", test_parse_config);
    g_test_add_func("/extcap/monitor/parse-mountinfo", test_parse_mountinfo);
    g_test_add_func("/extcap/monitor/load-config", test_load_config);
    g_test_add_func("/extcap/monitor/live-root", test_live_root);
    g_test_add_func("/extcap/monitor/out-of-protocol", test_out_of_protocol);
    g_test_add_func("/extcap/monitor/policy-as-nobody", test_policy_as_nobody);
    for (guint i = 0; i < 4; i++) {
        char *path = g_strdup_printf("/extcap/monitor/policy-as-nobody/subprocess/%u", i);

        g_test_add_data_func(path, GUINT_TO_POINTER(i), policy_subprocess);
        g_free(path);
    }
    status = g_test_run();
    if (made)
        remove_policy_dir();
    g_free(policy_dir);
    return status;
}
