/* test_carried_frames.c - frames whose capture carries their process: the
 * carried answer wins over live lookups (none is made), each side names its
 * source, a process at an unknown end goes to "either", and the comments
 * are parsed once per distinct set.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "frame_fixture.h"

#define CURL "PID: 100\nCmd: /usr/bin/curl\nArgs: curl http://127.0.0.1:8080/"
#define CURL_THREAD "ThreadId: 101\nThreadName: worker"

typedef frame_fixture fixture;

static void
fixture_setup(fixture *f, gconstpointer data)
{
    (void)data;
    frame_fixture_init(f, PM_LIVE_ALWAYS);
    /* What a live lookup would find: a different process on the same port. */
    mock_add_process(f->h.mock, 900, "impostor", "/usr/bin/impostor", "impostor", 0);
    mock_bind(f->h.mock, PM_TRANSPORT_TCP, 900, "0.0.0.0:8080");
}

static void
fixture_teardown(fixture *f, gconstpointer data)
{
    (void)data;
    frame_fixture_clear(f);
}

/* A frame of stream 1 that carries @comments and the direction flag. */
static pm_frame_input
frame(guint32 number, const char *src, const char *dst, const char *const *comments,
      guint n_comments, pm_direction direction)
{
    pm_frame_input input = frame_fixture_tcp(number, src, dst, 1, 0);

    input.comments = comments;
    input.n_comments = n_comments;
    input.direction = direction;
    return input;
}

static void
test_carried_wins_without_lookup(fixture *f, gconstpointer data)
{
    const char *comments[] = { CURL, CURL_THREAD };
    pm_frame_input input = frame(1, "10.0.0.5:40000", "10.0.0.9:8080", comments, 2,
                                 PM_DIRECTION_INBOUND);
    pm_frame_view view;
    (void)data;

    mock_add_local_address(f->h.mock, "10.0.0.9");
    frame_fixture_attribute(f, &input, &view);
    g_assert_true(view.answered);
    g_assert_true(view.carried);
    g_assert_cmpuint(mock_refresh_count(f->h.mock), ==, 0);     /* no live lookup */
    g_assert_null(view.src.process);
    g_assert_cmpint(view.src.reason, ==, PM_REASON_NOT_CARRIED);
    g_assert_nonnull(view.dst.process);
    g_assert_cmpint(view.dst.process->pid, ==, 100);
    g_assert_cmpstr(view.dst.process->name, ==, "curl");
    g_assert_cmpint(view.dst.source, ==, PM_SOURCE_PTCPDUMP);
    g_assert_null(view.either.process);
    g_assert_nonnull(view.context[PM_CARRIED_DST]);
    g_assert_cmpuint(view.context[PM_CARRIED_DST]->tid, ==, 101);
    g_assert_cmpstr(view.context[PM_CARRIED_DST]->thread_name, ==, "worker");
    g_assert_null(view.context[PM_CARRIED_SRC]);
    g_assert_null(view.context[PM_CARRIED_EITHER]);
    g_assert_cmpstr(pm_source_name(PM_SOURCE_PTCPDUMP), ==, "ptcpdump");
}

static void
test_loopback_goes_to_either(fixture *f, gconstpointer data)
{
    const char *comments[] = { CURL };
    pm_frame_input request = frame(1, "127.0.0.1:40000", "127.0.0.1:8080", comments, 1,
                                   PM_DIRECTION_OUTBOUND);
    pm_frame_input reply = frame(2, "127.0.0.1:8080", "127.0.0.1:40000", comments, 1,
                                 PM_DIRECTION_OUTBOUND);
    pm_frame_view view;
    (void)data;

    frame_fixture_attribute(f, &request, &view);
    g_assert_null(view.src.process);
    g_assert_null(view.dst.process);
    g_assert_cmpint(view.src.reason, ==, PM_REASON_SIDE_UNKNOWN);
    g_assert_cmpint(view.dst.reason, ==, PM_REASON_SIDE_UNKNOWN);
    g_assert_cmpint(view.either.process->pid, ==, 100);
    g_assert_cmpint(view.either.source, ==, PM_SOURCE_PTCPDUMP);
    /* The server's reply is labelled with curl too: still no server process. */
    frame_fixture_attribute(f, &reply, &view);
    g_assert_null(view.src.process);
    g_assert_null(view.dst.process);
    g_assert_cmpint(view.either.process->pid, ==, 100);
    g_assert_cmpuint(mock_refresh_count(f->h.mock), ==, 0);
}

