/* bench_refresh.c - P3: what one full table refresh costs, against `ss -tuanp`.
 *
 *   bench_refresh [--rounds N] [--ss PATH]
 *
 * Each round times, in a rotating order so that no measure always runs
 * first: `ss -tuanp` (fork, exec, output to /dev/null), `ss -V` (the same
 * process start with no work: ss's start-up cost), and pm_watcher_refresh()
 * on the netlink and procfs backends, each both
 *   cold: the first refresh of a new watcher (every owner process is read), and
 *   warm: a refresh of a watcher that refreshed before (process details cached,
 *         as in a running plugin).
 * Each is measured in wall-clock time (CLOCK_MONOTONIC) and in CPU time
 * (user + sys: of this single-threaded process for a refresh, of the reaped
 * child for ss), which a busy machine disturbs less.
 * Output, for bench.py: "ms NAME v1 v2 ..." (wall) and "cpu NAME v1 v2 ..."
 * per measure (every round), then
 * "rows BACKEND N" and "owned BACKEND N" (sockets seen, sockets with an owner).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <fcntl.h>
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
    M_COUNT
} measure;

static const char *const measure_names[M_COUNT] = {
    "ss_tuanp", "ss_start", "netlink_cold", "netlink_warm", "procfs_cold", "procfs_warm",
};

static guint diag_messages;

static pm_backend *
backend_for(measure m)
{
    return m == M_NETLINK_COLD || m == M_NETLINK_WARM ? pm_netlink_backend_new(NULL)
                                                      : pm_procfs_backend_new(NULL);
}

static pm_watcher *
watcher_for(measure m)
{
    pm_watcher *watcher = pm_watcher_new(backend_for(m), NULL, NULL, NULL);

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
    warm[M_NETLINK_WARM] = watcher_for(M_NETLINK_WARM);
    warm[M_PROCFS_WARM] = watcher_for(M_PROCFS_WARM);
    time_refresh(warm[M_NETLINK_WARM]);
    time_refresh(warm[M_PROCFS_WARM]);
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
    printf("diag_messages %u\n", diag_messages);
    pm_watcher_free(warm[M_NETLINK_WARM]);
    pm_watcher_free(warm[M_PROCFS_WARM]);
    return 0;
}
