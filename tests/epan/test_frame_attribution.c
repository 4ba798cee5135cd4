/* test_frame_attribution.c - one answer per frame under Wireshark's
 * dissection model: stored on the first pass, sticky within a stream,
 * live lookups only where they can be true.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "frame_fixture.h"

typedef frame_fixture fixture;

static void
fixture_setup(fixture *f, gconstpointer data)
{
    (void)data;
    frame_fixture_init(f, PM_LIVE_AUTO);
    mock_add_process(f->h.mock, 100, "curl", "/usr/bin/curl", "curl http://127.0.0.1:8080/",
                     1000);
    mock_add_process(f->h.mock, 200, "python3", "/usr/bin/python3.11",
                     "python3 -m http.server 8080", 500);
    mock_bind(f->h.mock, PM_TRANSPORT_TCP, 200, "0.0.0.0:8080");
}

static void
fixture_teardown(fixture *f, gconstpointer data)
{
    (void)data;
    frame_fixture_clear(f);
}

#define assert_side(side, expected_pid, expected_source) do {                   \
        g_assert_nonnull((side).process);                                        \
        g_assert_cmpint((side).process->pid, ==, (expected_pid));               \
        g_assert_cmpstr(pm_source_name((pm_source)(side).source), ==,            \
                        pm_source_name(expected_source));                        \
        g_assert_cmpint((side).reason, ==, PM_REASON_FOUND);                     \
    } while (0)
#define assert_no_side(side, expected_reason) do {                              \
        g_assert_null((side).process);                                           \
        g_assert_cmpstr(pm_reason_name((pm_reason)(side).reason), ==,            \
                        pm_reason_name(expected_reason));                        \
    } while (0)

/* Both ends of a loopback connection, computed once and stored: a later pass
 * renders the same answer after both processes have exited. */
static void
test_stored_answer_survives_exit(fixture *f, gconstpointer data)
{
    pm_frame_input syn = frame_fixture_tcp(1, "127.0.0.1:40000", "127.0.0.1:8080", 0,
                                           f->h.now_us);
    pm_frame_view view;
    (void)data;

    mock_connect(f->h.mock, PM_TRANSPORT_TCP, 100, "127.0.0.1:40000", "127.0.0.1:8080");
    frame_fixture_attribute(f, &syn, &view);
    g_assert_true(view.first_pass);
    assert_side(view.src, 100, PM_SOURCE_LIVE);
    assert_side(view.dst, 200, PM_SOURCE_LIVE);
    g_assert_cmpstr(view.dst.process->name, ==, "python3");

    mock_remove_process(f->h.mock, 100);
    mock_remove_process(f->h.mock, 200);
    pm_watcher_flush(f->h.watcher);
    f->h.now_us += SEC(3600);
    frame_fixture_attribute(f, &syn, &view);
    g_assert_false(view.first_pass);
    assert_side(view.src, 100, PM_SOURCE_LIVE);
    assert_side(view.dst, 200, PM_SOURCE_LIVE);
    g_assert_cmpstr(view.src.process->name, ==, "curl");
}

/* Once an end of a stream resolved, a later frame whose own lookup misses
 * (the socket closed and its mapping expired) reuses it. */
static void
test_stream_sticks_forward(fixture *f, gconstpointer data)
{
    guint64 inode = mock_connect(f->h.mock, PM_TRANSPORT_TCP, 100, "127.0.0.1:40000",
                                 "127.0.0.1:8080");
    pm_frame_input first = frame_fixture_tcp(1, "127.0.0.1:40000", "127.0.0.1:8080", 7,
                                             f->h.now_us);
    pm_frame_input last;
    pm_frame_view view;
    (void)data;

    frame_fixture_attribute(f, &first, &view);
    assert_side(view.src, 100, PM_SOURCE_LIVE);

    mock_close_socket(f->h.mock, inode);
    mock_remove_process(f->h.mock, 100);
    f->h.now_us += SEC(11);
    last = frame_fixture_tcp(2, "127.0.0.1:40000", "127.0.0.1:8080", 7, f->h.now_us);
    frame_fixture_attribute(f, &last, &view);
    assert_side(view.src, 100, PM_SOURCE_STREAM);
    assert_side(view.dst, 200, PM_SOURCE_LIVE);

    /* Another stream on the same ports learns nothing from stream 7. */
    last = frame_fixture_tcp(3, "127.0.0.1:40000", "127.0.0.1:8080", 8, f->h.now_us);
    frame_fixture_attribute(f, &last, &view);
    assert_no_side(view.src, PM_REASON_NO_SOCKET);
}

