/* frame_attribution_private.h - the frame engine's state, shared by its
 * rooms: the engine (frame_attribution.c), the stream-ends table
 * (frame_streams.c) and what captures carry (frame_carried.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef PROCMAP_FRAME_ATTRIBUTION_PRIVATE_H
#define PROCMAP_FRAME_ATTRIBUTION_PRIVATE_H

#include "frame_attribution.h"

#include "carried_cache.h"
#include "intern_pool.h"
#include "user_names.h"

/* Which of a carried set's processes a slot holds: none. */
#define NO_SLOT 3u

/* The stored answer of a frame.  Records are interned (intern_pool.h): a
 * frame keeps only the 4-byte id of its record, and frames with the same
 * answer (most frames of a stream) share one. */
typedef struct {
    guint32 src;                    /* interned pm_frame_side ids */
    guint32 dst;
    guint32 carried;                /* what the capture file carries for it, if anything
                                     * names a process or is wrong: the id of its set in
                                     * the carried cache; 0: nothing */
    guint32 stream;
    guint8  placed;                 /* carried: 2 bits per slot, the entry's process index */
    guint8  transport;
    guint8  icmp_quoted : 1;
    guint8  empty : 1;              /* nothing to show */
    guint8  has_stream : 1;         /* the stream the first pass saw, for later passes */
} frame_record;

/* What a stream end resolved to: the first answer (for frames before it)
 * and the latest (for frames after it whose own lookup missed), as
 * interned side ids. */
typedef struct {
    pm_endpoint endpoint;
    guint32     first_frame;
    guint32     first;
    guint32     latest;
} stream_end;

/* The resolved ends of one stream: two fit (both ends on this host); a
 * third, in odd captures, chains on. */
typedef struct {
    stream_end ends[2];
    guint32    more;        /* node id; 0: none */
    guint32    last_record; /* the record id of the stream's last frame (first node) */
    guint8     n_ends;
} stream_node;

/* A stream's last live answer (its side ids, as kept): it holds for the
 * stream's next frame between the same two ends while the watcher's epoch
 * is @epoch (0: none) and the frame is before @until_us.  Kept for the
 * streams seen last only (a slot by stream number): no memory per stream. */
typedef struct {
    pm_endpoint src;
    pm_endpoint dst;
    guint32     src_id;
    guint32     dst_id;
    guint32     stream;
    guint8      transport;
    guint64     epoch;
    gint64      until_us;
} stream_memo;

#define STREAM_MEMO_SLOTS 256u

/* Frame slots and stream nodes come in zeroed chunks, never moved: no copy
 * as a file grows. */
#define FRAME_CHUNK 1024u
#define NODE_CHUNK 512u
/* A frame's slot: its record id, and whether the record holds its ends the
 * other way round (both directions of a stream share one record). */
#define SLOT_SWAPPED 0x80000000u
#define SLOT_RECORD(slot) ((slot) & ~SLOT_SWAPPED)
/* Stream numbers are Wireshark's, dense from 0: one past this (for a frame
 * number) is not, and its frame does not share the stream's answers. */
#define STREAM_PLAUSIBLE(stream, frame_number) \
    ((guint64)(stream) < (guint64)(frame_number) * 4u + 65536u)

struct pm_frame_engine {
    GPtrArray  *frames;       /* chunks of FRAME_CHUNK slots, by frame number; 0: none */
    pm_intern_pool *records;  /* frame_record */
    pm_intern_pool *sides;    /* pm_frame_side */
    GArray     *streams[PM_TRANSPORT_COUNT];  /* node id (guint32) by stream number */
    GPtrArray  *node_chunks;  /* chunks of NODE_CHUNK stream_nodes */
    guint32     n_nodes;
    GHashTable *processes;    /* pm_process* set: the references the records borrow */
    pm_user_names *user_names;  /* of the uids in stored answers */
    pm_carried_cache *carried;  /* what distinct sets of carried information read as */
    /* The last processes and uid kept: consecutive frames mostly repeat
     * them, so the sets above are not asked on every frame. */
    pm_process *kept[2];
    guint32     named_uid_plus_one;
    stream_memo memos[STREAM_MEMO_SLOTS];
};

/* Small and on every frame's path: inline in each room. */

static inline guint32
keep_side(pm_frame_engine *engine, const pm_frame_side *side)
{
    return pm_intern_pool_add(engine->sides, side);
}

static inline const pm_frame_side *
side_of(const pm_frame_engine *engine, guint32 id)
{
    return pm_intern_pool_get(engine->sides, id);
}

/* An answer without a process that no other frame of the stream changes:
 * not this host's end. */
static inline gboolean
final_without_process(guint8 reason)
{
    return reason == PM_REASON_NOT_LOCAL || reason == PM_REASON_FORWARDED;
}

static inline stream_node *
node_at(const pm_frame_engine *engine, guint32 id)
{
    stream_node *chunk = g_ptr_array_index(engine->node_chunks, (id - 1) / NODE_CHUNK);

    return &chunk[(id - 1) % NODE_CHUNK];
}

/* The first node of a stream's ends; 0 if none. */
static inline guint32
find_stream(const pm_frame_engine *engine, guint8 transport, guint32 stream)
{
    const GArray *heads = engine->streams[transport % PM_TRANSPORT_COUNT];

    return stream < heads->len ? g_array_index(heads, guint32, stream) : 0;
}

static inline guint
placed_index(const frame_record *record, int slot)
{
    return (record->placed >> (2 * slot)) & 3u;
}

/* Whether @entry (a frame's carried set) answers for the frame. */
static inline gboolean
answers(const pm_carried_entry *entry)
{
    return entry != NULL && entry->parsed.kind != PM_CARRIED_NONE;
}

/* frame_streams.c: what a stream's ends resolved to. */
guint32 pm_frame_stick_to_stream(pm_frame_engine *engine, const pm_frame_input *input,
                                 const pm_endpoint *endpoint, pm_frame_side *side);
void pm_frame_backfill_from_stream(const pm_frame_engine *engine, guint32 node,
                                   guint32 frame_number, const pm_endpoint *endpoint,
                                   pm_frame_side *side);

/* The stream's ends as its last frame's live lookup answered them, if
 * they still hold for this frame (frame_streams.c); the side ids. */
gboolean pm_frame_stream_memo_get(const pm_frame_engine *engine, pm_watcher *watcher,
                                  const pm_frame_input *input, guint32 *src_id,
                                  guint32 *dst_id);
/* After a first-pass frame of a stream: remember its live answer, the
 * sides kept as @src_id and @dst_id, for the next frame (@epoch 0: forget
 * the last). */
void pm_frame_stream_memo_set(pm_frame_engine *engine, const pm_frame_input *input,
                              guint32 src_id, guint32 dst_id, guint64 epoch, gint64 until_us);

/* frame_carried.c: what the capture carries for a frame. */
const pm_carried_entry *pm_frame_carried_lookup(pm_frame_engine *engine,
                                                const pm_frame_input *input, guint32 *id);
void pm_frame_carried_side(const frame_record *record, const pm_carried_entry *entry, int slot,
                           pm_frame_side *side);
const pm_carried_entry *pm_frame_compute_carried(pm_frame_engine *engine,
                                                 const pm_frame_input *input,
                                                 frame_record *record);

#endif /* PROCMAP_FRAME_ATTRIBUTION_PRIVATE_H */
