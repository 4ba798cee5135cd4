/* process_records_epan.c - the capture's process records (Process
 * Information Blocks, process_record.h) as Wireshark 4.0-4.6 hand them
 * over: custom-block records of their own, in file order, before the
 * packets that refer to them.  Each record is kept for the file (by
 * section and procmap number) and dissected as a row of its own ("Process
 * record: curl (4242) /usr/bin/curl"); a packet's procmap custom option
 * names its two ends' records, which become procmap's version 1 comments
 * for the carried reader (carried.c), formatted once per pair.
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

static int hf_record_ref = -1;
static int hf_record_run = -1;
static int hf_record_pid = -1;
static int hf_record_name = -1;
static int hf_record_path = -1;
static int hf_record_args = -1;
static int hf_record_user = -1;
static int hf_record_uid = -1;
static int hf_record_ppid = -1;
static int hf_record_start_time = -1;
static int hf_record_extra = -1;
static gint ett_record = -1;

typedef struct {
    pm_process_record record;
    guint             section;
    guint32           frame;
    /* The frame of a later record of the section that claims the same
     * number with other details (files of two runs merged): from there on
     * the number resolves to nothing.  0: none. */
    guint32           ambiguous_from;
    /* The comment it reads as when a packet names it by pid alone
     * (PM_CARRIED_PIB_MARKER), made the first time; NULL until then. */
    char             *pid_comment;
} stored_record;

/* The file's records: frame number -> stored_record (owned), and
 * (section, run, number) -> the stored_record claiming it. */
static GHashTable *records_by_frame;
static GHashTable *records_by_ref;
/* (section, pid) -> the records of the section with that pid, in file
 * order (a GPtrArray of stored_record, not owned). */
static GHashTable *records_by_pid;
/* (section, src number, dst number) -> the pair's two comments. */
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

/* (section, pid) as one key. */
static guint64
section_key(guint section, guint32 value)
{
    return ((guint64)section << 32) | value;
}

/* A record number is its run's: files of several runs merged into one
 * section keep their numbers apart by the runs' tags. */
typedef struct {
    guint32 section;
    guint32 ref;
    guint32 run;
} ref_key;

static guint
ref_key_hash(gconstpointer data)
{
    const ref_key *key = data;

    return (key->section * 2654435761u) ^ (key->ref * 40503u) ^ (key->run << 24);
}

static gboolean
ref_key_equal(gconstpointer a, gconstpointer b)
{
    const ref_key *x = a, *y = b;

    return x->section == y->section && x->ref == y->ref && x->run == y->run;
}

static void
stored_record_free(gpointer data)
{
    stored_record *stored = data;

    pm_process_record_clear(&stored->record);
    g_free(stored->pid_comment);
    g_free(stored);
}

static void
comments_free(gpointer data)
{
    char **pair = data;

    g_free(pair[0]);
    g_free(pair[1]);
    g_free(pair);
}

void
procmap_records_reset(void)
{
    if (records_by_frame == NULL) {
        records_by_frame = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                                 stored_record_free);
        records_by_ref = g_hash_table_new_full(ref_key_hash, ref_key_equal, g_free, NULL);
        records_by_pid = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                               (GDestroyNotify)g_ptr_array_unref);
        comments_by_refs = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                                 (GDestroyNotify)g_bytes_unref, comments_free);
    }
    if (frame_dependencies == NULL)
        frame_dependencies = g_array_new(FALSE, FALSE, sizeof(frame_dependency));
    g_array_set_size(frame_dependencies, 0);
    g_hash_table_remove_all(comments_by_refs);
    g_hash_table_remove_all(records_by_ref);
    g_hash_table_remove_all(records_by_pid);
    g_hash_table_remove_all(records_by_frame);
}

void
procmap_records_shutdown(void)
{
    g_clear_pointer(&comments_by_refs, g_hash_table_destroy);
    g_clear_pointer(&records_by_ref, g_hash_table_destroy);
    g_clear_pointer(&records_by_pid, g_hash_table_destroy);
    g_clear_pointer(&records_by_frame, g_hash_table_destroy);
    if (frame_dependencies != NULL)
        g_array_free(frame_dependencies, TRUE);
    frame_dependencies = NULL;
}

