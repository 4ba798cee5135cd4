/* frame_attribution.c - one answer per frame, under Wireshark's dissection
 * model.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "frame_attribution_private.h"

#include <string.h>

/* Interned values are compared field by field: padding never counts. */
static guint
side_hash(gconstpointer data)
{
    const pm_frame_side *side = data;

    return (GPOINTER_TO_UINT(side->process) * 2654435761u) ^ (side->uid * 40503u) ^
           ((guint)side->owner_count << 16) ^ ((guint)side->source << 8) ^
           ((guint)side->reason << 4) ^ side->match ^ ((guint)side->has_uid << 24) ^
           ((guint)side->v6only_assumed << 25);
}

static gboolean
side_equal(gconstpointer a, gconstpointer b)
{
    const pm_frame_side *x = a, *y = b;

    return x->process == y->process && x->uid == y->uid && x->owner_count == y->owner_count &&
           x->source == y->source && x->reason == y->reason && x->match == y->match &&
           x->has_uid == y->has_uid && x->v6only_assumed == y->v6only_assumed;
}

static guint
record_hash(gconstpointer data)
{
    const frame_record *r = data;

    return (r->src * 2654435761u) ^ (r->dst * 40503u) ^ (r->stream * 2246822519u) ^
           (r->carried * 3266489917u) ^ ((guint)r->placed << 24) ^ ((guint)r->transport << 16) ^
           ((guint)r->icmp_quoted << 8) ^ ((guint)r->empty << 9) ^ ((guint)r->has_stream << 10);
}

static gboolean
record_equal(gconstpointer a, gconstpointer b)
{
    const frame_record *x = a, *y = b;

    return x->src == y->src && x->dst == y->dst && x->carried == y->carried &&
           x->stream == y->stream && x->placed == y->placed && x->transport == y->transport &&
           x->icmp_quoted == y->icmp_quoted && x->empty == y->empty &&
           x->has_stream == y->has_stream;
}

pm_frame_engine *
pm_frame_engine_new(void)
{
    pm_frame_engine *engine = g_new0(pm_frame_engine, 1);

    engine->frames = g_ptr_array_new_with_free_func(g_free);
    engine->records = pm_intern_pool_new(sizeof(frame_record), record_hash, record_equal);
    engine->sides = pm_intern_pool_new(sizeof(pm_frame_side), side_hash, side_equal);
    for (guint t = 0; t < PM_TRANSPORT_COUNT; t++)
        engine->streams[t] = g_array_new(FALSE, TRUE, sizeof(guint32));
    engine->node_chunks = g_ptr_array_new_with_free_func(g_free);
    engine->processes = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                              (GDestroyNotify)pm_process_unref, NULL);
    engine->user_names = pm_user_names_new(NULL);
    engine->carried = pm_carried_cache_new(PM_CARRIED_CACHE_ENTRIES, PM_CARRIED_CACHE_BYTES);
    return engine;
}

void
pm_frame_engine_reset(pm_frame_engine *engine)
{
    g_ptr_array_set_size(engine->frames, 0);
    pm_intern_pool_clear(engine->records);
    pm_intern_pool_clear(engine->sides);
    for (guint t = 0; t < PM_TRANSPORT_COUNT; t++)
        g_array_set_size(engine->streams[t], 0);
    g_ptr_array_set_size(engine->node_chunks, 0);
    engine->n_nodes = 0;
    g_hash_table_remove_all(engine->processes);
    pm_user_names_clear(engine->user_names);
    engine->kept[0] = engine->kept[1] = NULL;
    engine->named_uid_plus_one = 0;
    memset(engine->memos, 0, sizeof engine->memos);
    pm_carried_cache_reset(engine->carried);
}

void
pm_frame_engine_free(pm_frame_engine *engine)
{
    if (engine == NULL)
        return;
    g_ptr_array_unref(engine->frames);
    pm_intern_pool_free(engine->records);
    pm_intern_pool_free(engine->sides);
    for (guint t = 0; t < PM_TRANSPORT_COUNT; t++)
        g_array_unref(engine->streams[t]);
    g_ptr_array_unref(engine->node_chunks);
    g_hash_table_unref(engine->processes);
    pm_user_names_free(engine->user_names);
    pm_carried_cache_free(engine->carried);
    g_free(engine);
}

void
pm_frame_engine_set_carried_budget(pm_frame_engine *engine, guint max_entries, gsize max_bytes)
{
    pm_carried_cache_free(engine->carried);
    engine->carried = pm_carried_cache_new(max_entries, max_bytes);
}

