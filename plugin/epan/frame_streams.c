/* frame_streams.c - the stream-ends table: what each end of a TCP/UDP
 * stream resolved to, so that a frame whose own lookup missed takes the
 * answer an earlier (first pass) or later (later passes) frame of its
 * stream had.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "frame_attribution_private.h"

static guint32
new_node(pm_frame_engine *engine)
{
    if (engine->n_nodes % NODE_CHUNK == 0)
        g_ptr_array_add(engine->node_chunks, g_new0(stream_node, NODE_CHUNK));
    return ++engine->n_nodes;
}

static stream_end *
find_end(const pm_frame_engine *engine, guint32 node, const pm_endpoint *endpoint)
{
    for (; node != 0; node = node_at(engine, node)->more) {
        stream_node *ends = node_at(engine, node);

        for (guint i = 0; i < ends->n_ends; i++) {
            if (pm_endpoint_equal(&ends->ends[i].endpoint, endpoint))
                return &ends->ends[i];
        }
    }
    return NULL;
}

static stream_end *
add_end(pm_frame_engine *engine, guint8 transport, guint32 stream, const pm_endpoint *endpoint)
{
    GArray *heads = engine->streams[transport % PM_TRANSPORT_COUNT];
    guint32 node = find_stream(engine, transport, stream);
    stream_node *last;

    if (node == 0) {
        node = new_node(engine);
        if (stream >= heads->len)
            g_array_set_size(heads, stream + 1);
        g_array_index(heads, guint32, stream) = node;
    }
    for (last = node_at(engine, node); last->n_ends == G_N_ELEMENTS(last->ends);
         last = node_at(engine, last->more)) {
        if (last->more == 0) {
            guint32 more = new_node(engine);
            last->more = more;
        }
    }
    last->ends[last->n_ends].endpoint = *endpoint;
    return &last->ends[last->n_ends++];
}

/* First pass: a resolved side teaches the stream; a missed side learns from
 * an earlier frame of the stream.  Returns the side's id if it was kept
 * here (0: not yet). */
guint32
pm_frame_stick_to_stream(pm_frame_engine *engine, const pm_frame_input *input,
                const pm_endpoint *endpoint, pm_frame_side *side)
{
    guint8 transport = (guint8)input->transport;
    stream_end *end = find_end(engine, find_stream(engine, transport, input->stream), endpoint);

    if (side->process != NULL) {
        guint32 id = keep_side(engine, side);

        if (end == NULL) {
            end = add_end(engine, transport, input->stream, endpoint);
            end->first = id;
            end->first_frame = input->frame_number;
        }
        end->latest = id;
        return id;
    }
    if (end != NULL && !final_without_process(side->reason)) {
        *side = *side_of(engine, end->latest);
        side->source = PM_SOURCE_STREAM;
    }
    return 0;
}

/* Later passes: a side that missed takes the stream's first answer if that
 * came from a later frame. */
void
pm_frame_backfill_from_stream(const pm_frame_engine *engine, guint32 node, guint32 frame_number,
                     const pm_endpoint *endpoint, pm_frame_side *side)
{
    stream_end *end;

    if (side->process != NULL || final_without_process(side->reason))
        return;
    end = find_end(engine, node, endpoint);
    if (end != NULL && end->first_frame > frame_number) {
        *side = *side_of(engine, end->first);
        side->source = PM_SOURCE_STREAM_LATER;
    }
}

static stream_memo *
memo_slot(const pm_frame_engine *engine, const pm_frame_input *input)
{
    /* Stream numbers are dense, from 0 for each transport: the streams of
     * a busy moment take different slots, TCP's and UDP's first ones too. */
    guint slot = input->stream + (guint)input->transport * (STREAM_MEMO_SLOTS / 2);

    return (stream_memo *)&engine->memos[slot % STREAM_MEMO_SLOTS];
}

gboolean
pm_frame_stream_memo_get(const pm_frame_engine *engine, pm_watcher *watcher,
                         const pm_frame_input *input, guint32 *src_id, guint32 *dst_id)
{
    const stream_memo *memo = memo_slot(engine, input);

    if (memo->epoch == 0 || memo->stream != input->stream
        || memo->transport != (guint8)input->transport
        || memo->epoch != pm_watcher_epoch(watcher) || input->frame_time_us >= memo->until_us)
        return FALSE;
    if (pm_endpoint_equal(&memo->src, &input->src) && pm_endpoint_equal(&memo->dst, &input->dst)) {
        *src_id = memo->src_id;
        *dst_id = memo->dst_id;
        return TRUE;
    }
    if (pm_endpoint_equal(&memo->src, &input->dst) && pm_endpoint_equal(&memo->dst, &input->src)) {
        *src_id = memo->dst_id;
        *dst_id = memo->src_id;
        return TRUE;
    }
    return FALSE;
}

void
pm_frame_stream_memo_set(pm_frame_engine *engine, const pm_frame_input *input, guint32 src_id,
                         guint32 dst_id, guint64 epoch, gint64 until_us)
{
    stream_memo *memo = memo_slot(engine, input);

    /* The stream's slot: another stream's memo there gives way, and this
     * stream's old one never outlives a frame that did not keep it. */
    memo->epoch = epoch;
    if (epoch == 0)
        return;
    memo->stream = input->stream;
    memo->transport = (guint8)input->transport;
    memo->src = input->src;
    memo->dst = input->dst;
    memo->src_id = src_id;
    memo->dst_id = dst_id;
    memo->until_us = until_us;
}
