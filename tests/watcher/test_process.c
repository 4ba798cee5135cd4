/* test_process.c - process records: naming, aliases, UTF-8, references.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "mock_backend.h"

#include <string.h>

#define TCP PM_TRANSPORT_TCP

static void
check_pick_name(const char *comm, const char *exe, const char *expected)
{
    char *name = pm_process_pick_name(comm, exe);

    g_test_message("pick_name(%s, %s)", comm ? comm : "NULL", exe ? exe : "NULL");
    g_assert_cmpstr(name, ==, expected);
    g_free(name);
}

static void
test_pick_name(void)
{
    g_assert_cmpint(PM_COMM_MAX, ==, 15);
    check_pick_name("nginx", "/usr/sbin/nginx", "nginx");
    /* Shorter than 15 bytes: comm is complete, whatever exe says. */
    check_pick_name("python3", "/usr/bin/python3.11", "python3");
    check_pick_name("abcdefghijklmn", "/opt/abcdefghijklmnop", "abcdefghijklmn");
    /* Spec §2.8 vector 7. */
    check_pick_name("elastic-endpoin", "/opt/Elastic/Endpoint/elastic-endpoint",
                    "elastic-endpoint");
    check_pick_name("elastic-endpoin", NULL, "elastic-endpoin");
    check_pick_name("mylocal_service", "/usr/bin/mylocal_service", "mylocal_service");
    check_pick_name(NULL, "/usr/bin/foo", "foo");
    check_pick_name(NULL, NULL, NULL);
}

static void
test_alias_match(void)
{
    static const pm_alias_rule rules[] = {
        { "nc ", "NetCat" },
        { "curl", "Curl" },
        { "", "Everything" },
    };
    static const pm_alias_rule case_rules[] = { { "Curl", "Curl" } };

    g_assert_cmpint(pm_alias_match(rules, 3, "nc -v -l -p 80"), ==, 0);
    /* Both the first and second rules match: the first wins. */
    g_assert_cmpint(pm_alias_match(rules, 3, "curl nc x"), ==, 0);
    g_assert_cmpint(pm_alias_match(rules, 3, "/usr/bin/curl -s"), ==, 1);
    g_assert_cmpint(pm_alias_match(rules, 3, "nc"), ==, 2);       /* no trailing space */
    g_assert_cmpint(pm_alias_match(rules, 3, "wget"), ==, 2);
    g_assert_cmpint(pm_alias_match(rules, 3, ""), ==, 2);
    g_assert_cmpint(pm_alias_match(rules, 3, NULL), ==, -1);
    g_assert_cmpint(pm_alias_match(rules, 2, "wget"), ==, -1);
    g_assert_cmpint(pm_alias_match(rules, 0, "nc -l"), ==, -1);
    g_assert_cmpint(pm_alias_match(case_rules, 1, "curl -s"), ==, -1);
    g_assert_cmpint(pm_alias_match(case_rules, 1, "Curl -s"), ==, 0);
}

static pm_process_raw
make_raw(gint32 pid, const char *comm, const char *exe, const char *const *argv)
{
    pm_process_raw raw;

    memset(&raw, 0, sizeof raw);
    raw.pid = pid;
    raw.ppid = 1;
    raw.comm = g_strdup(comm);
    raw.exe = g_strdup(exe);
    raw.cwd = g_strdup("/srv");
    if (argv) {
        raw.argv = g_ptr_array_new_with_free_func(g_free);
        for (; *argv; argv++)
            g_ptr_array_add(raw.argv, g_strdup(*argv));
    }
    raw.start_time_ns = 42;
    raw.has_uid = TRUE;
    raw.uid = 1000;
    return raw;
}