static void
test_no_direction_goes_to_either(fixture *f, gconstpointer data)
{
    const char *comments[] = { "PID=1234 TID=5" };
    pm_frame_input input = frame(1, "10.0.0.5:40000", "192.0.2.1:443", comments, 1,
                                 PM_DIRECTION_UNKNOWN);
    pm_frame_view view;
    (void)data;

    frame_fixture_attribute(f, &input, &view);
    g_assert_cmpint(view.either.process->pid, ==, 1234);
    g_assert_null(view.either.process->name);
    g_assert_cmpint(view.either.source, ==, PM_SOURCE_ETL2PCAPNG);
    g_assert_cmpuint(view.context[PM_CARRIED_EITHER]->tid, ==, 5);
}

/* A trailer's or PCAPdroid's tag (carried_trailer.h): an app by uid, placed
 * by the direction flag; frames of the same app share one parsed set. */
static void
test_tags(fixture *f, gconstpointer data)
{
    pm_carried_tag chrome = { .kind = PM_CARRIED_PCAPDROID, .has_id = TRUE, .id = 10123,
                              .name = "Chrome", .name_len = 6,
                              .package = "com.android.chrome", .package_len = 18 };
    pm_carried_tag chrome_again = chrome;
    pm_carried_tag cut = { .kind = PM_CARRIED_TCPSHARK,
                           .malformed = "a truncated tcpshark trailer" };
    pm_frame_input out = frame(1, "10.0.0.5:40000", "192.0.2.1:443", NULL, 0,
                               PM_DIRECTION_OUTBOUND);
    pm_frame_input unknown = frame(2, "10.0.0.5:40000", "192.0.2.1:443", NULL, 0,
                                   PM_DIRECTION_UNKNOWN);
    pm_frame_input truncated = frame(3, "10.0.0.5:40000", "192.0.2.1:443", NULL, 0,
                                     PM_DIRECTION_OUTBOUND);
    pm_frame_view view;
    (void)data;

    out.tag = &chrome;
    unknown.tag = &chrome_again;
    truncated.tag = &cut;
    frame_fixture_attribute(f, &out, &view);
    g_assert_true(view.carried);
    g_assert_cmpuint(mock_refresh_count(f->h.mock), ==, 0);
    g_assert_nonnull(view.src.process);
    g_assert_cmpint(view.src.process->pid, ==, -1);
    g_assert_cmpstr(view.src.process->name, ==, "Chrome");
    g_assert_cmpstr(view.src.process->carried.package, ==, "com.android.chrome");
    g_assert_true(view.src.has_uid);
    g_assert_cmpuint(view.src.uid, ==, 10123);
    g_assert_cmpint(view.src.source, ==, PM_SOURCE_PCAPDROID);
    g_assert_cmpint(view.dst.reason, ==, PM_REASON_NOT_CARRIED);
    g_assert_cmpstr(pm_source_name(PM_SOURCE_PCAPDROID), ==, "pcapdroid");
    frame_fixture_attribute(f, &unknown, &view);
    g_assert_cmpuint(view.either.uid, ==, 10123);
    g_assert_cmpint(view.src.reason, ==, PM_REASON_SIDE_UNKNOWN);
    g_assert_cmpuint(pm_frame_engine_carried_entries(f->engine), ==, 1);
    /* Cut short: no process from it (a live lookup may answer), the problem named. */
    frame_fixture_attribute(f, &truncated, &view);
    g_assert_false(view.carried);
    g_assert_cmpstr(view.carried_malformed, ==, "a truncated tcpshark trailer");
}

static void
test_parsed_once_per_distinct_comments(fixture *f, gconstpointer data)
{
    const char *same1[] = { CURL }, *same2[] = { CURL }, *other[] = { "PID: 200\nCmd: /bin/nc" };
    pm_frame_input a = frame(1, "10.0.0.5:40000", "192.0.2.1:443", same1, 1,
                             PM_DIRECTION_OUTBOUND);
    pm_frame_input b = frame(2, "10.0.0.5:40000", "192.0.2.1:443", same2, 1,
                             PM_DIRECTION_OUTBOUND);
    pm_frame_input c = frame(3, "10.0.0.5:40000", "192.0.2.1:443", other, 1,
                             PM_DIRECTION_OUTBOUND);
    pm_frame_view va, vb, vc;
    (void)data;

    frame_fixture_attribute(f, &a, &va);
    frame_fixture_attribute(f, &b, &vb);
    frame_fixture_attribute(f, &c, &vc);
    g_assert_true(va.src.process == vb.src.process);      /* one record, shared */
    g_assert_true(va.src.process != vc.src.process);
    g_assert_cmpint(vc.src.process->pid, ==, 200);
}

