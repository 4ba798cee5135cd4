/* capture.c - the capture: libpcap in, attributed pcapng out.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "capture.h"

#include "extcap_error.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if_arp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture_comments.h"
#include "comment_cache.h"
#include "ebpf_source.h"
#include "monitor.h"
#include "packet_parse.h"
#include "pcapng_writer.h"
#include "privileges.h"
#include "process_record.h"
#include "record_book.h"

#define DISPATCH_BATCH 256
#define DELIVERY_TIMEOUT_MS 20
#define COMMENT_CACHE_MAX 4096
#define TICK_US G_USEC_PER_SEC
#define DRAIN_ON_STOP_US (2 * G_USEC_PER_SEC)
#define RELEASE_READER_US (5 * G_USEC_PER_SEC)

typedef struct {
    const pm_capture_options *options;
    pcap_t           *pcap;
    int               linktype;
    gboolean          nanoseconds;
    guint8            own_mac[6];
    gboolean          has_mac;
    FILE             *stream;
    pm_pcapng_writer *writer;
    pm_attribution   *attribution;
    pm_monitor       *monitor;
    GPtrArray        *comments;     /* reused per packet; borrowed from the cache */
    pm_comment_cache *comment_cache;
    pm_record_book   *records;
    GByteArray       *record_data;  /* a record to write before the packet */
    /* Where the reader's ring buffer cuts (dumpcap passes our blocks on as
     * they are, starting each file with our section header and interface;
     * it checks its limits after each packet block): the bytes of those two
     * blocks, the bytes and packets of the current file. */
    guint64           header_bytes, file_start, file_packets;
    gboolean          stop;
    int               status;
    guint64           packets, tuples, attributed[2], record_bytes;
    char             *capabilities;  /* this process's, once capturing: none */
} capture;

static int stop_pipe[2] = { -1, -1 };

static void
on_signal(int signo)
{
    int saved = errno;
    char byte = (char)signo;

    if (write(stop_pipe[1], &byte, 1) < 0) {
        /* Nothing to do in a signal handler; the pipe is never full. */
    }
    errno = saved;
}

static gboolean
stop_requested(void)
{
    struct pollfd pending = { .fd = stop_pipe[0], .events = POLLIN };

    return poll(&pending, 1, 0) > 0;
}

void
pm_capture_options_init(pm_capture_options *options)
{
    memset(options, 0, sizeof *options);
    options->snaplen = PM_CAPTURE_DEFAULT_SNAPLEN;
    pm_attribution_config_init(&options->attribution);
}

gboolean
pm_capture_comments_parse(const char *text, guint *out)
{
    char **names = g_strsplit(text, ",", -1);
    gboolean ok = TRUE;

    *out = 0;
    for (guint i = 0; names[i] != NULL && ok; i++) {
        const char *name = g_strstrip(names[i]);

        if (strcmp(name, "procmap") == 0)
            *out |= PM_CAPTURE_COMMENTS_PROCMAP;
        else if (strcmp(name, "ptcpdump") == 0)
            *out |= PM_CAPTURE_COMMENTS_PTCPDUMP;
        else if (strcmp(name, "none") != 0 && strcmp(name, "both") != 0)
            ok = FALSE;
        else if (strcmp(name, "both") == 0)
            *out |= PM_CAPTURE_COMMENTS_PROCMAP | PM_CAPTURE_COMMENTS_PTCPDUMP;
    }
    g_strfreev(names);
    return ok;
}

static gboolean
read_own_mac(const char *interface, guint8 mac[6])
{
    char *path = g_strdup_printf("/sys/class/net/%s/address", interface);
    char *text = NULL;
    unsigned int b[6];
    gboolean ok = FALSE;

    if (!strchr(interface, '/') && g_file_get_contents(path, &text, NULL, NULL) &&
        sscanf(text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) == 6) {
        for (int i = 0; i < 6; i++)
            mac[i] = (guint8)b[i];
        ok = (b[0] | b[1] | b[2] | b[3] | b[4] | b[5]) != 0;   /* lo: 00:00:... */
    }
    g_free(text);
    g_free(path);
    return ok;
}

