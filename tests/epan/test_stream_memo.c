/* test_stream_memo.c - a stream's next frame reuses its last frame's live
 * answer only while that answer is what a lookup would give: the same two
 * ends found by their tuple, nothing in the watcher changed (its epoch),
 * and the frame before the mappings expire.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "frame_fixture.h"

typedef frame_fixture fixture;

#define CLIENT "127.0.0.1:40000"
#define SERVER "127.0.0.1:8080"

typedef struct {
    fixture f;
    guint64 client_inode;
} memo_fixture;

static void
memo_setup(memo_fixture *m, gconstpointer data)
{
    fixture *f = &m->f;
    (void)data;

    frame_fixture_init(f, PM_LIVE_AUTO);
    mock_add_process(f->h.mock, 100, "curl", "/usr/bin/curl", "curl http://127.0.0.1:8080/",
                     1000);
    mock_add_process(f->h.mock, 101, "curl-child", "/usr/bin/curl", "curl-child", 1000);
    mock_add_process(f->h.mock, 200, "python3", "/usr/bin/python3.11",
                     "python3 -m http.server 8080", 500);
    mock_bind(f->h.mock, PM_TRANSPORT_TCP, 200, "0.0.0.0:8080");
    /* Both ends connected sockets: each end is found by its tuple. */
    m->client_inode = mock_connect(f->h.mock, PM_TRANSPORT_TCP, 100, CLIENT, SERVER);
    mock_connect(f->h.mock, PM_TRANSPORT_TCP, 200, SERVER, CLIENT);
    /* The table as a running capture has it: the first frame's lookup does
     * not build it (that lookup's answer is not reused: the epoch changed
     * while it was made). */
    g_assert_true(pm_watcher_refresh(f->h.watcher, NULL));
}

static void
memo_teardown(memo_fixture *m, gconstpointer data)
{
    (void)data;
    frame_fixture_clear(&m->f);
}

/* Frame @number of stream 1, @from_client or back, at the clock's now. */
static void
attribute(fixture *f, guint32 number, gboolean from_client, pm_frame_view *view)
{
    pm_frame_input input = frame_fixture_tcp(number, from_client ? CLIENT : SERVER,
                                             from_client ? SERVER : CLIENT, 1, f->h.now_us);

    frame_fixture_attribute(f, &input, view);
    g_assert_true(view->first_pass);
}

static void
assert_ends(const pm_frame_view *view, gint32 src_pid, gint32 dst_pid, pm_source source)
{
    g_assert_nonnull(view->src.process);
    g_assert_nonnull(view->dst.process);
    g_assert_cmpint(view->src.process->pid, ==, src_pid);
    g_assert_cmpint(view->dst.process->pid, ==, dst_pid);
    g_assert_cmpint(view->src.source, ==, source);
    g_assert_cmpint(view->dst.source, ==, source);
    g_assert_cmpint(view->src.match, ==, PM_MATCH_TUPLE);
    g_assert_cmpint(view->dst.match, ==, PM_MATCH_TUPLE);
}

/* One lookup per end for the whole stream, both directions, and the very
 * answers the lookups gave. */
static void
test_memo_answers_next_frames(memo_fixture *m, gconstpointer data)
{
    fixture *f = &m->f;
    pm_frame_view view;
    pm_watcher_stats stats;
    (void)data;

    attribute(f, 1, TRUE, &view);
    assert_ends(&view, 100, 200, PM_SOURCE_LIVE);
    stats = harness_stats(&f->h);
    g_assert_cmpuint(stats.lookups, ==, 2);
    g_assert_cmpuint(stats.answers_reused, ==, 0);

    for (guint32 number = 2; number <= 5; number++) {
        f->h.now_us += SEC(1);
        attribute(f, number, number % 2 == 1, &view);
        if (number % 2 == 1)
            assert_ends(&view, 100, 200, PM_SOURCE_LIVE);
        else
            assert_ends(&view, 200, 100, PM_SOURCE_LIVE);
    }
    stats = harness_stats(&f->h);
    g_assert_cmpuint(stats.lookups, ==, 2);
    g_assert_cmpuint(stats.answers_reused, ==, 8);
    /* All five frames, either way round, share one stored record. */
    g_assert_cmpuint(pm_frame_engine_distinct_records(f->engine), ==, 1);
}

/* A refresh between two frames (another stream's miss, say) may have seen
 * the socket change hands: the next frame asks again, and names the new
 * owner. */
static void
test_memo_forgotten_on_refresh(memo_fixture *m, gconstpointer data)
{
    fixture *f = &m->f;
    pm_frame_view view;
    (void)data;

    attribute(f, 1, TRUE, &view);
    assert_ends(&view, 100, 200, PM_SOURCE_LIVE);

    mock_remove_process(f->h.mock, 100);
    mock_add_owner(f->h.mock, m->client_inode, 101);
    f->h.now_us += SEC(1);
    g_assert_true(pm_watcher_refresh(f->h.watcher, NULL));
    attribute(f, 2, TRUE, &view);
    assert_ends(&view, 101, 200, PM_SOURCE_LIVE);
    g_assert_cmpstr(view.src.process->name, ==, "curl-child");
    g_assert_cmpuint(harness_stats(&f->h).lookups, ==, 4);
}

