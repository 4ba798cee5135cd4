/* bench_frames.c - P6: what the frame engine keeps per frame.
 *
 *   bench_frames [--frames N] [--per-stream K] [--processes P]
 *
 * The soak's shape (tests/SOAK.md) on the mock backend with a fake clock:
 * UDP streams of K datagrams, 20,000 a second, each from a fresh socket of
 * one of P client processes to one long-lived sink; both ends are
 * attributed (the table is read for each new socket), the client's socket
 * closes after its stream.  Every frame is attributed once (the first pass), then every
 * frame again (a second pass, as tshark -2 or the GUI).  The engine's memory
 * is what the allocator holds for it: in use before it is freed minus after
 * (mallinfo2), divided by the frames.  Output, for bench.py: "frames N",
 * "streams S", "records R" (distinct stored answers), "engine_bytes B",
 * "bytes_per_frame F", "first_pass_ns_per_frame T", "second_pass_ns_per_frame T".
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "frame_attribution.h"
#include "mock_backend.h"

static gsize
allocated_bytes(void)
{
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

static pm_frame_input
frame(guint32 number, guint16 client_port, gboolean to_sink, guint32 stream, gint64 time_us)
{
    pm_frame_input input = { 0 };
    char client[32];

    g_snprintf(client, sizeof client, "127.0.0.1:%u", client_port);
    input.frame_number = number;
    input.transport = PM_TRANSPORT_UDP;
    input.src = parse_endpoint(to_sink ? client : "127.0.0.1:9999");
    input.dst = parse_endpoint(to_sink ? "127.0.0.1:9999" : client);
    input.has_stream = TRUE;
    input.stream = stream;
    input.frame_time_us = time_us;
    input.capture_host = PM_CAPTURED_HERE;
    return input;
}

int
main(int argc, char **argv)
{
    guint frames = 1032192, per_stream = 16, processes = 64;
    harness h;
    pm_frame_engine *engine;
    pm_frame_policy policy = { PM_LIVE_AUTO, SEC(30) };
    pm_frame_view view;
    guint32 number = 0, streams = 0, attributed = 0;
    gsize before_free;
    gint64 start;
    double first_ns, second_ns;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--frames") == 0)
            frames = (guint)strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--per-stream") == 0)
            per_stream = MAX(1u, (guint)strtoul(argv[i + 1], NULL, 10));
        else if (strcmp(argv[i], "--processes") == 0)
            processes = MAX(1u, (guint)strtoul(argv[i + 1], NULL, 10));
    }
    harness_init(&h, NULL);
    pm_watcher_set_diag_sink(h.watcher, bench_quiet_sink, NULL);
    mock_add_process(h.mock, 1, "sink", "/usr/bin/sink", "sink", 100);
    mock_bind(h.mock, PM_TRANSPORT_UDP, 1, "127.0.0.1:9999");
    for (guint p = 0; p < processes; p++)
        mock_add_process(h.mock, 100 + (gint32)p, "churn", "/usr/bin/churn", "churn", 200);
    engine = pm_frame_engine_new();

    start = bench_thread_cpu_ns();
    while (number < frames) {
        guint16 port = (guint16)(1024 + streams % 64000);
        char local[32];
        guint64 inode;

        g_snprintf(local, sizeof local, "127.0.0.1:%u", port);
        inode = mock_bind(h.mock, PM_TRANSPORT_UDP, 100 + (gint32)(streams % processes), local);
        /* Found on its first frame (in tshark most are not: refreshes are
         * rate-limited, and those frames keep no process). */
        (void)pm_watcher_refresh(h.watcher, NULL);
        for (guint k = 0; k < per_stream && number < frames; k++) {
            pm_frame_input input = frame(++number, port, k % 2 == 0, streams, h.now_us);
            pm_frame_engine_attribute(engine, h.watcher, &policy, &input, h.now_us, &view);
            attributed += view.src.process != NULL && view.dst.process != NULL;
            h.now_us += 50;
        }
        mock_close_socket(h.mock, inode);
        streams++;
    }
    first_ns = (double)(bench_thread_cpu_ns() - start) / frames;

    start = bench_thread_cpu_ns();
    for (guint32 n = 1, s = 0; n <= frames; s++) {
        guint16 port = (guint16)(1024 + s % 64000);
        for (guint k = 0; k < per_stream && n <= frames; k++, n++) {
            pm_frame_input input = frame(n, port, k % 2 == 0, s, h.now_us);
            pm_frame_engine_attribute(engine, h.watcher, &policy, &input, h.now_us, &view);
        }
    }
    second_ns = (double)(bench_thread_cpu_ns() - start) / frames;

    before_free = allocated_bytes();
    {
        guint records = pm_frame_engine_distinct_records(engine);
        gsize engine_bytes;

        pm_frame_engine_free(engine);
        engine_bytes = before_free - allocated_bytes();
        printf("frames %u\nstreams %u\nattributed %u\nrecords %u\nengine_bytes %zu\n"
               "bytes_per_frame %.2f\nfirst_pass_ns_per_frame %.1f\n"
               "second_pass_ns_per_frame %.1f\n", frames, streams, attributed, records,
               engine_bytes, (double)engine_bytes / frames, first_ns, second_ns);
    }
    harness_clear(&h);
    return 0;
}