int
pm_capture_linktype_of_type(const char *interface)
{
    char *path, *text = NULL;
    int linktype = -1;

    if (g_strcmp0(interface, "any") == 0)
        return DLT_LINUX_SLL;   /* libpcap's default for "any" */
    /* What libpcap maps the ARPHRD type to. */
    path = g_strdup_printf("/sys/class/net/%s/type", interface);
    if (!strchr(interface, '/') && g_file_get_contents(path, &text, NULL, NULL)) {
        switch (atoi(text)) {
        case ARPHRD_ETHER: case ARPHRD_LOOPBACK:
            linktype = DLT_EN10MB;
            break;
        case ARPHRD_NONE: case ARPHRD_TUNNEL: case ARPHRD_SIT:
            linktype = DLT_RAW;
            break;
        default:
            /* Types libpcap does not map: it captures them cooked. */
            linktype = DLT_LINUX_SLL;
            break;
        }
    }
    g_free(text);
    g_free(path);
    return linktype;
}

int
pm_capture_linktype(const char *interface)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pcap;
    int linktype = -1;

    (void)pm_privileges_raise(PM_PRIV_CAPTURE);
    pcap = pcap_create(interface, errbuf);
    if (pcap != NULL && pcap_activate(pcap) >= 0)
        linktype = pcap_datalink(pcap);
    pm_privileges_lower();
    if (pcap)
        pcap_close(pcap);
    /* Without the right to capture: from the interface's type. */
    return linktype >= 0 ? linktype : pm_capture_linktype_of_type(interface);
}

/* The reader went away (EPIPE): the end of the capture, not an error. */
static void
stop_on_write_error(capture *cap, GError *error)
{
    if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_PIPE)) {
        g_printerr("procmap-capture: %s\n", error->message);
        cap->status = 1;
    }
    g_error_free(error);
    cap->stop = TRUE;
    pcap_breakloop(cap->pcap);
}

/* After a packet block: where dumpcap's ring buffer (-b filesize:KB, -b
 * packets:N) starts a new file, as dumpcap decides it (dumpcap.c,
 * capture_loop_wrote_one_packet: kB are 1000 bytes), the records are
 * written again as the next packets refer to them. */
static void
follow_ring_buffer(capture *cap)
{
    const pm_capture_options *options = cap->options;
    guint64 file_bytes;

    if (options->ring_filesize_kb == 0 && options->ring_packets == 0)
        return;
    cap->file_packets++;
    file_bytes = cap->header_bytes + pm_pcapng_written(cap->writer) - cap->file_start;
    if ((options->ring_packets && cap->file_packets >= options->ring_packets) ||
        (options->ring_filesize_kb && file_bytes / 1000 >= options->ring_filesize_kb)) {
        cap->file_start = pm_pcapng_written(cap->writer);
        cap->file_packets = 0;
        pm_record_book_new_section(cap->records);
    }
}

/* The number of @subject's process record (0: none), after writing the
 * record if this section has not got it yet. */
static guint32
write_record(capture *cap, const pm_comment_subject *subject)
{
    GError *error = NULL;
    guint32 ref;

    g_byte_array_set_size(cap->record_data, 0);
    ref = pm_record_book_ref(cap->records, subject, cap->record_data);
    if (cap->record_data->len > 0) {
        cap->record_bytes += cap->record_data->len;
        if (!pm_pcapng_write_custom_block(cap->writer, PM_PIB_PEN, cap->record_data->data,
                                          cap->record_data->len, &error))
            stop_on_write_error(cap, error);
    }
    return ref;
}

