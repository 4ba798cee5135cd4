/* bench_carried.c - C1: reading what a capture carries takes time linear in
 * the input (plugin/epan/carried.h promises it).
 *
 *   bench_carried [--reps N]
 *
 * Parses one packet comment of N lines of junk followed by a process
 * ("Junk: x\n:\n\n" ... "PID: 77\nCmd: /bin/late"), the input of the unit
 * test test_carried_parse's many_lines_and_comments, for N from 25,000 to
 * 400,000 lines, and prints the median thread CPU time per line of each:
 *
 *   lines 25000 50000 100000 200000 400000
 *   ns_per_line <one value per size>
 *
 * Linear time gives the same cost per line at every size; a quadratic
 * parser's grows 16-fold from the first size to the last.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "carried.h"

static const guint sizes[] = { 25000, 50000, 100000, 200000, 400000 };

static char *
junk_comment(guint lines)
{
    GString *text = g_string_sized_new(lines * 12 + 32);

    for (guint i = 0; i < lines; i++)
        g_string_append(text, "Junk: x\n:\n\n");
    g_string_append(text, "PID: 77\nCmd: /bin/late");
    return g_string_free(text, FALSE);
}

/* Thread CPU ns per line of one parse of @comment (@lines lines). */
static double
parse_once(const char *comment, guint lines)
{
    pm_carried carried;
    gint64 start = bench_thread_cpu_ns();
    gboolean found = pm_carried_parse(&comment, 1, NULL, NULL, &carried);
    gint64 spent = bench_thread_cpu_ns() - start;

    if (!found || carried.process[PM_CARRIED_EITHER].raw.pid != 77) {
        g_printerr("bench_carried: the process after %u lines was not found\n", lines);
        exit(1);
    }
    pm_carried_clear(&carried);
    return (double)spent / lines;
}

int
main(int argc, char **argv)
{
    guint reps = 7;
    double per_line[G_N_ELEMENTS(sizes)], lines[G_N_ELEMENTS(sizes)];

    if (argc == 3 && strcmp(argv[1], "--reps") == 0)
        reps = (guint)MAX(1, atoi(argv[2]));
    for (guint s = 0; s < G_N_ELEMENTS(sizes); s++) {
        char *comment = junk_comment(sizes[s]);
        double *runs = g_new(double, reps);

        parse_once(comment, sizes[s]);     /* warm: page faults of the buffers */
        for (guint r = 0; r < reps; r++)
            runs[r] = parse_once(comment, sizes[s]);
        per_line[s] = bench_median(runs, reps);
        lines[s] = sizes[s];
        g_free(runs);
        g_free(comment);
    }
    bench_print("lines", G_N_ELEMENTS(sizes), lines);
    bench_print("ns_per_line", G_N_ELEMENTS(sizes), per_line);
    return 0;
}