/* A frame that missed on the first pass gets the stream's answer on a later
 * pass, marked as coming from a later frame; its first-pass answer was none. */
static void
test_stream_backfills_earlier_frames(fixture *f, gconstpointer data)
{
    pm_frame_input early = frame_fixture_tcp(1, "127.0.0.1:40000", "127.0.0.1:8080", 3,
                                             f->h.now_us);
    pm_frame_input later;
    pm_frame_view view;
    (void)data;

    frame_fixture_attribute(f, &early, &view);     /* curl's socket is not there yet */
    assert_no_side(view.src, PM_REASON_NO_SOCKET);

    mock_connect(f->h.mock, PM_TRANSPORT_TCP, 100, "127.0.0.1:40000", "127.0.0.1:8080");
    f->h.now_us += SEC(1);
    later = frame_fixture_tcp(2, "127.0.0.1:40000", "127.0.0.1:8080", 3, f->h.now_us);
    frame_fixture_attribute(f, &later, &view);
    assert_side(view.src, 100, PM_SOURCE_LIVE);

    frame_fixture_attribute(f, &early, &view);     /* second pass */
    assert_side(view.src, 100, PM_SOURCE_STREAM_LATER);
    assert_side(view.dst, 200, PM_SOURCE_LIVE);
}

/* Later passes use the stream the first pass saw, whatever the later pass
 * finds (with taps, without, or none): an earlier frame is backfilled even
 * when its input now names no stream, and never from a stream it now names. */
static void
test_later_pass_keeps_first_stream(fixture *f, gconstpointer data)
{
    pm_frame_input early = frame_fixture_tcp(1, "127.0.0.1:40000", "127.0.0.1:8080", 3,
                                             f->h.now_us);
    pm_frame_input later, again;
    pm_frame_view view;
    guint64 inode;
    (void)data;

    g_assert_false(pm_frame_engine_known(f->engine, 1));
    frame_fixture_attribute(f, &early, &view);
    assert_no_side(view.src, PM_REASON_NO_SOCKET);
    g_assert_true(pm_frame_engine_known(f->engine, 1));
    g_assert_false(pm_frame_engine_known(f->engine, 2));
    g_assert_false(pm_frame_engine_known(f->engine, 5000));

    inode = mock_connect(f->h.mock, PM_TRANSPORT_TCP, 100, "127.0.0.1:40000",
                         "127.0.0.1:8080");
    f->h.now_us += SEC(1);
    later = frame_fixture_tcp(2, "127.0.0.1:40000", "127.0.0.1:8080", 3, f->h.now_us);
    frame_fixture_attribute(f, &later, &view);
    assert_side(view.src, 100, PM_SOURCE_LIVE);

    again = early;
    again.has_stream = FALSE;
    frame_fixture_attribute(f, &again, &view);
    assert_side(view.src, 100, PM_SOURCE_STREAM_LATER);

    /* Frame 3 saw stream 4 first; a later pass naming stream 3 changes nothing. */
    f->h.now_us += SEC(1);
    mock_close_socket(f->h.mock, inode);
    mock_remove_process(f->h.mock, 100);
    pm_watcher_flush(f->h.watcher);
    again = frame_fixture_tcp(3, "127.0.0.1:40000", "127.0.0.1:8080", 4, f->h.now_us);
    frame_fixture_attribute(f, &again, &view);
    assert_no_side(view.src, PM_REASON_NO_SOCKET);
    again.stream = 3;
    frame_fixture_attribute(f, &again, &view);
    g_assert_false(view.first_pass);
    assert_no_side(view.src, PM_REASON_NO_SOCKET);
}

