/* frame_fixture.h - what the frame engine's unit tests share: an engine over
 * the watcher of the mock backend (tests/watcher/mock_backend.h: a scripted
 * host and a fake clock), the live-lookup policy it is asked with, and TCP
 * frames written as text.  Each test file adds its host's processes in its
 * own setup.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_TESTS_FRAME_FIXTURE_H
#define PROCMAP_TESTS_FRAME_FIXTURE_H

#include "frame_attribution.h"
#include "mock_backend.h"

typedef struct {
    harness          h;
    pm_frame_engine *engine;
    pm_frame_policy  policy;
} frame_fixture;

static inline void
frame_fixture_init(frame_fixture *f, pm_live_mode live_mode)
{
    harness_init(&f->h, NULL);
    f->engine = pm_frame_engine_new();
    f->policy.live_mode = live_mode;
    f->policy.live_window_us = SEC(30);
}

static inline void
frame_fixture_clear(frame_fixture *f)
{
    pm_frame_engine_free(f->engine);
    harness_clear(&f->h);
}

/* Frame @number, TCP from @src to @dst ("a.b.c.d:port", "[v6]:port") in
 * stream @stream, captured at @time_us. */
static inline pm_frame_input
frame_fixture_tcp(guint32 number, const char *src, const char *dst, guint32 stream,
                  gint64 time_us)
{
    pm_frame_input input = { 0 };

    input.frame_number = number;
    input.transport = PM_TRANSPORT_TCP;
    input.src = parse_endpoint(src);
    input.dst = parse_endpoint(dst);
    input.has_stream = TRUE;
    input.stream = stream;
    input.frame_time_us = time_us;
    return input;
}

/* Attributes @input now (the fake clock's now). */
static inline void
frame_fixture_attribute(frame_fixture *f, const pm_frame_input *input, pm_frame_view *view)
{
    pm_frame_engine_attribute(f->engine, f->h.watcher, &f->policy, input, f->h.now_us, view);
}

#endif /* PROCMAP_TESTS_FRAME_FIXTURE_H */
