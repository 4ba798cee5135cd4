/* test_process_record.c - Process Information Blocks and procmap's packet
 * references: written and read back, upstream's layout byte by byte,
 * malformed input, and the comment the plugin's reader gets.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <glib.h>

#include "process_record.h"

static pm_process_record
curl_record(void)
{
    pm_process_record record = {
        .pid = 4242, .has_ppid = TRUE, .ppid = 4000, .has_uid = TRUE, .uid = 1000,
        .start_time_ns = G_GUINT64_CONSTANT(1700000000123456789),
        .name = (char *)"curl", .path = (char *)"/usr/bin/curl",
        .args = (char *)"curl -s http://example.org/", .user = (char *)"alice",
        .ref = 7, .extra = (char *)"Cwd: /home/alice\nContainerId: c0ffee",
    };
    return record;
}

static void
test_round_trip(void)
{
    pm_process_record in = curl_record(), out;
    GByteArray *data = g_byte_array_new();
    const char *malformed = "unset";

    pm_process_record_encode(&in, data);
    g_assert_cmpuint(data->len % 4, ==, 0);
    g_assert_cmpint(pm_process_record_parse(data->data, data->len, &out, &malformed), ==,
                    PM_RECORD_PROCESS);
    g_assert_null(malformed);
    g_assert_cmpuint(out.pid, ==, 4242);
    g_assert_true(out.has_ppid && out.ppid == 4000 && out.has_uid && out.uid == 1000);
    g_assert_cmpuint(out.start_time_ns, ==, in.start_time_ns);
    g_assert_cmpstr(out.name, ==, "curl");
    g_assert_cmpstr(out.path, ==, "/usr/bin/curl");
    g_assert_cmpstr(out.args, ==, "curl -s http://example.org/");
    g_assert_cmpstr(out.user, ==, "alice");
    g_assert_cmpuint(out.ref, ==, 7);
    g_assert_cmpstr(out.extra, ==, "Cwd: /home/alice\nContainerId: c0ffee");
    pm_process_record_clear(&out);
    g_byte_array_unref(data);
}

/* Upstream's layout: entry type 3 and its length (LE), the pid (LE), the
 * options (LE) ending in opt_endofopt, the entry padded to 4. */
static void
test_layout(void)
{
    pm_process_record in = { .pid = 0x01020304, .name = (char *)"ab" };
    GByteArray *data = g_byte_array_new();
    static const guint8 expected[] = {
        3, 0, 0, 0,  16, 0, 0, 0,             /* entry type, entry length */
        4, 3, 2, 1,                           /* pid */
        2, 0, 2, 0, 'a', 'b', 0, 0,           /* name */
        0, 0, 0, 0,                           /* end of options */
    };

    pm_process_record_encode(&in, data);
    g_assert_cmpmem(data->data, data->len, expected, sizeof expected);
    g_byte_array_unref(data);
}

static void
test_cmdline_is_nul_separated(void)
{
    static const guint8 entry[] = {
        3, 0, 0, 0,  16, 0, 0, 0,
        1, 0, 0, 0,
        4, 0, 7, 0, 'a', 0, 'b', ' ', 'c', 0, 0, 0,     /* "a\0b c\0\0", padded */
    };
    pm_process_record out;
    const char *malformed;

    g_assert_cmpint(pm_process_record_parse(entry, sizeof entry, &out, &malformed), ==,
                    PM_RECORD_PROCESS);
    /* The last NUL ends the list; an empty argument stays as nothing. */
    g_assert_cmpstr(out.args, ==, "a b c ");
    pm_process_record_clear(&out);
}

/* Written: argv as upstream's cmdline option has it, one NUL after each
 * argument, so that an argument with a space stays one argument. */