/* A frame past the mappings' expiry is looked up: here the socket has
 * closed meanwhile, so the answer is the stream's, not a live one. */
static void
test_memo_ends_at_mapping_expiry(memo_fixture *m, gconstpointer data)
{
    fixture *f = &m->f;
    pm_frame_view view;
    (void)data;

    attribute(f, 1, TRUE, &view);
    mock_close_socket(f->h.mock, m->client_inode);
    f->h.now_us += SEC(9);
    attribute(f, 2, TRUE, &view);      /* within 10 s of the refresh: still true */
    assert_ends(&view, 100, 200, PM_SOURCE_LIVE);
    f->h.now_us += SEC(2);
    attribute(f, 3, TRUE, &view);
    g_assert_nonnull(view.src.process);
    g_assert_cmpint(view.src.process->pid, ==, 100);
    g_assert_cmpint(view.src.source, ==, PM_SOURCE_STREAM);
}

/* A frame of the stream's number with other ends (another transport's
 * numbering, a capture's oddity) is never answered from the memo. */
static void
test_memo_needs_the_same_ends(memo_fixture *m, gconstpointer data)
{
    fixture *f = &m->f;
    pm_frame_view view;
    pm_frame_input other;
    (void)data;

    attribute(f, 1, TRUE, &view);
    other = frame_fixture_tcp(2, "127.0.0.1:40001", SERVER, 1, f->h.now_us);
    frame_fixture_attribute(f, &other, &view);
    g_assert_null(view.src.process);
    g_assert_cmpuint(harness_stats(&f->h).answers_reused, ==, 0);
}

/* A frame whose live lookup is not allowed (too old for a live lookup)
 * gets that reason, memo or not, and the memo is gone after it. */
static void
test_memo_obeys_the_live_policy(memo_fixture *m, gconstpointer data)
{
    fixture *f = &m->f;
    pm_frame_view view;
    pm_frame_input old;
    (void)data;

    attribute(f, 1, TRUE, &view);
    old = frame_fixture_tcp(2, CLIENT, SERVER, 1, f->h.now_us - SEC(31));
    frame_fixture_attribute(f, &old, &view);
    g_assert_cmpint(view.src.source, ==, PM_SOURCE_STREAM);
    g_assert_cmpuint(harness_stats(&f->h).answers_reused, ==, 0);
    attribute(f, 3, TRUE, &view);
    assert_ends(&view, 100, 200, PM_SOURCE_LIVE);
    g_assert_cmpuint(harness_stats(&f->h).answers_reused, ==, 0);
}

/* Reading a capture later (its frames older than the watcher's knowledge):
 * a stream between a remote host and a local listener is looked up twice
 * (the first lookup asks conntrack, which is a change), then answered from
 * the memo. */
static void
test_memo_remote_end_in_a_file(memo_fixture *m, gconstpointer data)
{
    fixture *f = &m->f;
    pm_frame_view view;
    pm_frame_input input;
    pm_watcher_stats stats;
    (void)data;

    mock_add_local_address(f->h.mock, "10.0.0.1");
    g_assert_true(pm_watcher_refresh(f->h.watcher, NULL));
    f->policy.live_window_us = SEC(3600);
    for (guint32 number = 1; number <= 4; number++) {
        gboolean inbound = number != 3;

        input = frame_fixture_tcp(number, inbound ? "198.51.100.7:33000" : "10.0.0.1:8080",
                                  inbound ? "10.0.0.1:8080" : "198.51.100.7:33000", 2,
                                  f->h.now_us - SEC(60) + number);
        frame_fixture_attribute(f, &input, &view);
        const pm_frame_side *remote = inbound ? &view.src : &view.dst;
        const pm_frame_side *local = inbound ? &view.dst : &view.src;
        g_assert_null(remote->process);
        g_assert_cmpint(remote->reason, ==, PM_REASON_NOT_LOCAL);
        g_assert_nonnull(local->process);
        g_assert_cmpint(local->process->pid, ==, 200);
        g_assert_cmpint(local->match, ==, PM_MATCH_ANY);
    }
    stats = harness_stats(&f->h);
    g_assert_cmpuint(stats.lookups, ==, 4);
    g_assert_cmpuint(stats.answers_reused, ==, 4);
}

/* A listener's answer rests on conntrack's too: once the cached "not
 * translated" expires, the next frame asks again and finds the DNAT. */
