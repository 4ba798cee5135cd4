/* process_refs_epan.c - what a packet's references to the capture's
 * process records (process_records_epan.c) name: its procmap custom option
 * (both ends' record numbers and the run's tag), or another writer's
 * epb_processid_threadid (a pid; on Wireshark 4.0 and 4.4, which drop that
 * option, read by a pcapng option parser the plugin registers).  The
 * records become procmap's version 1 comments for the carried reader
 * (carried.c), formatted once per pair, and the packet marks their frames
 * as frames it depends on.
 *
 * A reference is resolved only within its section and only to a record
 * seen before the packet; a number two different records of one section
 * claim (files of two runs merged) resolves to nothing.  Either way the
 * packet says that a record is missing, never guesses.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procmap_epan.h"

#include <epan/epan.h>
#include <wiretap/wtap.h>
#include <wiretap/wtap_opttypes.h>
#if PM_WS_VERSION < 406
#include <wiretap/pcapng_module.h>
#endif

#include "carried.h"
#include "process_record.h"
#include "process_records_private.h"

/* (section, src number, dst number, run) -> the pair's two comments. */
static GHashTable *comments_by_refs;

/* The frames whose answer came from records, with the records' frames:
 * frame_dependency, in frame order (appended on the first pass, which goes
 * in order).  Every dissection of such a frame marks its records as
 * depended upon, so that saving or exporting only the displayed packets
 * (File > Export Specified Packets, tshark -2 -Y ... -w) keeps the records
 * the kept packets need, as Wireshark keeps a reassembled PDU's pieces.
 * 12 bytes a packet here; Wireshark 4.2+ keeps a hash table per marking
 * packet besides, so there only when the preference asks for it
 * (procmap_prefs_keep_records_on_export()). */
typedef struct {
    guint32 frame;
    guint32 record_frames[2];   /* 0: none */
} frame_dependency;
static GArray *frame_dependencies;

static void
comments_free(gpointer data)
{
    char **pair = data;

    g_free(pair[0]);
    g_free(pair[1]);
    g_free(pair);
}

typedef struct {
    gboolean found;
    guint8   run;
    guint32  src_ref, dst_ref;
    /* epb_processid_threadid as Wireshark 4.6 keeps it: a u64 in the
     * section's byte order, so the pid is its low half in a little-endian
     * section and its high half in a big-endian one.  With @pid_known
     * (4.0, 4.4: read_process_thread() read it) the low half is the pid. */
    gboolean has_process_thread;
    gboolean pid_known;
    guint64  process_thread;
} refs_search;

#if PM_WS_VERSION < 406
/* Wireshark 4.0 and 4.4 know no epb_processid_threadid and drop it, but
 * hand an option code they do not know to a parser a plugin registers.
 * This one keeps the pid and tid, read in the section's byte order, as a
 * custom option that is never written out (OPT_CUSTOM_BIN_NO_COPY,
 * procmap's PEN, PM_PROCMAP_OPT_PROCESS_THREAD); find_refs() reads it as
 * 4.6 reads its own.  Saving the file drops it, as these versions drop
 * option 8 itself.  A malformed option is skipped, never fatal: the rest of
 * the file is still read. */
static pm_ws_bool
read_process_thread(wtap_block_t block, pm_ws_bool byte_swapped, guint option_length,
                    const guint8 *option_content, int *err _U_, gchar **err_info _U_)
{
    guint8 kept[PM_PROCMAP_PROCESS_THREAD_LEN];
    guint32 pid, tid;

    if (option_length != 8 || option_content == NULL)
        return TRUE;
    memcpy(&pid, option_content, 4);
    memcpy(&tid, option_content + 4, 4);
    if (byte_swapped) {
        pid = GUINT32_SWAP_LE_BE(pid);
        tid = GUINT32_SWAP_LE_BE(tid);
    }
    pm_record_process_thread_pack(kept, pid, tid);
    (void)wtap_block_add_custom_option(block, OPT_CUSTOM_BIN_NO_COPY, PM_PROCMAP_PEN,
                                       (const char *)kept, sizeof kept);
    return TRUE;
}
#endif

