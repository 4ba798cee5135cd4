/* bench_memory.c - P5: memory of a watcher fed many short-lived endpoints.
 *
 *   bench_memory [--endpoints N] [--batch B] [--interval-ms T] [--per-process P]
 *
 * Simulated time on the mock backend: every T ms of fake clock the host
 * shows a new batch of B sockets (half connected TCP, half bound UDP, every
 * endpoint distinct), held by B/P new processes, and the previous batch is
 * gone; the watcher refreshes and each new socket is looked up once.  After
 * N endpoints the host is emptied and the clock jumps past every lifetime
 * (mappings 10 s, process records 30 s), and one refresh must expire it all;
 * then a second feed of N new endpoints shows whether the peak climbs.
 * Defaults: 100000 endpoints, 250 per batch every 250 ms (1000 new endpoints
 * a second for 100 s: about 10000 mappings alive at once).
 * Output, for bench.py: "phase NAME RSS_BYTES ENDPOINT_ENTRIES TUPLE_ENTRIES
 * PROCESS_RECORDS" for baseline, peak, fed, expired, trimmed (after
 * malloc_trim(0): what the allocator keeps but the watcher freed), peak2,
 * expired2 (the second feed), then "hwm BYTES" (VmHWM), "refreshes N",
 * "found N" (lookups answered) and "endpoints N" (fed in all).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <malloc.h>
#include <stdio.h>

#include "bench_util.h"
#include "mock_backend.h"

typedef struct {
    mock_backend *mock;
    pm_watcher   *watcher;
    gint64        now_us;
    GArray       *batch_pids;    /* gint32: the processes of the current batch */
    guint         next_endpoint;
    gint32        next_pid;
    guint         found;
} feeder;

typedef struct {
    gsize rss;
    guint endpoint_entries, tuple_entries, process_records;
} phase;

static phase
measure_phase(feeder *f)
{
    pm_watcher_stats stats;
    phase p = { bench_rss_bytes(), 0, 0, 0 };

    pm_watcher_get_stats(f->watcher, &stats);
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++) {
        p.endpoint_entries += stats.endpoint_entries[t];
        p.tuple_entries += stats.tuple_entries[t];
    }
    p.process_records = stats.process_records;
    return p;
}

static void
print_phase(const char *name, const phase *p)
{
    printf("phase %s %" G_GSIZE_FORMAT " %u %u %u\n", name, p->rss, p->endpoint_entries,
           p->tuple_entries, p->process_records);
}

/* The previous batch exits: its processes and every socket are gone. */
static void
clear_host(feeder *f)
{
    for (guint i = 0; i < f->batch_pids->len; i++)
        mock_remove_process(f->mock, g_array_index(f->batch_pids, gint32, i));
    g_array_set_size(f->batch_pids, 0);
    for (int t = 0; t < PM_TRANSPORT_COUNT; t++)
        g_array_set_size(f->mock->sockets[t], 0);
    g_array_set_size(f->mock->owners, 0);
    /* The mock's own per-pid call counters would grow with every pid. */
    g_hash_table_remove_all(f->mock->reads_per_pid);
}

/* Endpoint k: a distinct loopback address and port (127.0.0.x, 50000 ports each). */
static void
endpoint_text(guint k, char *buf, gsize len)
{
    g_snprintf(buf, len, "127.0.%u.%u:%u", (k / 50000) / 250, 1 + (k / 50000) % 250,
               10000 + k % 50000);
}

static void
add_batch(feeder *f, guint size, guint per_process, GArray *lookups)
{
    char local[48], remote[48], cmdline[64];

    clear_host(f);
    for (guint i = 0; i < size; i++) {
        guint k = f->next_endpoint++;
        pm_transport transport = k % 2 ? PM_TRANSPORT_UDP : PM_TRANSPORT_TCP;

        if (i % per_process == 0) {
            gint32 pid = f->next_pid++;
            g_snprintf(cmdline, sizeof cmdline, "job --id %d --short-lived", pid);
            mock_add_process(f->mock, pid, "job", "/usr/bin/job", cmdline,
                             (guint64)f->now_us * 1000);
            g_array_append_val(f->batch_pids, pid);
        }
        endpoint_text(k, local, sizeof local);
        g_snprintf(remote, sizeof remote, "10.9.%u.%u:443", (k >> 8) & 255, k & 255);
        if (transport == PM_TRANSPORT_TCP)
            mock_connect(f->mock, transport, f->next_pid - 1, local, remote);
        else
            mock_bind(f->mock, transport, f->next_pid - 1, local);
        g_array_append_vals(lookups, &k, 1);
    }
}

