/* frame_attribution.c - one answer per frame, under Wireshark's dissection
 * model.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "frame_attribution.h"

#include <string.h>

/* The stored answer of a frame. */
typedef struct {
    pm_frame_side src;
    pm_frame_side dst;
    guint8        stored : 1;
    guint8        icmp_quoted : 1;
} frame_record;

typedef struct {
    guint8      transport;
    guint32     stream;
    pm_endpoint endpoint;
} stream_end_key;

/* What a stream end resolved to: the first answer (for frames before it)
 * and the latest (for frames after it whose own lookup missed). */
typedef struct {
    pm_frame_side first;
    guint32       first_frame;
    pm_frame_side latest;
} stream_end;

struct pm_frame_engine {
    GArray     *frames;       /* frame_record, index = frame number */
    GHashTable *stream_ends;  /* stream_end_key* -> stream_end* */
    GHashTable *processes;    /* pm_process* set: the references the records borrow */
    GHashTable *user_names;   /* uid + 1 -> char* */
};

static guint
stream_end_hash(gconstpointer key)
{
    const stream_end_key *k = key;
    return (k->stream * 2654435761u) ^ pm_endpoint_hash(&k->endpoint) ^ k->transport;
}

static gboolean
stream_end_equal(gconstpointer a, gconstpointer b)
{
    const stream_end_key *x = a, *y = b;
    return x->transport == y->transport && x->stream == y->stream &&
           pm_endpoint_equal(&x->endpoint, &y->endpoint);
}

pm_frame_engine *
pm_frame_engine_new(void)
{
    pm_frame_engine *engine = g_new0(pm_frame_engine, 1);

    engine->frames = g_array_new(FALSE, TRUE, sizeof(frame_record));
    engine->stream_ends = g_hash_table_new_full(stream_end_hash, stream_end_equal,
                                                g_free, g_free);
    engine->processes = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                              (GDestroyNotify)pm_process_unref, NULL);
    engine->user_names = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    return engine;
}

void
pm_frame_engine_reset(pm_frame_engine *engine)
{
    g_array_set_size(engine->frames, 0);
    g_hash_table_remove_all(engine->stream_ends);
    g_hash_table_remove_all(engine->processes);
    g_hash_table_remove_all(engine->user_names);
}

void
pm_frame_engine_free(pm_frame_engine *engine)
{
    if (engine == NULL)
        return;
    g_array_unref(engine->frames);
    g_hash_table_unref(engine->stream_ends);
    g_hash_table_unref(engine->processes);
    g_hash_table_unref(engine->user_names);
    g_free(engine);
}

const char *
pm_frame_engine_user_name(pm_frame_engine *engine, guint32 uid)
{
    return g_hash_table_lookup(engine->user_names, GUINT_TO_POINTER(uid + 1));
}

/* The engine holds one reference per distinct process for all its frames. */
static pm_process *
keep_process(pm_frame_engine *engine, pm_process *process)
{
    if (process != NULL && !g_hash_table_contains(engine->processes, process))
        g_hash_table_add(engine->processes, pm_process_ref(process));
    return process;
}

static pm_why
why_of_reason(pm_reason reason)
{
    switch (reason) {
    case PM_REASON_FOUND:              return PM_WHY_NONE;
    case PM_REASON_NOT_LOCAL:          return PM_WHY_NOT_LOCAL;
    case PM_REASON_NO_SOCKET:          return PM_WHY_NO_SOCKET;
    case PM_REASON_OWNER_UNREADABLE:   return PM_WHY_NO_PERMISSION;
    case PM_REASON_OWNER_GONE:         return PM_WHY_OWNER_GONE;
    case PM_REASON_REFRESH_SUPPRESSED: return PM_WHY_REFRESH_SUPPRESSED;
    case PM_REASON_BACKEND_FAILED:     return PM_WHY_BACKEND_FAILED;
    }
    return PM_WHY_NO_SOCKET;
}

static void
side_from_answer(pm_frame_engine *engine, const pm_endpoint_answer *answer, pm_frame_side *side)
{
    memset(side, 0, sizeof *side);
    side->process = keep_process(engine, answer->process);
    side->source = answer->process ? PM_SOURCE_LIVE : PM_SOURCE_NONE;
    side->why = (guint8)why_of_reason(answer->reason);
    side->match = (guint8)answer->match;
    side->owner_count = (guint16)MIN(answer->owner_count, G_MAXUINT16);
    side->has_uid = answer->has_uid;
    side->uid = answer->uid;
    side->v6only_assumed = answer->v6only_assumed;
    if (answer->has_uid && answer->user &&
        !g_hash_table_contains(engine->user_names, GUINT_TO_POINTER(answer->uid + 1)))
        g_hash_table_insert(engine->user_names, GUINT_TO_POINTER(answer->uid + 1),
                            g_strdup(answer->user));
}

