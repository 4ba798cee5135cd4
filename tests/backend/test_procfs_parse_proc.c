/* test_procfs_parse_proc.c - the pure parsers of per-process files, fd
 * links and the line splitter.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "procfs_parse.h"
#include "procfs_tests.h"

/* A string literal and its length, for the (text, len) parsers. */
#define TEXT(s) (s), strlen(s)

/* ---- line splitting ----------------------------------------------------- */

typedef struct {
    GPtrArray *got;     /* of char*: each line, or "<overlong>" */
    guint      stop_after;
} collected_lines;

static gboolean
collect_line(const char *line, gsize len, gboolean overlong, gpointer data)
{
    collected_lines *c = data;

    g_assert_true(overlong == (line == NULL));
    g_ptr_array_add(c->got, overlong ? g_strdup("<overlong>") : g_strndup(line, len));
    return c->stop_after == 0 || c->got->len < c->stop_after;
}

/* Random lines through a tiny buffer in random chunk sizes: a line that fits
 * (its '\n' included) comes out whole, any other is reported overlong. */
static void
test_line_splitter(void)
{
    const gsize cap = 8;

    for (int round = 0; round < 300; round++) {
        GString *stream = g_string_new(NULL);
        GPtrArray *expected = g_ptr_array_new_with_free_func(g_free);
        collected_lines c = { g_ptr_array_new_with_free_func(g_free), 0 };
        int n_lines = g_test_rand_int_range(0, 12);
        gboolean final_newline = g_test_rand_bit();
        pm_line_splitter splitter;
        char buf[8];
        gsize fed = 0;

        for (int l = 0; l < n_lines; l++) {
            int len = g_test_rand_int_range(0, 20);
            char *line = g_strnfill((gsize)len, (char)('a' + l));
            g_string_append(stream, line);
            if (l < n_lines - 1 || final_newline)
                g_string_append_c(stream, '\n');
            /* A last line without '\n' still counts, unless empty. */
            if (len > 0 || l < n_lines - 1 || final_newline)
                g_ptr_array_add(expected, (gsize)len + 1 <= cap ? g_strdup(line)
                                                               : g_strdup("<overlong>"));
            g_free(line);
        }
        pm_line_splitter_init(&splitter, buf, cap);
        while (fed < stream->len) {
            gsize room;
            char *space = pm_line_splitter_space(&splitter, &room);
            gsize chunk = (gsize)g_test_rand_int_range(1, (gint32)room + 1);
            gsize n = MIN(stream->len - fed, chunk);  /* MIN evaluates twice */

            g_assert_cmpuint(room, >, 0);
            memcpy(space, stream->str + fed, n);
            fed += n;
            g_assert_true(pm_line_splitter_push(&splitter, n, collect_line, &c));
        }
        pm_line_splitter_finish(&splitter, collect_line, &c);

        g_assert_cmpuint(c.got->len, ==, expected->len);
        for (guint i = 0; i < expected->len; i++)
            g_assert_cmpstr(g_ptr_array_index(c.got, i), ==, g_ptr_array_index(expected, i));
        g_ptr_array_unref(c.got);
        g_ptr_array_unref(expected);
        g_string_free(stream, TRUE);
    }
}

static void
test_line_splitter_stop(void)
{
    char buf[64];
    const char text[] = "one\ntwo\nthree\nfour\n";
    collected_lines c = { g_ptr_array_new_with_free_func(g_free), 2 };
    pm_line_splitter splitter;
    gsize room;

    pm_line_splitter_init(&splitter, buf, sizeof buf);
    memcpy(pm_line_splitter_space(&splitter, &room), text, sizeof text - 1);
    g_assert_false(pm_line_splitter_push(&splitter, sizeof text - 1, collect_line, &c));
    g_assert_cmpuint(c.got->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(c.got, 1), ==, "two");
    g_ptr_array_unref(c.got);
}

static void
test_pid_name(void)
{
    gint32 pid = -1;

    g_assert_true(pm_parse_pid_name("766", &pid));
    g_assert_cmpint(pid, ==, 766);
    g_assert_true(pm_parse_pid_name("2147483647", &pid));
    g_assert_cmpint(pid, ==, G_MAXINT32);
    g_assert_false(pm_parse_pid_name("2147483648", &pid));
    g_assert_false(pm_parse_pid_name("99999999999999999999", &pid));
    g_assert_false(pm_parse_pid_name("", &pid));
    g_assert_false(pm_parse_pid_name(".", &pid));
    g_assert_false(pm_parse_pid_name("self", &pid));
    g_assert_false(pm_parse_pid_name("12abc", &pid));
    g_assert_false(pm_parse_pid_name("-1", &pid));
}

/* ---- fd links ----------------------------------------------------------- */