static guint
section_of(packet_info *pinfo)
{
    return (pinfo->rec->presence_flags & WTAP_HAS_SECTION_NUMBER) ? pinfo->rec->section_number
                                                                   : 0;
}

/* Keeps @record (the first time its frame is dissected). */
static stored_record *
keep(packet_info *pinfo, pm_process_record *record)
{
    stored_record *stored = g_new0(stored_record, 1), *other;
    GPtrArray *same_pid;
    guint64 key;
    ref_key by_ref;

    stored->record = *record;
    stored->section = section_of(pinfo);
    stored->frame = pinfo->num;
    g_hash_table_insert(records_by_frame, GUINT_TO_POINTER(pinfo->num), stored);
    key = section_key(stored->section, record->pid);
    same_pid = g_hash_table_lookup(records_by_pid, &key);
    if (same_pid == NULL) {
        same_pid = g_ptr_array_new();
        g_hash_table_insert(records_by_pid, g_memdup2(&key, sizeof key), same_pid);
    }
    g_ptr_array_add(same_pid, stored);
    if (record->ref == 0)
        return stored;
    by_ref = (ref_key){ stored->section, record->ref, record->run };
    other = g_hash_table_lookup(records_by_ref, &by_ref);
    if (other == NULL) {
        g_hash_table_insert(records_by_ref, g_memdup2(&by_ref, sizeof by_ref), stored);
    } else if (other->ambiguous_from == 0 &&
               (other->record.pid != record->pid ||
                other->record.start_time_ns != record->start_time_ns)) {
        /* Two runs' numbers in one section: from here on, neither. */
        other->ambiguous_from = pinfo->num;
    }
    return stored;
}

static void
add_string(proto_tree *tree, int hf, tvbuff_t *tvb, packet_info *pinfo, const char *text)
{
    if (text != NULL)
        proto_tree_add_string(tree, hf, tvb, 0, 0,
                              pm_format_text(pinfo->pool, text));
}

static void
add_row(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, int proto,
        const stored_record *stored)
{
    const pm_process_record *record = &stored->record;
    const char *name = record->name ? record->name : record->path ? record->path : "?";
    char *label = wmem_strdup_printf(pinfo->pool, "Process record: %s (%u)%s%s",
                                     pm_format_text(pinfo->pool, name), record->pid,
                                     record->path ? " " : "",
                                     record->path ? pm_format_text(pinfo->pool, record->path) : "");
    proto_item *item;
    proto_tree *subtree;

    col_set_str(pinfo->cinfo, COL_PROTOCOL, "procmap");
    col_add_str(pinfo->cinfo, COL_INFO, label);
    item = proto_tree_add_item(tree, proto, tvb, 0, 0, ENC_NA);
    proto_item_set_text(item, "%s", label);
    subtree = proto_item_add_subtree(item, ett_record);
    if (record->ref != 0)
        proto_tree_add_uint(subtree, hf_record_ref, tvb, 0, 0, record->ref);
    if (record->ref != 0 && record->run != 0)
        proto_tree_add_uint(subtree, hf_record_run, tvb, 0, 0, record->run);
    proto_tree_add_uint(subtree, hf_record_pid, tvb, 0, 0, record->pid);
    add_string(subtree, hf_record_name, tvb, pinfo, record->name);
    add_string(subtree, hf_record_path, tvb, pinfo, record->path);
    add_string(subtree, hf_record_args, tvb, pinfo, record->args);
    if (record->has_uid)
        proto_tree_add_uint(subtree, hf_record_uid, tvb, 0, 0, record->uid);
    add_string(subtree, hf_record_user, tvb, pinfo, record->user);
    if (record->has_ppid)
        proto_tree_add_uint(subtree, hf_record_ppid, tvb, 0, 0, record->ppid);
    if (record->start_time_ns != 0) {
        nstime_t start = { (time_t)(record->start_time_ns / 1000000000u),
                           (int)(record->start_time_ns % 1000000000u) };
        proto_tree_add_time(subtree, hf_record_start_time, tvb, 0, 0, &start);
    }
    add_string(subtree, hf_record_extra, tvb, pinfo, record->extra);
}