static void
test_process_new_alias(void)
{
    static const pm_alias_rule rules[] = { { "nc -", "NC" }, { "nc", "Late" } };
    static const pm_alias_rule match_all[] = { { "", "X" } };
    static const char *const nc_argv[] = { "nc", "-l", NULL };
    static const char *const other_argv[] = { "socat", "-", NULL };
    static const char *const kthread_argv[] = { NULL };
    pm_process_raw raw;
    pm_process *p, *again;

    /* Matching runs on argv joined by single spaces. */
    raw = make_raw(7, "nc", "/usr/bin/nc.openbsd", nc_argv);
    p = pm_process_new(&raw, "alice", rules, G_N_ELEMENTS(rules));
    g_assert_cmpstr(p->name, ==, "NC");
    g_assert_true(p->aliased);
    g_assert_cmpstr(p->comm, ==, "nc");
    g_assert_cmpstr(p->args, ==, "nc -l");
    /* ... and kept with its boundaries, for the records procmap-capture writes. */
    g_assert_cmpmem(p->argv, p->argv_len, "nc\0-l", sizeof "nc\0-l");
    g_assert_cmpstr(p->exe, ==, "/usr/bin/nc.openbsd");
    g_assert_cmpstr(p->cwd, ==, "/srv");
    g_assert_cmpstr(p->user, ==, "alice");
    g_assert_cmpint(p->pid, ==, 7);
    g_assert_cmpint(p->ppid, ==, 1);
    g_assert_cmpuint(p->start_time_ns, ==, 42);
    g_assert_true(p->has_uid);
    g_assert_cmpuint(p->uid, ==, 1000);
    again = pm_process_ref(p);
    g_assert_true(again == p);
    pm_process_unref(again);
    g_assert_cmpstr(p->name, ==, "NC");
    pm_process_unref(p);

    raw = make_raw(8, "socat", "/usr/bin/socat", other_argv);
    p = pm_process_new(&raw, NULL, rules, G_N_ELEMENTS(rules));
    g_assert_cmpstr(p->name, ==, "socat");
    g_assert_false(p->aliased);
    g_assert_null(p->user);
    pm_process_unref(p);

    /* Unreadable argv: no args, and even "" does not match. */
    raw = make_raw(9, "secret", "/usr/bin/secret", NULL);
    p = pm_process_new(&raw, NULL, match_all, 1);
    g_assert_null(p->args);
    g_assert_null(p->argv);
    g_assert_false(p->aliased);
    g_assert_cmpstr(p->name, ==, "secret");
    pm_process_unref(p);

    /* A kernel thread's empty argv: "" occurs in "". */
    raw = make_raw(2, "kthreadd", NULL, kthread_argv);
    p = pm_process_new(&raw, NULL, match_all, 1);
    g_assert_true(p->aliased);
    g_assert_cmpstr(p->name, ==, "X");
    g_assert_cmpstr(p->comm, ==, "kthreadd");
    pm_process_unref(p);

    /* No rules at all. */
    raw = make_raw(10, "nc", "/usr/bin/nc", nc_argv);
    p = pm_process_new(&raw, NULL, NULL, 0);
    g_assert_cmpstr(p->name, ==, "nc");
    g_assert_false(p->aliased);
    pm_process_unref(p);
}

static void
check_sanitize(const char *input, const char *expected)
{
    char *out = pm_utf8_sanitize(g_strdup(input));

    g_assert_nonnull(out);
    g_assert_true(g_utf8_validate(out, -1, NULL));
    g_assert_cmpstr(out, ==, expected);
    g_free(out);
}

static void
test_utf8_sanitize(void)
{
    check_sanitize("plain ascii", "plain ascii");
    check_sanitize("caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac");
    check_sanitize("a\xff" "b", "a\xef\xbf\xbd" "b");
    check_sanitize("\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd");
    check_sanitize("x\xc3", "x\xef\xbf\xbd");           /* truncated sequence at the end */
    /* Control characters become spaces (process.h): one-line tree items. */
    check_sanitize("a\x01" "b\n", "a b ");
    check_sanitize("nc\t-l", "nc -l");
    check_sanitize("", "");
}