static void
test_memo_ends_with_the_conntrack_answer(memo_fixture *m, gconstpointer data)
{
    fixture *f = &m->f;
    pm_frame_view view;
    pm_frame_input input;
    gint64 start = f->h.now_us;
    (void)data;

    mock_bind(f->h.mock, PM_TRANSPORT_TCP, 200, "0.0.0.0:9090");
    mock_add_process(f->h.mock, 201, "backend", "/usr/bin/backend", "backend", 500);
    mock_bind(f->h.mock, PM_TRANSPORT_TCP, 201, "0.0.0.0:9091");
    mock_connect(f->h.mock, PM_TRANSPORT_TCP, 100, "127.0.0.1:40002", "127.0.0.1:9090");
    g_assert_true(pm_watcher_refresh(f->h.watcher, NULL));

    input = frame_fixture_tcp(1, "127.0.0.1:40002", "127.0.0.1:9090", 3, f->h.now_us);
    frame_fixture_attribute(f, &input, &view);      /* conntrack asked now: not NAT'ed */
    g_assert_cmpint(view.dst.process->pid, ==, 200);
    /* A refresh later, the table is good for 10 s more; conntrack's answer
     * for 5 s only. */
    f->h.now_us = start + SEC(5);
    g_assert_true(pm_watcher_refresh(f->h.watcher, NULL));
    input = frame_fixture_tcp(2, "127.0.0.1:40002", "127.0.0.1:9090", 3, f->h.now_us);
    frame_fixture_attribute(f, &input, &view);
    g_assert_cmpint(view.dst.process->pid, ==, 200);

    mock_add_connection(f->h.mock, PM_TRANSPORT_TCP, "127.0.0.1:40002", "127.0.0.1:9090",
                        "127.0.0.1:9091", "127.0.0.1:40002");
    f->h.now_us = start + SEC(9);
    input = frame_fixture_tcp(3, "127.0.0.1:40002", "127.0.0.1:9090", 3, f->h.now_us);
    frame_fixture_attribute(f, &input, &view);      /* what a lookup says too */
    g_assert_cmpint(view.dst.process->pid, ==, 200);
    g_assert_cmpuint(harness_stats(&f->h).answers_reused, ==, 2);

    f->h.now_us = start + SEC(11);
    input = frame_fixture_tcp(4, "127.0.0.1:40002", "127.0.0.1:9090", 3, f->h.now_us);
    frame_fixture_attribute(f, &input, &view);
    g_assert_nonnull(view.dst.process);
    g_assert_cmpint(view.dst.process->pid, ==, 201);
    g_assert_cmpint(view.dst.match, ==, PM_MATCH_CONNTRACK);
    g_assert_cmpuint(harness_stats(&f->h).answers_reused, ==, 2);
}

/* Streams whose numbers share a memo slot (1 and 1 + STREAM_MEMO_SLOTS)
 * never answer for each other, however they interleave. */
static void
test_memo_slot_shared_by_two_streams(memo_fixture *m, gconstpointer data)
{
    fixture *f = &m->f;
    pm_frame_view view;
    pm_frame_input input;
    const guint32 other_stream = 1 + 256;
    (void)data;

    mock_connect(f->h.mock, PM_TRANSPORT_TCP, 101, "127.0.0.1:40011", SERVER);
    mock_connect(f->h.mock, PM_TRANSPORT_TCP, 200, SERVER, "127.0.0.1:40011");
    g_assert_true(pm_watcher_refresh(f->h.watcher, NULL));
    for (guint32 number = 1; number <= 8; number++) {
        gboolean first = number % 2 == 1 || number > 6;
        input = frame_fixture_tcp(number, first ? CLIENT : "127.0.0.1:40011", SERVER,
                                  first ? 1 : other_stream, f->h.now_us);
        frame_fixture_attribute(f, &input, &view);
        assert_ends(&view, first ? 100 : 101, 200, PM_SOURCE_LIVE);
    }
    /* Frames 7 and 8 follow each other in stream 1: the second is reused. */
    g_assert_cmpuint(harness_stats(&f->h).answers_reused, ==, 2);
}

#define ADD(name, fn) \
    g_test_add("/stream-memo/" name, memo_fixture, NULL, memo_setup, fn, memo_teardown)

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("answers-next-frames", test_memo_answers_next_frames);
    ADD("forgotten-on-refresh", test_memo_forgotten_on_refresh);
    ADD("ends-at-mapping-expiry", test_memo_ends_at_mapping_expiry);
    ADD("needs-the-same-ends", test_memo_needs_the_same_ends);
    ADD("obeys-the-live-policy", test_memo_obeys_the_live_policy);
    ADD("remote-end-in-a-file", test_memo_remote_end_in_a_file);
    ADD("ends-with-the-conntrack-answer", test_memo_ends_with_the_conntrack_answer);
    ADD("slot-shared-by-two-streams", test_memo_slot_shared_by_two_streams);
    return g_test_run();
}