static void
side_set_why(pm_frame_side *side, pm_why why)
{
    memset(side, 0, sizeof *side);
    side->why = (guint8)why;
}

/* Whether a live lookup can say anything true about this frame now. */
static pm_why
live_lookup_verdict(const pm_frame_policy *policy, pm_watcher *watcher,
                    gint64 frame_time_us, gint64 now_us)
{
    if (!policy->enabled)
        return PM_WHY_DISABLED;
    if (policy->live_mode == PM_LIVE_NEVER)
        return PM_WHY_LIVE_OFF;
    if (watcher == NULL)
        return PM_WHY_BACKEND_FAILED;
    if (policy->live_mode == PM_LIVE_AUTO) {
        gint64 age = now_us - frame_time_us;
        if (age > policy->live_window_us || age < -policy->live_window_us)
            return PM_WHY_TOO_OLD;
    }
    return PM_WHY_NONE;
}

static stream_end *
find_stream_end(pm_frame_engine *engine, const pm_frame_input *input, const pm_endpoint *endpoint)
{
    stream_end_key key;

    if (!input->has_stream || input->icmp_quoted)
        return NULL;
    memset(&key, 0, sizeof key);
    key.transport = (guint8)input->transport;
    key.stream = input->stream;
    key.endpoint = *endpoint;
    return g_hash_table_lookup(engine->stream_ends, &key);
}

/* First pass: a resolved side teaches the stream; a missed side learns from
 * an earlier frame of the stream. */
static void
stick_to_stream(pm_frame_engine *engine, const pm_frame_input *input,
                const pm_endpoint *endpoint, pm_frame_side *side)
{
    stream_end *end;

    if (!input->has_stream || input->icmp_quoted)
        return;     /* an ICMP error is not part of the quoted stream */
    end = find_stream_end(engine, input, endpoint);
    if (side->process != NULL) {
        if (end == NULL) {
            stream_end_key *key = g_new0(stream_end_key, 1);
            key->transport = (guint8)input->transport;
            key->stream = input->stream;
            key->endpoint = *endpoint;
            end = g_new0(stream_end, 1);
            end->first = *side;
            end->first_frame = input->frame_number;
            g_hash_table_insert(engine->stream_ends, key, end);
        }
        end->latest = *side;
    } else if (end != NULL && side->why != PM_WHY_NOT_LOCAL && side->why != PM_WHY_DISABLED) {
        *side = end->latest;
        side->source = PM_SOURCE_STREAM;
    }
}

/* Later passes: a side that missed takes the stream's first answer if that
 * came from a later frame. */
static void
backfill_from_stream(pm_frame_engine *engine, const pm_frame_input *input,
                     const pm_endpoint *endpoint, pm_frame_side *side)
{
    stream_end *end;

    if (side->process != NULL || side->why == PM_WHY_NOT_LOCAL || side->why == PM_WHY_DISABLED)
        return;
    end = find_stream_end(engine, input, endpoint);
    if (end != NULL && end->first_frame > input->frame_number) {
        *side = end->first;
        side->source = PM_SOURCE_STREAM_LATER;
    }
}

static void
compute(pm_frame_engine *engine, pm_watcher *watcher, const pm_frame_policy *policy,
        const pm_frame_input *input, gint64 now_us, frame_record *record)
{
    pm_why verdict = live_lookup_verdict(policy, watcher, input->frame_time_us, now_us);

    record->stored = TRUE;
    record->icmp_quoted = input->icmp_quoted;
    if (verdict != PM_WHY_NONE) {
        side_set_why(&record->src, verdict);
        side_set_why(&record->dst, verdict);
    } else if (input->icmp_quoted) {
        /* The error goes back to the quoted packet's sender: that is the
         * process this frame is for.  Its source is a network stack. */
        pm_endpoint_answer answer;
        pm_watcher_lookup_endpoint(watcher, input->transport, &input->src, &input->dst,
                                   input->frame_time_us, &answer);
        side_from_answer(engine, &answer, &record->dst);
        pm_endpoint_answer_clear(&answer);
        side_set_why(&record->src, PM_WHY_ICMP_ERROR);
    } else {
        pm_tuple_answer answer;
        pm_watcher_lookup_tuple(watcher, input->transport, &input->src, &input->dst,
                                input->frame_time_us, &answer);
        side_from_answer(engine, &answer.src, &record->src);
        side_from_answer(engine, &answer.dst, &record->dst);
        pm_tuple_answer_clear(&answer);
    }
    if (policy->enabled && !input->icmp_quoted) {
        stick_to_stream(engine, input, &input->src, &record->src);
        stick_to_stream(engine, input, &input->dst, &record->dst);
    }
}