static void
test_cmdline_written_as_argv(void)
{
    static const char argv[] = "sh\0-c\0echo a b";     /* and the string's own NUL */
    pm_process_record in = { .pid = 1, .args = (char *)"sh -c echo a b",
                             .argv = argv, .argv_len = sizeof argv };
    static const guint8 expected[] = {
        3, 0, 0, 0,  28, 0, 0, 0,
        1, 0, 0, 0,
        4, 0, 15, 0, 's', 'h', 0, '-', 'c', 0, 'e', 'c', 'h', 'o', ' ', 'a', ' ', 'b', 0, 0,
        0, 0, 0, 0,
    };
    GByteArray *data = g_byte_array_new();
    pm_process_record out;
    const char *malformed;

    pm_process_record_encode(&in, data);
    g_assert_cmpmem(data->data, data->len, expected, sizeof expected);
    g_assert_cmpint(pm_process_record_parse(data->data, data->len, &out, &malformed), ==,
                    PM_RECORD_PROCESS);
    g_assert_cmpstr(out.args, ==, "sh -c echo a b");
    pm_process_record_clear(&out);
    g_byte_array_unref(data);
}

static void
test_malformed(void)
{
    static const guint8 short_header[] = { 3, 0, 0 };
    static const guint8 too_long[] = { 3, 0, 0, 0, 200, 0, 0, 0, 1, 0, 0, 0 };
    static const guint8 no_pid[] = { 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0 };
    static const guint8 other[] = { 9, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0 };
    static const guint8 bad_uid[] = {
        3, 0, 0, 0, 20, 0, 0, 0, 5, 0, 0, 0,
        6, 0, 2, 0, 1, 2, 0, 0,                 /* uid of 2 bytes: skipped */
        2, 0, 1, 0, 'z', 0, 0, 0,               /* the name still read */
    };
    static const guint8 option_overruns[] = {
        3, 0, 0, 0, 12, 0, 0, 0, 5, 0, 0, 0, 2, 0, 200, 0, 'z', 0, 0, 0,
    };
    pm_process_record out;
    const char *malformed;

    g_assert_cmpint(pm_process_record_parse(short_header, sizeof short_header, &out,
                                            &malformed), ==, PM_RECORD_MALFORMED);
    g_assert_nonnull(malformed);
    g_assert_cmpint(pm_process_record_parse(too_long, sizeof too_long, &out, &malformed), ==,
                    PM_RECORD_MALFORMED);
    g_assert_cmpint(pm_process_record_parse(no_pid, sizeof no_pid, &out, &malformed), ==,
                    PM_RECORD_MALFORMED);
    g_assert_cmpint(pm_process_record_parse(other, sizeof other, &out, &malformed), ==,
                    PM_RECORD_OTHER_ENTRY);
    g_assert_null(malformed);
    g_assert_cmpint(pm_process_record_parse(bad_uid, sizeof bad_uid, &out, &malformed), ==,
                    PM_RECORD_PROCESS);
    g_assert_nonnull(malformed);
    g_assert_false(out.has_uid);
    g_assert_cmpstr(out.name, ==, "z");
    pm_process_record_clear(&out);
    g_assert_cmpint(pm_process_record_parse(option_overruns, sizeof option_overruns, &out,
                                            &malformed), ==, PM_RECORD_PROCESS);
    g_assert_nonnull(malformed);
    g_assert_null(out.name);
    pm_process_record_clear(&out);
}