/* A stream remembers each of its ends apart, however many it sees (two
 * normally; one when a socket talks to itself; a third only in odd
 * captures), and frames far apart in number keep their own answers. */
static void
test_stream_keeps_every_end(fixture *f, gconstpointer data)
{
    const char *clients[] = { "127.0.0.1:40001", "127.0.0.1:40002", "127.0.0.1:40003" };
    guint64 sockets[G_N_ELEMENTS(clients)];
    pm_frame_input input;
    pm_frame_view view;
    (void)data;

    for (guint i = 0; i < G_N_ELEMENTS(clients); i++) {
        mock_add_process(f->h.mock, 400 + (gint32)i, "client", "/usr/bin/client", "client",
                         3000 + i);
        sockets[i] = mock_connect(f->h.mock, PM_TRANSPORT_TCP, 400 + (gint32)i, clients[i],
                                  "127.0.0.1:8080");
    }
    for (guint i = 0; i < G_N_ELEMENTS(clients); i++) {
        input = frame_fixture_tcp(10 + i * 5000, clients[i], "127.0.0.1:8080", 9, f->h.now_us);
        frame_fixture_attribute(f, &input, &view);
        assert_side(view.src, 400 + (gint32)i, PM_SOURCE_LIVE);
    }
    for (guint i = 0; i < G_N_ELEMENTS(clients); i++) {
        mock_close_socket(f->h.mock, sockets[i]);
        mock_remove_process(f->h.mock, 400 + (gint32)i);
    }
    f->h.now_us += SEC(11);
    for (guint i = 0; i < G_N_ELEMENTS(clients); i++) {
        input = frame_fixture_tcp(20000 + i, "127.0.0.1:8080", clients[i], 9, f->h.now_us);
        frame_fixture_attribute(f, &input, &view);
        assert_side(view.dst, 400 + (gint32)i, PM_SOURCE_STREAM);
        assert_side(view.src, 200, PM_SOURCE_LIVE);
        input = frame_fixture_tcp(10 + i * 5000, clients[i], "127.0.0.1:8080", 9, f->h.now_us);
        frame_fixture_attribute(f, &input, &view);
        g_assert_false(view.first_pass);
        assert_side(view.src, 400 + (gint32)i, PM_SOURCE_LIVE);
    }
}

/* A remote end never borrows a process from the stream. */
static void
test_remote_end_never_sticks(fixture *f, gconstpointer data)
{
    pm_frame_input input = frame_fixture_tcp(1, "10.9.9.9:5555", "127.0.0.1:8080", 4, f->h.now_us);
    pm_frame_view view;
    (void)data;

    frame_fixture_attribute(f, &input, &view);
    assert_no_side(view.src, PM_REASON_NOT_LOCAL);
    assert_side(view.dst, 200, PM_SOURCE_LIVE);
    frame_fixture_attribute(f, &input, &view);
    assert_no_side(view.src, PM_REASON_NOT_LOCAL);
}