static void
lookup_batch(feeder *f, GArray *lookups)
{
    char local[48], remote[48];

    for (guint i = 0; i < lookups->len; i++) {
        guint k = g_array_index(lookups, guint, i);
        pm_transport transport = k % 2 ? PM_TRANSPORT_UDP : PM_TRANSPORT_TCP;
        pm_endpoint l, r;
        pm_endpoint_answer answer;

        endpoint_text(k, local, sizeof local);
        g_snprintf(remote, sizeof remote, "10.9.%u.%u:443", (k >> 8) & 255, k & 255);
        l = parse_endpoint(local);
        r = parse_endpoint(remote);
        pm_watcher_lookup_endpoint(f->watcher, transport, &l, &r, f->now_us, &answer);
        f->found += answer.process != NULL;
        pm_endpoint_answer_clear(&answer);
    }
    g_array_set_size(lookups, 0);
}

/* Feeds @endpoints endpoints; returns the phase of highest RSS. */
static phase
feed(feeder *f, guint endpoints, guint batch, gint64 interval_us, guint per_process)
{
    GArray *lookups = g_array_new(FALSE, FALSE, sizeof(guint));
    guint end = f->next_endpoint + endpoints;
    phase peak = measure_phase(f);

    while (f->next_endpoint < end) {
        phase now;

        f->now_us += interval_us;
        add_batch(f, MIN(batch, end - f->next_endpoint), per_process, lookups);
        if (!pm_watcher_refresh(f->watcher, NULL))
            g_error("mock refresh failed");
        lookup_batch(f, lookups);
        now = measure_phase(f);
        if (now.rss > peak.rss)
            peak = now;
    }
    g_array_unref(lookups);
    return peak;
}

/* Everything exits; past every lifetime, one refresh must drop it all. */
static phase
expire_all(feeder *f, const pm_watcher_config *config)
{
    clear_host(f);
    f->now_us += MAX(config->mapping_ttl_us, config->process_ttl_us) + SEC(1);
    if (!pm_watcher_refresh(f->watcher, NULL))
        g_error("mock refresh failed");
    return measure_phase(f);
}

int
main(int argc, char **argv)
{
    int endpoints = 100000, batch = 250, interval_ms = 250, per_process = 10;
    GOptionEntry entries[] = {
        { "endpoints", 0, 0, G_OPTION_ARG_INT, &endpoints, "Endpoints per feed", "N" },
        { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "New sockets per refresh", "B" },
        { "interval-ms", 0, 0, G_OPTION_ARG_INT, &interval_ms, "Fake ms between refreshes", "T" },
        { "per-process", 0, 0, G_OPTION_ARG_INT, &per_process, "Sockets per process", "P" },
        { NULL, 0, 0, 0, NULL, NULL, NULL }
    };
    GOptionContext *context = g_option_context_new("- memory under endpoint churn");
    GError *error = NULL;
    pm_watcher_config config;
    pm_watcher_stats stats;
    feeder f = { 0 };
    phase baseline, peak, fed, expired, trimmed, peak2, expired2;
    gint64 interval_us;

    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &error) || endpoints < 1 || batch < 1 ||
        interval_ms < 1 || per_process < 1 || endpoints > 5000000) {
        fprintf(stderr, "bench_memory: %s\n", error ? error->message : "bad numbers");
        return 2;
    }
    g_option_context_free(context);
    interval_us = (gint64)interval_ms * 1000;

    pm_watcher_config_init(&config);
    f.now_us = HARNESS_T0_US;
    f.mock = mock_backend_new();
    f.batch_pids = g_array_new(FALSE, FALSE, sizeof(gint32));
    f.next_pid = 100000;
    mock_add_local_address(f.mock, "127.0.0.1");
    f.watcher = pm_watcher_new(&f.mock->base, &config, fake_clock, &f.now_us);
    pm_watcher_set_diag_sink(f.watcher, bench_quiet_sink, NULL);
    if (!pm_watcher_refresh(f.watcher, NULL))
        g_error("mock refresh failed");
    malloc_trim(0);
    baseline = measure_phase(&f);

    peak = feed(&f, (guint)endpoints, (guint)batch, interval_us, (guint)per_process);
    fed = measure_phase(&f);
    expired = expire_all(&f, &config);
    malloc_trim(0);
    trimmed = measure_phase(&f);
    /* A second feed of as many new endpoints: memory kept by the first is
     * reused, so the peak does not climb (no leak). */
    peak2 = feed(&f, (guint)endpoints, (guint)batch, interval_us, (guint)per_process);
    expired2 = expire_all(&f, &config);

    print_phase("baseline", &baseline);
    print_phase("peak", &peak);
    print_phase("fed", &fed);
    print_phase("expired", &expired);
    print_phase("trimmed", &trimmed);
    print_phase("peak2", &peak2);
    print_phase("expired2", &expired2);
    pm_watcher_get_stats(f.watcher, &stats);
    printf("hwm %" G_GSIZE_FORMAT "\n", bench_peak_rss_bytes());
    printf("refreshes %" G_GUINT64_FORMAT "\nfound %u\nendpoints %u\n", stats.refreshes,
           f.found, f.next_endpoint);

    pm_watcher_free(f.watcher);     /* frees the mock too */
    g_array_unref(f.batch_pids);
    return 0;
}
