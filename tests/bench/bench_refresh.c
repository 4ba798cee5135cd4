/* bench_refresh.c - P3: what one full table refresh costs, against `ss -tuanp`.
 *
 *   bench_refresh [--rounds N] [--ss PATH]
 *
 * Each round times, in a rotating order so that no measure always runs
 * first: `ss -tuanp` (fork, exec, output to /dev/null), `ss -V` (the same
 * process start with no work: ss's start-up cost), and pm_watcher_refresh()
 * on the netlink and procfs backends, each
 *   cold:  the first refresh of a new watcher (every fd and owner process read);
 *   warm:  a refresh of a watcher that refreshed before with nothing new since
 *          (owners kept while they live: no fd read), as in a running plugin
 *          between its whole scans;
 *   whole: (netlink) a warm watcher whose backend cannot tell whether a kept
 *          owner lives, so every refresh reads every fd: what each refresh
 *          cost before owners were kept, and what the whole scan due every
 *          mapping_ttl costs;
 *   new:   (netlink) a warm watcher with one new socket since the last
 *          refresh that no process holds (it is in flight in an SCM_RIGHTS
 *          message nobody reads): the partial scan's worst case, through
 *          every process, as for a socket of the newest process;
 * and the netlink socket dump alone (both transports, no owner): the floor.
 * Each is measured in wall-clock time (CLOCK_MONOTONIC) and in CPU time
 * (user + sys: of this single-threaded process for a refresh, of the reaped
 * child for ss), which a busy machine disturbs less.
 * Output, for bench.py: "ms NAME v1 v2 ..." (wall) and "cpu NAME v1 v2 ..."
 * per measure (every round), then
 * "rows BACKEND N" and "owned BACKEND N" (sockets seen, sockets with an owner),
 * "scans MEASURE REFRESHES PARTIAL SKIPPED KEPT" (how the warm watchers' owner
 * scans went: partial scans, scans skipped, owner rows kept).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "netlink.h"
#include "procfs.h"

typedef enum {
    M_SS = 0,
    M_SS_START,
    M_NETLINK_COLD,
    M_NETLINK_WARM,
    M_PROCFS_COLD,
    M_PROCFS_WARM,
    M_NETLINK_WHOLE,
    M_NETLINK_NEW,
    M_NETLINK_DUMP,
    M_COUNT
} measure;

static const char *const measure_names[M_COUNT] = {
    "ss_tuanp", "ss_start", "netlink_cold", "netlink_warm", "procfs_cold", "procfs_warm",
    "netlink_whole", "netlink_new", "netlink_dump",
};

/* The netlink backend's operations without process_start: every refresh
 * scans every fd, as before owners were kept. */
static pm_backend_ops whole_scan_ops;

static guint diag_messages;

static pm_backend *
backend_for(measure m)
{
    pm_backend *backend;

    if (m == M_PROCFS_COLD || m == M_PROCFS_WARM)
        return pm_procfs_backend_new(NULL);
    backend = pm_netlink_backend_new(NULL);
    if (m == M_NETLINK_WHOLE) {
        whole_scan_ops = *backend->ops;
        whole_scan_ops.process_start = NULL;
        backend->ops = &whole_scan_ops;
    }
    return backend;
}

static pm_watcher *
watcher_for(measure m)
{
    pm_watcher_config config;
    pm_watcher *watcher;

    /* No whole scan falls due in the rounds: warm stays warm, whole is
     * measured apart. */
    pm_watcher_config_init(&config);
    config.mapping_ttl_us = G_GINT64_CONSTANT(3600) * G_USEC_PER_SEC;
    watcher = pm_watcher_new(backend_for(m), &config, NULL, NULL);

    pm_watcher_set_diag_sink(watcher, bench_quiet_sink, &diag_messages);
    return watcher;
}

typedef struct {
    double wall_ms;
    double cpu_ms;
} cost;

