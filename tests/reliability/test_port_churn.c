/* test_port_churn.c - 65 k ports churning through the watcher: every source
 * port of the ephemeral range is used twice over by connected sockets that
 * live two seconds, while the processes holding them start and exit (and
 * their pids are reused).  Each round's sockets are attributed to the
 * process of that round; a port closed longer than the mapping TTL ago
 * answers no-socket; the tables and the process cache stay bounded; nothing
 * is reported.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "mock_backend.h"

#define BATCH      4096                  /* sockets opened per round (second) */
#define PORT_FIRST 1024
#define PORTS      (65536 - PORT_FIRST)  /* 64512 source ports */
#define ROUNDS     (2 * PORTS / BATCH + 2)
#define LIFETIME   2                     /* rounds a socket stays open */
#define PIDS       8                     /* pids are reused every 8 rounds */
#define SAMPLE     61                    /* every 61st socket is looked up */

static guint
port_of(guint round, guint i)
{
    return PORT_FIRST + (round * BATCH + i) % PORTS;
}

static void
endpoint_text(char *buf, gsize len, guint port)
{
    g_snprintf(buf, len, "127.0.0.1:%u", port);
}

/* The oldest round's sockets close: they are the first rows and owners. */
static void
close_oldest_round(mock_backend *mock)
{
    g_array_remove_range(mock->sockets[PM_TRANSPORT_UDP], 0, BATCH);
    g_array_remove_range(mock->owners, 0, BATCH);
}

static void
test_port_churn(void)
{
    const char *peer = "127.0.0.1:9999";
    const guint64 start_base = (guint64)HARNESS_T0_US * 1000;
    pm_watcher_stats stats;
    guint max_tuples = 0, max_records = 0;
    harness h;

    harness_init(&h, NULL);
    for (guint round = 0; round < ROUNDS; round++) {
        gint32 pid = 2000 + (gint32)(round % PIDS);
        guint64 start_ns = start_base + (guint64)round * 1000000000u;
        char comm[16], local[32];

        if (round >= LIFETIME)
            close_oldest_round(h.mock);
        /* A new process, possibly on the pid of one that exited. */
        g_snprintf(comm, sizeof comm, "churn-%u", round);
        mock_add_process(h.mock, pid, comm, "/usr/bin/churn", "churn --round", start_ns);
        for (guint i = 0; i < BATCH; i++) {
            endpoint_text(local, sizeof local, port_of(round, i));
            mock_connect(h.mock, PM_TRANSPORT_UDP, pid, local, peer);
        }
        h.now_us += SEC(1);

        for (guint i = 0; i < BATCH; i += SAMPLE) {
            pm_endpoint_answer answer;
            endpoint_text(local, sizeof local, port_of(round, i));
            harness_lookup(&h, PM_TRANSPORT_UDP, local, peer, &answer);
            assert_found(&answer, PM_MATCH_TUPLE, pid);
            g_assert_cmpstr(answer.process->comm, ==, comm);
            g_assert_cmpuint(answer.process->start_time_ns, ==, start_ns);
            pm_endpoint_answer_clear(&answer);
        }
        /* Closed 11 s ago and not reused since: forgotten. */
        if (round >= 13) {
            pm_endpoint_answer answer;
            endpoint_text(local, sizeof local, port_of(round - 13, BATCH / 2));
            harness_lookup(&h, PM_TRANSPORT_UDP, local, peer, &answer);
            assert_miss(&answer, PM_REASON_NO_SOCKET);
            pm_endpoint_answer_clear(&answer);
        }
        stats = harness_stats(&h);
        max_tuples = MAX(max_tuples, stats.tuple_entries[PM_TRANSPORT_UDP]);
        max_records = MAX(max_records, stats.process_records);
    }

    stats = harness_stats(&h);
    g_test_message("%u sockets over %u rounds: at most %u tuple entries, %u process records; "
                   "%" G_GUINT64_FORMAT " refreshes", ROUNDS * BATCH, ROUNDS, max_tuples,
                   max_records, stats.refreshes);
    g_assert_cmpuint(stats.refreshes, >=, ROUNDS);
    /* Sockets seen within the 10 s mapping TTL, and processes within the
     * 30 s cache TTL: not every socket and process ever seen. */
    g_assert_cmpuint(max_tuples, <=, (10 + LIFETIME) * BATCH);
    g_assert_cmpuint(max_tuples, <, ROUNDS * BATCH / 2);
    g_assert_cmpuint(max_records, <=, 32);
    g_assert_cmpuint(h.diag_messages, ==, 0);
    harness_clear(&h);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/reliability/port-churn-65k", test_port_churn);
    return g_test_run();
}