static void
on_packet(u_char *user, const struct pcap_pkthdr *header, const u_char *data)
{
    capture *cap = (capture *)user;
    pm_packet_tuple tuple;
    pm_pcapng_packet packet = { 0 };
    gint64 frac = header->ts.tv_usec;  /* nanoseconds with nanosecond precision */
    gint64 time_us = (gint64)header->ts.tv_sec * G_USEC_PER_SEC +
                     (cap->nanoseconds ? frac / 1000 : frac);
    GError *error = NULL;
    gboolean has_tuple;
    guint8 refs[16];
    static const pm_comment_subject no_subject;

    if (cap->stop)
        return;
    cap->packets++;
    g_ptr_array_set_size(cap->comments, 0);
    has_tuple = pm_packet_parse(cap->linktype, data, header->caplen,
                                cap->has_mac ? cap->own_mac : NULL, &tuple);
    if (has_tuple) {
        pm_side_answer src, dst;
        pm_comment_subject src_subject, dst_subject;
        const pm_comment_subject *one;
        guint32 src_ref, dst_ref;

        cap->tuples++;
        pm_attribution_drain(cap->attribution);
        pm_attribution_resolve(cap->attribution, &tuple, time_us, &src, &dst);
        pm_attribution_subject(cap->attribution, &src, &src_subject);
        pm_attribution_subject(cap->attribution, &dst, &dst_subject);
        cap->attributed[0] += src.process != NULL;
        cap->attributed[1] += dst.process != NULL;
        one = pm_comment_ptcpdump_subject(&src_subject, &dst_subject, tuple.direction);
        /* Each end's record, written before the first packet naming it. */
        src_ref = write_record(cap, &src_subject);
        dst_ref = write_record(cap, &dst_subject);
        if (src_ref != 0 || dst_ref != 0) {
            packet.custom_pen = PM_PROCMAP_PEN;
            packet.custom_len = pm_record_refs_encode(pm_record_book_run(cap->records), src_ref,
                                                      dst_ref, refs);
            packet.custom_data = refs;
        }
        if (one != NULL && one->process != NULL) {
            packet.has_process = TRUE;
            packet.process_id = (guint32)one->process->pid;
            packet.thread_id = one->tid;
        }
        if (cap->options->comments != 0)
            pm_comment_cache_append(cap->comment_cache,
                                    (cap->options->comments & PM_CAPTURE_COMMENTS_PROCMAP)
                                        ? &src_subject : &no_subject,
                                    (cap->options->comments & PM_CAPTURE_COMMENTS_PROCMAP)
                                        ? &dst_subject : &no_subject,
                                    (cap->options->comments & PM_CAPTURE_COMMENTS_PTCPDUMP)
                                        ? one : NULL,
                                    cap->comments);
        pm_side_answer_clear(&src);
        pm_side_answer_clear(&dst);
    }
    g_ptr_array_add(cap->comments, NULL);
    packet.timestamp = (guint64)header->ts.tv_sec * (cap->nanoseconds ? 1000000000u : 1000000u) +
                       (guint64)frac;
    packet.data = data;
    packet.captured_len = header->caplen;
    packet.original_len = header->len;
    packet.comments = (const char *const *)cap->comments->pdata;
    packet.flags = (guint32)tuple.direction;
    if (!pm_pcapng_write_packet(cap->writer, &packet, &error))
        stop_on_write_error(cap, error);
    else
        follow_ring_buffer(cap);
    g_ptr_array_set_size(cap->comments, 0);
    if (cap->options->packet_limit && cap->packets >= cap->options->packet_limit) {
        cap->stop = TRUE;
        pcap_breakloop(cap->pcap);
    }
}