static void
test_refs(void)
{
    guint8 data[16];
    guint32 src, dst;
    guint8 run;
    gsize len = pm_record_refs_encode(0, 5, 0, data);
    static const guint8 other_version[] = { 3, 1, 1, 0 };
    static const guint8 run_zero[] = { 2, 0, 1, 1 };
    static const guint8 run_short[] = { 2, 7, 1 };
    static const guint8 trailing[] = { 1, 1, 1, 9 };
    static const guint8 endless[] = { 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    static const guint8 overlong[] = { 1, 0xcd, 0x00, 0xcd, 0x00 };

    /* Version 1: no run tag. */
    g_assert_cmpuint(len, ==, 3);
    g_assert_true(pm_record_refs_parse(data, len, &run, &src, &dst));
    g_assert_cmpuint(run, ==, 0);
    g_assert_cmpuint(src, ==, 5);
    g_assert_cmpuint(dst, ==, 0);
    len = pm_record_refs_encode(0, G_MAXUINT32, 300, data);
    g_assert_true(pm_record_refs_parse(data, len, &run, &src, &dst));
    g_assert_cmpuint(src, ==, G_MAXUINT32);
    g_assert_cmpuint(dst, ==, 300);
    /* Padding (zeros) after the numbers is allowed, anything else is not. */
    memset(data + len, 0, 2);
    g_assert_true(pm_record_refs_parse(data, len + 2, &run, &src, &dst));
    /* Version 2: the tag after the version byte; still 4 bytes for small
     * numbers (one option word). */
    len = pm_record_refs_encode(200, 1, 2, data);
    g_assert_cmpmem(data, len, "\x02\xc8\x01\x02", 4);
    g_assert_true(pm_record_refs_parse(data, len, &run, &src, &dst));
    g_assert_cmpuint(run, ==, 200);
    g_assert_cmpuint(src, ==, 1);
    g_assert_cmpuint(dst, ==, 2);
    g_assert_false(pm_record_refs_parse(run_zero, sizeof run_zero, &run, &src, &dst));
    g_assert_false(pm_record_refs_parse(run_short, sizeof run_short, &run, &src, &dst));
    g_assert_false(pm_record_refs_parse(other_version, sizeof other_version, &run, &src, &dst));
    g_assert_false(pm_record_refs_parse(trailing, sizeof trailing, &run, &src, &dst));
    g_assert_false(pm_record_refs_parse(endless, sizeof endless, &run, &src, &dst));
    g_assert_false(pm_record_refs_parse(overlong, sizeof overlong, &run, &src, &dst));
    g_assert_cmpuint(src, ==, 0);
    g_assert_cmpuint(run, ==, 0);
}

static void
test_comment(void)
{
    pm_process_record record = curl_record();
    char *text;

    record.path = (char *)"/tmp/evil\nPID: 1";
    record.extra = (char *)"Cwd: /srv\nPID: 1\nContainerName: web";
    text = pm_process_record_to_comment(&record, "procmap-dst");
    g_assert_true(g_str_has_prefix(text, "procmap-dst\nVersion: 1\nPID: 4242\n"));
    /* A line break in a value cannot make a key; unknown extra keys are
     * dropped. */
    g_assert_nonnull(strstr(text, "Cmd: /tmp/evil PID: 1\n"));
    g_assert_null(strstr(text, "\nPID: 1"));
    g_assert_nonnull(strstr(text, "\nCwd: /srv"));
    g_assert_nonnull(strstr(text, "\nContainerName: web"));
    g_assert_nonnull(strstr(text, "\nStartTime: 1700000000123456789"));
    g_free(text);
}

/* What the plugin keeps of epb_processid_threadid on 4.0 and 4.4: read
 * back as written, and never mistaken for (or taken from) references. */
static void
test_process_thread(void)
{
    guint8 kept[PM_PROCMAP_PROCESS_THREAD_LEN];
    guint32 pid = 0, tid = 0, src, dst;
    guint8 run;

    pm_record_process_thread_pack(kept, 4242, 0x01020304);
    g_assert_cmpmem(kept, sizeof kept, "\xe8\x92\x10\x00\x00\x04\x03\x02\x01", 9);
    g_assert_true(pm_record_process_thread_unpack(kept, sizeof kept, &pid, &tid));
    g_assert_cmpuint(pid, ==, 4242);
    g_assert_cmpuint(tid, ==, 0x01020304);
    g_assert_false(pm_record_refs_parse(kept, sizeof kept, &run, &src, &dst));
    g_assert_false(pm_record_process_thread_unpack(kept, sizeof kept - 1, &pid, &tid));
    kept[0] = PM_PROCMAP_OPT_VERSION_RUN;
    g_assert_false(pm_record_process_thread_unpack(kept, sizeof kept, &pid, &tid));
    g_assert_false(pm_record_process_thread_unpack(NULL, 0, &pid, &tid));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/process_record/round_trip", test_round_trip);
    g_test_add_func("/process_record/layout", test_layout);
    g_test_add_func("/process_record/cmdline", test_cmdline_is_nul_separated);
    g_test_add_func("/process_record/cmdline-written-as-argv", test_cmdline_written_as_argv);
    g_test_add_func("/process_record/malformed", test_malformed);
    g_test_add_func("/process_record/refs", test_refs);
    g_test_add_func("/process_record/process_thread", test_process_thread);
    g_test_add_func("/process_record/comment", test_comment);
    return g_test_run();
}