static void
test_fd_link(void)
{
    static const struct {
        const char *target;
        pm_fd_link kind;
        guint64 inode;
    } cases[] = {
        { "socket:[7619]", PM_FD_LINK_SOCKET, 7619 },
        { "socket:[0]", PM_FD_LINK_SOCKET, 0 },
        { "socket:[18446744073709551615]", PM_FD_LINK_SOCKET, G_MAXUINT64 },
        { "/dev/null", PM_FD_LINK_OTHER, 0 },
        { "pipe:[7619]", PM_FD_LINK_OTHER, 0 },
        { "anon_inode:[eventfd]", PM_FD_LINK_OTHER, 0 },
        { "socket:", PM_FD_LINK_OTHER, 0 },
        { "", PM_FD_LINK_OTHER, 0 },
        { "socket:[", PM_FD_LINK_MALFORMED, 0 },
        { "socket:[]", PM_FD_LINK_MALFORMED, 0 },
        { "socket:[12a]", PM_FD_LINK_MALFORMED, 0 },
        { "socket:[123", PM_FD_LINK_MALFORMED, 0 },
        { "socket:[123]x", PM_FD_LINK_MALFORMED, 0 },
        { "socket:[-1]", PM_FD_LINK_MALFORMED, 0 },
        { "socket:[ 12]", PM_FD_LINK_MALFORMED, 0 },
        { "socket:[18446744073709551616]", PM_FD_LINK_MALFORMED, 0 },
        { "socket:[99999999999999999999999]", PM_FD_LINK_MALFORMED, 0 },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint64 inode = 12345;
        g_test_message("%s", cases[i].target);
        g_assert_cmpint(pm_parse_fd_link(cases[i].target, strlen(cases[i].target), &inode), ==,
                        cases[i].kind);
        if (cases[i].kind == PM_FD_LINK_SOCKET)
            g_assert_cmpuint(inode, ==, cases[i].inode);
    }
    /* Only @len bytes count: "socket:[76" of "socket:[7619]" is cut. */
    {
        guint64 inode;
        g_assert_cmpint(pm_parse_fd_link("socket:[7619]", 10, &inode), ==, PM_FD_LINK_MALFORMED);
    }
}

/* ---- per-process files -------------------------------------------------- */

static void
assert_stat(const char *text, const char *comm, gint32 ppid, guint64 start)
{
    pm_proc_stat st;

    g_assert_true(pm_parse_proc_stat(text, strlen(text), &st));
    g_assert_cmpuint(st.comm_len, ==, strlen(comm));
    g_assert_cmpmem(st.comm, st.comm_len, comm, strlen(comm));
    g_assert_cmpint(st.ppid, ==, ppid);
    g_assert_cmpuint(st.start_ticks, ==, start);
}

static void
test_proc_stat(void)
{
    static const char *const bad[] = {
        "766 my name S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n",   /* no parens */
        "766 (name S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n",     /* no ')' */
        "766 name) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n",     /* no '(' */
        "766 (name) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n",          /* short */
        "766 (name) S x 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n",    /* ppid */
        "766 (name) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 2x0 20\n",   /* start */
        "766 (name) S 2147483648 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n",
        "",
    };
    pm_proc_stat st;
    const char *live = "5933 (cat) R 5928 5928 4443 0 -1 4194304 98 0 0 0 0 0 0 0 20 0 1 0 "
                       "37854 3133440 407 18446744073709551615 94280240766976 0 0\n";

    assert_stat(live, "cat", 5928, 37854);
    assert_stat("766 ((my (weird) name)) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 12345 x\n",
                "(my (weird) name)", 1, 12345);
    /* A task can name itself to look like more fields: the last ')' wins. */
    assert_stat("767 (x) R 99 () S 766 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 777 x\n",
                "x) R 99 (", 766, 777);
    assert_stat("768 (Web Content) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 5", "Web Content",
                1, 5);
    assert_stat("2 () S 0 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 3\n", "", 0, 3);
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_test_message("stat: %s", bad[i]);
        g_assert_false(pm_parse_proc_stat(bad[i], strlen(bad[i]), &st));
    }
}

static void
test_status_uid(void)
{
    const char *status = "Name:\tcat\nUmask:\t0022\nState:\tR (running)\nTgid:\t5933\n"
                         "Ngid:\t0\nPid:\t5933\nPPid:\t5928\nTracerPid:\t0\n"
                         "Uid:\t1000\t1001\t1002\t1003\nGid:\t100\t100\t100\t100\n";
    guint32 uid = 7;

    g_assert_true(pm_parse_status_uid(status, strlen(status), &uid));
    g_assert_cmpuint(uid, ==, 1000);
    g_assert_true(pm_parse_status_uid(TEXT("Uid:\t4294967295\t0\t0\t0"), &uid));
    g_assert_cmpuint(uid, ==, G_MAXUINT32);
    g_assert_false(pm_parse_status_uid(TEXT("Name:\tcat\nGid:\t0\n"), &uid));
    g_assert_false(pm_parse_status_uid(TEXT("Uid:\t\n"), &uid));
    g_assert_false(pm_parse_status_uid(TEXT("Uid:\t4294967296\n"), &uid));
    g_assert_false(pm_parse_status_uid(TEXT("XUid:\t5\n"), &uid));
    g_assert_false(pm_parse_status_uid("", 0, &uid));
}