guint
pm_frame_engine_distinct_records(pm_frame_engine *engine)
{
    return pm_intern_pool_size(engine->records);
}

guint
pm_frame_engine_carried_entries(pm_frame_engine *engine)
{
    return pm_carried_cache_size(engine->carried);
}

const char *
pm_frame_engine_user_name(pm_frame_engine *engine, guint32 uid)
{
    return pm_user_names_get(engine->user_names, uid);
}

/* The engine holds one reference per distinct process for all its frames. */
static pm_process *
keep_process(pm_frame_engine *engine, pm_process *process)
{
    if (process == NULL || process == engine->kept[0] || process == engine->kept[1])
        return process;
    if (!g_hash_table_contains(engine->processes, process))
        g_hash_table_add(engine->processes, pm_process_ref(process));
    engine->kept[1] = engine->kept[0];
    engine->kept[0] = process;
    return process;
}

static void
side_from_answer(pm_frame_engine *engine, const pm_endpoint_answer *answer, pm_frame_side *side)
{
    memset(side, 0, sizeof *side);
    side->process = keep_process(engine, answer->process);
    side->source = answer->process ? PM_SOURCE_LIVE : PM_SOURCE_NONE;
    side->reason = (guint8)answer->reason;
    side->match = (guint8)answer->match;
    side->owner_count = (guint16)MIN(answer->owner_count, G_MAXUINT16);
    side->has_uid = answer->has_uid;
    side->uid = answer->uid;
    side->v6only_assumed = answer->v6only_assumed;
    if (answer->has_uid && answer->user && answer->uid + 1 != engine->named_uid_plus_one) {
        pm_user_names_remember(engine->user_names, answer->uid, answer->user);
        engine->named_uid_plus_one = answer->uid + 1;
    }
}

static void
side_set_reason(pm_frame_side *side, pm_reason reason)
{
    memset(side, 0, sizeof *side);
    side->reason = (guint8)reason;
}

/* Whether a live lookup can say anything true about this frame now: only
 * for a frame of this host.  Another host's frame says so whatever its age;
 * a frame of unknown origin says too-old when it is, as that holds anyway. */
static pm_reason
live_lookup_verdict(const pm_frame_policy *policy, pm_watcher *watcher,
                    const pm_frame_input *input, gint64 now_us)
{
    if (policy->live_mode == PM_LIVE_NEVER)
        return PM_REASON_LIVE_OFF;
    if (input->capture_host == PM_CAPTURED_ELSEWHERE)
        return PM_REASON_OTHER_HOST;
    if (watcher == NULL)
        return PM_REASON_BACKEND_FAILED;
    if (policy->live_mode == PM_LIVE_AUTO) {
        gint64 age = now_us - input->frame_time_us;
        if (age > policy->live_window_us || age < -policy->live_window_us)
            return PM_REASON_TOO_OLD;
    }
    if (input->capture_host != PM_CAPTURED_HERE)
        return PM_REASON_HOST_UNKNOWN;
    return PM_REASON_FOUND;
}

/* ---- the answer --------------------------------------------------------- */

/* The record id slot of a frame; NULL if it has none and @create is FALSE. */
static guint32 *
find_slot(pm_frame_engine *engine, guint32 frame_number, gboolean create)
{
    guint chunk = frame_number / FRAME_CHUNK;

    if (chunk >= engine->frames->len) {
        if (!create)
            return NULL;
        g_ptr_array_set_size(engine->frames, (gint)chunk + 1);
    }
    if (g_ptr_array_index(engine->frames, chunk) == NULL) {
        if (!create)
            return NULL;
        g_ptr_array_index(engine->frames, chunk) = g_new0(guint32, FRAME_CHUNK);
    }
    return &((guint32 *)g_ptr_array_index(engine->frames, chunk))[frame_number % FRAME_CHUNK];
}

/* The stored record of a frame; NULL if it has none. */
static const frame_record *
find_record(pm_frame_engine *engine, guint32 frame_number)
{
    const guint32 *slot = find_slot(engine, frame_number, FALSE);

    return slot != NULL && *slot != 0 ? pm_intern_pool_get(engine->records, SLOT_RECORD(*slot))
                                      : NULL;
}

