/* bench_util.c - clock, medians, RSS and output for the C benchmarks.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

gint64
bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

gint64
bench_thread_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

static int
compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double
bench_median(double *values, guint n)
{
    if (n == 0)
        return 0.0;
    qsort(values, n, sizeof *values, compare_doubles);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

gsize
bench_rss_bytes(void)
{
    unsigned long size = 0, resident = 0;
    FILE *statm = fopen("/proc/self/statm", "r");

    if (statm == NULL)
        return 0;
    if (fscanf(statm, "%lu %lu", &size, &resident) != 2)
        resident = 0;
    fclose(statm);
    return (gsize)resident * (gsize)sysconf(_SC_PAGESIZE);
}

gsize
bench_peak_rss_bytes(void)
{
    char *status = NULL;
    const char *line;
    gsize kib = 0;

    if (!g_file_get_contents("/proc/self/status", &status, NULL, NULL))
        return 0;
    line = strstr(status, "VmHWM:");
    if (line)
        kib = (gsize)g_ascii_strtoull(line + strlen("VmHWM:"), NULL, 10);
    g_free(status);
    return kib * 1024;
}

void
bench_quiet_sink(pm_diag_level level, pm_diag_cause cause, const char *message,
                 gpointer user_data)
{
    guint *count = user_data;

    if (count)
        (*count)++;
}

void
bench_print(const char *key, guint n, const double *values)
{
    printf("%s", key);
    for (guint i = 0; i < n; i++)
        printf(" %.3f", values[i]);
    printf("\n");
    fflush(stdout);
}