static void
assert_argv(GPtrArray *argv, const char *const *expected, guint n)
{
    g_assert_nonnull(argv);
    g_assert_cmpuint(argv->len, ==, n);
    for (guint i = 0; i < n; i++)
        g_assert_cmpstr(g_ptr_array_index(argv, i), ==, expected[i]);
    g_ptr_array_unref(argv);
}

static void
test_cmdline(void)
{
    static const char *const one_empty[] = { "" };
    static const char *const two[] = { "a", "b" };
    static const char *const hole[] = { "a", "", "b" };
    static const char *const raw[] = { "nginx: master process /usr/sbin/nginx" };
    static const char *const bytes[] = { "\xff\xfe", "x" };

    assert_argv(pm_parse_cmdline("", 0), NULL, 0);
    assert_argv(pm_parse_cmdline("\0", 1), one_empty, 1);
    assert_argv(pm_parse_cmdline("a\0b\0", 4), two, 2);
    assert_argv(pm_parse_cmdline("a\0b", 3), two, 2);
    assert_argv(pm_parse_cmdline("a\0\0b\0", 5), hole, 3);
    assert_argv(pm_parse_cmdline(raw[0], strlen(raw[0])), raw, 1);
    assert_argv(pm_parse_cmdline("\xff\xfe\0x\0", 5), bytes, 2);
}

static void
test_btime_and_start_time(void)
{
    guint64 btime = 0;

    g_assert_true(pm_parse_btime_line("btime 1795902495", 16, &btime));
    g_assert_cmpuint(btime, ==, 1795902495);
    g_assert_true(pm_parse_btime_line("btime 7 ", 8, &btime));
    g_assert_cmpuint(btime, ==, 7);
    g_assert_false(pm_parse_btime_line("btimex 1", 8, &btime));
    g_assert_false(pm_parse_btime_line("btime", 5, &btime));
    g_assert_false(pm_parse_btime_line("btime abc", 9, &btime));
    g_assert_false(pm_parse_btime_line("intr 1 2 3", 10, &btime));
    g_assert_false(pm_parse_btime_line("", 0, &btime));

    g_assert_cmpuint(pm_start_time_ns(1700000000, 12345, 100), ==,
                     G_GUINT64_CONSTANT(1700000123450000000));
    g_assert_cmpuint(pm_start_time_ns(0, 301, 300), ==, G_GUINT64_CONSTANT(1003333333));
    g_assert_cmpuint(pm_start_time_ns(1795902495, 0, 100), ==,
                     G_GUINT64_CONSTANT(1795902495000000000));
    g_assert_cmpuint(pm_start_time_ns(10, 1999, 1000), ==, G_GUINT64_CONSTANT(11999000000));
    /* Ten years of ticks at 100 Hz on a recent boot time: no overflow. */
    g_assert_cmpuint(pm_start_time_ns(1795902495, G_GUINT64_CONSTANT(31536000000), 100), ==,
                     G_GUINT64_CONSTANT(2111262495000000000));
    g_assert_cmpuint(pm_start_time_ns(1700000000, 12345, 0), ==, 0);
}

static void
test_strip_deleted(void)
{
    const char *deleted = "/usr/sbin/nginx (deleted)";

    g_assert_cmpuint(pm_strip_deleted_suffix(deleted, strlen(deleted)), ==, 15);
    g_assert_cmpuint(pm_strip_deleted_suffix("/usr/sbin/nginx", 15), ==, 15);
    g_assert_cmpuint(pm_strip_deleted_suffix(" (deleted)", 10), ==, 10);
    g_assert_cmpuint(pm_strip_deleted_suffix("/a(deleted)", 11), ==, 11);
    g_assert_cmpuint(pm_strip_deleted_suffix("", 0), ==, 0);
}


void
add_proc_parse_tests(void)
{
    g_test_add_func("/procfs/parse/line-splitter", test_line_splitter);
    g_test_add_func("/procfs/parse/line-splitter-stop", test_line_splitter_stop);
    g_test_add_func("/procfs/parse/pid-name", test_pid_name);
    g_test_add_func("/procfs/parse/fd-link", test_fd_link);
    g_test_add_func("/procfs/parse/proc-stat", test_proc_stat);
    g_test_add_func("/procfs/parse/status-uid", test_status_uid);
    g_test_add_func("/procfs/parse/cmdline", test_cmdline);
    g_test_add_func("/procfs/parse/btime-start-time", test_btime_and_start_time);
    g_test_add_func("/procfs/parse/strip-deleted", test_strip_deleted);
}