/* A total order of endpoints (which end a shared record holds first). */
static int
endpoint_order(const pm_endpoint *a, const pm_endpoint *b)
{
    int by_addr;

    if (a->addr.family != b->addr.family)
        return a->addr.family < b->addr.family ? -1 : 1;
    by_addr = memcmp(a->addr.bytes, b->addr.bytes, sizeof a->addr.bytes);
    if (by_addr != 0)
        return by_addr;
    return a->port < b->port ? -1 : a->port > b->port;
}

/* A frame's record, interned.  Consecutive frames of a stream mostly share
 * one, and the streams of a busy file interleave: the stream's last record
 * is compared before the pool hashes. */
static guint32
keep_record(pm_frame_engine *engine, const frame_record *record)
{
    guint32 node = record->has_stream ? find_stream(engine, record->transport, record->stream)
                                      : 0;
    stream_node *head = node != 0 ? node_at(engine, node) : NULL;
    guint32 id;

    if (head != NULL && head->last_record != 0 &&
        record_equal(pm_intern_pool_get(engine->records, head->last_record), record))
        return head->last_record;
    id = pm_intern_pool_add(engine->records, record);
    if (head != NULL)
        head->last_record = id;
    return id;
}

/* The first dissection of a frame: its slot (record id, and which way). */
static guint32
compute(pm_frame_engine *engine, pm_watcher *watcher, const pm_frame_policy *policy,
        const pm_frame_input *input, gint64 now_us)
{
    pm_reason verdict = live_lookup_verdict(policy, watcher, input, now_us);
    frame_record record;
    pm_frame_side src, dst;
    guint32 src_id = 0, dst_id = 0;
    gboolean from_capture;
    /* The stream's last live answer: used for this frame, or kept for the
     * next (both answers promised stable, in one epoch), or neither. */
    enum { MEMO_NONE, MEMO_USED, MEMO_KEEP } memo = MEMO_NONE;
    guint64 memo_epoch = 0;
    gint64 memo_until_us = 0;

    memset(&record, 0, sizeof record);
    memset(&src, 0, sizeof src);
    memset(&dst, 0, sizeof dst);
    record.icmp_quoted = input->icmp_quoted;
    /* An ICMP error is not part of the quoted stream.  A frame not captured
     * here neither teaches nor learns its stream's processes: a stream seen
     * on a local and a remote interface is one tcp.stream. */
    record.has_stream = input->has_stream && !input->icmp_quoted && !input->no_transport &&
                        input->capture_host == PM_CAPTURED_HERE &&
                        STREAM_PLAUSIBLE(input->stream, input->frame_number);
    record.transport = (guint8)input->transport;
    record.stream = input->stream;
    /* What the capture carries is not a live lookup: it holds for frames
     * of any age, with live lookups off, without a watcher. */
    from_capture = pm_frame_compute_carried(engine, input, &record) != NULL;

    if (from_capture) {
        /* nothing more: the sides come from the carried set */
    } else if (input->no_transport) {
        record.empty = TRUE;
    } else if (verdict != PM_REASON_FOUND) {
        side_set_reason(&src, verdict);
        side_set_reason(&dst, verdict);
    } else if (input->icmp_quoted) {
        /* The error goes back to the quoted packet's sender: that is the
         * process this frame is for.  Its source is a network stack. */
        pm_endpoint_answer answer;
        pm_watcher_lookup_endpoint(watcher, input->transport, &input->src, &input->dst,
                                   input->frame_time_us, &answer);
        side_from_answer(engine, &answer, &dst);
        pm_endpoint_answer_clear(&answer);
        side_set_reason(&src, PM_REASON_ICMP_ERROR);
    } else if (record.has_stream
               && pm_frame_stream_memo_get(engine, watcher, input, &src_id, &dst_id)) {
        /* The stream's last frame asked the same, and nothing the answer
         * rests on has changed since (frame_streams.c). */
        pm_watcher_note_reused(watcher, 2);
        memo = MEMO_USED;
    } else {
        pm_tuple_answer answer;
        guint64 epoch = pm_watcher_epoch(watcher);

        pm_watcher_lookup_tuple(watcher, input->transport, &input->src, &input->dst,
                                input->frame_time_us, &answer);
        side_from_answer(engine, &answer.src, &src);
        side_from_answer(engine, &answer.dst, &dst);
        if (answer.src.stable_until_us != 0 && answer.dst.stable_until_us != 0
            && epoch == pm_watcher_epoch(watcher)) {
            memo = MEMO_KEEP;
            memo_epoch = epoch;
            memo_until_us = MIN(answer.src.stable_until_us, answer.dst.stable_until_us);
        }
        pm_tuple_answer_clear(&answer);
    }
    if (record.has_stream && !from_capture && !record.empty && memo != MEMO_USED) {
        src_id = pm_frame_stick_to_stream(engine, input, &input->src, &src);
        dst_id = pm_frame_stick_to_stream(engine, input, &input->dst, &dst);
    }
    if (src_id == 0)
        src_id = keep_side(engine, &src);
    if (dst_id == 0)
        dst_id = keep_side(engine, &dst);
    /* What the stream's ends teach (above) changes only with its own
     * frames: the kept ids are what the next frame would get. */
    if (record.has_stream && !from_capture && !record.empty && memo != MEMO_USED)
        pm_frame_stream_memo_set(engine, input, src_id, dst_id,
                                 memo == MEMO_KEEP ? memo_epoch : 0, memo_until_us);
    /* Both directions of a stream share a record: its ends in address
     * order.  A carried placement is by direction: kept as it is. */
    if (!from_capture && endpoint_order(&input->src, &input->dst) > 0) {
        record.src = dst_id;
        record.dst = src_id;
        return keep_record(engine, &record) | SLOT_SWAPPED;
    }
    record.src = src_id;
    record.dst = dst_id;
    return keep_record(engine, &record);
}

