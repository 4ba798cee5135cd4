/* process_records_epan.c - the capture's process records (Process
 * Information Blocks, process_record.h) as Wireshark 4.0-4.6 hand them
 * over: custom-block records of their own, in file order, before the
 * packets that refer to them.  Each record is kept for the file (by
 * section, procmap number and pid) and dissected as a row of its own
 * ("Process record: curl (4242) /usr/bin/curl").  What a packet's
 * references make of them is process_refs_epan.c's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procmap_epan.h"

#include <epan/epan.h>
#include <wiretap/wtap.h>
#include <wiretap/wtap_opttypes.h>

#include "process_record.h"
#include "process_records_private.h"

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


/* The file's records: frame number -> stored_record (owned), and
 * (section, run, number) -> the stored_record claiming it. */
static GHashTable *records_by_frame;
static GHashTable *records_by_ref;
/* (section, pid) -> the records of the section with that pid, in file
 * order (a GPtrArray of stored_record, not owned). */
static GHashTable *records_by_pid;


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


void
procmap_records_reset(void)
{
    if (records_by_frame == NULL) {
        records_by_frame = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                                 stored_record_free);
        records_by_ref = g_hash_table_new_full(ref_key_hash, ref_key_equal, g_free, NULL);
        records_by_pid = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                               (GDestroyNotify)g_ptr_array_unref);
    }
    procmap_record_refs_reset();
    g_hash_table_remove_all(records_by_ref);
    g_hash_table_remove_all(records_by_pid);
    g_hash_table_remove_all(records_by_frame);
}

void
procmap_records_shutdown(void)
{
    procmap_record_refs_shutdown();
    g_clear_pointer(&records_by_ref, g_hash_table_destroy);
    g_clear_pointer(&records_by_pid, g_hash_table_destroy);
    g_clear_pointer(&records_by_frame, g_hash_table_destroy);
}

guint
procmap_records_section_of(packet_info *pinfo)
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
    stored->section = procmap_records_section_of(pinfo);
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

const stored_record *
procmap_records_claiming(guint section, guint8 run, guint32 ref)
{
    ref_key key = { section, ref, run };

    return records_by_ref ? g_hash_table_lookup(records_by_ref, &key) : NULL;
}

GPtrArray *
procmap_records_with_pid(guint section, guint32 pid)
{
    guint64 key = section_key(section, pid);

    return records_by_pid ? g_hash_table_lookup(records_by_pid, &key) : NULL;
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
    procmap_record_refs_register();
}
