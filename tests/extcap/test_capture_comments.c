/* test_capture_comments.c - the comments the extcap writes, byte for byte.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "capture_comments.h"

#include <string.h>

static pm_process *
make_process(gint32 pid, gint32 ppid, const char *comm, const char *exe, const char *args)
{
    pm_process_raw raw;

    memset(&raw, 0, sizeof raw);
    raw.pid = pid;
    raw.ppid = ppid;
    raw.comm = g_strdup(comm);
    raw.exe = g_strdup(exe);
    raw.cwd = g_strdup("/home/alice");
    if (args) {
        raw.argv = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(raw.argv, g_strdup(args));
    }
    raw.start_time_ns = G_GUINT64_CONSTANT(1700000000123456789);
    raw.has_uid = TRUE;
    raw.uid = 1000;
    return pm_process_new(&raw, "alice", NULL, 0);
}

static void
test_procmap_format(void)
{
    pm_process *curl = make_process(4242, 4000, "curl", "/usr/bin/curl",
                                    "curl -s http://127.0.0.1:8080/");
    pm_process *shell = make_process(4000, 1, "bash", "/usr/bin/bash", "-bash");
    pm_comment_subject subject = { .process = curl, .parent = shell, .tid = 4243,
                                   .container_id = "abc", .container_name = "web" };
    char *text = pm_comment_procmap(PM_COMMENT_SIDE_SRC, &subject);

    g_assert_cmpstr(text, ==,
                    "procmap-src\nVersion: 1\nPID: 4242\nCmd: /usr/bin/curl\n"
                    "Args: curl -s http://127.0.0.1:8080/\nComm: curl\nUserId: 1000\n"
                    "User: alice\nParentPID: 4000\nParentCmd: /usr/bin/bash\nParentArgs: -bash\n"
                    "StartTime: 1700000000123456789\nCwd: /home/alice\nContainerId: abc\n"
                    "ContainerName: web");
    g_free(text);
    /* Unknown values are left out; no process, no comment. */
    subject.parent = NULL;
    subject.container_id = subject.container_name = NULL;
    text = pm_comment_procmap(PM_COMMENT_SIDE_DST, &subject);
    g_assert_true(g_str_has_prefix(text, "procmap-dst\nVersion: 1\nPID: 4242\n"));
    g_assert_null(strstr(text, "ParentCmd"));
    g_assert_null(strstr(text, "Container"));
    g_assert_nonnull(strstr(text, "ParentPID: 4000\n"));
    g_free(text);
    subject.process = NULL;
    g_assert_null(pm_comment_procmap(PM_COMMENT_SIDE_SRC, &subject));
    pm_process_unref(curl);
    pm_process_unref(shell);
}

static void
test_values_stay_one_line(void)
{
    GString *huge = g_string_new("x");
    pm_process *odd;
    pm_comment_subject subject = { 0 };
    char *text, *args_line;

    /* The record layer already turns control characters into spaces;
     * a long value is cut at a character boundary and marked "...". */
    for (int i = 0; i < PM_COMMENT_VALUE_MAX; i++)
        g_string_append(huge, "\xc3\xa9");       /* é: two bytes */
    odd = make_process(7, 1, "odd", "/bin/odd", huge->str);
    subject.process = odd;
    text = pm_comment_procmap(PM_COMMENT_SIDE_SRC, &subject);
    args_line = strstr(text, "\nArgs: ");
    g_assert_nonnull(args_line);
    args_line += strlen("\nArgs: ");
    g_assert_cmpuint(strchr(args_line, '\n') - args_line, <=, PM_COMMENT_VALUE_MAX + 3);
    g_assert_true(g_utf8_validate(text, -1, NULL));
    g_assert_true(strncmp(strchr(args_line, '\n') - 3, "...", 3) == 0);
    g_free(text);
    g_string_free(huge, TRUE);
    pm_process_unref(odd);
}

static void
test_ptcpdump_format(void)
{
    pm_process *curl = make_process(99722, 18840, "curl", "/usr/bin/curl",
                                    "curl https://kernel.org");
    pm_process *shell = make_process(18840, 1, "bash", "/usr/bin/bash", "-bash");
    pm_comment_subject subject = { .process = curl, .parent = shell };
    pm_comment_subject other = { .process = shell, .container_id = "deadbeef" };
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    /* As ptcpdump's curl-user.pcapng frame 1 has it. */
    pm_comment_ptcpdump(&subject, out);
    g_assert_cmpuint(out->len, ==, 3);
    g_assert_cmpstr(out->pdata[0], ==, "PID: 99722\nCmd: /usr/bin/curl\nArgs: curl https://kernel.org");
    g_assert_cmpstr(out->pdata[1], ==, "UserId: 1000");
    g_assert_cmpstr(out->pdata[2], ==, "ParentPID: 18840\nParentCmd: /usr/bin/bash\nParentArgs: -bash");
    /* A thread when known; the other side's container is blanked for a
     * last-key-wins reader. */
    g_ptr_array_set_size(out, 0);
    subject.tid = 99723;
    pm_comment_ptcpdump_with_other(&subject, &other, out);
    g_assert_cmpuint(out->len, ==, 5);
    g_assert_cmpstr(out->pdata[1], ==, "ThreadId: 99723\nThreadName: ");
    g_assert_cmpstr(out->pdata[4], ==,
                    "ContainerName: \nContainerId: \nContainerImage: \nContainerLabels: {}");
    g_ptr_array_unref(out);
    pm_process_unref(curl);
    pm_process_unref(shell);
}

static void
test_ptcpdump_subject(void)
{
    pm_process *a = make_process(1, 0, "a", NULL, NULL), *b = make_process(2, 0, "b", NULL, NULL);
    pm_comment_subject src = { .process = a }, dst = { .process = b }, none = { 0 };

    g_assert_true(pm_comment_ptcpdump_subject(&src, &dst, PM_DIRECTION_OUTBOUND) == &src);
    g_assert_true(pm_comment_ptcpdump_subject(&src, &dst, PM_DIRECTION_INBOUND) == &dst);
    /* Loopback, no direction: the sender. */
    g_assert_true(pm_comment_ptcpdump_subject(&src, &dst, PM_DIRECTION_UNKNOWN) == &src);
    g_assert_true(pm_comment_ptcpdump_subject(&none, &dst, PM_DIRECTION_UNKNOWN) == &dst);
    /* The direction names an end without a process: none, never the other. */
    g_assert_null(pm_comment_ptcpdump_subject(&none, &dst, PM_DIRECTION_OUTBOUND));
    g_assert_null(pm_comment_ptcpdump_subject(&none, &none, PM_DIRECTION_UNKNOWN));
    pm_process_unref(a);
    pm_process_unref(b);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/extcap/comments/procmap", test_procmap_format);
    g_test_add_func("/extcap/comments/one-line", test_values_stay_one_line);
    g_test_add_func("/extcap/comments/ptcpdump", test_ptcpdump_format);
    g_test_add_func("/extcap/comments/ptcpdump-subject", test_ptcpdump_subject);
    return g_test_run();
}