static void
test_policy(fixture *f, gconstpointer data)
{
    const char *comments[] = { CURL };
    pm_frame_input input = frame(1, "10.0.0.5:40000", "192.0.2.1:443", comments, 1,
                                 PM_DIRECTION_OUTBOUND);
    pm_frame_view view;
    (void)data;

    /* Not a live lookup: it holds with live lookups off and for old frames. */
    f->policy.live_mode = PM_LIVE_NEVER;
    frame_fixture_attribute(f, &input, &view);
    g_assert_cmpint(view.src.process->pid, ==, 100);
    pm_frame_engine_reset(f->engine);
    f->policy.live_mode = PM_LIVE_AUTO;
    input.frame_time_us = f->h.now_us - SEC(3600);
    frame_fixture_attribute(f, &input, &view);
    g_assert_cmpint(view.src.process->pid, ==, 100);
    g_assert_cmpint(view.dst.reason, ==, PM_REASON_NOT_CARRIED);
    /* Without a watcher as well. */
    pm_frame_engine_reset(f->engine);
    pm_frame_engine_attribute(f->engine, NULL, &f->policy, &input, f->h.now_us, &view);
    g_assert_cmpint(view.src.process->pid, ==, 100);
}

static void
test_uncarried_frames_look_up(fixture *f, gconstpointer data)
{
    const char *note[] = { "just a note from an analyst" };
    pm_frame_input input = frame(1, "10.0.0.5:40000", "10.0.0.9:8080", note, 1,
                                 PM_DIRECTION_INBOUND);
    pm_frame_view view;
    (void)data;

    mock_add_local_address(f->h.mock, "10.0.0.9");
    frame_fixture_attribute(f, &input, &view);
    g_assert_false(view.carried);
    g_assert_cmpint(view.dst.process->pid, ==, 900);
    g_assert_cmpint(view.dst.source, ==, PM_SOURCE_LIVE);
}

static void
test_no_transport(fixture *f, gconstpointer data)
{
    const char *ping[] = { "PID: 300\nCmd: /usr/bin/ping\nArgs: ping 1.1.1.1" };
    pm_frame_input request = frame(1, "10.0.0.5:0", "1.1.1.1:0", ping, 1, PM_DIRECTION_OUTBOUND);
    pm_frame_input reply = frame(2, "1.1.1.1:0", "10.0.0.5:0", NULL, 0, PM_DIRECTION_INBOUND);
    pm_frame_view view;
    (void)data;

    request.no_transport = reply.no_transport = TRUE;
    request.has_stream = reply.has_stream = FALSE;
    frame_fixture_attribute(f, &request, &view);
    g_assert_true(view.answered);
    g_assert_cmpstr(view.src.process->name, ==, "ping");
    frame_fixture_attribute(f, &reply, &view);
    g_assert_false(view.answered);      /* no tree */
    g_assert_cmpuint(mock_refresh_count(f->h.mock), ==, 0);
}

static void
test_later_passes_keep_the_answer(fixture *f, gconstpointer data)
{
    const char *comments[] = { CURL };
    pm_frame_input carried = frame(1, "10.0.0.5:40000", "10.0.0.9:8080", comments, 1,
                                   PM_DIRECTION_OUTBOUND);
    pm_frame_input live = frame(2, "10.0.0.5:40000", "10.0.0.9:8080", NULL, 0,
                                PM_DIRECTION_UNKNOWN);
    pm_frame_view view;
    (void)data;

    mock_add_local_address(f->h.mock, "10.0.0.9");
    frame_fixture_attribute(f, &carried, &view);
    frame_fixture_attribute(f, &live, &view);
    g_assert_cmpint(view.dst.process->pid, ==, 900);
    /* Second pass: the carried frame is not back-filled from the stream. */
    frame_fixture_attribute(f, &carried, &view);
    g_assert_false(view.first_pass);
    g_assert_true(view.carried);
    g_assert_cmpint(view.src.process->pid, ==, 100);
    g_assert_null(view.dst.process);
    g_assert_cmpint(view.dst.reason, ==, PM_REASON_NOT_CARRIED);
}

/* What is wrong with what a frame carries is in its view on every pass,
 * whether or not a process was found (Expert Info shows it). */