gboolean
procmap_records_dissect(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int proto,
                        const char **malformed)
{
    stored_record *stored;
    guint len;

    *malformed = NULL;
    if (pinfo->rec->rec_header.custom_block_header.pen != PM_PIB_PEN)
        return FALSE;
    if (records_by_frame == NULL)
        procmap_records_reset();
    stored = g_hash_table_lookup(records_by_frame, GUINT_TO_POINTER(pinfo->num));
    if (stored == NULL) {
        pm_process_record record;

        len = tvb_captured_length(tvb);
        switch (pm_process_record_parse(len ? tvb_get_ptr(tvb, 0, len) : NULL, len, &record,
                                        malformed)) {
        case PM_RECORD_OTHER_ENTRY:
            return TRUE;     /* Wireshark's, not a process: nothing to say */
        case PM_RECORD_MALFORMED:
            return TRUE;
        case PM_RECORD_PROCESS:
            stored = keep(pinfo, &record);
            break;
        }
    } else {
        /* Again (a later pass): what was wrong was said the first time. */
        const char *ignored;
        pm_process_record again;

        len = tvb_captured_length(tvb);
        if (pm_process_record_parse(len ? tvb_get_ptr(tvb, 0, len) : NULL, len, &again,
                                    &ignored) == PM_RECORD_PROCESS)
            *malformed = ignored;
        pm_process_record_clear(&again);
    }
    add_row(tree, tvb, pinfo, proto, stored);
    return TRUE;
}

/* ---- a packet's references ------------------------------------------------ */

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
    ref_key key = { section, ref, run };
    const stored_record *stored = records_by_ref ? g_hash_table_lookup(records_by_ref, &key)
                                                 : NULL;

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
    guint64 key = section_key(section, pid);
    GPtrArray *same_pid = records_by_pid ? g_hash_table_lookup(records_by_pid, &key) : NULL;
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
    guint section = section_of(pinfo);
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
    key_data[0] = section_of(pinfo);
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
procmap_records_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_record_ref,
          { "Record number", "procmap.record.ref", FT_UINT32, BASE_DEC, NULL, 0x0,
            "The number packets refer to this process record by (procmap-capture)", HFILL } },
        { &hf_record_run,
          { "Run tag", "procmap.record.run", FT_UINT8, BASE_DEC, NULL, 0x0,
            "The capture run that numbered the record: merged runs keep their numbers apart",
            HFILL } },
        { &hf_record_pid,
          { "Process ID", "procmap.record.pid", FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_record_name,
          { "Process name", "procmap.record.name", FT_STRING, BASE_NONE, NULL, 0x0, NULL,
            HFILL } },
        { &hf_record_path,
          { "Executable", "procmap.record.path", FT_STRING, BASE_NONE, NULL, 0x0, NULL,
            HFILL } },
        { &hf_record_args,
          { "Command line", "procmap.record.args", FT_STRING, BASE_NONE, NULL, 0x0,
            "Its arguments joined by spaces", HFILL } },
        { &hf_record_user,
          { "User", "procmap.record.user", FT_STRING, BASE_NONE, NULL, 0x0, NULL, HFILL } },
        { &hf_record_uid,
          { "User ID", "procmap.record.uid", FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL } },
        { &hf_record_ppid,
          { "Parent process ID", "procmap.record.ppid", FT_UINT32, BASE_DEC, NULL, 0x0, NULL,
            HFILL } },
        { &hf_record_start_time,
          { "Start time", "procmap.record.start_time", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_LOCAL,
            NULL, 0x0, NULL, HFILL } },
        { &hf_record_extra,
          { "Also recorded", "procmap.record.extra", FT_STRING, BASE_NONE, NULL, 0x0,
            "What procmap-capture adds: working directory, container, parent", HFILL } },
    };
    static gint *ett[] = { &ett_record };

    proto_register_field_array(proto, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
#if PM_WS_VERSION < 406
    register_pcapng_option_handler(BLOCK_TYPE_EPB, PM_PCAPNG_EPB_PROCESS_THREAD,
                                   read_process_thread, NULL, NULL);
#endif
}