/* Opens the capture, with cap_net_raw and cap_net_admin raised for it alone. */
static gboolean
open_capture(capture *cap, GError **error)
{
    const pm_capture_options *options = cap->options;
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    int status;

    cap->pcap = pcap_create(options->interface, errbuf);
    if (cap->pcap == NULL) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED, "%s", errbuf);
        return FALSE;
    }
    /* Not immediate mode: it makes libpcap use fixed ring slots of snaplen
     * bytes, so 8 MiB hold 32 packets of a 256 KiB snaplen and a burst
     * overflows it.  Blocks handed over after at most DELIVERY_TIMEOUT_MS
     * keep the live view live.  (These only fail on an activated handle;
     * libpcap >= 1.10.5 insists that the result is looked at.) */
    if (pcap_set_snaplen(cap->pcap, (int)options->snaplen) != 0 ||
        pcap_set_timeout(cap->pcap, DELIVERY_TIMEOUT_MS) != 0 ||
        pcap_set_buffer_size(cap->pcap, 16 * 1024 * 1024) != 0) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED, "cannot set up %s: %s",
                    options->interface, pcap_geterr(cap->pcap));
        return FALSE;
    }
    cap->nanoseconds = pcap_set_tstamp_precision(cap->pcap, PCAP_TSTAMP_PRECISION_NANO) == 0;
    (void)pm_privileges_raise(PM_PRIV_CAPTURE);
    status = pcap_activate(cap->pcap);
    pm_privileges_lower();
    if (status < 0) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED, "cannot capture on %s: %s%s",
                    options->interface, pcap_geterr(cap->pcap),
                    status == PCAP_ERROR_PERM_DENIED
                    ? " (give procmap-capture cap_net_raw,cap_net_admin: see the README)" : "");
        return FALSE;
    }
    cap->nanoseconds = cap->nanoseconds &&
                       pcap_get_tstamp_precision(cap->pcap) == PCAP_TSTAMP_PRECISION_NANO;
    cap->linktype = pcap_datalink(cap->pcap);
    return TRUE;
}

/* The rest of the set-up needs no privilege: the caller's filter is
 * compiled (by libpcap's parser) only once there is none. */
static gboolean
finish_capture(capture *cap, GError **error)
{
    const pm_capture_options *options = cap->options;
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    struct bpf_program program;

    if (options->filter && *options->filter) {
        if (pcap_compile(cap->pcap, &program, options->filter, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
            pcap_setfilter(cap->pcap, &program) != 0) {
            g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_INVALID,
                        "bad capture filter \"%s\": %s", options->filter, pcap_geterr(cap->pcap));
            return FALSE;
        }
        pcap_freecode(&program);
    }
    if (pcap_setnonblock(cap->pcap, 1, errbuf) != 0) {
        g_set_error(error, PM_EXTCAP_ERROR, PM_EXTCAP_ERROR_FAILED, "%s", errbuf);
        return FALSE;
    }
    cap->has_mac = cap->linktype == DLT_EN10MB && read_own_mac(options->interface, cap->own_mac);
    return TRUE;
}

/* The eBPF programs, with cap_bpf and cap_perfmon raised for them alone,
 * told before they load what the caller may learn (monitor_policy.h).
 * NULL and @why when they cannot load. */
static pm_ebpf_source *
load_ebpf(capture *cap, GError **why)
{
    const pm_mon_hello *hello = pm_monitor_hello(cap->monitor);
    gboolean hidepid_hides = hello->hidepid != PM_HIDEPID_OFF && !hello->hidepid_exempt;
    pm_ebpf_config config = {
        .pidns = hello->proc_pidns,
        .caller_uid = hello->caller_uid,
        .others_hidden = hello->caller_uid != 0 &&
                         (hello->level == PM_POLICY_NONE || hidepid_hides),
        .others_full = hello->caller_uid == 0 || hello->level == PM_POLICY_FULL,
    };
    pm_ebpf_source *source;

    (void)pm_privileges_raise(PM_PRIV_EBPF);
    source = pm_ebpf_source_new(&config, why);
    pm_privileges_lower();
    return source;
}