/* Live lookups only where they can be true. */
static void
test_live_lookup_policy(fixture *f, gconstpointer data)
{
    gint64 old = f->h.now_us - SEC(2 * 3600);
    pm_frame_input input = frame_fixture_tcp(1, "127.0.0.1:40000", "127.0.0.1:8080", 1, old);
    pm_frame_view view;
    pm_watcher_stats stats;
    (void)data;

    frame_fixture_attribute(f, &input, &view);
    assert_no_side(view.src, PM_REASON_TOO_OLD);
    assert_no_side(view.dst, PM_REASON_TOO_OLD);
    pm_watcher_get_stats(f->h.watcher, &stats);
    g_assert_cmpuint(stats.lookups, ==, 0);     /* the host was not even asked */

    /* A frame stamped in the future beyond the window is no truer. */
    input = frame_fixture_tcp(2, "127.0.0.1:40000", "127.0.0.1:8080", 1, f->h.now_us + SEC(31));
    frame_fixture_attribute(f, &input, &view);
    assert_no_side(view.dst, PM_REASON_TOO_OLD);

    f->policy.live_mode = PM_LIVE_ALWAYS;
    input = frame_fixture_tcp(3, "127.0.0.1:40000", "127.0.0.1:8080", 2, old);
    frame_fixture_attribute(f, &input, &view);
    assert_side(view.dst, 200, PM_SOURCE_LIVE);

    f->policy.live_mode = PM_LIVE_NEVER;
    input = frame_fixture_tcp(4, "127.0.0.1:40000", "127.0.0.1:8080", 5, f->h.now_us);
    frame_fixture_attribute(f, &input, &view);
    assert_no_side(view.dst, PM_REASON_LIVE_OFF);
}

/* An ICMP error goes back to the quoted packet's sender: that process is the
 * frame's destination; its source is a network stack. */
static void
test_icmp_error_attributes_quoted_sender(fixture *f, gconstpointer data)
{
    pm_frame_input input;
    pm_frame_view view;
    (void)data;

    mock_add_process(f->h.mock, 300, "dig", "/usr/bin/dig", "dig @127.0.0.1 -p 9999", 2000);
    mock_bind(f->h.mock, PM_TRANSPORT_UDP, 300, "127.0.0.1:5353");
    input = frame_fixture_tcp(1, "127.0.0.1:5353", "127.0.0.1:9999", 0, f->h.now_us);
    input.transport = PM_TRANSPORT_UDP;
    input.icmp_quoted = TRUE;
    frame_fixture_attribute(f, &input, &view);
    g_assert_true(view.icmp_quoted);
    assert_no_side(view.src, PM_REASON_ICMP_ERROR);
    assert_side(view.dst, 300, PM_SOURCE_LIVE);
}

/* A new capture file forgets every frame. */
static void
test_reset_forgets_frames(fixture *f, gconstpointer data)
{
    pm_frame_input input = frame_fixture_tcp(1, "127.0.0.1:40000", "127.0.0.1:8080", 1,
                                             f->h.now_us);
    pm_frame_view view;
    (void)data;

    frame_fixture_attribute(f, &input, &view);
    g_assert_true(view.first_pass);
    pm_frame_engine_reset(f->engine);
    frame_fixture_attribute(f, &input, &view);
    g_assert_true(view.first_pass);
}

/* An end that NAT sends elsewhere is as final as a remote one: an earlier
 * frame of the stream, answered by the listener of that port while
 * conntrack could not be asked, does not stick to it. */
static void
test_forwarded_end_never_sticks(fixture *f, gconstpointer data)
{
    pm_frame_input first = frame_fixture_tcp(1, "10.0.0.9:5000", "127.0.0.1:8080", 3, f->h.now_us);
    pm_frame_input second;
    pm_frame_view view;
    (void)data;

    f->h.mock->conntrack_refusal = PM_CONNTRACK_FAILED;
    frame_fixture_attribute(f, &first, &view);
    assert_side(view.dst, 200, PM_SOURCE_LIVE);
    f->h.mock->conntrack_refusal = PM_CONNTRACK_FOUND;
    mock_add_connection(f->h.mock, PM_TRANSPORT_TCP, "10.0.0.9:5000", "127.0.0.1:8080",
                        "172.17.0.2:80", "10.0.0.9:5000");
    f->h.now_us += SEC(1);
    second = frame_fixture_tcp(2, "10.0.0.9:5000", "127.0.0.1:8080", 3, f->h.now_us);
    frame_fixture_attribute(f, &second, &view);
    assert_no_side(view.dst, PM_REASON_FORWARDED);
    g_assert_cmpstr(pm_reason_name(PM_REASON_FORWARDED), ==, "forwarded");
    /* A later pass of the first frame keeps its own answer; the second
     * stays forwarded. */
    frame_fixture_attribute(f, &second, &view);
    assert_no_side(view.dst, PM_REASON_FORWARDED);
}