static pm_ws_bool
find_refs(wtap_block_t block _U_, guint option_id, wtap_opttype_e type _U_,
          wtap_optval_t *value, void *data)
{
    refs_search *search = data;
    const guint8 *bytes = NULL;
    gsize len = 0;

#if PM_WS_VERSION >= 406
    if (option_id == OPT_PKT_PROCIDTHRDID && type == WTAP_OPTTYPE_UINT64) {
        search->has_process_thread = TRUE;
        search->process_thread = value->uint64val;
        return TRUE;
    }
#endif
    if (option_id != OPT_CUSTOM_BIN_COPY && option_id != OPT_CUSTOM_BIN_NO_COPY)
        return TRUE;
#if PM_WS_VERSION >= 406
    if (value->custom_binaryval.pen != PM_PROCMAP_PEN)
        return TRUE;
    bytes = value->custom_binaryval.data.custom_data;
    len = value->custom_binaryval.data.custom_data_len;
#else
    if (value->custom_opt.pen != PM_PROCMAP_PEN)
        return TRUE;
    bytes = (const guint8 *)value->custom_opt.data.generic_data.custom_data;
    len = value->custom_opt.data.generic_data.custom_data_len;
    if (option_id == OPT_CUSTOM_BIN_NO_COPY && !search->has_process_thread) {
        guint32 pid, tid;

        if (pm_record_process_thread_unpack(bytes, len, &pid, &tid)) {
            search->has_process_thread = search->pid_known = TRUE;
            search->process_thread = ((guint64)tid << 32) | pid;
            return TRUE;
        }
    }
#endif
    search->found = pm_record_refs_parse(bytes, len, &search->run, &search->src_ref,
                                         &search->dst_ref);
    return !search->found;     /* the first valid one */
}

/* The record @ref names for frame @frame: one before it, not yet claimed
 * twice.  The same for every pass: what a later record says does not
 * change an earlier frame's answer. */
static const stored_record *
resolve(guint section, guint8 run, guint32 ref, guint32 frame)
{
    const stored_record *stored = procmap_records_claiming(section, run, ref);

    if (stored == NULL || stored->frame >= frame ||
        (stored->ambiguous_from != 0 && stored->ambiguous_from < frame))
        return NULL;
    return stored;
}

/* Frame @frame's answer came from the records of frames @first and
 * @second (0: none); the first pass only, which goes in frame order. */
static void
remember_dependency(guint32 frame, guint32 first, guint32 second)
{
    frame_dependency dependency = { frame, { first, second } };

    if (!procmap_prefs_keep_records_on_export() || frame_dependencies == NULL ||
        (first == 0 && second == 0) ||
        (frame_dependencies->len > 0 &&
         g_array_index(frame_dependencies, frame_dependency,
                       frame_dependencies->len - 1).frame >= frame))
        return;
    g_array_append_val(frame_dependencies, dependency);
}

void
procmap_records_mark_depended_upon(packet_info *pinfo)
{
    guint low = 0, high;

    if (frame_dependencies == NULL || frame_dependencies->len == 0)
        return;
    high = frame_dependencies->len;
    while (low < high) {
        guint middle = low + (high - low) / 2;
        const frame_dependency *at = &g_array_index(frame_dependencies, frame_dependency,
                                                    middle);

        if (at->frame == pinfo->num) {
            for (guint i = 0; i < G_N_ELEMENTS(at->record_frames); i++) {
                if (at->record_frames[i] != 0)
                    pm_mark_frame_as_depended_upon(pinfo, at->record_frames[i]);
            }
            return;
        }
        if (at->frame < pinfo->num)
            low = middle + 1;
        else
            high = middle;
    }
}

/* The record of the process with @pid when frame @frame (at @when_ns) was
 * captured: of its section, before the frame; of several with that pid
 * (pid reuse), the one that started last before the packet.  NULL when
 * none, or when several could be it and a start time does not tell. */
static const stored_record *
resolve_pid(guint section, guint32 pid, guint32 frame, guint64 when_ns)
{
    GPtrArray *same_pid = procmap_records_with_pid(section, pid);
    const stored_record *best = NULL;
    gboolean unsure = FALSE;

    for (guint i = 0; same_pid != NULL && i < same_pid->len; i++) {
        const stored_record *stored = g_ptr_array_index(same_pid, i);
        guint64 started = stored->record.start_time_ns;

        if (stored->frame >= frame)
            break;                          /* file order: the rest are later */
        if (started != 0 && started > when_ns)
            continue;                       /* not started yet */
        if (best == NULL) {
            best = stored;
        } else if (started == 0 || best->record.start_time_ns == 0) {
            unsure = TRUE;                  /* two, and no start time to tell */
        } else if (started >= best->record.start_time_ns) {
            best = stored;                  /* later, or the same one again */
        }
    }
    return unsure ? NULL : best;
}

/* The record a packet's epb_processid_threadid names (@value, as 4.6
 * keeps it): tried as both byte orders, since epan does not say the
 * section's, and an answer only when one reading names a record; with
 * @pid_known (read_process_thread() read the section's order) the low
 * half alone. */
