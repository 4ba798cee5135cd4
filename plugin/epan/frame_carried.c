/* frame_carried.c - a frame's answer from what its capture carries
 * (comments, Darwin's metadata, procmap's reference tags): which of the
 * carried set's processes each end is.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "frame_attribution_private.h"

#include <string.h>

static gboolean
carries_anything(const pm_frame_input *input)
{
    return (input->comments != NULL && input->n_comments > 0) ||
           (input->darwin != NULL && (input->darwin->present || input->darwin->unresolved)) ||
           pm_carried_tag_present(input->tag);
}

/* The parsed information of what @input carries, or NULL if it names no
 * process and nothing in it is wrong; its id in @id. */
const pm_carried_entry *
pm_frame_carried_lookup(pm_frame_engine *engine, const pm_frame_input *input, guint32 *id)
{
    *id = 0;
    if (!carries_anything(input))
        return NULL;
    return pm_carried_cache_lookup(engine->carried, input->comments, input->n_comments,
                                   input->darwin, input->tag, id);
}

static pm_source
source_of_kind(pm_carried_kind kind)
{
    switch (kind) {
    case PM_CARRIED_PROCMAP:    return PM_SOURCE_PROCMAP_CAPTURE;
    case PM_CARRIED_DARWIN:     return PM_SOURCE_DARWIN;
    case PM_CARRIED_PTCPDUMP:   return PM_SOURCE_PTCPDUMP;
    case PM_CARRIED_ETL2PCAPNG: return PM_SOURCE_ETL2PCAPNG;
    case PM_CARRIED_PCAPD:      return PM_SOURCE_PCAPD;
    case PM_CARRIED_PCAPDROID:  return PM_SOURCE_PCAPDROID;
    case PM_CARRIED_TCPSHARK:   return PM_SOURCE_TCPSHARK;
    case PM_CARRIED_ECAPTURE:   return PM_SOURCE_ECAPTURE;
    case PM_CARRIED_PIB:        return PM_SOURCE_PIB;
    case PM_CARRIED_NONE:
    case PM_CARRIED_KIND_COUNT:
        break;
    }
    return PM_SOURCE_NONE;
}

/* The side of @slot of a carried record, from its set @entry. */
void
pm_frame_carried_side(const frame_record *record, const pm_carried_entry *entry, int slot,
             pm_frame_side *side)
{
    guint index = placed_index(record, slot);

    memset(side, 0, sizeof *side);
    if (index == NO_SLOT) {
        side->reason = (guint8)(placed_index(record, PM_CARRIED_EITHER) != NO_SLOT
                                ? PM_REASON_SIDE_UNKNOWN : PM_REASON_NOT_CARRIED);
        return;
    }
    side->process = entry->process[index];
    side->source = (guint8)source_of_kind(entry->parsed.kind);
    if (side->process->has_uid) {
        side->has_uid = TRUE;
        side->uid = side->process->uid;
    }
}

/* The frame's answer from what it carries (the first pass, or again once
 * its set was forgotten); NULL if it carries no process.  The set is kept
 * in @record either way when something in it is wrong. */
const pm_carried_entry *
pm_frame_compute_carried(pm_frame_engine *engine, const pm_frame_input *input, frame_record *record)
{
    const pm_carried_entry *entry = pm_frame_carried_lookup(engine, input, &record->carried);
    const pm_carried_process *placed[PM_CARRIED_SLOTS];
    gboolean loopback;

    if (!answers(entry))
        return NULL;
    loopback = pm_addr_is_loopback(&input->src.addr) && pm_addr_is_loopback(&input->dst.addr);
    pm_carried_place(&entry->parsed, input->direction, loopback, placed);
    record->placed = 0;
    for (int slot = 0; slot < PM_CARRIED_SLOTS; slot++) {
        guint index = placed[slot] ? (guint)(placed[slot] - entry->parsed.process) : NO_SLOT;
        record->placed |= (guint8)(index << (2 * slot));
    }
    /* The sides are read from the set each time (it may be parsed again):
     * the record's stay empty. */
    return entry;
}