/* Frames not captured on this host are never looked up here, and never
 * take an answer another frame of their stream got here: a stream seen on a
 * local and a remote interface is one tcp.stream. */
static void
test_frames_of_elsewhere_never_looked_up(fixture *f, gconstpointer data)
{
    gint64 old = f->h.now_us - SEC(2 * 3600);
    pm_frame_input input = frame_fixture_tcp(1, "127.0.0.1:40000", "127.0.0.1:8080", 7,
                                             f->h.now_us);
    pm_frame_view view;
    pm_watcher_stats before, after;
    (void)data;

    mock_connect(f->h.mock, PM_TRANSPORT_TCP, 100, "127.0.0.1:40000", "127.0.0.1:8080");
    frame_fixture_attribute(f, &input, &view);
    assert_side(view.src, 100, PM_SOURCE_LIVE);
    pm_watcher_get_stats(f->h.watcher, &before);

    /* The same tuple, the same stream, from another host. */
    input = frame_fixture_tcp(2, "127.0.0.1:40000", "127.0.0.1:8080", 7, f->h.now_us);
    input.capture_host = PM_CAPTURED_ELSEWHERE;
    frame_fixture_attribute(f, &input, &view);
    assert_no_side(view.src, PM_REASON_OTHER_HOST);
    assert_no_side(view.dst, PM_REASON_OTHER_HOST);
    g_assert_cmpuint(view.src.source, ==, PM_SOURCE_NONE);
    /* Another host's frame says so at any age. */
    input = frame_fixture_tcp(3, "127.0.0.1:40000", "127.0.0.1:8080", 7, old);
    input.capture_host = PM_CAPTURED_ELSEWHERE;
    frame_fixture_attribute(f, &input, &view);
    assert_no_side(view.dst, PM_REASON_OTHER_HOST);

    /* Not known: host-unknown when recent, even with live lookups always;
     * too-old when old, which holds wherever it was captured. */
    input = frame_fixture_tcp(4, "127.0.0.1:40000", "127.0.0.1:8080", 7, f->h.now_us);
    input.capture_host = PM_CAPTURED_UNKNOWN;
    frame_fixture_attribute(f, &input, &view);
    assert_no_side(view.src, PM_REASON_HOST_UNKNOWN);
    assert_no_side(view.dst, PM_REASON_HOST_UNKNOWN);
    input = frame_fixture_tcp(5, "127.0.0.1:40000", "127.0.0.1:8080", 7, old);
    input.capture_host = PM_CAPTURED_UNKNOWN;
    frame_fixture_attribute(f, &input, &view);
    assert_no_side(view.dst, PM_REASON_TOO_OLD);
    f->policy.live_mode = PM_LIVE_ALWAYS;
    input = frame_fixture_tcp(6, "127.0.0.1:40000", "127.0.0.1:8080", 7, old);
    input.capture_host = PM_CAPTURED_UNKNOWN;
    frame_fixture_attribute(f, &input, &view);
    assert_no_side(view.dst, PM_REASON_HOST_UNKNOWN);
    pm_watcher_get_stats(f->h.watcher, &after);
    g_assert_cmpuint(after.lookups, ==, before.lookups);    /* this host not asked */

    /* Later passes: no backfill from the stream's answer either. */
    input = frame_fixture_tcp(2, "127.0.0.1:40000", "127.0.0.1:8080", 7, f->h.now_us);
    frame_fixture_attribute(f, &input, &view);
    g_assert_false(view.first_pass);
    assert_no_side(view.src, PM_REASON_OTHER_HOST);
    input = frame_fixture_tcp(4, "127.0.0.1:40000", "127.0.0.1:8080", 7, f->h.now_us);
    frame_fixture_attribute(f, &input, &view);
    assert_no_side(view.dst, PM_REASON_HOST_UNKNOWN);
    g_assert_cmpstr(pm_reason_name(PM_REASON_OTHER_HOST), ==, "other-host");
    g_assert_cmpstr(pm_reason_name(PM_REASON_HOST_UNKNOWN), ==, "host-unknown");
}