/* Invalid bytes in a raw record come out as valid UTF-8 in every field. */
static void
test_process_new_sanitizes(void)
{
    static const char *const argv[] = { "run\xff", "--x=\xc3(", NULL };
    pm_process_raw raw = make_raw(11, "w\xe9" "b", "/opt/\xfe/bin/w", argv);
    pm_process *p = pm_process_new(&raw, "us\xe9r", NULL, 0);

    g_assert_true(g_utf8_validate(p->name, -1, NULL));
    g_assert_true(g_utf8_validate(p->comm, -1, NULL));
    g_assert_true(g_utf8_validate(p->exe, -1, NULL));
    g_assert_true(g_utf8_validate(p->args, -1, NULL));
    g_assert_true(g_utf8_validate(p->user, -1, NULL));
    g_assert_cmpstr(p->comm, ==, "w\xef\xbf\xbd" "b");
    g_assert_cmpstr(p->args, ==, "run\xef\xbf\xbd --x=\xef\xbf\xbd(");
    g_assert_cmpmem(p->argv, p->argv_len, "run\xef\xbf\xbd\0--x=\xef\xbf\xbd(",
                    sizeof "run\xef\xbf\xbd\0--x=\xef\xbf\xbd(");
    pm_process_unref(p);
}

/* Through the watcher: rules are copied; set_aliases leaves existing records
 * alone until pm_watcher_flush(). */
static void
test_watcher_aliases(void)
{
    harness h;
    pm_endpoint_answer a;
    pm_alias_rule rules[2];
    char *substring = g_strdup("nc "), *name = g_strdup("NetCat");
    static const pm_alias_rule renamed[] = { { "nc ", "Other" } };
    static const pm_alias_rule everything[] = { { "", "X" } };

    harness_init(&h, NULL);
    mock_add_process(h.mock, 105, "nc", "/usr/bin/nc", "nc -v -l -p 80", 1);
    mock_add_process(h.mock, 106, "ncat", "/usr/bin/ncat", "ncat -l 81", 2);
    mock_bind(h.mock, TCP, 105, "0.0.0.0:80");
    mock_bind(h.mock, TCP, 106, "0.0.0.0:81");

    rules[0].cmdline_substring = substring;
    rules[0].name = name;
    rules[1].cmdline_substring = "ncat";
    rules[1].name = "NCat";
    pm_watcher_set_aliases(h.watcher, rules, 2);
    memset(substring, 'z', strlen(substring));
    memset(name, 'z', strlen(name));
    g_free(substring);
    g_free(name);

    harness_lookup(&h, TCP, "127.0.0.1:80", NULL, &a);
    assert_found(&a, PM_MATCH_ANY, 105);
    g_assert_cmpstr(a.process->name, ==, "NetCat");
    g_assert_true(a.process->aliased);
    g_assert_cmpstr(a.process->comm, ==, "nc");
    pm_endpoint_answer_clear(&a);
    harness_lookup(&h, TCP, "127.0.0.1:81", NULL, &a);
    assert_found(&a, PM_MATCH_ANY, 106);
    g_assert_cmpstr(a.process->name, ==, "NCat");
    pm_endpoint_answer_clear(&a);

    pm_watcher_set_aliases(h.watcher, renamed, 1);
    harness_lookup(&h, TCP, "127.0.0.1:80", NULL, &a);
    g_assert_cmpstr(a.process->name, ==, "NetCat");
    pm_endpoint_answer_clear(&a);

    pm_watcher_flush(h.watcher);
    g_assert_cmpuint(harness_stats(&h).endpoint_entries[TCP], ==, 0);
    g_assert_cmpuint(harness_stats(&h).process_records, ==, 0);
    h.now_us += SEC(1);
    harness_lookup(&h, TCP, "127.0.0.1:80", NULL, &a);
    assert_found(&a, PM_MATCH_ANY, 105);
    g_assert_cmpstr(a.process->name, ==, "Other");
    pm_endpoint_answer_clear(&a);
    harness_lookup(&h, TCP, "127.0.0.1:81", NULL, &a);
    g_assert_cmpstr(a.process->name, ==, "ncat");
    g_assert_false(a.process->aliased);
    pm_endpoint_answer_clear(&a);
    g_assert_cmpuint(mock_reads_of(h.mock, 105), ==, 2);

    /* Spec §2.8 vector 3: an empty substring names every process. */
    pm_watcher_set_aliases(h.watcher, everything, 1);
    pm_watcher_flush(h.watcher);
    h.now_us += SEC(1);
    harness_lookup(&h, TCP, "127.0.0.1:80", NULL, &a);
    g_assert_cmpstr(a.process->name, ==, "X");
    pm_endpoint_answer_clear(&a);
    harness_lookup(&h, TCP, "127.0.0.1:81", NULL, &a);
    g_assert_cmpstr(a.process->name, ==, "X");
    g_assert_cmpstr(a.process->comm, ==, "ncat");
    pm_endpoint_answer_clear(&a);
    harness_clear(&h);
}

