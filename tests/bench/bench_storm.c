/* bench_storm.c - P2 at the watcher: the frames of a capture looked up as
 * the plugin does (both ends of every TCP/UDP frame, at the frame's time),
 * on this host through the default backend, with the refresh rule on or
 * with Packetbeat's rebuild on every miss (refresh_on_every_miss and no
 * minimum interval: no plugin preference exposes that).
 *
 *   bench_storm PCAP [--every-miss] [--max-seconds S]
 *
 * PCAP: classic pcap, Ethernet, IPv4 or IPv6 frames (as tshark_bench.py
 * writes them).  Stops after S seconds of wall time (default 20) even if
 * frames are left: rebuilding on every miss is that slow.
 * Output, for bench.py: "frames N" (looked up), "seconds S" (wall), "cpu S"
 * (this process), "refreshes N", "suppressed N", "lookups N".
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_util.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd

typedef struct {
    pm_transport transport;
    pm_endpoint  src, dst;
    gint64       time_us;
} frame_tuple;

static guint16
be16(const guint8 *p)
{
    return (guint16)(p[0] << 8 | p[1]);
}

static guint32
le32(const guint8 *p)
{
    return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

/* The tuple of one Ethernet frame, or FALSE if it is not TCP/UDP over IP. */
static gboolean
parse_frame(const guint8 *data, guint32 len, frame_tuple *out)
{
    const guint8 *l4;
    guint8 proto;

    if (len < 14)
        return FALSE;
    if (be16(data + 12) == ETHERTYPE_IPV4 && len >= 14 + 20) {
        const guint8 *ip = data + 14;
        guint header = (guint)(ip[0] & 0x0f) * 4;
        if (header < 20 || len < 14 + header + 4)
            return FALSE;
        proto = ip[9];
        pm_addr_from_ipv4(&out->src.addr, ip + 12);
        pm_addr_from_ipv4(&out->dst.addr, ip + 16);
        l4 = ip + header;
    } else if (be16(data + 12) == ETHERTYPE_IPV6 && len >= 14 + 40 + 4) {
        const guint8 *ip = data + 14;
        proto = ip[6];
        pm_addr_from_ipv6(&out->src.addr, ip + 8);
        pm_addr_from_ipv6(&out->dst.addr, ip + 24);
        l4 = ip + 40;
    } else {
        return FALSE;
    }
    if (proto != 6 && proto != 17)
        return FALSE;
    out->transport = proto == 6 ? PM_TRANSPORT_TCP : PM_TRANSPORT_UDP;
    out->src.port = be16(l4);
    out->dst.port = be16(l4 + 2);
    return TRUE;
}

static GArray *
read_pcap(const char *path)
{
    GArray *frames = g_array_new(FALSE, FALSE, sizeof(frame_tuple));
    GError *error = NULL;
    gchar *contents;
    gsize length, offset = 24;

    if (!g_file_get_contents(path, &contents, &length, &error))
        g_error("%s", error->message);
    if (length < 24 || le32((guint8 *)contents) != PCAP_MAGIC_US ||
        le32((guint8 *)contents + 20) != 1)
        g_error("%s: not a little-endian microsecond pcap of Ethernet frames", path);
    while (offset + 16 <= length) {
        const guint8 *record = (const guint8 *)contents + offset;
        guint32 captured = le32(record + 8);
        frame_tuple frame;

        if (offset + 16 + captured > length)
            break;
        frame.time_us = (gint64)le32(record) * G_GINT64_CONSTANT(1000000) + le32(record + 4);
        if (parse_frame(record + 16, captured, &frame))
            g_array_append_val(frames, frame);
        offset += 16 + captured;
    }
    g_free(contents);
    return frames;
}

static double
cpu_seconds(void)
{
    struct rusage usage;

    getrusage(RUSAGE_SELF, &usage);
    return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int
main(int argc, char **argv)
{
    gboolean every_miss = FALSE;
    double max_seconds = 20.0;
    GOptionEntry entries[] = {
        { "every-miss", 0, 0, G_OPTION_ARG_NONE, &every_miss,
          "Rebuild the table on every miss (Packetbeat)", NULL },
        { "max-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &max_seconds, "Stop after S s", "S" },
        { NULL, 0, 0, 0, NULL, NULL, NULL }
    };
    GOptionContext *context = g_option_context_new("PCAP - replay a capture's lookups");
    GError *error = NULL;
    pm_watcher_config config;
    pm_watcher_stats stats;
    pm_watcher *watcher;
    GArray *frames;
    gint64 start, deadline;
    double cpu_start;
    guint done = 0;

    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &error) || argc != 2) {
        fprintf(stderr, "bench_storm: %s\n", error ? error->message : "usage: bench_storm PCAP");
        return 2;
    }
    g_option_context_free(context);
    frames = read_pcap(argv[1]);

    pm_watcher_config_init(&config);
    if (every_miss) {
        /* Packetbeat: rebuild on a miss whatever the table's age, with no
         * minimum interval. */
        config.refresh_on_every_miss = TRUE;
        config.min_refresh_interval_us = 0;
    }
    watcher = pm_watcher_new(pm_backend_new_default(NULL), &config, NULL, NULL);
    pm_watcher_set_diag_sink(watcher, bench_quiet_sink, NULL);

    cpu_start = cpu_seconds();
    start = bench_now_ns();
    deadline = start + (gint64)(max_seconds * 1e9);
    for (; done < frames->len && bench_now_ns() < deadline; done++) {
        const frame_tuple *frame = &g_array_index(frames, frame_tuple, done);
        pm_tuple_answer answer;

        pm_watcher_lookup_tuple(watcher, frame->transport, &frame->src, &frame->dst,
                                frame->time_us, &answer);
        pm_tuple_answer_clear(&answer);
    }
    printf("frames %u\nseconds %.6f\ncpu %.6f\n", done, (double)(bench_now_ns() - start) / 1e9,
           cpu_seconds() - cpu_start);
    pm_watcher_get_stats(watcher, &stats);
    printf("refreshes %" G_GUINT64_FORMAT "\nsuppressed %" G_GUINT64_FORMAT
           "\nlookups %" G_GUINT64_FORMAT "\n", stats.refreshes, stats.refreshes_suppressed,
           stats.lookups);
    pm_watcher_free(watcher);
    g_array_unref(frames);
    return 0;
}