/* The frames of a stream with one answer share one stored record, however
 * many there are; a frame with another answer gets its own, and every
 * frame still reads its own answer on a later pass. */
static void
test_frames_share_records(fixture *f, gconstpointer data)
{
    pm_frame_input input;
    pm_frame_view view;
    guint64 inode;
    (void)data;

    inode = mock_connect(f->h.mock, PM_TRANSPORT_TCP, 100, "127.0.0.1:40000", "127.0.0.1:8080");
    for (guint32 n = 1; n <= 3000; n++) {
        const char *client = "127.0.0.1:40000", *server = "127.0.0.1:8080";

        input = frame_fixture_tcp(n, n % 2 ? client : server, n % 2 ? server : client, 7,
                                  f->h.now_us);
        frame_fixture_attribute(f, &input, &view);
        g_assert_true(view.first_pass);
    }
    /* Both directions: one record, its ends in address order. */
    g_assert_cmpuint(pm_frame_engine_distinct_records(f->engine), ==, 1);

    /* The client's socket gone: the next frames take the stream's answer,
     * a record of their own (source "stream"). */
    mock_close_socket(f->h.mock, inode);
    mock_remove_process(f->h.mock, 100);
    f->h.now_us += SEC(11);
    pm_watcher_flush(f->h.watcher);
    input = frame_fixture_tcp(3001, "127.0.0.1:40000", "127.0.0.1:8080", 7, f->h.now_us);
    frame_fixture_attribute(f, &input, &view);
    assert_side(view.src, 100, PM_SOURCE_STREAM);
    g_assert_cmpuint(pm_frame_engine_distinct_records(f->engine), ==, 2);

    /* Later passes read each frame's own record, each way round. */
    for (guint32 n = 1; n <= 3001; n += 333) {
        gboolean to_server = n % 2 == 1;
        const char *client = "127.0.0.1:40000", *server = "127.0.0.1:8080";

        input = frame_fixture_tcp(n, to_server ? client : server, to_server ? server : client, 7,
                                  f->h.now_us);
        frame_fixture_attribute(f, &input, &view);
        g_assert_false(view.first_pass);
        if (to_server) {
            assert_side(view.src, 100, n == 3001 ? PM_SOURCE_STREAM : PM_SOURCE_LIVE);
            assert_side(view.dst, 200, PM_SOURCE_LIVE);
        } else {
            assert_side(view.src, 200, PM_SOURCE_LIVE);
            assert_side(view.dst, 100, PM_SOURCE_LIVE);
        }
    }
    pm_frame_engine_reset(f->engine);
    g_assert_cmpuint(pm_frame_engine_distinct_records(f->engine), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add("/frames/" name, fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("stored-answer-survives-exit", test_stored_answer_survives_exit);
    ADD("stream-sticks-forward", test_stream_sticks_forward);
    ADD("stream-backfills-earlier-frames", test_stream_backfills_earlier_frames);
    ADD("later-pass-keeps-first-stream", test_later_pass_keeps_first_stream);
    ADD("stream-keeps-every-end", test_stream_keeps_every_end);
    ADD("remote-end-never-sticks", test_remote_end_never_sticks);
    ADD("live-lookup-policy", test_live_lookup_policy);
    ADD("icmp-error-attributes-quoted-sender", test_icmp_error_attributes_quoted_sender);
    ADD("reset-forgets-frames", test_reset_forgets_frames);
    ADD("forwarded-end-never-sticks", test_forwarded_end_never_sticks);
    ADD("frames-of-elsewhere-never-looked-up", test_frames_of_elsewhere_never_looked_up);
    ADD("frames-share-records", test_frames_share_records);
    return g_test_run();
}
