/* procmap_synonym.c - "process.*": the names the design asks for, as a full
 * synonym of "procmap.*", wherever Wireshark lets us have them.
 *
 * Why a second protocol, and why at handoff:
 * - The filter name "process" is free on Wireshark 4.0 and 4.4, but 4.6
 *   ships the Falco Events plugin, which registers it, and two protocols
 *   with one filter name abort start-up.  So the plugin's own name is
 *   "procmap" everywhere, and "process" is taken only if nobody else has
 *   it -- decided when every protocol has registered (the handoff), not by
 *   version number.  Where it is taken: procmap.* only, one informational
 *   log line.
 * - proto_register_alias(), Wireshark's route for a second name (ssl ->
 *   tls), does not do: on 4.0 "-T fields -e process.src.pid" rejects the
 *   alias, and the GUI's filter bar marks an aliased name as deprecated
 *   (yellow).  A registered protocol "process" with a twin of each field
 *   (same type, same strings) is an ordinary name everywhere: filters,
 *   -e, custom columns, -z procmap,tree,<filter>, the profile.
 * - Per frame, a twin item is added (hidden) only when a filter, column or
 *   -e reads that twin (its ref_type), never merely because the tree is
 *   visible: -V, PDML and the GUI's details are unchanged, and a dissection
 *   that reads no process.* field costs nothing more.
 * - tshark 4.2+ primes its -e fields (output_fields_prime_edt), so they are
 *   read like a filter's.  tshark 4.0 does not: -T fields builds a visible
 *   tree and picks the fields out of it afterwards, so nothing in epan says
 *   that "-e process.src.pid" wants the twin (and making it a wanted field
 *   of the postdissector is not enough: 4.0's second pass, tshark -2, does
 *   not prime those).  There, and only there, the plugin reads tshark's
 *   command line once (tshark_fields.c), and the twins of its -e options
 *   are added to every tree, like fields a filter reads.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "procmap_synonym.h"

#include <string.h>

#define SYNONYM_FILTER_NAME "process"

static int proto_process = -1;
static header_field_info *process_protocol;
/* procmap hf id -> its twin's header_field_info */
static GHashTable *twins;
/* The twins' registration records: Wireshark keeps pointers into them
 * until it shuts down. */
static hf_register_info *twin_records;
static guint twin_record_count;

header_field_info *
procmap_synonym_twin(int hf)
{
    if (twins == NULL || hf < 0)
        return NULL;
    return g_hash_table_lookup(twins, GINT_TO_POINTER(hf));
}

header_field_info *
procmap_synonym_protocol(void)
{
    return process_protocol;
}

/* The fields to twin: every field of @proto but the Expert Info entries
 * (FT_NONE), which have no value to copy. */
static GPtrArray *
fields_of(int proto)
{
    GPtrArray *fields = g_ptr_array_new();
    void *cookie = NULL;

    for (header_field_info *field = proto_get_first_protocol_field(proto, &cookie);
         field != NULL; field = proto_get_next_protocol_field(proto, &cookie)) {
        if (field->type != FT_NONE)
            g_ptr_array_add(fields, field);
    }
    return fields;
}


void
procmap_synonym_register(int proto)
{
    const char *own = proto_get_protocol_filter_name(proto);
    size_t prefix = strlen(own);
    GPtrArray *fields;

    int owner = proto_get_id_by_filter_name(SYNONYM_FILTER_NAME);

    if (owner != -1) {
        /* On Wireshark 4.6: Falco Events. */
        ws_log(WS_LOG_DOMAIN, LOG_LEVEL_INFO,
               "the filter name \"" SYNONYM_FILTER_NAME "\" belongs to %s: the process "
               "fields are %s.* only", proto_get_protocol_name(owner), own);
        return;
    }
    proto_process = proto_register_protocol("Process Attribution (process.* names)",
                                            "Process names", SYNONYM_FILTER_NAME);
    process_protocol = proto_registrar_get_nth((guint)proto_process);

    fields = fields_of(proto);
    twin_records = g_new0(hf_register_info, fields->len);
    twin_record_count = fields->len;
    for (guint i = 0; i < fields->len; i++) {
        const header_field_info *field = g_ptr_array_index(fields, i);
        hf_register_info *record = &twin_records[i];

        /* "procmap.src.pid" -> "process.src.pid" */
        record->p_id = g_new(int, 1);
        *record->p_id = -1;
        record->hfinfo.name = field->name;
        record->hfinfo.abbrev = g_strconcat(SYNONYM_FILTER_NAME, field->abbrev + prefix, NULL);
        record->hfinfo.type = field->type;
        record->hfinfo.display = field->display;
        record->hfinfo.strings = field->strings;
        record->hfinfo.bitmask = field->bitmask;
        record->hfinfo.blurb = field->blurb;
        HFILL_INIT(*record);
    }
    proto_register_field_array(proto_process, twin_records, (int)fields->len);

    twins = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = 0; i < fields->len; i++) {
        const header_field_info *field = g_ptr_array_index(fields, i);
        g_hash_table_insert(twins, GINT_TO_POINTER(field->id),
                            proto_registrar_get_nth((guint)*twin_records[i].p_id));
    }
    g_ptr_array_free(fields, TRUE);
}

void
procmap_synonym_cleanup(void)
{
    /* The plugin is unloaded after this: whatever only its statics point to
     * would be lost (valgrind's memcheck counts it). */
    for (guint i = 0; i < twin_record_count; i++) {
        g_free(twin_records[i].p_id);
        g_free((char *)twin_records[i].hfinfo.abbrev);
    }
    g_clear_pointer(&twin_records, g_free);
    twin_record_count = 0;
    g_clear_pointer(&twins, g_hash_table_destroy);
    process_protocol = NULL;
    proto_process = -1;
}