/* Names and descriptions exist for every value (the CLI and dissector print
 * them), differ from each other, and out of range is "unknown". */
static void
test_enum_names(void)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);

    for (int r = PM_REASON_FOUND; r < PM_REASON_COUNT; r++) {
        const char *n = pm_reason_name((pm_reason)r);
        g_assert_nonnull(n);
        g_assert_nonnull(pm_reason_description((pm_reason)r));
        g_assert_false(g_hash_table_contains(seen, n));
        g_hash_table_add(seen, (gpointer)n);
    }
    g_hash_table_remove_all(seen);
    for (int m = PM_MATCH_NONE; m < PM_MATCH_COUNT; m++) {
        const char *n = pm_match_name((pm_match)m);
        g_assert_nonnull(n);
        g_assert_nonnull(pm_match_description((pm_match)m));
        g_assert_false(g_hash_table_contains(seen, n));
        g_hash_table_add(seen, (gpointer)n);
    }
    g_hash_table_unref(seen);
    g_assert_cmpstr(pm_reason_name(PM_REASON_COUNT), ==, "unknown");
    g_assert_cmpstr(pm_reason_description(PM_REASON_COUNT), ==, "unknown");
    g_assert_cmpstr(pm_match_name(PM_MATCH_COUNT), ==, "unknown");
    g_assert_cmpstr(pm_match_description(PM_MATCH_COUNT), ==, "unknown");
    /* The word the plugin's fields use for an unreadable owner. */
    g_assert_cmpstr(pm_reason_name(PM_REASON_NO_PERMISSION), ==, "no-permission");
}

/* A process's identity is its pid and start time: a recycled pid is another
 * process, in any table keyed by pm_process_key. */
static void
test_process_key(void)
{
    GHashTable *table = pm_process_key_table_new(NULL);
    pm_process_key first = { 4242, 1000 }, recycled = { 4242, 2000 }, same = { 4242, 1000 };

    g_assert_true(pm_process_key_equal(&first, &same));
    g_assert_cmpuint(pm_process_key_hash(&first), ==, pm_process_key_hash(&same));
    g_assert_false(pm_process_key_equal(&first, &recycled));
    g_hash_table_insert(table, pm_process_key_new(4242, 1000), GINT_TO_POINTER(1));
    g_assert_true(g_hash_table_contains(table, &same));
    g_assert_false(g_hash_table_contains(table, &recycled));
    g_hash_table_unref(table);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/watcher/process/key", test_process_key);
    g_test_add_func("/watcher/process/pick-name", test_pick_name);
    g_test_add_func("/watcher/process/alias-match", test_alias_match);
    g_test_add_func("/watcher/process/new-alias", test_process_new_alias);
    g_test_add_func("/watcher/process/utf8-sanitize", test_utf8_sanitize);
    g_test_add_func("/watcher/process/new-sanitizes", test_process_new_sanitizes);
    g_test_add_func("/watcher/process/watcher-aliases", test_watcher_aliases);
    g_test_add_func("/watcher/process/enum-names", test_enum_names);
    return g_test_run();
}