static gboolean
open_output(capture *cap, GError **error)
{
    const pm_capture_options *options = cap->options;
    char *application = g_strdup_printf("procmap-capture %s", PROCMAP_VERSION);
    char *comment = g_strdup_printf("procmap-capture: processes from %s",
                                    pm_attribution_describe(cap->attribution));
    char *description = g_strdup_printf("procmap: %s (with processes)", options->interface);
    gboolean ok;

    if (g_strcmp0(options->output, "-") == 0) {
        cap->stream = fdopen(dup(STDOUT_FILENO), "wb");
    } else {
        /* A FIFO: blocks until the reader (dumpcap) opens it. */
        cap->stream = fopen(options->output, "wb");
    }
    if (cap->stream == NULL) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "cannot open %s: %s",
                    options->output, g_strerror(err));
        ok = FALSE;
    } else {
        /* Comments make blocks ~1 KiB: a batch is written in few syscalls. */
        setvbuf(cap->stream, NULL, _IOFBF, 1024 * 1024);
        cap->writer = pm_pcapng_writer_new(cap->stream);
        pm_pcapng_writer_set_batching(cap->writer, TRUE);
        ok = pm_pcapng_write_section(cap->writer, application, comment, error) &&
             pm_pcapng_write_interface(cap->writer, cap->linktype, options->snaplen,
                                       options->interface, description,
                                       cap->nanoseconds ? 9 : 6, error) &&
             pm_pcapng_flush(cap->writer, error);
        cap->header_bytes = cap->file_start = pm_pcapng_written(cap->writer);
    }
    g_free(application);
    g_free(comment);
    g_free(description);
    return ok;
}

static void
write_stats(capture *cap)
{
    pm_attribution_stats stats;
    struct pcap_stat ps = { 0 };
    GString *text;

    if (cap->options->stats_file == NULL || cap->attribution == NULL)
        return;
    pm_attribution_get_stats(cap->attribution, &stats);
    if (cap->pcap && pcap_stats(cap->pcap, &ps) != 0)
        memset(&ps, 0, sizeof ps);    /* unknown: reported as 0 */
    text = g_string_new(NULL);
    g_string_append_printf(text, "source=%s\n", pm_attribution_describe(cap->attribution));
    g_string_append_printf(text, "ebpf=%d\n", pm_attribution_uses_ebpf(cap->attribution));
    g_string_append_printf(text, "capabilities=%s\n", cap->capabilities ? cap->capabilities : "");
    g_string_append_printf(text, "packets=%" G_GUINT64_FORMAT "\ntuples=%" G_GUINT64_FORMAT
                           "\nsrc_attributed=%" G_GUINT64_FORMAT "\ndst_attributed=%"
                           G_GUINT64_FORMAT "\n", cap->packets, cap->tuples,
                           cap->attributed[0], cap->attributed[1]);
    g_string_append_printf(text, "answers_event=%" G_GUINT64_FORMAT "\nanswers_poll=%"
                           G_GUINT64_FORMAT "\nanswers_live=%" G_GUINT64_FORMAT "\n",
                           stats.answers[PM_ANSWER_EVENT], stats.answers[PM_ANSWER_POLL],
                           stats.answers[PM_ANSWER_LIVE]);
    g_string_append_printf(text, "events=%" G_GUINT64_FORMAT "\nsightings=%" G_GUINT64_FORMAT
                           "\nevent_waits=%" G_GUINT64_FORMAT "\nnamespaces=%u\n"
                           "namespaces_skipped=%u\nhistory_entries=%u\n", stats.events,
                           stats.sightings, stats.event_waits, stats.namespaces,
                           stats.namespaces_skipped, stats.history_entries);
    g_string_append_printf(text, "answers_conntrack=%" G_GUINT64_FORMAT
                           "\nanswers_local_endpoint=%" G_GUINT64_FORMAT "\n",
                           stats.conntrack_answers, stats.local_endpoint_answers);
    g_string_append_printf(text, "records=%" G_GUINT64_FORMAT "\nrecord_bytes=%" G_GUINT64_FORMAT
                           "\n", pm_record_book_written(cap->records), cap->record_bytes);
    g_string_append_printf(text, "monitor_pid=%d\n",
                           cap->monitor ? (int)pm_monitor_pid(cap->monitor) : 0);
    g_string_append_printf(text, "polls=%" G_GUINT64_FORMAT "\npoll_ms_average=%.1f\n",
                           stats.polls, stats.polls ? stats.poll_busy_us / 1000.0 / stats.polls : 0);
    g_string_append_printf(text, "pcap_received=%u\npcap_dropped=%u\n", ps.ps_recv, ps.ps_drop);
    if (!g_file_set_contents(cap->options->stats_file, text->str, (gssize)text->len, NULL))
        g_printerr("procmap-capture: cannot write %s\n", cap->options->stats_file);
    g_string_free(text, TRUE);
}