void
pm_frame_engine_attribute(pm_frame_engine *engine, pm_watcher *watcher,
                          const pm_frame_policy *policy, const pm_frame_input *input,
                          gint64 now_us, pm_frame_view *out)
{
    frame_record *record;

    memset(out, 0, sizeof *out);
    if (input->frame_number >= engine->frames->len)
        g_array_set_size(engine->frames, input->frame_number + 1);
    record = &g_array_index(engine->frames, frame_record, input->frame_number);
    if (!record->stored) {
        compute(engine, watcher, policy, input, now_us, record);
        out->first_pass = TRUE;
    }
    out->src = record->src;
    out->dst = record->dst;
    out->icmp_quoted = record->icmp_quoted;
    if (!out->first_pass && !record->icmp_quoted) {
        backfill_from_stream(engine, input, &input->src, &out->src);
        backfill_from_stream(engine, input, &input->dst, &out->dst);
    }
}

static const char *const source_names[PM_SOURCE_COUNT] = {
    [PM_SOURCE_NONE] = "none",
    [PM_SOURCE_LIVE] = "live",
    [PM_SOURCE_STREAM] = "stream",
    [PM_SOURCE_STREAM_LATER] = "stream-later",
};

static const char *const source_descriptions[PM_SOURCE_COUNT] = {
    [PM_SOURCE_NONE] = "no process",
    [PM_SOURCE_LIVE] = "live lookup on this host when the frame was first dissected",
    [PM_SOURCE_STREAM] = "from an earlier frame of the same stream (the socket was gone)",
    [PM_SOURCE_STREAM_LATER] = "from a later frame of the same stream",
};

static const char *const why_names[PM_WHY_COUNT] = {
    [PM_WHY_NONE] = "none",
    [PM_WHY_NOT_LOCAL] = "not-local",
    [PM_WHY_NO_SOCKET] = "no-socket",
    [PM_WHY_NO_PERMISSION] = "no-permission",
    [PM_WHY_OWNER_GONE] = "owner-gone",
    [PM_WHY_REFRESH_SUPPRESSED] = "refresh-suppressed",
    [PM_WHY_BACKEND_FAILED] = "backend-failed",
    [PM_WHY_TOO_OLD] = "too-old",
    [PM_WHY_LIVE_OFF] = "live-lookups-off",
    [PM_WHY_DISABLED] = "disabled",
    [PM_WHY_ICMP_ERROR] = "icmp-error",
};

static const char *const why_descriptions[PM_WHY_COUNT] = {
    [PM_WHY_NONE] = "attributed",
    [PM_WHY_NOT_LOCAL] = "not a local address",
    [PM_WHY_NO_SOCKET] = "no socket has this address and port",
    [PM_WHY_NO_PERMISSION] = "no permission to see the socket's owner",
    [PM_WHY_OWNER_GONE] = "the socket exists but no process holds it",
    [PM_WHY_REFRESH_SUPPRESSED] = "not in the socket table; refreshed too recently to look again",
    [PM_WHY_BACKEND_FAILED] = "the socket table could not be read",
    [PM_WHY_TOO_OLD] = "frame too old for a live lookup",
    [PM_WHY_LIVE_OFF] = "live lookups are off",
    [PM_WHY_DISABLED] = "process attribution is disabled",
    [PM_WHY_ICMP_ERROR] = "sent by a network stack (ICMP error)",
};

const char *
pm_source_name(pm_source source)
{
    return (unsigned)source < PM_SOURCE_COUNT ? source_names[source] : "unknown";
}

const char *
pm_source_description(pm_source source)
{
    return (unsigned)source < PM_SOURCE_COUNT ? source_descriptions[source] : "unknown";
}

const char *
pm_why_name(pm_why why)
{
    return (unsigned)why < PM_WHY_COUNT ? why_names[why] : "unknown";
}

const char *
pm_why_description(pm_why why)
{
    return (unsigned)why < PM_WHY_COUNT ? why_descriptions[why] : "unknown";
}