gboolean
pm_frame_engine_known(pm_frame_engine *engine, guint32 frame_number)
{
    const frame_record *record = find_record(engine, frame_number);

    /* A frame whose carried set was forgotten needs what it carries again. */
    return record != NULL &&
           (record->carried == 0 || pm_carried_cache_contains(engine->carried, record->carried));
}

void
pm_frame_engine_attribute(pm_frame_engine *engine, pm_watcher *watcher,
                          const pm_frame_policy *policy, const pm_frame_input *input,
                          gint64 now_us, pm_frame_view *out)
{
    guint32 *slot;
    const frame_record *record;
    const pm_carried_entry *entry = NULL;
    gboolean swapped;

    memset(out, 0, sizeof *out);
    slot = find_slot(engine, input->frame_number, TRUE);
    if (*slot == 0) {
        *slot = compute(engine, watcher, policy, input, now_us);
        out->first_pass = TRUE;
    }
    record = pm_intern_pool_get(engine->records, SLOT_RECORD(*slot));
    swapped = (*slot & SLOT_SWAPPED) != 0;
    if (record->carried != 0) {
        entry = pm_carried_cache_get(engine->carried, record->carried);
        if (entry == NULL) {
            /* Forgotten: parsed again from what the frame carries (the glue
             * gives it when pm_frame_engine_known() says FALSE).  The same
             * bytes read the same: the stored placement holds.  The record
             * may be shared: this frame gets a copy with the new id. */
            frame_record again;
            guint32 id;

            entry = pm_frame_carried_lookup(engine, input, &id);
            if (entry == NULL)
                return;         /* not given: no answer this time, asked again next */
            again = *record;
            again.carried = id;
            *slot = pm_intern_pool_add(engine->records, &again) | (swapped ? SLOT_SWAPPED : 0);
            record = pm_intern_pool_get(engine->records, SLOT_RECORD(*slot));
        }
    }
    out->answered = !record->empty;
    out->src = *side_of(engine, swapped ? record->dst : record->src);
    out->dst = *side_of(engine, swapped ? record->src : record->dst);
    out->icmp_quoted = record->icmp_quoted;
    if (entry != NULL) {
        out->carried_malformed = entry->parsed.malformed;
        out->carried_unresolved = entry->parsed.unresolved;
    }
    if (answers(entry)) {
        out->carried = TRUE;
        pm_frame_carried_side(record, entry, PM_CARRIED_SRC, &out->src);
        pm_frame_carried_side(record, entry, PM_CARRIED_DST, &out->dst);
        pm_frame_carried_side(record, entry, PM_CARRIED_EITHER, &out->either);
        for (int slot_index = 0; slot_index < PM_CARRIED_SLOTS; slot_index++) {
            guint index = placed_index(record, slot_index);
            if (index != NO_SLOT)
                out->context[slot_index] = &entry->parsed.process[index].context;
        }
    } else if (!out->first_pass && record->has_stream && !input->no_transport) {
        /* The stream the first pass saw: a later pass may find it another
         * way (taps or not), or not at all. */
        guint32 node = find_stream(engine, record->transport, record->stream);
        pm_frame_backfill_from_stream(engine, node, input->frame_number, &input->src, &out->src);
        pm_frame_backfill_from_stream(engine, node, input->frame_number, &input->dst, &out->dst);
    }
}
