/* bench_lookup.c - P4: the cost of one endpoint lookup on a warm table.
 *
 *   bench_lookup [--sockets N] [--iterations M] [--reps R] [--real] [--only KIND]
 *
 * The table is built once (one refresh); then each repetition times M
 * lookups, in a shuffled order, of endpoints that are in it, each followed by
 * pm_endpoint_answer_clear() as the plugin does.  KIND is one of
 *   tuple   a connected TCP socket, found by its full tuple (most frames);
 *   bound   a frame to a listener from a new peer: the tuple misses, then the
 *           exact local address (the listener) answers;
 *   floor   the same tuple keys in a bare GHashTable with the same hash: the
 *           floor any hash-based lookup pays, for the ratio.
 * The host is the mock backend (N/2 loopback connections, both ends held,
 * 100 processes, N/10 listeners on 127.0.0.1), or with --real the live host
 * through the default backend (run it with a socket load in place).
 * Times are this thread's CPU time (preemption by other work does not count).
 * Output, for bench.py: "ns KIND v1 ... vR" (ns per lookup, each repetition),
 * "entries N" (table entries looked up).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>

#include "bench_util.h"
#include "mock_backend.h"

typedef struct {
    pm_endpoint local;
    pm_endpoint remote;
} tuple_key;

static guint
tuple_key_hash(gconstpointer key)
{
    const tuple_key *k = key;
    return pm_endpoint_hash(&k->local) * 31u ^ pm_endpoint_hash(&k->remote);
}

static gboolean
tuple_key_equal(gconstpointer a, gconstpointer b)
{
    const tuple_key *x = a, *y = b;
    return pm_endpoint_equal(&x->local, &y->local) && pm_endpoint_equal(&x->remote, &y->remote);
}

static gint64 mock_now_us = HARNESS_T0_US;

/* A warm watcher on the mock host; @tuples and @bound get what to look up. */
static pm_watcher *
mock_watcher(guint sockets, GArray *tuples, GArray *bound)
{
    mock_backend *mock = mock_backend_new();
    pm_watcher *watcher;
    char local[32], remote[32];

    mock_add_local_address(mock, "127.0.0.1");
    for (gint32 pid = 1000; pid < 1100; pid++)
        mock_add_process(mock, pid, "worker", "/usr/bin/worker", "worker --serve", 1);
    for (guint i = 0; i < sockets / 2; i++) {
        gint32 client = 1000 + (gint32)(i % 100), server = 1000 + (gint32)((i + 1) % 100);
        tuple_key key;

        g_snprintf(local, sizeof local, "127.0.0.1:%u", 20000 + i);
        g_snprintf(remote, sizeof remote, "127.0.0.1:%u", 8000 + i % 100);
        mock_connect(mock, PM_TRANSPORT_TCP, client, local, remote);
        mock_connect(mock, PM_TRANSPORT_TCP, server, remote, local);
        key.local = parse_endpoint(local);
        key.remote = parse_endpoint(remote);
        g_array_append_val(tuples, key);
        key.local = parse_endpoint(remote);
        key.remote = parse_endpoint(local);
        g_array_append_val(tuples, key);
    }
    for (guint i = 0; i < sockets / 10 && i < 100; i++) {
        tuple_key key;

        g_snprintf(local, sizeof local, "127.0.0.1:%u", 8000 + i);
        mock_bind(mock, PM_TRANSPORT_TCP, 1000 + (gint32)i, local);
        key.local = parse_endpoint(local);
        key.remote = parse_endpoint("127.0.0.1:65000");   /* a peer with no connection yet */
        g_array_append_val(bound, key);
    }
    watcher = pm_watcher_new(&mock->base, NULL, fake_clock, &mock_now_us);
    pm_watcher_set_diag_sink(watcher, bench_quiet_sink, NULL);
    return watcher;
}

/* A warm watcher on this host; what to look up comes from its own table. */
static pm_watcher *
real_watcher(GArray *tuples, GArray *bound)
{
    pm_watcher *watcher = pm_watcher_new(pm_backend_new_default(NULL), NULL, NULL, NULL);
    GPtrArray *rows;

    pm_watcher_set_diag_sink(watcher, bench_quiet_sink, NULL);
    if (!pm_watcher_refresh(watcher, NULL))
        g_error("the socket table cannot be read");
    rows = pm_watcher_snapshot(watcher);
    for (guint i = 0; i < rows->len; i++) {
        const pm_table_row *row = g_ptr_array_index(rows, i);
        tuple_key key = { row->socket.local, row->socket.remote };

        if (row->transport != PM_TRANSPORT_TCP || !row->owners || row->owners->len == 0)
            continue;
        if (row->socket.state == PM_TCP_STATE_ESTABLISHED) {
            g_array_append_val(tuples, key);
        } else if (row->socket.state == PM_TCP_STATE_LISTEN) {
            pm_endpoint_parse(row->socket.local.addr.family == PM_AF_INET ? "127.0.0.1:65000"
                                                                          : "[::1]:65000",
                              &key.remote);
            if (!pm_addr_is_any(&key.local.addr))
                g_array_append_val(bound, key);
        }
    }
    g_ptr_array_unref(rows);
    return watcher;
}

static void
shuffle(GArray *keys)
{
    GRand *rand = g_rand_new_with_seed(42);

    for (guint i = keys->len; i > 1; i--) {
        guint j = (guint)g_rand_int_range(rand, 0, (gint32)i);
        tuple_key tmp = g_array_index(keys, tuple_key, i - 1);
        g_array_index(keys, tuple_key, i - 1) = g_array_index(keys, tuple_key, j);
        g_array_index(keys, tuple_key, j) = tmp;
    }
    g_rand_free(rand);
}