/* Asked to stop: the packets the kernel already holds are still written
 * (a loaded machine may lag behind them by seconds), for a bounded time. */
static void
drain_on_stop(capture *cap)
{
    gint64 deadline = g_get_monotonic_time() + DRAIN_ON_STOP_US;
    GError *error = NULL;
    int n;

    pm_attribution_drain(cap->attribution);
    do {
        n = pcap_dispatch(cap->pcap, DISPATCH_BATCH, on_packet, (u_char *)cap);
    } while (n > 0 && !cap->stop && g_get_monotonic_time() < deadline);
    if (!cap->stop && !pm_pcapng_flush(cap->writer, &error))
        stop_on_write_error(cap, error);
}

static void
run_loop(capture *cap)
{
    gint64 next_tick = g_get_monotonic_time() + TICK_US;

    while (!cap->stop) {
        struct pollfd fds[4];
        int event_fds[2], n = 0;

        pm_attribution_fds(cap->attribution, event_fds);
        fds[n++] = (struct pollfd){ .fd = pcap_get_selectable_fd(cap->pcap), .events = POLLIN };
        fds[n++] = (struct pollfd){ .fd = stop_pipe[0], .events = POLLIN };
        for (int i = 0; i < 2; i++) {
            if (event_fds[i] >= 0)
                fds[n++] = (struct pollfd){ .fd = event_fds[i], .events = POLLIN };
        }
        if (poll(fds, (nfds_t)n, 200) < 0 && errno != EINTR) {
            g_printerr("procmap-capture: poll: %s\n", g_strerror(errno));
            cap->status = 1;
            break;
        }
        if (fds[1].revents) {
            drain_on_stop(cap);
            cap->stop = TRUE;
            break;
        }
        pm_attribution_drain(cap->attribution);
        if (fds[0].revents) {
            GError *error = NULL;

            if (pcap_dispatch(cap->pcap, DISPATCH_BATCH, on_packet, (u_char *)cap) == PCAP_ERROR) {
                g_printerr("procmap-capture: %s\n", pcap_geterr(cap->pcap));
                cap->status = 1;
                break;
            }
            /* Every packet of the batch is out before waiting again. */
            if (!cap->stop && !pm_pcapng_flush(cap->writer, &error))
                stop_on_write_error(cap, error);
        }
        pm_attribution_catch_up(cap->attribution);
        if (g_get_monotonic_time() >= next_tick) {
            /* Between packets: no comment of the cache is in use. */
            pm_comment_cache_trim(cap->comment_cache, COMMENT_CACHE_MAX);
            pm_attribution_tick(cap->attribution);
            next_tick = g_get_monotonic_time() + TICK_US;
        }
    }
}

/* Failed before the output was opened (a bad capture filter): dumpcap
 * waits on the FIFO for a writer, and tshark would wait forever instead of
 * showing the message.  Opened and closed at once, the FIFO gives it an end
 * of file.  Only once no capability is left (the caller's path), never
 * created, and for a bounded time (a reader that never comes). */