static const stored_record *
resolve_process_thread(packet_info *pinfo, guint64 value, gboolean pid_known)
{
    guint32 low = (guint32)value, high = (guint32)(value >> 32);
    guint64 when_ns = (guint64)pinfo->abs_ts.secs * G_GUINT64_CONSTANT(1000000000) +
                      (guint64)pinfo->abs_ts.nsecs;
    guint section = procmap_records_section_of(pinfo);
    const stored_record *from_low, *from_high;

    if (pinfo->abs_ts.secs < 0)
        when_ns = 0;
    from_low = low ? resolve_pid(section, low, pinfo->num, when_ns) : NULL;
    if (pid_known || high == low)
        return from_low;
    from_high = high ? resolve_pid(section, high, pinfo->num, when_ns) : NULL;
    if (from_low != NULL && from_high != NULL)
        return NULL;                        /* either could be the pid */
    return from_low ? from_low : from_high;
}

guint
procmap_records_comments(packet_info *pinfo, wtap_block_t block, const char **out,
                         gboolean *missing)
{
    refs_search search = { FALSE, 0, 0, 0, FALSE, FALSE, 0 };
    guint32 key_data[4];
    const stored_record *src, *dst;
    GBytes *key;
    char **pair;
    guint n = 0;

    *missing = FALSE;
    wtap_block_foreach_option(block, find_refs, &search);
    if (!search.found && search.has_process_thread) {
        /* Another writer's packet: a pid, no end (the direction flag may
         * place it), and the record of that pid if the section has one. */
        stored_record *named = (stored_record *)resolve_process_thread(pinfo,
                                                                       search.process_thread,
                                                                       search.pid_known);
        if (named == NULL)
            return 0;
        remember_dependency(pinfo->num, named->frame, 0);
        if (named->pid_comment == NULL)
            named->pid_comment = pm_process_record_to_comment(&named->record,
                                                              PM_CARRIED_PIB_MARKER);
        out[0] = named->pid_comment;
        return 1;
    }
    if (!search.found || (search.src_ref == 0 && search.dst_ref == 0))
        return 0;
    key_data[0] = procmap_records_section_of(pinfo);
    src = search.src_ref ? resolve(key_data[0], search.run, search.src_ref, pinfo->num) : NULL;
    dst = search.dst_ref ? resolve(key_data[0], search.run, search.dst_ref, pinfo->num) : NULL;
    *missing = (search.src_ref != 0 && src == NULL) || (search.dst_ref != 0 && dst == NULL);
    if (src == NULL && dst == NULL)
        return 0;
    remember_dependency(pinfo->num, src ? src->frame : 0, dst ? dst->frame : 0);
    key_data[1] = src ? search.src_ref : 0;
    key_data[2] = dst ? search.dst_ref : 0;
    key_data[3] = search.run;
    key = g_bytes_new(key_data, sizeof key_data);
    pair = g_hash_table_lookup(comments_by_refs, key);
    if (pair == NULL) {
        pair = g_new0(char *, 2);
        pair[0] = src ? pm_process_record_to_comment(&src->record, "procmap-src") : NULL;
        pair[1] = dst ? pm_process_record_to_comment(&dst->record, "procmap-dst") : NULL;
        g_hash_table_insert(comments_by_refs, key, pair);
    } else {
        g_bytes_unref(key);
    }
    if (pair[0] != NULL)
        out[n++] = pair[0];
    if (pair[1] != NULL)
        out[n++] = pair[1];
    return n;
}

void
procmap_record_refs_reset(void)
{
    if (comments_by_refs == NULL)
        comments_by_refs = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                                 (GDestroyNotify)g_bytes_unref, comments_free);
    if (frame_dependencies == NULL)
        frame_dependencies = g_array_new(FALSE, FALSE, sizeof(frame_dependency));
    g_array_set_size(frame_dependencies, 0);
    g_hash_table_remove_all(comments_by_refs);
}

void
procmap_record_refs_shutdown(void)
{
    g_clear_pointer(&comments_by_refs, g_hash_table_destroy);
    if (frame_dependencies != NULL)
        g_array_free(frame_dependencies, TRUE);
    frame_dependencies = NULL;
}

void
procmap_record_refs_register(void)
{
#if PM_WS_VERSION < 406
    register_pcapng_option_handler(BLOCK_TYPE_EPB, PM_PCAPNG_EPB_PROCESS_THREAD,
                                   read_process_thread, NULL, NULL);
#endif
}