static double
cpu_ms_of(const struct rusage *usage)
{
    return (double)(usage->ru_utime.tv_sec + usage->ru_stime.tv_sec) * 1e3 +
           (double)(usage->ru_utime.tv_usec + usage->ru_stime.tv_usec) / 1e3;
}

/* The socket tables alone, as a refresh reads them: the floor. */
static cost
time_dump(pm_backend *backend)
{
    struct rusage before, after;
    gint64 start, end;
    pm_diag diag;

    pm_diag_init(&diag, bench_quiet_sink, &diag_messages);
    getrusage(RUSAGE_SELF, &before);
    start = bench_now_ns();
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        GArray *sockets = g_array_new(FALSE, FALSE, sizeof(pm_socket));
        GError *error = NULL;
        if (!backend->ops->list_sockets(backend, (pm_transport)t, sockets, &diag, &error))
            g_error("socket dump failed: %s", error ? error->message : "?");
        g_array_unref(sockets);
    }
    end = bench_now_ns();
    getrusage(RUSAGE_SELF, &after);
    return (cost){ (double)(end - start) / 1e6, cpu_ms_of(&after) - cpu_ms_of(&before) };
}

/* A new bound UDP socket that no process holds: sent over @carrier (a unix
 * socket pair) and closed here.  Closing @carrier frees it. */
static void
make_unheld_socket(int carrier[2])
{
    struct sockaddr_in addr = { .sin_family = AF_INET };
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int))];
    } control;
    char byte = 0;
    struct iovec iov = { &byte, 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
                          .msg_controllen = sizeof control.space };
    struct cmsghdr *cmsg;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0
        || socketpair(AF_UNIX, SOCK_DGRAM, 0, carrier) != 0)
        g_error("cannot make the sockets of the 'new' measure");
    memset(&control, 0, sizeof control);
    cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    if (sendmsg(carrier[0], &msg, 0) != 1)
        g_error("cannot send the socket of the 'new' measure");
    close(fd);
}

static cost
time_refresh(pm_watcher *watcher)
{
    GError *error = NULL;
    struct rusage before, after;
    gint64 start, end;
    gboolean ok;

    getrusage(RUSAGE_SELF, &before);
    start = bench_now_ns();
    ok = pm_watcher_refresh(watcher, &error);
    end = bench_now_ns();
    getrusage(RUSAGE_SELF, &after);
    if (!ok)
        g_error("refresh failed: %s", error ? error->message : "?");
    return (cost){ (double)(end - start) / 1e6, cpu_ms_of(&after) - cpu_ms_of(&before) };
}