static void
release_reader(const char *output)
{
    gint64 deadline = g_get_monotonic_time() + RELEASE_READER_US;
    struct stat st;
    int fd;

    if (g_strcmp0(output, "-") == 0 || stat(output, &st) != 0 || !S_ISFIFO(st.st_mode))
        return;
    do {
        fd = open(output, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            close(fd);
            return;
        }
        g_usleep(50 * 1000);
    } while (errno == ENXIO && g_get_monotonic_time() < deadline && !stop_requested());
}

int
pm_capture_run(const pm_capture_options *options)
{
    capture cap = { .options = options };
    struct sigaction action;
    pm_ebpf_source *ebpf = NULL;
    GError *error = NULL, *ebpf_error = NULL;

    if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        g_printerr("procmap-capture: pipe: %s\n", g_strerror(errno));
        return 1;
    }
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGHUP, &action, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Many namespaces, many sockets: as many descriptors as allowed. */
    pm_netns_raise_fd_limit();

    cap.comments = g_ptr_array_new();
    cap.comment_cache = pm_comment_cache_new();
    /* A tag for this run's record numbers: captures merged into one
     * section (mergecap) keep them apart unless their tags meet (1 in 255;
     * then the plugin answers nothing for the numbers both claim). */
    cap.records = pm_record_book_new((guint8)g_random_int_range(1, 256));
    cap.record_data = g_byte_array_new();
    cap.status = 0;
    /* The monitor first: it inherits nothing of the capture. */
    cap.monitor = pm_monitor_start(NULL, &error);
    if (cap.monitor == NULL)
        goto failed;
    /* Reading processes and entering namespaces is the monitor's. */
    if (!pm_privileges_limit(PM_PRIV_CAPTURE | PM_PRIV_EBPF, &error))
        goto failed;
    /* The event source before the capture: every packet the capture sees
     * then has its events, none is captured while eBPF is still loading. */
    if (options->attribution.source != PM_SOURCE_NETLINK) {
        ebpf = load_ebpf(&cap, &ebpf_error);
        if (ebpf == NULL && options->attribution.source == PM_SOURCE_EBPF) {
            g_propagate_error(&error, g_steal_pointer(&ebpf_error));
            goto failed;
        }
    }
    if (!open_capture(&cap, &error)) {
        pm_ebpf_source_free(ebpf);
        goto failed;
    }
    /* Start-up is done: the capture and the programs are open.  From here
     * on this process, and every thread it starts, holds no capability. */
    if (!pm_privileges_drop_all(&error)) {
        pm_ebpf_source_free(ebpf);
        goto failed;
    }
    cap.capabilities = pm_privileges_describe();
    if (!finish_capture(&cap, &error)) {
        pm_ebpf_source_free(ebpf);
        goto failed;
    }
    cap.attribution = pm_attribution_new(&options->attribution, cap.monitor, ebpf, ebpf_error);
    g_clear_error(&ebpf_error);
    if (!open_output(&cap, &error))
        goto failed;
    /* The capture runs: now the namespaces (any number of them) may be scanned. */
    pm_attribution_tick(cap.attribution);
    run_loop(&cap);
    goto done;

failed:
    /* Stopped while waiting for the reader (open() interrupted): not a failure. */
    if (!stop_requested()) {
        g_printerr("procmap-capture: %s\n", error->message);
        cap.status = 1;
        if (cap.capabilities != NULL && cap.stream == NULL)
            release_reader(options->output);
    }
    g_clear_error(&error);
    g_clear_error(&ebpf_error);
done:
    write_stats(&cap);
    pm_attribution_free(cap.attribution);
    pm_monitor_stop(cap.monitor);
    pm_pcapng_writer_free(cap.writer);
    if (cap.stream)
        fclose(cap.stream);
    if (cap.pcap)
        pcap_close(cap.pcap);
    g_ptr_array_unref(cap.comments);
    pm_comment_cache_free(cap.comment_cache);
    pm_record_book_free(cap.records);
    g_byte_array_unref(cap.record_data);
    g_free(cap.capabilities);
    close(stop_pipe[0]);
    close(stop_pipe[1]);
    return cap.status;
}