static void
test_problems_in_the_view(fixture *f, gconstpointer data)
{
    const char *bad[] = { "PID: 12a\nCmd: /usr/bin/curl" };
    const char *half[] = { "PID: 100\nCmd: /usr/bin/curl\nUserId: x" };
    pm_frame_input unnamed = frame(1, "10.0.0.5:40000", "10.0.0.9:8080", bad, 1,
                                   PM_DIRECTION_OUTBOUND);
    pm_frame_input named = frame(2, "10.0.0.5:40000", "10.0.0.9:8080", half, 1,
                                 PM_DIRECTION_OUTBOUND);
    pm_frame_input plain = frame(3, "10.0.0.5:40000", "10.0.0.9:8080", NULL, 0,
                                 PM_DIRECTION_OUTBOUND);
    pm_frame_input ping = frame(4, "10.0.0.5:0", "1.1.1.1:0", bad, 1, PM_DIRECTION_OUTBOUND);
    pm_frame_view view;
    (void)data;

    mock_add_local_address(f->h.mock, "10.0.0.9");
    for (int pass = 0; pass < 2; pass++) {
        frame_fixture_attribute(f, &unnamed, &view);
        g_assert_false(view.carried);           /* looked up live instead */
        g_assert_cmpint(view.dst.process->pid, ==, 900);
        g_assert_cmpstr(view.carried_malformed, ==, "a malformed or out-of-range PID");
        g_assert_false(view.carried_unresolved);
        frame_fixture_attribute(f, &named, &view);
        g_assert_true(view.carried);
        g_assert_cmpint(view.src.process->pid, ==, 100);
        g_assert_cmpstr(view.carried_malformed, ==, "a malformed or out-of-range UserId");
        frame_fixture_attribute(f, &plain, &view);
        g_assert_null(view.carried_malformed);
    }
    /* No transport header: nothing to show, but what is wrong is said. */
    ping.no_transport = TRUE;
    ping.has_stream = FALSE;
    frame_fixture_attribute(f, &ping, &view);
    g_assert_false(view.answered);
    g_assert_cmpstr(view.carried_malformed, ==, "a malformed or out-of-range PID");
}

/* A file whose every packet carries other comments: the cache stays within
 * its budget, and a frame whose set it forgot is asked for its comments
 * again and answered as the first time, whatever the order of the passes. */
static void
test_bounded_with_distinct_comments(fixture *f, gconstpointer data)
{
    enum { FRAMES = 2000, BUDGET = 8 };
    char **texts = g_new0(char *, FRAMES + 1);
    guint asked_again = 0;
    (void)data;

    pm_frame_engine_set_carried_budget(f->engine, BUDGET, 1024 * 1024);
    for (guint i = 0; i < FRAMES; i++)
        texts[i] = g_strdup_printf("PID: %u\nCmd: /usr/bin/p%u", 1000 + i, i);
    for (int pass = 0; pass < 3; pass++) {
        for (guint k = 0; k < FRAMES; k++) {
            /* Forwards, backwards, then scattered (a GUI jumping around). */
            guint i = pass == 0 ? k : pass == 1 ? FRAMES - 1 - k : (k * 7919u) % FRAMES;
            gboolean known = pm_frame_engine_known(f->engine, i + 1);
            const char *comments[] = { texts[i] };
            pm_frame_input input = frame(i + 1, "10.0.0.5:40000", "192.0.2.1:443",
                                         known ? NULL : comments, known ? 0 : 1,
                                         PM_DIRECTION_OUTBOUND);
            pm_frame_view view;

            if (pass > 0 && !known)
                asked_again++;
            frame_fixture_attribute(f, &input, &view);
            g_assert_true(view.carried);
            g_assert_nonnull(view.src.process);
            g_assert_cmpint(view.src.process->pid, ==, 1000 + (gint)i);
            g_assert_cmpuint(view.src.source, ==, PM_SOURCE_PTCPDUMP);
            g_assert_cmpuint(pm_frame_engine_carried_entries(f->engine), <=, BUDGET);
        }
    }
    /* Later passes re-read almost every frame: they were forgotten. */
    g_assert_cmpuint(asked_again, >=, 2 * (FRAMES - BUDGET));
    g_assert_cmpuint(mock_refresh_count(f->h.mock), ==, 0);     /* never a live lookup */
    g_strfreev(texts);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name) \
    g_test_add("/carried-frames/" #name, fixture, NULL, fixture_setup, test_##name, \
               fixture_teardown)
    ADD(carried_wins_without_lookup);
    ADD(loopback_goes_to_either);
    ADD(no_direction_goes_to_either);
    ADD(parsed_once_per_distinct_comments);
    ADD(tags);
    ADD(policy);
    ADD(uncarried_frames_look_up);
    ADD(no_transport);
    ADD(later_passes_keep_the_answer);
    ADD(problems_in_the_view);
    ADD(bounded_with_distinct_comments);
#undef ADD
    return g_test_run();
}