/* fork + exec @argv with stdout and stderr to /dev/null, until it is reaped. */
static cost
time_command(char *const argv[])
{
    gint64 start = bench_now_ns();
    struct rusage usage;
    int status = 0;
    pid_t pid = fork();

    if (pid < 0)
        g_error("fork failed");
    if (pid == 0) {
        int null_fd = open("/dev/null", O_WRONLY);
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
        execv(argv[0], argv);
        _exit(127);
    }
    if (wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        g_error("%s failed (status %d)", argv[0], status);
    return (cost){ (double)(bench_now_ns() - start) / 1e6, cpu_ms_of(&usage) };
}

/* How the warm watcher's refreshes scanned: what the figure measured. */
static void
print_scans(const char *name, pm_watcher *watcher)
{
    pm_watcher_stats stats;

    pm_watcher_get_stats(watcher, &stats);
    /* refreshes, partial scans, skipped scans, owner rows kept */
    printf("scans %s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
           " %" G_GUINT64_FORMAT "\n", name,
           stats.refreshes, stats.owner_scans_partial, stats.owner_scans_skipped,
           stats.owners_reused);
}

static void
print_table_size(const char *backend_name, pm_watcher *watcher)
{
    GPtrArray *rows = pm_watcher_snapshot(watcher);
    guint owned = 0;

    for (guint i = 0; i < rows->len; i++) {
        const pm_table_row *row = g_ptr_array_index(rows, i);
        if (row->owners && row->owners->len > 0)
            owned++;
    }
    printf("rows %s %u\nowned %s %u\n", backend_name, rows->len, backend_name, owned);
    g_ptr_array_unref(rows);
}

int
main(int argc, char **argv)
{
    int rounds = 15;
    char *ss_path = (char *)"/usr/bin/ss";
    GOptionEntry entries[] = {
        { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Rounds (default 15)", "N" },
        { "ss", 0, 0, G_OPTION_ARG_FILENAME, &ss_path, "The ss program", "PATH" },
        { NULL, 0, 0, 0, NULL, NULL, NULL }
    };
    GOptionContext *context = g_option_context_new("- time one socket-table refresh");
    GError *error = NULL;
    pm_watcher *warm[M_COUNT] = { NULL };
    pm_backend *dump_backend;
    int carrier[2];
    double *wall[M_COUNT], *cpu[M_COUNT];

    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &error) || rounds < 1) {
        fprintf(stderr, "bench_refresh: %s\n", error ? error->message : "bad --rounds");
        return 2;
    }
    g_option_context_free(context);

    char *ss_argv[] = { ss_path, (char *)"-tuanp", NULL };
    char *ss_start_argv[] = { ss_path, (char *)"-V", NULL };

    for (int m = 0; m < M_COUNT; m++) {
        wall[m] = g_new0(double, rounds);
        cpu[m] = g_new0(double, rounds);
    }
    /* The warm watchers refresh once before the first timed round. */
    static const measure warm_measures[] = { M_NETLINK_WARM, M_PROCFS_WARM, M_NETLINK_WHOLE,
                                             M_NETLINK_NEW };
    for (gsize i = 0; i < G_N_ELEMENTS(warm_measures); i++) {
        warm[warm_measures[i]] = watcher_for(warm_measures[i]);
        time_refresh(warm[warm_measures[i]]);
    }
    dump_backend = pm_netlink_backend_new(NULL);
    time_command(ss_argv);          /* ss and its libraries in the page cache */

    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < M_COUNT; k++) {
            measure m = (measure)((r + k) % M_COUNT);
            pm_watcher *cold;
            cost c;

            switch (m) {
            case M_SS:
                c = time_command(ss_argv);
                break;
            case M_SS_START:
                c = time_command(ss_start_argv);
                break;
            case M_NETLINK_COLD:
            case M_PROCFS_COLD:
                cold = watcher_for(m);
                c = time_refresh(cold);
                pm_watcher_free(cold);
                break;
            case M_NETLINK_DUMP:
                c = time_dump(dump_backend);
                break;
            case M_NETLINK_NEW:
                make_unheld_socket(carrier);
                c = time_refresh(warm[m]);
                close(carrier[0]);    /* gone before the other measures look */
                close(carrier[1]);
                break;
            default:
                c = time_refresh(warm[m]);
                break;
            }
            wall[m][r] = c.wall_ms;
            cpu[m][r] = c.cpu_ms;
        }
    }
    for (int m = 0; m < M_COUNT; m++) {
        char key[64];
        g_snprintf(key, sizeof key, "ms %s", measure_names[m]);
        bench_print(key, (guint)rounds, wall[m]);
        g_snprintf(key, sizeof key, "cpu %s", measure_names[m]);
        bench_print(key, (guint)rounds, cpu[m]);
        g_free(wall[m]);
        g_free(cpu[m]);
    }
    print_table_size("netlink", warm[M_NETLINK_WARM]);
    print_table_size("procfs", warm[M_PROCFS_WARM]);
    print_scans("netlink_warm", warm[M_NETLINK_WARM]);
    print_scans("netlink_whole", warm[M_NETLINK_WHOLE]);
    print_scans("netlink_new", warm[M_NETLINK_NEW]);
    printf("diag_messages %u\n", diag_messages);
    for (int m = 0; m < M_COUNT; m++)
        pm_watcher_free(warm[m]);
    pm_backend_free(dump_backend);
    return 0;
}
