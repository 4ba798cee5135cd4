/* bench_util.h - what the C benchmarks share: a monotonic clock, medians,
 * the resident set size, a quiet diagnostics sink, and the one output format
 * the driver (bench.py) reads: "KEY VALUE..." lines on stdout.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_BENCH_UTIL_H
#define PROCMAP_BENCH_UTIL_H

#include <glib.h>

#include "watcher.h"

G_BEGIN_DECLS

/* CLOCK_MONOTONIC in nanoseconds. */
gint64 bench_now_ns(void);
/* This thread's CPU time in nanoseconds: what a busy machine disturbs less
 * (preemption does not count; a sibling's cache pressure still does). */
gint64 bench_thread_cpu_ns(void);

/* The median of @values (sorted in place); 0 when empty. */
double bench_median(double *values, guint n);

/* Resident set size of this process in bytes (/proc/self/statm), and the
 * high-water mark (VmHWM of /proc/self/status); 0 if unreadable. */
gsize bench_rss_bytes(void);
gsize bench_peak_rss_bytes(void);

/* A diagnostics sink that only counts: benchmarks must not log per cause. */
void bench_quiet_sink(pm_diag_level level, pm_diag_cause cause, const char *message,
                      gpointer user_data);

/* "KEY v1 v2 ...": one result line, values with 3 decimals. */
void bench_print(const char *key, guint n, const double *values);

G_END_DECLS

#endif /* PROCMAP_BENCH_UTIL_H */
