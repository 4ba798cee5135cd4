/* test_process_info.c - process records for socket events, over a fake /proc:
 * a live process, one gone, and one exiting (a zombie not yet reaped, whose
 * /proc entry has a stat but no exe link and an empty cmdline).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "process_info.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define NS G_GUINT64_CONSTANT(1000000000)
#define BTIME_S 1700000000
#define START_TICKS 250               /* the process started 2.5 s after boot */
#define PID 4242
#define NOW_US ((gint64)BTIME_S * G_USEC_PER_SEC + 10 * G_USEC_PER_SEC)

static const char curl_args[] = "curl\0-s\0http://127.0.0.1:8080/n1";

typedef struct {
    char *root;
    pm_process_info *info;
    guint64 start_ns;      /* what the events say: exact */
} fixture;

static void
write_file(const char *root, const char *name, const char *text, gsize len)
{
    char *path = g_build_filename(root, name, NULL);
    GError *error = NULL;

    g_assert_true(g_file_set_contents(path, text, (gssize)len, &error));
    g_assert_no_error(error);
    g_free(path);
}

/* <root>/<PID>/: @state in stat; @exe_target NULL: no exe link (exited). */
static void
make_process(fixture *f, char state, const char *exe_target, const char *cmdline, gsize len)
{
    char *dir = g_strdup_printf("%s/%d", f->root, PID);
    char *stat = g_strdup_printf("%d (curl) %c 100 %d 100 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 "
                                 "%d 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 "
                                 "0 0 0 0 0 0 0 0 0 0 0\n", PID, state, PID, START_TICKS);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    write_file(dir, "stat", stat, strlen(stat));
    write_file(dir, "status", "Name:\tcurl\nUid:\t0\t0\t0\t0\n", (gsize)-1);
    write_file(dir, "cmdline", cmdline, len);
    if (exe_target) {
        char *link = g_build_filename(dir, "exe", NULL);

        g_assert_cmpint(symlink(exe_target, link), ==, 0);
        g_free(link);
    }
    g_free(stat);
    g_free(dir);
}

static void
setup(fixture *f, gconstpointer data)
{
    long hz = sysconf(_SC_CLK_TCK);
    GError *error = NULL;

    f->root = g_dir_make_tmp("procmap-process-info-XXXXXX", &error);
    g_assert_no_error(error);
    write_file(f->root, "stat", "cpu  1 2 3 4\nbtime 1700000000\n", (gsize)-1);
    /* The exact start the kernel gives events; /proc rounds it to a tick. */
    f->start_ns = (guint64)BTIME_S * NS + (guint64)START_TICKS * NS / (guint64)hz + 1234567;
    f->info = pm_process_info_new(f->root, FALSE);
}

static void
teardown(fixture *f, gconstpointer data)
{
    char *command = g_strdup_printf("rm -rf '%s'", f->root);

    pm_process_info_free(f->info);
    g_assert_cmpint(system(command), ==, 0);
    g_free(command);
    g_free(f->root);
}

static pm_event_process
event_of(guint64 start_ns)
{
    pm_event_process event = { PID, PID, 100, 0, start_ns, "curl" };

    return event;
}

static void
exec_curl(fixture *f, guint64 start_ns)
{
    pm_event_process event = event_of(start_ns);

    pm_process_info_exec(f->info, &event, "/usr/bin/curl", curl_args, sizeof curl_args,
                         NOW_US);
}

static pm_process *
lookup(fixture *f)
{
    pm_event_process event = event_of(f->start_ns);

    return pm_process_info_from_event(f->info, &event, NOW_US);
}

/* Read from /proc while it runs: /proc's exe and arguments. */
static void
test_live(fixture *f, gconstpointer data)
{
    static const char cmdline[] = "curl\0-v\0http://example.test/";
    pm_process *process;

    make_process(f, 'S', "/opt/curl/bin/curl", cmdline, sizeof cmdline);
    exec_curl(f, f->start_ns);
    process = lookup(f);
    g_assert_cmpint(process->pid, ==, PID);
    g_assert_cmpstr(process->exe, ==, "/opt/curl/bin/curl");
    g_assert_cmpstr(process->args, ==, "curl -v http://example.test/");
    pm_process_unref(process);
}

/* Gone from /proc: the event and its exec event. */
static void
test_gone(fixture *f, gconstpointer data)
{
    pm_process *process;

    exec_curl(f, f->start_ns);
    process = lookup(f);
    g_assert_cmpint(process->pid, ==, PID);
    g_assert_cmpstr(process->comm, ==, "curl");
    g_assert_cmpstr(process->exe, ==, "/usr/bin/curl");
    g_assert_cmpstr(process->args, ==, "curl -s http://127.0.0.1:8080/n1");
    pm_process_unref(process);
}

/* Exited but not reaped: /proc has its stat (pid, start time, comm) but no
 * exe and no arguments; those come from the exec event. */
static void
test_zombie(fixture *f, gconstpointer data)
{
    pm_process *process;

    make_process(f, 'Z', NULL, "", 0);
    exec_curl(f, f->start_ns);
    process = lookup(f);
    g_assert_cmpint(process->pid, ==, PID);
    g_assert_cmpstr(process->comm, ==, "curl");
    g_assert_cmpstr(process->exe, ==, "/usr/bin/curl");
    g_assert_cmpstr(process->args, ==, "curl -s http://127.0.0.1:8080/n1");
    pm_process_unref(process);

    /* Cached: the same record for its next event. */
    process = lookup(f);
    g_assert_cmpstr(process->exe, ==, "/usr/bin/curl");
    pm_process_unref(process);
}

/* An exe link we may not read, arguments readable: only the exe is taken. */
static void
test_exe_unreadable(fixture *f, gconstpointer data)
{
    static const char cmdline[] = "curl\0-v";
    pm_process *process;

    make_process(f, 'S', NULL, cmdline, sizeof cmdline);
    exec_curl(f, f->start_ns);
    process = lookup(f);
    g_assert_cmpstr(process->exe, ==, "/usr/bin/curl");
    g_assert_cmpstr(process->args, ==, "curl -v");
    pm_process_unref(process);
}

/* The exec event of an earlier process with the same pid names nothing of
 * this one's. */
static void
test_zombie_other_exec(fixture *f, gconstpointer data)
{
    pm_process *process;

    make_process(f, 'Z', NULL, "", 0);
    exec_curl(f, f->start_ns - 30 * NS);
    process = lookup(f);
    g_assert_cmpint(process->pid, ==, PID);
    g_assert_null(process->exe);
    g_assert_true(process->args == NULL || *process->args == '\0');
    pm_process_unref(process);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/process_info/live", fixture, NULL, setup, test_live, teardown);
    g_test_add("/process_info/gone", fixture, NULL, setup, test_gone, teardown);
    g_test_add("/process_info/zombie", fixture, NULL, setup, test_zombie, teardown);
    g_test_add("/process_info/exe_unreadable", fixture, NULL, setup, test_exe_unreadable,
               teardown);
    g_test_add("/process_info/zombie_other_exec", fixture, NULL, setup, test_zombie_other_exec,
               teardown);
    return g_test_run();
}
