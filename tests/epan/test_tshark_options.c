/* test_tshark_options.c - tshark's -T and -e read off its command line the
 * way its getopt reads them (tshark_options.c): joined and separate
 * values, clustered flags, an option's value that looks like an option,
 * the last -T winning, long options passed over.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "tshark_options.h"

typedef struct {
    const char *name;
    const char *const arguments[12];   /* NULL-terminated */
    const char *format;                /* expected; NULL: no -T */
    const char *fields;                /* expected -e names, space-separated */
} option_case;

static const option_case cases[] = {
    { "separate", { "-r", "in.pcap", "-T", "fields", "-e", "procmap.src.pid", NULL },
      "fields", "procmap.src.pid" },
    { "joined", { "-r", "in.pcap", "-Tfields", "-eprocmap.name", "-eframe.number", NULL },
      "fields", "procmap.name frame.number" },
    { "clustered-flags", { "-nqT", "fields", "-2Ve", "procmap.pid", NULL },
      "fields", "procmap.pid" },
    { "value-like-an-option", { "-Y", "-T", "-o", "-e", "-T", "pdml", NULL }, "pdml", "" },
    { "last-T-wins", { "-T", "fields", "-e", "a", "-T", "json", NULL }, "json", "a" },
    { "no-T", { "-r", "in.pcap", "-V", NULL }, NULL, "" },
    { "long-options", { "--disable-protocol", "procmap", "--color", "-T", "fields",
                        "-e", "b", NULL }, "fields", "b" },
    { "dangling", { "-T", "fields", "-e", NULL }, "fields", "" },
    { "capture-filter-words", { "-i", "lo", "-T", "fields", "-e", "c", "not", "port",
                                "22", NULL }, "fields", "c" },
    { "lone-dash", { "-r", "-", "-Tfields", "-ed", NULL }, "fields", "d" },
};

static void
test_case(gconstpointer data)
{
    const option_case *c = data;
    GString *joined = g_string_new(NULL);
    GPtrArray *fields = g_ptr_array_new();
    GString *names = g_string_new(NULL);
    const char *format;

    /* As /proc/<pid>/cmdline has them: every argument NUL-terminated. */
    for (guint i = 0; c->arguments[i] != NULL; i++)
        g_string_append_len(joined, c->arguments[i], (gssize)strlen(c->arguments[i]) + 1);
    format = pm_tshark_options_read(joined->str, joined->len, fields);
    for (guint i = 0; i < fields->len; i++)
        g_string_append_printf(names, "%s%s", i ? " " : "",
                               (const char *)g_ptr_array_index(fields, i));
    g_assert_cmpstr(format, ==, c->format);
    g_assert_cmpstr(names->str, ==, c->fields);
    g_string_free(names, TRUE);
    g_ptr_array_free(fields, TRUE);
    g_string_free(joined, TRUE);
}

static void
test_empty(void)
{
    GPtrArray *fields = g_ptr_array_new();

    g_assert_null(pm_tshark_options_read("", 0, fields));
    g_assert_cmpuint(fields->len, ==, 0);
    g_ptr_array_free(fields, TRUE);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *path = g_strdup_printf("/tshark-options/%s", cases[i].name);
        g_test_add_data_func(path, &cases[i], test_case);
        g_free(path);
    }
    g_test_add_func("/tshark-options/empty", test_empty);
    return g_test_run();
}