/* ns per lookup over @iterations lookups cycling through @keys; every one
 * must be found (a benchmark of misses would measure something else). */
static double
time_watcher(pm_watcher *watcher, GArray *keys, guint iterations, gint64 packet_time_us)
{
    guint found = 0;
    gint64 start = bench_thread_cpu_ns();

    for (guint i = 0, k = 0; i < iterations; i++, k = k + 1 == keys->len ? 0 : k + 1) {
        const tuple_key *key = &g_array_index(keys, tuple_key, k);
        pm_endpoint_answer answer;

        pm_watcher_lookup_endpoint(watcher, PM_TRANSPORT_TCP, &key->local, &key->remote,
                                   packet_time_us, &answer);
        found += answer.process != NULL;
        pm_endpoint_answer_clear(&answer);
    }
    gint64 end = bench_thread_cpu_ns();
    if (found != iterations)
        g_error("only %u of %u lookups found their process", found, iterations);
    return (double)(end - start) / iterations;
}

static double
time_floor(GHashTable *table, GArray *keys, guint iterations)
{
    guint found = 0;
    gint64 start = bench_thread_cpu_ns();

    for (guint i = 0, k = 0; i < iterations; i++, k = k + 1 == keys->len ? 0 : k + 1)
        found += g_hash_table_lookup(table, &g_array_index(keys, tuple_key, k)) != NULL;
    gint64 end = bench_thread_cpu_ns();
    if (found != iterations)
        g_error("the floor table misses keys");
    return (double)(end - start) / iterations;
}

int
main(int argc, char **argv)
{
    int sockets = 10000, iterations = 1000000, reps = 7;
    gboolean real = FALSE;
    char *only = NULL;
    GOptionEntry entries[] = {
        { "sockets", 0, 0, G_OPTION_ARG_INT, &sockets, "Mock sockets (default 10000)", "N" },
        { "iterations", 0, 0, G_OPTION_ARG_INT, &iterations, "Lookups per repetition", "M" },
        { "reps", 0, 0, G_OPTION_ARG_INT, &reps, "Repetitions (default 7)", "R" },
        { "real", 0, 0, G_OPTION_ARG_NONE, &real, "Use this host's sockets", NULL },
        { "only", 0, 0, G_OPTION_ARG_STRING, &only, "tuple, bound or floor", "KIND" },
        { NULL, 0, 0, 0, NULL, NULL, NULL }
    };
    GOptionContext *context = g_option_context_new("- time cached lookups");
    GError *error = NULL;
    GArray *tuples = g_array_new(FALSE, FALSE, sizeof(tuple_key));
    GArray *bound = g_array_new(FALSE, FALSE, sizeof(tuple_key));
    GHashTable *floor_table = g_hash_table_new_full(tuple_key_hash, tuple_key_equal,
                                                    g_free, NULL);
    pm_watcher *watcher;
    gint64 packet_time_us;
    double *tuple_ns, *bound_ns, *floor_ns;

    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &error) || sockets < 20 ||
        iterations < 1 || reps < 1) {
        fprintf(stderr, "bench_lookup: %s\n", error ? error->message : "bad numbers");
        return 2;
    }
    g_option_context_free(context);

    watcher = real ? real_watcher(tuples, bound) : mock_watcher((guint)sockets, tuples, bound);
    if (!real && !pm_watcher_refresh(watcher, NULL))
        g_error("mock refresh failed");
    if (tuples->len == 0 || bound->len == 0)
        g_error("nothing to look up (%u tuples, %u bound sockets)", tuples->len, bound->len);
    /* The floor's keys are separate allocations made in table order, as the
     * watcher's are; the lookups then come in a shuffled order. */
    for (guint i = 0; i < tuples->len; i++) {
        tuple_key *key = g_memdup2(&g_array_index(tuples, tuple_key, i), sizeof *key);
        g_hash_table_insert(floor_table, key, key);
    }
    shuffle(tuples);
    shuffle(bound);
    /* Frames are older than the table: a miss would never refresh. */
    packet_time_us = real ? g_get_real_time() - 1000000 : mock_now_us - 1000000;

    tuple_ns = g_new0(double, reps);
    bound_ns = g_new0(double, reps);
    floor_ns = g_new0(double, reps);
    for (int r = 0; r < reps; r++) {
        /* Real time runs on: renew the mappings (mapping_ttl) between repetitions. */
        if (real && !pm_watcher_refresh(watcher, NULL))
            g_error("the socket table cannot be read");
        if (!only || strcmp(only, "tuple") == 0)
            tuple_ns[r] = time_watcher(watcher, tuples, (guint)iterations, packet_time_us);
        if (!only || strcmp(only, "bound") == 0)
            bound_ns[r] = time_watcher(watcher, bound, (guint)iterations, packet_time_us);
        if (!only || strcmp(only, "floor") == 0)
            floor_ns[r] = time_floor(floor_table, tuples, (guint)iterations);
    }
    printf("entries %u %u\n", tuples->len, bound->len);
    bench_print("ns tuple", (guint)reps, tuple_ns);
    bench_print("ns bound", (guint)reps, bound_ns);
    bench_print("ns floor", (guint)reps, floor_ns);

    g_free(tuple_ns);
    g_free(bound_ns);
    g_free(floor_ns);
    g_hash_table_unref(floor_table);
    g_array_unref(tuples);
    g_array_unref(bound);
    pm_watcher_free(watcher);
    return 0;
}
